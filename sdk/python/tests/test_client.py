"""The Client against a real Gatehouse server (tests/support.py starts it)."""

import asyncio
import os
import time
import unittest

import gatehouse
from gatehouse import (
    ActionDecision,
    ActionDenied,
    ApprovalTimeout,
    AuthorizationDeniedError,
    Client,
    Decision,
    FailMode,
    GatehouseError,
)

from .support import UNREACHABLE, server


class GatehouseSdkTest(unittest.TestCase):
    server = None

    @classmethod
    def setUpClass(cls):
        cls.server = server()
        cls.server.policy({"id": "t-deny", "effect": "deny", "priority": 500, "when": {"action_type": "test.deny"}})
        cls.server.policy(
            {"id": "t-approve", "name": "test approvals", "effect": "require_approval", "priority": 500, "when": {"action_type": "test.approval.*"}}
        )

    def client(self, **kw):
        kw.setdefault("url", self.server.url)
        kw.setdefault("api_key", self.server.agent_key)
        return Client(agent_id=kw.pop("agent_id", "py-test"), **kw)

    # --- basics ---------------------------------------------------------------------------------

    def test_test_connection(self):
        health = self.client().test_connection()
        self.assertEqual(health["status"], "healthy")

    def test_decision_enum_values(self):
        self.assertEqual([d.value for d in Decision], ["allowed", "denied", "pending"])
        self.assertEqual(Decision.ALLOWED, "allowed")
        self.assertEqual(FailMode.CLOSED.value, "closed")
        self.assertIs(AuthorizationDeniedError, ActionDenied)
        self.assertTrue(issubclass(ApprovalTimeout, TimeoutError))

    def test_allowed_and_completed(self):
        c = self.client()
        d = c.evaluate_action(action_type="file.read", resource="/tmp/report.csv", parameters={"lines": 10}, context={"purpose": "test"})
        self.assertIsInstance(d, ActionDecision)
        self.assertEqual(d.decision, Decision.ALLOWED)
        self.assertTrue(d.action_id.startswith("act_"))
        self.assertIsInstance(d.risk_score, (int, float))
        self.assertFalse(d.requires_approval)
        self.assertIsNone(d.approval_id)
        self.assertEqual(d.status, "allowed")
        self.assertEqual(d["decision"], "allowed")
        done = c.log_action_completed(d.action_id, result={"rows": 3})
        self.assertEqual(done.status, "completed")
        status = c.get_action_status(d.action_id)
        self.assertEqual(status.status, "completed")
        self.assertEqual(status.result, {"rows": 3})

    def test_log_action_failed(self):
        c = self.client()
        d = c.evaluate_action(action_type="file.read", resource="/tmp/missing.csv")
        self.assertEqual(c.log_action_failed(d.action_id, error=FileNotFoundError("missing")).status, "failed")

    def test_denied_by_policy(self):
        c = self.client()
        d = c.evaluate_action(action_type="test.deny", resource="x")
        self.assertEqual(d.decision, Decision.DENIED)
        self.assertIn("t-deny", d.reason)
        self.assertEqual(d.policy["id"], "t-deny")
        with self.assertRaises(ActionDenied) as cm:
            c.execute_action(action_type="test.deny", resource="y")
        self.assertIn("t-deny", cm.exception.reason)
        self.assertEqual(cm.exception.rejection_reason, cm.exception.reason)
        self.assertTrue(cm.exception.action_id.startswith("act_"))

    def test_denied_never_allowed_even_fail_open(self):
        c = self.client(fail_mode=FailMode.OPEN)
        self.assertEqual(c.evaluate_action(action_type="test.deny").decision, Decision.DENIED)
        ran = []

        @c.govern("test.deny")
        def act():
            ran.append(1)

        with self.assertRaises(ActionDenied):
            act()
        self.assertEqual(ran, [])

    # --- approvals ------------------------------------------------------------------------------

    def test_pending_then_approved_while_waiting(self):
        c = self.client()
        d = c.evaluate_action(action_type="test.approval.one", resource="prod-db")
        self.assertEqual(d.decision, Decision.PENDING)
        self.assertTrue(d.requires_approval)
        self.assertTrue(d.approval_id)
        t = self.server.resolve_when_pending("test.approval.one", approve=True, comment="ok", delay=0.5)
        started = time.time()
        final = c.wait_for_decision(d.action_id, timeout=30)
        t.join(5)
        self.assertEqual(t.errors, [])
        self.assertGreater(time.time() - started, 0.3)  # it really waited
        self.assertEqual(final.decision, Decision.ALLOWED)
        self.assertEqual(final.status, "approved")
        status = c.wait_for_approval(d.action_id, timeout=5)  # seeds' name: already decided
        self.assertTrue(status.approved)
        self.assertEqual(status.reviewed_by, "user")
        c.log_action_completed(d.action_id, result="done")

    def test_execute_action_waits_for_approval(self):
        c = self.client()
        t = self.server.resolve_when_pending("test.approval.exec", approve=True)
        d = c.execute_action(action_type="test.approval.exec", description="Seed-style call", tool_name="postgresql", target_system="production-db", risk_context={"is_production": True})
        t.join(5)
        self.assertEqual(d.decision, Decision.ALLOWED)
        self.assertTrue(d.requires_approval)
        self.assertTrue(c.wait_for_approval(d.action_id, timeout=5).approved)

    def test_govern_rejected_raises_and_does_not_run(self):
        c = self.client()
        ran = []

        @c.govern("test.approval.reject", resource=lambda path: path)
        def delete(path):
            ran.append(path)

        t = self.server.resolve_when_pending("test.approval.reject", approve=False, comment="not today")
        with self.assertRaises(ActionDenied) as cm:
            delete("/data/prod")
        t.join(5)
        self.assertEqual(ran, [])
        self.assertIn("not today", cm.exception.reason)
        self.assertEqual(c.get_action_status(cm.exception.action_id).status, "rejected")

    def test_wait_for_decision_times_out(self):
        c = self.client()
        d = c.evaluate_action(action_type="test.approval.timeout")
        self.assertEqual(d.decision, Decision.PENDING)
        with self.assertRaises(ApprovalTimeout) as cm:
            c.wait_for_decision(d.action_id, timeout=1)
        self.assertEqual(cm.exception.action_id, d.action_id)
        self.assertIsInstance(cm.exception, TimeoutError)
        # It stopped waiting, so it withdrew the action: denied, and no longer answerable.
        status = self.server.status(d.action_id)
        self.assertEqual(status["status"], "withdrawn")
        self.assertEqual(status["decision"], "denied")
        with self.assertRaises(Exception) as late:
            self.server.admin("POST", f"/api/v1/approvals/{d.action_id}/approve", {})
        self.assertIn("409", str(late.exception))

    def test_wait_for_approval_raises_on_a_rejection(self):
        c = self.client()
        d = c.evaluate_action(action_type="test.approval.reject2", resource="prod-db")
        t = self.server.resolve_when_pending("test.approval.reject2", approve=False, comment="not on a friday")
        with self.assertRaises(AuthorizationDeniedError) as cm:
            c.wait_for_approval(d.action_id, timeout=30)
        t.join(5)
        self.assertIn("not on a friday", cm.exception.rejection_reason)
        self.assertEqual(cm.exception.status, "rejected")
        # wait_for_decision reports the same answer as a decision instead
        self.assertEqual(c.wait_for_decision(d.action_id, timeout=5).decision, Decision.DENIED)

    def test_an_approval_that_expires_unanswered_is_a_timeout_not_a_rejection(self):
        # The seeds catch `TimeoutError` as "Approval timeout - action not executed" and
        # `AuthorizationDeniedError` as "Action rejected" (and notify security). Gatehouse's approval
        # timeout expiring the action (no one answered) is the first, whoever's clock ran out.
        self.server.policy(
            {"id": "t-expire", "effect": "require_approval", "priority": 500, "when": {"action_type": "test.expire.*"}, "approval": {"timeout_s": 1}}
        )
        c = self.client()
        ran = []
        calls = {
            "execute_action": lambda: c.execute_action(action_type="test.expire.execute", timeout=60),
            "wait_for_approval": lambda: c.wait_for_approval(c.evaluate_action(action_type="test.expire.wait").action_id, timeout=60),
            "govern": lambda: c.govern("test.expire.govern", timeout=60)(lambda: ran.append(1))(),
            "async execute_action": lambda: asyncio.run(gatehouse.AsyncClient(c).execute_action(action_type="test.expire.async", timeout=60)),
        }
        for name, call in calls.items():
            with self.subTest(name):
                with self.assertRaises(ApprovalTimeout) as cm:
                    call()
                e = cm.exception
                self.assertIsInstance(e, TimeoutError)
                self.assertNotIsInstance(e, ActionDenied)
                self.assertEqual(e.status, "expired")
                self.assertIn("expired", e.reason)
                self.assertEqual(self.server.status(e.action_id)["status"], "expired")
        self.assertEqual(ran, [])

    # --- govern ---------------------------------------------------------------------------------

    def test_govern_allowed_runs_and_reports(self):
        c = self.client()
        calls = []

        @c.govern("file.read", resource=lambda path, **kw: path)
        def read(path, limit=10):
            calls.append((path, limit))
            return {"path": path, "lines": limit}

        self.assertEqual(read("/tmp/a.txt", limit=3), {"path": "/tmp/a.txt", "lines": 3})
        self.assertEqual(calls, [("/tmp/a.txt", 3)])
        self.assertEqual(read.__name__, "read")
        actions = self.server.actions(agent_id="py-test", action_type="file.read", limit=5)
        mine = [a for a in actions if a["resource"] == "/tmp/a.txt"]
        self.assertTrue(mine)
        self.assertEqual(mine[0]["status"], "completed")
        self.assertEqual(mine[0]["parameters"], {"args": ["/tmp/a.txt"], "kwargs": {"limit": 3}})

    def test_govern_with_nan_and_infinity_runs_and_reports(self):
        # json.dumps writes NaN/Infinity, which is not JSON: the server refused the evaluation (the
        # function could not run at all) and the completion (the action stayed "allowed" forever).
        # They travel as null, as JSON.stringify does in the TS SDK.
        c = self.client()

        @c.govern("file.read", resource=lambda path, scale: path)
        def stats(path, scale):
            return {"mean": float("nan"), "max": float("-inf"), "n": 3}

        self.assertEqual(stats("/tmp/nan.csv", float("inf"))["n"], 3)
        mine = [a for a in self.server.actions(agent_id="py-test", action_type="file.read", limit=10) if a["resource"] == "/tmp/nan.csv"]
        self.assertEqual(mine[0]["status"], "completed")
        self.assertEqual(mine[0]["parameters"], {"args": ["/tmp/nan.csv", None], "kwargs": {}})
        self.assertEqual(mine[0]["result"], {"mean": None, "max": None, "n": 3})

    def test_govern_failure_is_reported(self):
        c = self.client()

        @gatehouse.govern(c, "file.read", resource=lambda p: p)
        def boom(p):
            raise ValueError("disk on fire")

        with self.assertRaises(ValueError):
            boom("/tmp/boom.txt")
        actions = self.server.admin("GET", "/api/v1/actions?agent_id=py-test&status=failed&limit=20")["items"]
        self.assertTrue(any(a["resource"] == "/tmp/boom.txt" and "disk on fire" in (a.get("error") or "") for a in actions))

    def test_govern_async_function(self):
        c = self.client()

        @c.govern("file.read", resource=lambda p: p)
        async def read(p):
            await asyncio.sleep(0)
            return p.upper()

        self.assertEqual(asyncio.run(read("/tmp/async.txt")), "/TMP/ASYNC.TXT")

    # --- seeds' names -----------------------------------------------------------------------------

    def test_seed_method_names(self):
        c = self.client(agent_id="seed-agent")
        agent = c.register(agent_type="supervised", capabilities=["data_access"])
        self.assertEqual(agent["agent_id"], "seed-agent")
        self.assertTrue(agent["registered"])

        class Action:
            def to_dict(self):
                return {"action_type": "file.read", "resource": "/tmp/seed.txt"}

        d1 = c.submit_action(Action())
        d2 = c.submit_action({"action_type": "file.read", "resource": "/tmp/seed2.txt"})
        d3 = c.submit_action(action_type="file.read", resource="/tmp/seed3.txt")
        for d in (d1, d2, d3):
            self.assertEqual(d.decision, Decision.ALLOWED)
        s = c.get_action_status(d1.action_id)
        self.assertEqual(s.action_id, d1.action_id)
        self.assertEqual(s["resource"], "/tmp/seed.txt")
        self.assertEqual(c.execute_action(action_type="file.read", resource="/tmp/seed4.txt").decision, Decision.ALLOWED)
        self.assertEqual(c.test_connection()["status"], "healthy")
        with self.assertRaises(TypeError):
            c.submit_action({"action_type": "file.read", "typo_field": 1})

    def test_bad_key_is_an_error_not_a_decision(self):
        c = self.client(api_key="gk_agent_wrong", fail_mode=FailMode.OPEN)
        with self.assertRaises(GatehouseError) as cm:
            c.evaluate_action(action_type="file.read")
        self.assertEqual(cm.exception.status, 401)

    # --- discovery ----------------------------------------------------------------------------------

    def test_discovers_url_and_agent_key_from_the_data_dir(self):
        saved = {k: os.environ.pop(k, None) for k in ("GATEHOUSE_URL", "GATEHOUSE_API_KEY", "GATEHOUSE_HOME")}
        try:
            c = Client(agent_id="py-discovery", data_dir=self.server.data_dir)
            self.assertEqual(c.url, self.server.url)
            self.assertEqual(c.api_key, self.server.agent_key)
            self.assertEqual(c.evaluate_action(action_type="file.read", resource="/tmp/d").decision, Decision.ALLOWED)
            os.environ["GATEHOUSE_HOME"] = self.server.data_dir
            self.assertEqual(Client(agent_id="py-discovery").url, self.server.url)
            os.environ["GATEHOUSE_URL"] = UNREACHABLE
            self.assertEqual(Client(agent_id="py-discovery").url, UNREACHABLE)  # env overrides server.json
        finally:
            for k, v in saved.items():
                os.environ.pop(k, None)
                if v is not None:
                    os.environ[k] = v

    def test_the_seeds_variables_configure_the_client_only_when_they_point_here(self):
        names = ("GATEHOUSE_URL", "GATEHOUSE_API_KEY", "GATEHOUSE_HOME", "OWKAI_API_URL", "OWKAI_API_KEY", "ASCEND_API_URL", "ASCEND_API_KEY")
        saved = {k: os.environ.pop(k, None) for k in names}
        empty = os.path.join(self.server.data_dir, "no-such-dir")
        try:
            # python_sdk_example.py's variables, and the seeds' .env ones: a program configured as they say.
            os.environ.update(OWKAI_API_URL=self.server.url, OWKAI_API_KEY=self.server.agent_key)
            c = gatehouse.OWKAIClient(data_dir=empty)
            self.assertEqual((c.url, c.api_key), (self.server.url, self.server.agent_key))
            self.assertEqual(c.test_connection()["status"], "healthy")
            for k in ("OWKAI_API_URL", "OWKAI_API_KEY"):
                del os.environ[k]
            os.environ.update(ASCEND_API_URL=self.server.url.replace("127.0.0.1", "localhost") + "/", ASCEND_API_KEY=self.server.agent_key)
            c = gatehouse.AscendClient(agent_id="py-seed-env", data_dir=empty)
            self.assertEqual((c.url, c.api_key), (self.server.url.replace("127.0.0.1", "localhost"), self.server.agent_key))
            # Gatehouse's own variables come first.
            os.environ["GATEHOUSE_URL"] = UNREACHABLE
            self.assertEqual(Client(agent_id="x", data_dir=empty).url, UNREACHABLE)
            del os.environ["GATEHOUSE_URL"]
            # The seeds' own values point at the cloud: never used; the data dir is.
            os.environ.update(ASCEND_API_URL="https://pilot.owkai.app", ASCEND_API_KEY="ascend_admin_your_key_here")
            os.environ.update(OWKAI_API_URL="http://pilot.owkai.app.127.0.0.1.nip.io:7077", OWKAI_API_KEY="owkai_key")
            c = Client(agent_id="x", data_dir=self.server.data_dir)
            self.assertEqual((c.url, c.api_key), (self.server.url, self.server.agent_key))
            self.assertIsNone(Client(agent_id="x", data_dir=empty).url)
        finally:
            for k, v in saved.items():
                os.environ.pop(k, None)
                if v is not None:
                    os.environ[k] = v
