"""Governing the tools of a Python MCP server (the seeds' ``ascend.mcp``)::

    from gatehouse import AscendClient
    from gatehouse.mcp import mcp_governance, MCPGovernanceMiddleware

    client = AscendClient(agent_id="mcp-server-001", agent_name="Database MCP Server")
    middleware = MCPGovernanceMiddleware(client)

    @mcp_server.tool()
    @middleware.govern("database.query", "production_db")
    async def query_database(sql: str):
        return await db.execute(sql)

Each call is evaluated as ``action_type`` on that resource, with the call's arguments (by name) as
``parameters``, ``tool_name`` = the function's name and ``mcp: {server_id, tool}`` (so policies on
``mcp.server_id`` / ``mcp.tool`` match). It waits for an approval when the action is held, then runs
the tool and reports the outcome — or raises ``AuthorizationDeniedError`` (``ApprovalTimeout`` when
no answer came) without running it. The wrapper keeps the tool's name, docstring and signature, so
MCP frameworks still derive the same input schema. A cancelled call withdraws its held action.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Dict, Optional, Union

from ._govern import run_governed
from .client import Client, json_safe

__all__ = ["MCPGovernanceMiddleware", "mcp_governance"]


def _arguments(fn: Callable[..., Any], args: tuple, kwargs: dict) -> Dict[str, Any]:
    """The call's arguments by parameter name (``{"sql": "SELECT 1"}``), JSON-safe."""
    try:
        bound = inspect.signature(fn).bind_partial(*args, **kwargs)
        named = dict(bound.arguments)
        for name, p in inspect.signature(fn).parameters.items():
            if p.kind is inspect.Parameter.VAR_KEYWORD and name in named:
                named.update(named.pop(name))
        named.pop("self", None)
    except (TypeError, ValueError):
        named = {"args": list(args), "kwargs": kwargs}
    safe = json_safe(named)
    return safe if isinstance(safe, dict) else {"arguments": safe}


class MCPGovernanceMiddleware:
    """Governs the tools of one MCP server.

    :param client: the Gatehouse client (``Client``/``AscendClient``); its ``agent_id`` names the server.
    :param server_id: the MCP server id recorded with each call (default the client's ``agent_id``).
    :param timeout: seconds to wait for an approval (default 300).
    """

    def __init__(self, client: Any = None, server_id: Optional[str] = None, timeout: float = 300):
        if client is not None and not isinstance(client, Client) and isinstance(getattr(client, "client", None), Client):
            client = client.client  # an AsyncClient
        self.client: Client = client if client is not None else Client()
        self.server_id = server_id or self.client.agent_id
        self.timeout = timeout

    def govern(
        self,
        action_type: str,
        resource: Union[str, Callable[..., Any], None] = None,
        timeout: Optional[float] = None,
        **fields: Any,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """``@middleware.govern("database.query", "production_db")``. ``resource`` may also be a
        callable given the tool's arguments; other keywords are fixed action fields
        (``environment``, ``context``, ``description``...)."""

        def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
            tool = getattr(fn, "__name__", "tool")

            def action_of(args: tuple, kwargs: dict) -> Dict[str, Any]:
                action: Dict[str, Any] = {"tool_name": tool, "mcp": {"server_id": self.server_id, "tool": tool}}
                action.update(fields)
                action["action_type"] = action_type
                r = resource(*args, **kwargs) if callable(resource) else resource
                if r is not None:
                    action["resource"] = str(r)
                action["parameters"] = _arguments(fn, args, kwargs)
                action.setdefault("description", f"MCP tool {tool} on {self.server_id}")
                return action

            return run_governed(self.client, fn, action_of, self.timeout if timeout is None else timeout)

        return decorate


def mcp_governance(*args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A one-off decorator: ``@mcp_governance(client, "file.read", "/data/reports")`` or
    ``@mcp_governance("file.read", "/data/reports", client=client)`` (without a client, one that
    finds Gatehouse by itself). ``server_id=`` and ``timeout=`` as for the middleware."""
    client = kwargs.pop("client", None)
    if args and isinstance(args[0], Client):
        client, args = args[0], args[1:]
    elif args and isinstance(getattr(args[0], "client", None), Client):  # an AsyncClient
        client, args = args[0], args[1:]
    middleware = MCPGovernanceMiddleware(client, server_id=kwargs.pop("server_id", None), timeout=kwargs.pop("timeout", 300))
    return middleware.govern(*args, **kwargs)
