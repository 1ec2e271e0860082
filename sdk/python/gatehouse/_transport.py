"""HTTP to Gatehouse with the standard library, and the one line between "nothing answered" and
"the server answered".

``GatehouseUnreachable`` means nothing answered (not running, connection refused or reset before an
answer, timed out): the only failure a fail-open client may turn into an allow. Every answer the
server gave — any HTTP status that is not 2xx, or a body that is not JSON — is a ``GatehouseError``
with its status, which no fail mode turns into an allow.

Requests go straight to the Gatehouse URL: proxy environment variables are ignored, so nothing
about an agent's actions leaves the machine through a proxy; and a redirect is not followed (the
API never answers one, and urllib would carry the key to wherever it points).
"""

from __future__ import annotations

import http.client
import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Optional

from .errors import GatehouseError, GatehouseUnreachable


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer from something that is not Gatehouse: an error, never followed."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        raise GatehouseError(
            f"Gatehouse at {req.full_url} answered {code} with a redirect to {newurl}; "
            "it was not followed, so the key goes only to the configured address",
            code,
            "redirect",
        )


class Transport:
    def __init__(self, timeout: float):
        self.timeout = float(timeout)
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())

    def request(
        self,
        url: Optional[str],
        key: Optional[str],
        method: str,
        path: str,
        body: Any = None,
        extra_timeout: float = 0,
        timeout: Optional[float] = None,
        where: str = "",
    ) -> Any:
        if not url:
            raise GatehouseUnreachable(f"Gatehouse is not running (no server.json in {where} and no GATEHOUSE_URL)")
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            # A setting to fix, not an outage: urllib would fail on it (or open a file:// path) as on a
            # server that is down, and FailMode.OPEN would then allow.
            raise GatehouseError(f"the Gatehouse URL {url!r} is not an http:// or https:// URL", None, "invalid_url")
        headers = {"Accept": "application/json"}
        if key:
            headers["X-API-Key"] = key
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(url + path, data=data, headers=headers, method=method)
        try:
            with self._opener.open(req, timeout=(self.timeout if timeout is None else timeout) + extra_timeout) as res:
                status = res.status
                text = res.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            raise _http_error(e) from None
        except (urllib.error.URLError, socket.timeout, ConnectionError, http.client.RemoteDisconnected) as e:
            reason = getattr(e, "reason", None) or e
            raise GatehouseUnreachable(f"Gatehouse is not reachable at {url}: {reason}") from None
        except http.client.HTTPException as e:  # something answered, but not HTTP we understand
            raise GatehouseError(f"Gatehouse at {url} gave an answer that is not HTTP: {e!r}", 0, "invalid_response") from None
        except OSError as e:
            raise GatehouseUnreachable(f"Gatehouse is not reachable at {url}: {e}") from None
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError:
            raise GatehouseError(f"Gatehouse at {url} answered {status} with a body that is not JSON", status, "invalid_response") from None


def _http_error(e: urllib.error.HTTPError) -> GatehouseError:
    try:
        payload = json.loads(e.read().decode("utf-8") or "null")
    except (ValueError, OSError):
        payload = None
    err = payload.get("error") if isinstance(payload, dict) and isinstance(payload.get("error"), dict) else {}
    code = err.get("code") or "http_error"
    message = err.get("message") or e.reason
    return GatehouseError(f"HTTP {e.code} {code}: {message}", e.code, code, payload)
