"""The seeds' ``owkai`` module: ``from owkai import OWKAIClient`` gives the Gatehouse client.

Put ``sdk/python`` and ``sdk/python/compat`` on ``PYTHONPATH``.
"""

from gatehouse import *  # noqa: F401,F403 - the same names
from gatehouse import TimeoutError  # noqa: A004,F401 - kept out of __all__, as in gatehouse
from gatehouse import __all__, __version__  # noqa: F401
