"""Shared by the SDK tests: one real Gatehouse server for the whole run, stub HTTP servers.

Run from the repository root:  python3 -m unittest discover -s sdk/python/tests -t sdk/python
(`npm test` does). Needs Node and the built CLI (built here with `node scripts/build.mjs --cli`
when dist/cli/main.js is missing). Every server listens on 127.0.0.1 port 0 and stops with the run.
"""

from __future__ import annotations

import atexit
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from typing import Any, Callable, Dict, List, Optional

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SDK_DIR = os.path.join(REPO, "sdk", "python")
BIN = os.path.join(REPO, "bin", "gatehouse.mjs")
UNREACHABLE = "http://127.0.0.1:9"
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def clean_env(**extra: str) -> Dict[str, str]:
    """The environment for a child that must find Gatehouse only through what the test gives it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GATEHOUSE_", "AWS_", "OWKAI_", "ASCEND_"))}
    env.update(extra)
    return env


class LiveServer:
    """`gatehouse serve --port 0` on a temporary data directory."""

    def __init__(self) -> None:
        if not os.path.exists(os.path.join(REPO, "dist", "cli", "main.js")):
            subprocess.run(["node", os.path.join(REPO, "scripts", "build.mjs"), "--cli"], cwd=REPO, check=True)
        self.data_dir = tempfile.mkdtemp(prefix="gatehouse-py-")
        self.log = open(os.path.join(self.data_dir, "serve.log"), "wb")
        self.proc = subprocess.Popen(
            ["node", BIN, "serve", "--port", "0", "--data-dir", self.data_dir],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=clean_env(),
        )
        deadline = time.time() + 60
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
        self.url: str = info["url"]
        self.agent_key: str = creds["agent_key"]
        self.admin_key: str = creds["admin_key"]
        self._policies: set = set()

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method, headers={"X-API-Key": self.admin_key, "Content-Type": "application/json"})
        with _opener.open(req, timeout=30) as res:
            text = res.read().decode()
        return json.loads(text) if text else None

    def policy(self, policy: Dict[str, Any]) -> None:
        """Creates a policy once per run (tests of several modules share the server)."""
        if policy["id"] not in self._policies:
            self.admin("POST", "/api/v1/policies", policy)
            self._policies.add(policy["id"])

    def status(self, action_id: str) -> Dict[str, Any]:
        return self.admin("GET", f"/api/v1/actions/{action_id}/status")

    def actions(self, **query: Any) -> List[Dict[str, Any]]:
        """Up to `limit` actions, newest first, following next_cursor: a page may come back short when
        the server's walk reaches its time budget (SPEC 8), and only a null cursor ends the list."""
        limit = int(query.get("limit", 50))
        found: List[Dict[str, Any]] = []
        cursor = None
        while True:
            q = dict(query, cursor=cursor) if cursor else query
            qs = "&".join(f"{k}={urllib.request.quote(str(v))}" for k, v in q.items())
            page = self.admin("GET", f"/api/v1/actions?{qs}")
            found.extend(page["items"])
            cursor = page.get("next_cursor")
            if not cursor or len(found) >= limit:
                return found[:limit]

    def pending(self, match: Callable[[Dict[str, Any]], bool], timeout: float = 20) -> Dict[str, Any]:
        """Waits for a pending approval whose action matches; returns the action."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            for item in self.admin("GET", "/api/v1/approvals?status=pending")["items"]:
                if match(item["action"]):
                    return item["action"]
            time.sleep(0.05)
        raise AssertionError("no matching pending approval appeared")

    def resolve_when_pending(self, match: Any, approve: bool = True, comment: Optional[str] = None, delay: float = 0.2) -> threading.Thread:
        """In a thread: waits for a pending approval (an action_type string or a predicate on the
        action), then approves or denies it. The thread's `errors` list says what went wrong."""
        pred = match if callable(match) else (lambda a: a["action_type"] == match)
        errors: List[str] = []

        def run() -> None:
            try:
                action = self.pending(pred)
                time.sleep(delay)
                body = {"comment": comment} if comment else {}
                self.admin("POST", f"/api/v1/approvals/{action['action_id']}/{'approve' if approve else 'deny'}", body)
            except Exception as e:  # noqa: BLE001 - reported by the test
                errors.append(repr(e))

        t = threading.Thread(target=run, daemon=True)
        t.errors = errors  # type: ignore[attr-defined]
        t.start()
        return t

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.data_dir, ignore_errors=True)


_server: Optional[LiveServer] = None
_server_lock = threading.Lock()


def server() -> LiveServer:
    """The run's one live server (started on first use, stopped at exit)."""
    global _server
    with _server_lock:
        if _server is None:
            _server = LiveServer()
            atexit.register(_server.stop)
        return _server


class StubServer:
    """A tiny HTTP server on 127.0.0.1 port 0 that records every request and answers with
    `handler(method, path, headers, body) -> (status, headers, body bytes)`."""

    def __init__(self, handler: Callable[[str, str, Dict[str, str], bytes], tuple]):
        self.requests: List[Dict[str, Any]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                outer.requests.append({"method": self.command, "path": self.path, "headers": headers, "body": body})
                status, extra, payload = handler(self.command, self.path, headers, body)
                self.send_response(status)
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if payload and self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _any  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> "StubServer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def json_answer(status: int, body: Any, **headers: str) -> tuple:
    return status, {"Content-Type": "application/json", **headers}, json.dumps(body).encode()


def run_python(code: str, env: Dict[str, str], args: Optional[List[str]] = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """Runs `code` in a fresh interpreter with the SDK on the path."""
    env = dict(env)
    env["PYTHONPATH"] = SDK_DIR
    argv = [sys.executable, "-c", code, *(args or [])]
    return subprocess.run(argv, env=env, cwd=tempfile.gettempdir(), capture_output=True, text=True, timeout=timeout)
