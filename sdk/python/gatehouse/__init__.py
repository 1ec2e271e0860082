"""Gatehouse Python SDK — govern your agent's actions with a local Gatehouse console.

Standard library only, Python >= 3.9. Put ``sdk/python`` on ``PYTHONPATH`` (or copy the
``gatehouse/`` directory next to your code).

Quick start (SPEC 9.3)::

    from gatehouse import Client, Decision, FailMode, ActionDenied, ApprovalTimeout

    c = Client(agent_id="data-analyst", fail_mode=FailMode.CLOSED)  # URL/key from env or the data dir
    d = c.evaluate_action(action_type="database.delete", resource="postgres://prod/users",
                          parameters={"sql": "DELETE FROM users WHERE ..."},
                          context={"is_production": True})
    if d.decision == Decision.PENDING:
        d = c.wait_for_decision(d.action_id, timeout=300)
    if d.decision == Decision.ALLOWED:
        ...  # do it
        c.log_action_completed(d.action_id, result={"rows": 12})

    @c.govern("shell.exec", resource=lambda cmd: cmd)  # evaluate, wait, run, report; raises ActionDenied
    def run(cmd):
        ...

The seeds' code runs as written: ``OWKAIClient`` and ``AscendClient`` are this client with the
seeds' argument order; ``submit_action``, ``get_action_status``, ``execute_action``,
``wait_for_approval``, ``test_connection``, ``register``; ``AuthorizationDeniedError`` and
``TimeoutError``; ``gatehouse.mcp`` (``MCPGovernanceMiddleware``, ``mcp_governance``),
``gatehouse.boto3_patch`` (``enable_governance``) and ``gatehouse.aio`` (``AsyncClient``).

Where the client finds Gatehouse: the ``url`` / ``api_key`` arguments, else ``GATEHOUSE_URL`` /
``GATEHOUSE_API_KEY``, else the seeds' ``OWKAI_API_URL`` / ``ASCEND_API_URL`` (only a loopback URL)
and ``OWKAI_API_KEY`` / ``ASCEND_API_KEY`` (only a ``gk_`` key), else the data directory
(``data_dir``, ``$GATEHOUSE_HOME`` or ``~/.gatehouse``): ``server.json`` for the URL and the
``agent_key`` of ``credentials.json``. ``sdk/python/compat`` on ``PYTHONPATH`` adds the seeds'
module names (``owkai``, ``ascend``, ``ascend.mcp``, ``ascend.boto3_patch``).

A rejection or a denial raises ``ActionDenied`` (``AuthorizationDeniedError``); no answer in time
(the SDK's wait, or the approval expiring in Gatehouse) raises ``ApprovalTimeout`` (``TimeoutError``).

Fail modes: ``FailMode.CLOSED`` (the default) turns "Gatehouse unreachable" into ``ActionDenied``;
``FailMode.OPEN`` allows the action and logs a warning on the ``gatehouse`` logger — but only when
nothing answered. Whatever the fail mode, an answer the server gave (denied, held, 429 rate limited,
503 unavailable, any 4xx) is never turned into an allow, and an outage while an action is held is a no.

Whenever the SDK stops waiting on a held action (its timeout, Ctrl-C, a cancelled task) it
withdraws the action (SPEC 4), so the console never shows a request nobody waits for.
"""

from ._govern import govern
from ._types import ActionDecision, Decision, FailMode
from .aio import AsyncClient
from .client import AscendClient, Client, OWKAIClient
from .errors import (
    ActionDenied,
    ApprovalTimeout,
    AuthorizationDeniedError,
    GatehouseError,
    GatehouseUnreachable,
    TimeoutError,
)

__all__ = [
    "Client",
    "AsyncClient",
    "OWKAIClient",
    "AscendClient",
    "Decision",
    "FailMode",
    "ActionDecision",
    "ActionDenied",
    "AuthorizationDeniedError",
    "ApprovalTimeout",
    # Not "TimeoutError": `from gatehouse import *` would shadow the built-in with this narrower
    # class, and the caller's `except TimeoutError` would stop catching socket and asyncio timeouts.
    # `from gatehouse import TimeoutError` (the seeds' form) works.
    "GatehouseError",
    "GatehouseUnreachable",
    "govern",
]

__version__ = "0.2.0"
