"""The seeds' ``ascend.mcp``: ``from ascend.mcp import mcp_governance, MCPGovernanceMiddleware``."""

from gatehouse.mcp import *  # noqa: F401,F403
from gatehouse.mcp import __all__  # noqa: F401
