"""Tests of the Python SDK against a real Gatehouse server that they start themselves.

Run from the repository root:  python3 -m unittest discover -s sdk/python/tests -t sdk/python
(`npm test` does). Needs Node and the built CLI (built here with `node scripts/build.mjs --cli`
when dist/cli/main.js is missing).
"""

import asyncio
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

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
    GatehouseUnreachable,
)

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SDK_DIR = os.path.join(REPO, "sdk", "python")
BIN = os.path.join(REPO, "bin", "gatehouse.mjs")
UNREACHABLE = "http://127.0.0.1:9"
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _clean_env():
    env = dict(os.environ)
    for k in ("GATEHOUSE_URL", "GATEHOUSE_API_KEY", "GATEHOUSE_HOME", "GATEHOUSE_PORT"):
        env.pop(k, None)
    return env


class LiveServer:
    """`gatehouse serve --port 0` on a temporary data directory."""

    def __init__(self):
        if not os.path.exists(os.path.join(REPO, "dist", "cli", "main.js")):
            subprocess.run(["node", os.path.join(REPO, "scripts", "build.mjs"), "--cli"], cwd=REPO, check=True)
        self.data_dir = tempfile.mkdtemp(prefix="gatehouse-py-")
        self.log = open(os.path.join(self.data_dir, "serve.log"), "wb")
        self.proc = subprocess.Popen(
            ["node", BIN, "serve", "--port", "0", "--data-dir", self.data_dir],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=_clean_env(),
        )
        deadline = time.time() + 30
        info = None
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gatehouse serve exited with {self.proc.returncode}")
            try:
                with open(os.path.join(self.data_dir, "server.json")) as f:
                    info = json.load(f)
                break
            except (OSError, ValueError):
                time.sleep(0.05)
        if not info:
            self.stop()
            raise RuntimeError("gatehouse serve did not write server.json")
        with open(os.path.join(self.data_dir, "credentials.json")) as f:
            creds = json.load(f)
        self.url = info["url"]
        self.agent_key = creds["agent_key"]
        self.admin_key = creds["admin_key"]

    def admin(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method, headers={"X-API-Key": self.admin_key, "Content-Type": "application/json"})
        with _opener.open(req, timeout=30) as res:
            text = res.read().decode()
        return json.loads(text) if text else None

    def resolve_when_pending(self, action_type, approve=True, comment=None, delay=0.3):
        """In a thread: waits for a pending approval of `action_type`, then approves or denies it."""
        errors = []

        def run():
            try:
                deadline = time.time() + 20
                while time.time() < deadline:
                    for item in self.admin("GET", "/api/v1/approvals?status=pending")["items"]:
                        if item["action"]["action_type"] == action_type:
                            time.sleep(delay)
                            body = {"comment": comment} if comment else {}
                            self.admin("POST", f"/api/v1/approvals/{item['action_id']}/{'approve' if approve else 'deny'}", body)
                            return
                    time.sleep(0.05)
                errors.append("no pending approval appeared")
            except Exception as e:  # noqa: BLE001 - reported by the test
                errors.append(repr(e))

        t = threading.Thread(target=run, daemon=True)
        t.start()
        t.errors = errors
        return t

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.data_dir, ignore_errors=True)


class GatehouseSdkTest(unittest.TestCase):
    server = None

    @classmethod
    def setUpClass(cls):
        cls.server = LiveServer()
        s = cls.server
        s.admin("POST", "/api/v1/policies", {"id": "t-deny", "effect": "deny", "priority": 500, "when": {"action_type": "test.deny"}})
        s.admin(
            "POST",
            "/api/v1/policies",
            {"id": "t-approve", "name": "test approvals", "effect": "require_approval", "priority": 500, "when": {"action_type": "test.approval.*"}},
        )

    @classmethod
    def tearDownClass(cls):
        if cls.server:
            cls.server.stop()

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
        self.server.admin("POST", f"/api/v1/approvals/{d.action_id}/deny", {})

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
        actions = self.server.admin("GET", "/api/v1/actions?agent_id=py-test&action_type=file.read&limit=5")["items"]
        mine = [a for a in actions if a["resource"] == "/tmp/a.txt"]
        self.assertTrue(mine)
        self.assertEqual(mine[0]["status"], "completed")
        self.assertEqual(mine[0]["parameters"], {"args": ["/tmp/a.txt"], "kwargs": {"limit": 3}})

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


class FailModeTest(unittest.TestCase):
    """Against an unreachable URL: CLOSED denies, OPEN allows with a warning."""

    def test_fail_closed_raises_action_denied(self):
        c = Client(agent_id="py-test", url=UNREACHABLE, api_key="gk_agent_x", fail_mode=FailMode.CLOSED, timeout=5)
        with self.assertRaises(ActionDenied) as cm:
            c.evaluate_action(action_type="shell.exec", resource="ls")
        self.assertIn("unreachable", cm.exception.reason)
        with self.assertRaises(ActionDenied):
            c.execute_action(action_type="shell.exec", resource="ls")
        with self.assertRaises(ActionDenied):
            c.wait_for_decision("act_x", timeout=1)
        ran = []

        @c.govern("shell.exec", resource=lambda cmd: cmd)
        def run(cmd):
            ran.append(cmd)

        with self.assertRaises(ActionDenied):
            run("ls")
        self.assertEqual(ran, [])

    def test_default_fail_mode_is_closed(self):
        self.assertEqual(Client(agent_id="x").fail_mode, FailMode.CLOSED)
        c = Client(agent_id="py-test", url=UNREACHABLE, api_key="k", timeout=5)
        with self.assertRaises(ActionDenied):
            c.evaluate_action(action_type="file.read")

    def test_fail_open_never_allows_an_outage_during_an_approval_wait(self):
        # The server already held this action; Gatehouse then becomes unreachable while we wait.
        c = Client(agent_id="py-test", url=UNREACHABLE, api_key="gk_agent_x", fail_mode=FailMode.OPEN, timeout=5)
        with self.assertRaises(ActionDenied) as ctx:
            c.wait_for_decision("act_held", timeout=2)
        self.assertIn("waiting for approval", ctx.exception.reason)

    def test_fail_open_allows_with_a_warning(self):
        c = Client(agent_id="py-test", url=UNREACHABLE, api_key="gk_agent_x", fail_mode=FailMode.OPEN, timeout=5)
        with self.assertLogs("gatehouse", level=logging.WARNING) as logs:
            d = c.evaluate_action(action_type="shell.exec", resource="ls")
        self.assertEqual(d.decision, Decision.ALLOWED)
        self.assertTrue(d.fail_open)
        self.assertIsNone(d.action_id)
        self.assertIn("unreachable", " ".join(logs.output))
        self.assertIsNone(c.log_action_completed(d.action_id))
        ran = []

        @c.govern("shell.exec", resource=lambda cmd: cmd)
        def run(cmd):
            ran.append(cmd)
            return "ok"

        with self.assertLogs("gatehouse", level=logging.WARNING):
            self.assertEqual(run("ls"), "ok")
        self.assertEqual(ran, ["ls"])

    def test_test_connection_unreachable_raises(self):
        with self.assertRaises(GatehouseUnreachable):
            Client(agent_id="py-test", url=UNREACHABLE, timeout=5).test_connection()

    def test_no_server_json_is_unreachable(self):
        empty = tempfile.mkdtemp()
        saved = {k: os.environ.pop(k, None) for k in ("GATEHOUSE_URL", "GATEHOUSE_API_KEY")}
        try:
            with self.assertRaises(ActionDenied) as cm:
                Client(agent_id="py-test", data_dir=empty).evaluate_action(action_type="file.read")
            self.assertIn("not running", cm.exception.reason)
        finally:
            shutil.rmtree(empty, ignore_errors=True)
            for k, v in saved.items():
                if v is not None:
                    os.environ[k] = v


class PackagingTest(unittest.TestCase):
    def test_stdlib_only_and_importable_from_the_sdk_dir_alone(self):
        # -S: no site-packages at all; -I would also drop PYTHONPATH, so use -S with PYTHONPATH=<sdk dir>.
        code = (
            "import sys, gatehouse\n"
            "assert gatehouse.__file__.startswith(sys.argv[1]), gatehouse.__file__\n"
            "from gatehouse import Client, Decision, FailMode, ActionDenied, ApprovalTimeout, AuthorizationDeniedError\n"
            "print('ok')\n"
        )
        env = _clean_env()
        env["PYTHONPATH"] = SDK_DIR
        out = subprocess.run([sys.executable, "-S", "-c", code, SDK_DIR], env=env, cwd=tempfile.gettempdir(), capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout.strip(), "ok")

    def test_python_39_syntax(self):
        import ast

        with open(os.path.join(SDK_DIR, "gatehouse.py")) as f:
            ast.parse(f.read(), feature_version=(3, 9))


if __name__ == "__main__":
    unittest.main()
