"""``AsyncClient``: the same client for ``asyncio`` code — every method is a coroutine.

The seeds' MCP gateway awaits its client::

    governance_client = AsyncClient(agent_id="mcp-enterprise-tools")
    evaluation = await governance_client.evaluate_action(server_id="mcp-enterprise-tools", namespace="database",
                                                         verb="execute", resource="database://prod", parameters=arguments)
    if evaluation["decision"] == "REQUIRE_APPROVAL":
        approval = await governance_client.wait_for_approval(evaluation["action_id"], timeout=300)

The HTTP calls run in worker threads (the loop is never blocked). A task cancelled while it waits
for an approval withdraws the action (SPEC 4).
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, Optional

from ._govern import execute_async, submit_async, wait_async
from ._types import ActionDecision, Decision
from .client import Client
from .errors import refusal

__all__ = ["AsyncClient"]


class AsyncClient:
    """Wraps a :class:`Client` (give one, or the same keyword arguments as ``Client``)."""

    def __init__(self, client: Optional[Client] = None, **kwargs: Any):
        self.client = client if client is not None else Client(**kwargs)

    @property
    def agent_id(self) -> str:
        return self.client.agent_id

    async def evaluate_action(self, *args: Any, **kwargs: Any) -> ActionDecision:
        """:meth:`Client.evaluate_action` (also the MCP form); a held action whose task is cancelled is withdrawn."""
        return await submit_async(self.client, lambda: self.client.evaluate_action(*args, **kwargs))

    async def submit_action(self, action: Any = None, **fields: Any) -> ActionDecision:
        return await submit_async(self.client, lambda: self.client.submit_action(action, **fields))

    async def wait_for_decision(self, action_id: str, timeout: float = 300) -> ActionDecision:
        return await wait_async(self.client, action_id, timeout)

    async def wait_for_approval(self, action_id: str, timeout: float = 300) -> ActionDecision:
        """Returns the approved status; raises ``AuthorizationDeniedError`` on a no, ``ApprovalTimeout`` on no answer."""
        d = await wait_async(self.client, action_id, timeout)
        if d.decision != Decision.ALLOWED:
            raise refusal(d, action_id)
        return d

    async def execute_action(self, timeout: float = 300, **fields: Any) -> ActionDecision:
        return await execute_async(self.client, fields, timeout)

    async def get_action_status(self, action_id: str) -> ActionDecision:
        return await asyncio.to_thread(self.client.get_action_status, action_id)

    async def withdraw(self, action_id: str, reason: Optional[str] = None) -> ActionDecision:
        return await asyncio.to_thread(self.client.withdraw, action_id, reason)

    async def log_action_completed(self, action_id: Optional[str], result: Any = None, duration_ms: Optional[float] = None):
        return await asyncio.to_thread(self.client.log_action_completed, action_id, result, duration_ms)

    async def log_action_failed(self, action_id: Optional[str], error: Any = None, duration_ms: Optional[float] = None):
        return await asyncio.to_thread(self.client.log_action_failed, action_id, error, duration_ms)

    async def register(self, **kwargs: Any) -> Dict[str, Any]:
        return await asyncio.to_thread(lambda: self.client.register(**kwargs))

    async def test_connection(self) -> Dict[str, Any]:
        return await asyncio.to_thread(self.client.test_connection)

    def govern(self, *args: Any, **kwargs: Any):
        """Same as :meth:`Client.govern` (decorates sync or async functions)."""
        return self.client.govern(*args, **kwargs)
