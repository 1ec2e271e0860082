"""SPEC 4: whenever the SDK stops waiting on a held action it withdraws it — its own timeout,
Ctrl-C (a real SIGINT to a waiting process), and asyncio cancellation (a cancelled task, in
AsyncClient, in an async governed function and in the MCP middleware)."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

from gatehouse import ActionDenied, ApprovalTimeout, AsyncClient, Client, Decision
from gatehouse.mcp import MCPGovernanceMiddleware

from .support import SDK_DIR, clean_env, server


class WithdrawTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = server()
        cls.server.policy({"id": "t-withdraw", "effect": "require_approval", "priority": 500, "when": {"action_type": "withdraw.*"}})

    def client(self, agent_id="py-withdraw"):
        return Client(agent_id=agent_id, url=self.server.url, api_key=self.server.agent_key)

    def assert_withdrawn(self, action_id):
        status = self.server.status(action_id)
        self.assertEqual(status["status"], "withdrawn", status)
        self.assertEqual(status["decision"], "denied")
        return status

    def test_execute_action_timeout_withdraws(self):
        c = self.client()
        started = time.monotonic()
        with self.assertRaises(ApprovalTimeout) as cm:
            c.execute_action(action_type="withdraw.timeout", resource="x", timeout=1)
        self.assertGreaterEqual(time.monotonic() - started, 0.9)
        status = self.assert_withdrawn(cm.exception.action_id)
        self.assertIn("stopped waiting", status.get("comment") or "")

    def test_wait_for_approval_timeout_withdraws(self):
        c = self.client()
        d = c.evaluate_action(action_type="withdraw.approval")
        with self.assertRaises(TimeoutError):  # the seeds' `except TimeoutError`
            c.wait_for_approval(d.action_id, timeout=0.5)
        self.assert_withdrawn(d.action_id)

    def test_govern_timeout_withdraws_and_does_not_run(self):
        c = self.client()
        ran = []

        @c.govern("withdraw.govern", resource=lambda p: p, timeout=0.5)
        def act(p):
            ran.append(p)

        with self.assertRaises(ApprovalTimeout) as cm:
            act("/tmp/w")
        self.assertEqual(ran, [])
        self.assert_withdrawn(cm.exception.action_id)

    def test_an_answer_that_races_the_timeout_is_kept(self):
        # Approved between the last poll and the withdrawal: the withdrawal gets a 409, the SDK
        # reads the status and returns the approval instead of throwing it away.
        c = self.client()
        d = c.evaluate_action(action_type="withdraw.race")
        self.server.admin("POST", f"/api/v1/approvals/{d.action_id}/approve", {})
        raced = c._withdraw_quietly(d.action_id, "test")
        self.assertEqual(raced.decision, Decision.ALLOWED)
        self.assertEqual(raced.status, "approved")

    def test_ctrl_c_while_waiting_withdraws(self):
        code = (
            "import sys\n"
            "from gatehouse import Client\n"
            "c = Client(agent_id='py-sigint', url=sys.argv[1], api_key=sys.argv[2])\n"
            "try:\n"
            "    c.execute_action(action_type='withdraw.sigint', resource='long job', timeout=120)\n"
            "except KeyboardInterrupt:\n"
            "    print('interrupted', flush=True)\n"
            "    raise SystemExit(130)\n"
        )
        env = clean_env(PYTHONPATH=SDK_DIR)
        p = subprocess.Popen([sys.executable, "-c", code, self.server.url, self.server.agent_key], env=env, cwd=tempfile.gettempdir(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            action = self.server.pending(lambda a: a["agent_id"] == "py-sigint" and a["status"] == "pending")
            time.sleep(0.3)  # it is inside its long-poll now
            p.send_signal(signal.SIGINT)
            out, err = p.communicate(timeout=30)
        finally:
            if p.poll() is None:
                p.kill()
        self.assertEqual(p.returncode, 130, err)
        self.assertIn("interrupted", out)
        self.assert_withdrawn(action["action_id"])

    def test_cancelled_async_wait_withdraws(self):
        ac = AsyncClient(agent_id="py-async-cancel", url=self.server.url, api_key=self.server.agent_key)

        async def main():
            d = await ac.evaluate_action(action_type="withdraw.async", resource="a")
            self.assertEqual(d.decision, Decision.PENDING)
            task = asyncio.ensure_future(ac.wait_for_approval(d.action_id, timeout=120))
            await asyncio.sleep(0.3)
            task.cancel()
            with self.assertRaises(asyncio.CancelledError):
                await task
            return d.action_id

        started = time.monotonic()
        action_id = asyncio.run(main())
        self.assertLess(time.monotonic() - started, 20)  # the worker thread's long-poll was woken, not waited out
        self.assert_withdrawn(action_id)

    def test_cancelled_async_governed_function_withdraws_and_does_not_run(self):
        c = self.client("py-async-govern")
        ran = []

        @c.govern("withdraw.async_govern", resource=lambda p: p)
        async def act(p):
            ran.append(p)

        async def main():
            task = asyncio.ensure_future(act("/tmp/async"))
            action = await asyncio.to_thread(self.server.pending, lambda a: a["agent_id"] == "py-async-govern")
            task.cancel()
            with self.assertRaises(asyncio.CancelledError):
                await task
            return action["action_id"]

        self.assert_withdrawn(asyncio.run(main()))
        self.assertEqual(ran, [])

    def test_wait_for_timeout_on_an_mcp_tool_withdraws(self):
        mw = MCPGovernanceMiddleware(self.client("py-mcp-cancel"), timeout=120)
        ran = []

        @mw.govern("withdraw.mcp", "production_db")
        async def query_database(sql: str):
            ran.append(sql)

        async def main():
            try:
                await asyncio.wait_for(query_database("SELECT 1"), timeout=0.8)
            except asyncio.TimeoutError:
                return "timed out"

        self.assertEqual(asyncio.run(main()), "timed out")
        self.assertEqual(ran, [])
        action = self.server.actions(agent_id="py-mcp-cancel", limit=1)[0]
        self.assert_withdrawn(action["action_id"])
