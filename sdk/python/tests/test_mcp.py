"""gatehouse.mcp beyond the seeds' snippet: sync tools, the one-off `mcp_governance` decorator,
an AsyncClient given to the middleware, resources computed from the arguments, held calls."""

import asyncio
import inspect
import unittest

from gatehouse import AsyncClient, AuthorizationDeniedError, Client
from gatehouse.mcp import MCPGovernanceMiddleware, mcp_governance

from .support import server


class McpMiddlewareTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = server()
        cls.server.policy({"id": "mcp-t-deny", "effect": "deny", "priority": 500, "when": {"mcp.server_id": "py-mcp", "mcp.tool": "drop_table"}})
        cls.server.policy({"id": "mcp-t-hold", "effect": "require_approval", "priority": 500, "when": {"action_type": "mcp.t.hold"}})

    def client(self):
        return Client(agent_id="py-mcp", url=self.server.url, api_key=self.server.agent_key)

    def test_sync_tool_runs_with_named_arguments_and_is_reported(self):
        mw = MCPGovernanceMiddleware(self.client())
        calls = []

        @mw.govern("file.read", lambda path, limit=10: path)
        def read_file(path: str, limit: int = 10) -> str:
            """Reads a file."""
            calls.append((path, limit))
            return "contents"

        self.assertEqual(read_file("/tmp/mcp.txt", limit=3), "contents")
        self.assertEqual(calls, [("/tmp/mcp.txt", 3)])
        self.assertEqual(read_file.__doc__, "Reads a file.")
        self.assertEqual(list(inspect.signature(read_file).parameters), ["path", "limit"])
        a = self.server.actions(agent_id="py-mcp", limit=1)[0]
        self.assertEqual(a["resource"], "/tmp/mcp.txt")
        self.assertEqual(a["parameters"], {"path": "/tmp/mcp.txt", "limit": 3})
        self.assertEqual(a["mcp"], {"server_id": "py-mcp", "tool": "read_file"})
        self.assertEqual(a["status"], "completed")

    def test_policies_on_mcp_tool_decide_and_the_tool_never_runs(self):
        ran = []

        @mcp_governance(self.client(), "database.drop", "postgres://prod/users")
        def drop_table(name: str):
            ran.append(name)

        with self.assertRaises(AuthorizationDeniedError) as cm:
            drop_table("users")
        self.assertEqual(ran, [])
        self.assertIn("mcp-t-deny", cm.exception.reason)

    def test_an_async_client_and_a_held_call_that_is_approved(self):
        ac = AsyncClient(agent_id="py-mcp", url=self.server.url, api_key=self.server.agent_key)
        mw = MCPGovernanceMiddleware(ac, server_id="py-mcp")
        ran = []

        @mw.govern("mcp.t.hold", "jobs://nightly")
        async def run_job(name: str):
            ran.append(name)
            return "started"

        t = self.server.resolve_when_pending("mcp.t.hold", approve=True)
        self.assertEqual(asyncio.run(run_job("nightly")), "started")
        t.join(10)
        self.assertEqual(t.errors, [])
        self.assertEqual(ran, ["nightly"])

    def test_a_rejected_held_call_raises_before_running(self):
        mw = MCPGovernanceMiddleware(self.client())
        ran = []

        @mw.govern("mcp.t.hold", "jobs://weekly")
        async def run_job(name: str):
            ran.append(name)

        t = self.server.resolve_when_pending("mcp.t.hold", approve=False, comment="not now")
        with self.assertRaises(AuthorizationDeniedError) as cm:
            asyncio.run(run_job("weekly"))
        t.join(10)
        self.assertEqual(ran, [])
        self.assertIn("not now", cm.exception.rejection_reason)
