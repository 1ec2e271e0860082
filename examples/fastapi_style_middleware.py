#!/usr/bin/env python3
"""API governance middleware — the seeds' "FastAPI Middleware" pattern, on the standard library.

FastAPI is not installable here (no network, standard library only), so this example uses
`http.server`; the middleware maps one-to-one onto a Starlette/FastAPI `BaseHTTPMiddleware`:
`GatehouseMiddleware.dispatch(request) -> response | None` is what `dispatch(request, call_next)`
would do before calling `call_next`.

Every incoming request becomes a Gatehouse action: `api.read` (GET/HEAD), `api.create` (POST),
`api.update` (PUT/PATCH) or `api.delete` (DELETE), resource = the path, parameters = method, path
and query. Denied → 403 with the reason; pending → the request waits for your approval (up to
--wait seconds, then 403); unreachable → 503 (fail closed).

Run it (with Gatehouse running: `gatehouse serve` or the desktop app):

    python3 examples/fastapi_style_middleware.py --port 8000     # then: curl -X DELETE localhost:8000/users/42
    python3 examples/fastapi_style_middleware.py --demo          # serves on a free port and calls itself:
                                                                 # GET and POST pass, DELETE waits for you
"""

import argparse
import json
import logging
import os
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sdk", "python"))

from gatehouse import ActionDenied, ApprovalTimeout, Client, GatehouseError  # noqa: E402

VERBS = {"GET": "read", "HEAD": "read", "POST": "create", "PUT": "update", "PATCH": "update", "DELETE": "delete"}


class GatehouseMiddleware:
    """Decides each request with Gatehouse. `dispatch` returns `(None, action_id)` to let the
    request through (call `completed(action_id, status)` after the app answered), or
    `((status, body), action_id)`: the response to send instead."""

    def __init__(self, client: Client, wait: float = 300, service: str = "orders-api"):
        self.client = client
        self.wait = wait
        self.service = service

    def dispatch(self, method: str, path: str, client_ip: str):
        url = urllib.parse.urlsplit(path)
        try:
            d = self.client.execute_action(
                timeout=self.wait,
                action_type=f"api.{VERBS.get(method, 'request')}",
                resource=url.path,
                tool_name="http",
                target_system=self.service,
                description=f"{method} {url.path}",
                parameters={"method": method, "path": url.path, "query": dict(urllib.parse.parse_qsl(url.query))},
                context={"client_ip": client_ip},
            )
        except ActionDenied as e:
            status = 503 if "unreachable" in e.reason else 403
            return (status, {"error": "Blocked by Gatehouse", "reason": e.reason, "action_id": e.action_id}), e.action_id
        except ApprovalTimeout as e:
            return (403, {"error": "Blocked by Gatehouse", "reason": f"no approval within {e.timeout:g} s", "action_id": e.action_id}), e.action_id
        except GatehouseError as e:
            return (503, {"error": "Gatehouse error", "reason": str(e)}), None
        return None, d.action_id

    def completed(self, action_id, status: int):
        """Reports the outcome (what `call_next` returned) to Gatehouse."""
        try:
            if status >= 500:
                self.client.log_action_failed(action_id, error=f"HTTP {status}")
            else:
                self.client.log_action_completed(action_id, result={"status": status})
        except GatehouseError as e:
            logging.getLogger("gatehouse").warning("could not report %s: %s", action_id, e)


def make_handler(middleware: GatehouseMiddleware, users: dict):
    class Handler(BaseHTTPRequestHandler):
        def _send(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _handle(self):
            blocked, action_id = middleware.dispatch(self.command, self.path, self.client_address[0])
            if blocked:
                return self._send(*blocked)
            status = self._app()
            middleware.completed(action_id, status)

        def _app(self):
            """The application itself; returns the status it sent."""
            path = urllib.parse.urlsplit(self.path).path
            if self.command == "GET" and path == "/reports":
                self._send(200, {"reports": ["q1", "q2"]})
                return 200
            if self.command == "POST" and path == "/reports":
                self._send(201, {"created": "q3"})
                return 201
            if self.command == "DELETE" and path.startswith("/users/"):
                uid = path.rsplit("/", 1)[1]
                users.pop(uid, None)
                self._send(200, {"deleted": uid})
                return 200
            self._send(404, {"error": "not found"})
            return 404

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        def log_message(self, fmt, *args):  # keep the demo's output readable
            pass

    return Handler


def request(base: str, method: str, path: str):
    req = urllib.request.Request(base + path, method=method)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=600) as res:
            return res.status, json.loads(res.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--wait", type=float, default=300, help="seconds a request waits for an approval (default 300)")
    ap.add_argument("--demo", action="store_true", help="serve on a free port and send a few requests")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="gatehouse: %(message)s")

    middleware = GatehouseMiddleware(Client(agent_id="orders-api-gateway"), wait=args.wait)
    users = {"42": "ada", "43": "grace"}
    server = ThreadingHTTPServer(("127.0.0.1", 0 if args.demo else args.port), make_handler(middleware, users))
    base = f"http://127.0.0.1:{server.server_address[1]}"
    if not args.demo:
        print(f"serving on {base} (Ctrl+C to stop)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        return 0

    threading.Thread(target=server.serve_forever, daemon=True).start()
    for method, path in (("GET", "/reports"), ("POST", "/reports"), ("DELETE", "/users/42")):
        status, body = request(base, method, path)
        print(f"{method} {path} -> {status} {json.dumps(body)}", flush=True)
    print(f"users left: {sorted(users)}", flush=True)
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
