"""The seeds' ``ascend.boto3_patch``: ``from ascend.boto3_patch import enable_governance``."""

from gatehouse.boto3_patch import *  # noqa: F401,F403
from gatehouse.boto3_patch import __all__  # noqa: F401
