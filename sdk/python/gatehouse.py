"""Gatehouse Python SDK — govern your agent's actions with a local Gatehouse console.

A single file, standard library only, Python >= 3.9. Copy it next to your code or put
``sdk/python`` on ``PYTHONPATH``.

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

Where the client finds Gatehouse: the ``url`` / ``api_key`` arguments, else the environment
variables ``GATEHOUSE_URL`` / ``GATEHOUSE_API_KEY``, else the data directory (``data_dir``,
``$GATEHOUSE_HOME`` or ``~/.gatehouse``): ``server.json`` for the URL and the ``agent_key`` of
``credentials.json``.

Fail modes: ``FailMode.CLOSED`` (the default) turns "Gatehouse unreachable" into ``ActionDenied``;
``FailMode.OPEN`` allows the action and logs a warning on the ``gatehouse`` logger. A denied,
rejected or expired answer is never turned into an allow, whatever the fail mode.

Requests go straight to the Gatehouse URL: proxy environment variables are ignored, so nothing
about your actions leaves the machine through a proxy.
"""

from __future__ import annotations

import asyncio
import builtins
import enum
import functools
import inspect
import json
import logging
import os
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Union

__all__ = [
    "Client",
    "Decision",
    "FailMode",
    "ActionDecision",
    "ActionDenied",
    "AuthorizationDeniedError",
    "ApprovalTimeout",
    "GatehouseError",
    "GatehouseUnreachable",
    "govern",
]

__version__ = "0.1.0"

logger = logging.getLogger("gatehouse")

_MAX_WAIT_PER_POLL = 60  # the server's long-poll limit (SPEC 4)
_ACTION_FIELDS = (
    "agent_id",
    "action_type",
    "resource",
    "tool_name",
    "target_system",
    "description",
    "environment",
    "parameters",
    "context",
    "risk_context",
    "mcp",
    "session_id",
    "idempotency_key",
)


class Decision(str, enum.Enum):
    """The go/no-go of an action (SPEC 2.2 ``decision``). Compares equal to its string value."""

    ALLOWED = "allowed"
    DENIED = "denied"
    PENDING = "pending"

    def __str__(self) -> str:  # "allowed", not "Decision.ALLOWED"
        return self.value


class FailMode(str, enum.Enum):
    """What to do when Gatehouse cannot be reached: CLOSED denies (default), OPEN allows with a warning."""

    CLOSED = "closed"
    OPEN = "open"

    def __str__(self) -> str:
        return self.value


class GatehouseError(Exception):
    """An answer the SDK cannot turn into a decision: a 4xx (bad request, bad key...), or an outage
    outside a deciding call. ``status`` is the HTTP status (None when unreachable), ``code`` the
    SPEC 5 error code."""

    def __init__(self, message: str, status: Optional[int] = None, code: str = "error", body: Any = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.body = body


class GatehouseUnreachable(GatehouseError):
    """Gatehouse could not be reached (not running, connection refused, timed out)."""

    def __init__(self, message: str):
        super().__init__(message, None, "unreachable")


class ActionDenied(Exception):
    """The action was denied, rejected or expired — or Gatehouse was unreachable under
    ``FailMode.CLOSED``. ``reason`` says why; ``action_id`` names the recorded action (if any)."""

    def __init__(self, reason: str, action_id: Optional[str] = None, decision: Optional["ActionDecision"] = None):
        self.reason = reason
        self.action_id = action_id
        self.decision = decision
        super().__init__(f"Action denied by Gatehouse: {reason}" + (f" (action {action_id})" if action_id else ""))

    @property
    def rejection_reason(self) -> str:
        """The seeds' name for ``reason``."""
        return self.reason


#: The seeds' name for :class:`ActionDenied`.
AuthorizationDeniedError = ActionDenied


class ApprovalTimeout(builtins.TimeoutError):
    """No decision arrived within the wait: the action is still pending and was not run.
    Also a built-in ``TimeoutError``."""

    def __init__(self, action_id: str, timeout: float):
        self.action_id = action_id
        self.timeout = timeout
        super().__init__(f"No decision for action {action_id} within {timeout:g} s; it was not run")


class ActionDecision:
    """A decision or a status answer (SPEC 2.2 / 2.3).

    Attributes: ``decision`` (:class:`Decision`), ``action_id``, ``status``, ``reason``,
    ``risk_score``, ``risk_level``, ``risk_factors``, ``requires_approval``, ``approval_id``,
    ``policy``, ``flags``, ``expires_at``, ``approved``, ``reviewed_by``, ``reviewed_at``,
    ``comment``, ``fail_open`` (True for an allow made by ``FailMode.OPEN``) and ``raw`` (the JSON
    body). ``d["field"]`` reads the raw body too.
    """

    def __init__(self, raw: Optional[Mapping[str, Any]] = None, **override: Any):
        raw = dict(raw or {})
        risk = raw.get("risk") if isinstance(raw.get("risk"), dict) else {}
        value = raw.get("decision")
        self.decision: Decision = Decision(value) if value in ("allowed", "denied", "pending") else Decision.DENIED
        self.action_id: Optional[str] = raw.get("action_id")
        self.status: str = raw.get("status") or self.decision.value
        self.reason: str = raw.get("reason") or ""
        self.risk_score: Optional[float] = risk.get("score", raw.get("risk_score"))
        self.risk_level: Optional[str] = risk.get("level", raw.get("risk_level"))
        self.risk_factors: List[Dict[str, Any]] = list(risk.get("factors") or [])
        self.requires_approval: bool = bool(raw.get("requires_approval", False))
        self.approval_id: Optional[str] = raw.get("approval_id")
        self.policy: Optional[Dict[str, Any]] = raw.get("policy")
        self.flags: List[str] = list(raw.get("flags") or [])
        self.expires_at: Optional[str] = raw.get("expires_at")
        self.approved: Optional[bool] = raw.get("approved")
        self.reviewed_by: Optional[str] = raw.get("reviewed_by")
        self.reviewed_at: Optional[str] = raw.get("reviewed_at")
        self.comment: Optional[str] = raw.get("comment")
        self.result: Any = raw.get("result")
        self.fail_open: bool = False
        self.raw: Dict[str, Any] = raw
        for k, v in override.items():
            setattr(self, k, v)

    @property
    def allowed(self) -> bool:
        """True when the action may run."""
        return self.decision == Decision.ALLOWED

    def __getitem__(self, key: str) -> Any:
        if key in self.raw:
            return self.raw[key]
        if hasattr(self, key):
            return getattr(self, key)
        raise KeyError(key)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __repr__(self) -> str:
        return (
            f"ActionDecision(decision={self.decision.value!r}, status={self.status!r}, action_id={self.action_id!r}, "
            f"risk_score={self.risk_score!r}, reason={self.reason!r})"
        )


def _json_safe(value: Any, limit: int = 8192) -> Any:
    """A JSON-compatible, bounded copy of ``value`` (for parameters and reported results)."""
    try:
        text = json.dumps(value, default=repr)
    except (TypeError, ValueError):
        return {"unserializable": repr(value)[:2000]}
    if len(text) > limit:
        return {"truncated": True, "size": len(text), "preview": text[:2000]}
    return json.loads(text)


def _data_dir(data_dir: Optional[str]) -> str:
    if data_dir:
        return os.path.abspath(os.path.expanduser(data_dir))
    if os.environ.get("GATEHOUSE_HOME"):
        return os.path.abspath(os.path.expanduser(os.environ["GATEHOUSE_HOME"]))
    return os.path.join(os.path.expanduser("~"), ".gatehouse")


def _read_json(path: str) -> Optional[Dict[str, Any]]:
    try:
        with open(path, "r", encoding="utf-8") as f:
            v = json.load(f)
        return v if isinstance(v, dict) else None
    except (OSError, ValueError):
        return None


class Client:
    """The Gatehouse client (one per agent; reuse it — it is safe to share between threads).

    :param agent_id: the agent the actions are attributed to (``[A-Za-z0-9._:-]{1,128}``).
    :param fail_mode: ``FailMode.CLOSED`` (default) or ``FailMode.OPEN``.
    :param url: Gatehouse base URL (default ``GATEHOUSE_URL``, else the data dir's ``server.json``).
    :param api_key: API key (default ``GATEHOUSE_API_KEY``, else the data dir's agent key).
    :param data_dir: the data directory (default ``$GATEHOUSE_HOME`` or ``~/.gatehouse``).
    :param timeout: seconds per request (long-polls add their wait).
    :param agent_name: optional display name used by :meth:`register`.
    :param base_url: the seeds' name for ``url``.
    """

    def __init__(
        self,
        agent_id: str,
        fail_mode: Union[FailMode, str] = FailMode.CLOSED,
        url: Optional[str] = None,
        api_key: Optional[str] = None,
        data_dir: Optional[str] = None,
        timeout: float = 30,
        agent_name: Optional[str] = None,
        base_url: Optional[str] = None,
    ):
        if not agent_id:
            raise ValueError("agent_id is required")
        self.agent_id = agent_id
        self.fail_mode = FailMode(fail_mode)
        self.timeout = float(timeout)
        self.agent_name = agent_name
        self._url = url or base_url
        self._api_key = api_key
        self._data_dir = data_dir
        # Never route through HTTP(S)_PROXY: Gatehouse is local, and actions must not leave the machine.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    # --- connection -------------------------------------------------------------------------

    @property
    def url(self) -> Optional[str]:
        """The Gatehouse URL this client uses now (re-read from server.json on each call when not given)."""
        url = self._url or os.environ.get("GATEHOUSE_URL")
        if not url:
            info = _read_json(os.path.join(_data_dir(self._data_dir), "server.json"))
            url = info.get("url") if info and isinstance(info.get("url"), str) else None
        return url.rstrip("/") if url else None

    @property
    def api_key(self) -> Optional[str]:
        key = self._api_key or os.environ.get("GATEHOUSE_API_KEY")
        if not key:
            creds = _read_json(os.path.join(_data_dir(self._data_dir), "credentials.json"))
            key = creds.get("agent_key") if creds and isinstance(creds.get("agent_key"), str) else None
        return key

    def _request(self, method: str, path: str, body: Any = None, extra_timeout: float = 0) -> Any:
        url = self.url
        if not url:
            raise GatehouseUnreachable(
                f"Gatehouse is not running (no server.json in {_data_dir(self._data_dir)} and no GATEHOUSE_URL)"
            )
        headers = {"Accept": "application/json"}
        key = self.api_key
        if key:
            headers["X-API-Key"] = key
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(url + path, data=data, headers=headers, method=method)
        try:
            with self._opener.open(req, timeout=self.timeout + extra_timeout) as res:
                text = res.read().decode("utf-8")
        except urllib.error.HTTPError as e:
            try:
                payload = json.loads(e.read().decode("utf-8") or "null")
            except (ValueError, OSError):
                payload = None
            err = payload.get("error") if isinstance(payload, dict) and isinstance(payload.get("error"), dict) else {}
            raise GatehouseError(
                f"HTTP {e.code} {err.get('code', '')}: {err.get('message', e.reason)}".replace("  ", " "),
                e.code,
                err.get("code", "http_error"),
                payload,
            ) from None
        except (urllib.error.URLError, socket.timeout, ConnectionError, OSError) as e:
            reason = getattr(e, "reason", None) or e
            raise GatehouseUnreachable(f"Gatehouse is not reachable at {url}: {reason}") from None
        return json.loads(text) if text else None

    @staticmethod
    def _is_outage(e: Exception) -> bool:
        return isinstance(e, GatehouseUnreachable) or (
            isinstance(e, GatehouseError) and e.status is not None and (e.status >= 500 or e.status == 429)
        )

    def _outage(self, e: Exception, action_id: Optional[str] = None) -> ActionDecision:
        if isinstance(e, GatehouseUnreachable):
            why = f"Gatehouse is unreachable ({e.message})"
        else:
            why = f"Gatehouse could not decide ({e})"
        if self.fail_mode == FailMode.OPEN:
            logger.warning("%s; allowing because fail_mode is OPEN", why)
            return ActionDecision(
                {"decision": "allowed", "status": "allowed", "reason": f"{why}; allowed by FailMode.OPEN", "flags": ["fail-open"]},
                action_id=action_id,
                fail_open=True,
            )
        raise ActionDenied(f"{why}; denied by FailMode.CLOSED", action_id)

    # --- actions ----------------------------------------------------------------------------

    def _body(self, fields: Mapping[str, Any]) -> Dict[str, Any]:
        body: Dict[str, Any] = {"agent_id": self.agent_id}
        for k, v in fields.items():
            if v is None:
                continue
            if k not in _ACTION_FIELDS:
                raise TypeError(f"unknown action field {k!r} (SPEC 2.1 fields: {', '.join(_ACTION_FIELDS)})")
            body[k] = v
        if not body.get("action_type"):
            raise TypeError("action_type is required")
        return body

    def evaluate_action(
        self,
        action_type: Optional[str] = None,
        resource: Optional[str] = None,
        parameters: Optional[Mapping[str, Any]] = None,
        context: Optional[Mapping[str, Any]] = None,
        **more: Any,
    ) -> ActionDecision:
        """Submits an action for a decision and returns it (``decision`` may be PENDING: see
        :meth:`wait_for_decision`). More SPEC 2.1 fields go as keywords: ``tool_name``,
        ``target_system``, ``description``, ``environment``, ``risk_context``, ``session_id``,
        ``idempotency_key``, ``mcp``, ``agent_id``. Raises :class:`ActionDenied` when Gatehouse is
        unreachable under ``FailMode.CLOSED``."""
        fields = dict(more)
        fields.update(action_type=action_type, resource=resource, parameters=parameters, context=context)
        return self._submit(self._body(fields))

    def submit_action(self, action: Any = None, **fields: Any) -> ActionDecision:
        """The seeds' name: submits an action given as a dict (or an object with ``to_dict()``)
        and/or keywords; returns the decision like :meth:`evaluate_action`."""
        merged: Dict[str, Any] = {}
        if action is not None:
            merged.update(action.to_dict() if hasattr(action, "to_dict") else dict(action))
        merged.update(fields)
        return self._submit(self._body(merged))

    def _submit(self, body: Dict[str, Any]) -> ActionDecision:
        try:
            return ActionDecision(self._request("POST", "/api/v1/actions/submit", body))
        except GatehouseError as e:
            if self._is_outage(e):
                return self._outage(e)
            raise

    def get_action_status(self, action_id: str) -> ActionDecision:
        """The current status of an action: the decision plus ``approved``, ``reviewed_by``,
        ``comment``, ``result``..."""
        return ActionDecision(self._request("GET", f"/api/v1/actions/{urllib.parse.quote(action_id, safe='')}/status"))

    def wait_for_decision(self, action_id: str, timeout: float = 300) -> ActionDecision:
        """Waits (long-polling) until the action leaves ``pending`` and returns the decision
        (ALLOWED or DENIED — check ``.decision``). Raises :class:`ApprovalTimeout` when none
        arrives within ``timeout`` seconds, and :class:`ActionDenied` when Gatehouse becomes
        unreachable meanwhile (in both fail modes)."""
        deadline = time.monotonic() + timeout
        quoted = urllib.parse.quote(action_id, safe="")
        while True:
            remaining = max(0.0, int((deadline - time.monotonic()) * 10) / 10)  # seconds, to the tenth
            wait = min(_MAX_WAIT_PER_POLL, remaining)
            try:
                d = ActionDecision(self._request("GET", f"/api/v1/actions/{quoted}/status?wait={wait}", extra_timeout=wait))
            except GatehouseError as e:
                # The server already held this action for a person: an outage now is no answer,
                # and no answer is never a yes, whatever the fail mode (OPEN covers unknown decisions).
                if self._is_outage(e):
                    raise ActionDenied(f"Gatehouse became unreachable while action {action_id} was waiting for approval ({e})", action_id) from e
                raise
            if d.decision != Decision.PENDING:
                return d
            if remaining <= 0 or time.monotonic() >= deadline - 0.05:
                raise ApprovalTimeout(action_id, timeout)

    def wait_for_approval(self, action_id: str, timeout: float = 300) -> ActionDecision:
        """The seeds' name: waits for the human answer and returns the status (``.approved``
        True/False, ``.reviewed_by``, ``.comment``). Raises :class:`ApprovalTimeout`."""
        return self.wait_for_decision(action_id, timeout=timeout)

    def execute_action(self, timeout: float = 300, **fields: Any) -> ActionDecision:
        """Evaluates and, if pending, waits for the approval. Returns the ALLOWED decision;
        raises :class:`ActionDenied` when denied, rejected or expired (or :class:`ApprovalTimeout`)."""
        d = self.submit_action(None, **fields)
        if d.decision == Decision.PENDING:
            logger.info(
                "%s needs approval (%s); waiting up to %g s — approve or deny action %s in the Gatehouse console",
                fields.get("action_type"),
                d.reason,
                timeout,
                d.action_id,
            )
            d = self.wait_for_decision(d.action_id, timeout=timeout)
        if d.decision != Decision.ALLOWED:
            reason = d.reason + (f" — {d.comment}" if d.comment else "")
            raise ActionDenied(reason, d.action_id, d)
        return d

    def log_action_completed(self, action_id: Optional[str], result: Any = None, duration_ms: Optional[float] = None) -> Optional[ActionDecision]:
        """Reports that an allowed action ran successfully (``result`` is stored with it).
        A None id (a fail-open allow) is ignored."""
        if not action_id:
            return None
        body: Dict[str, Any] = {"status": "success"}
        if result is not None:
            body["result"] = _json_safe(result)
        if duration_ms is not None:
            body["duration_ms"] = max(0, duration_ms)
        return ActionDecision(self._request("POST", f"/api/v1/actions/{urllib.parse.quote(action_id, safe='')}/complete", body))

    def log_action_failed(self, action_id: Optional[str], error: Any = None, duration_ms: Optional[float] = None) -> Optional[ActionDecision]:
        """Reports that an allowed action failed (``error``: a message or an exception).
        A None id (a fail-open allow) is ignored."""
        if not action_id:
            return None
        message = f"{type(error).__name__}: {error}" if isinstance(error, BaseException) else str(error or "failed")
        body: Dict[str, Any] = {"status": "failure", "error": message[:8000]}
        if duration_ms is not None:
            body["duration_ms"] = max(0, duration_ms)
        return ActionDecision(self._request("POST", f"/api/v1/actions/{urllib.parse.quote(action_id, safe='')}/complete", body))

    # --- agents and health --------------------------------------------------------------------

    def register(
        self,
        agent_type: str = "supervised",
        capabilities: Optional[Iterable[str]] = None,
        name: Optional[str] = None,
        metadata: Optional[Mapping[str, Any]] = None,
    ) -> Dict[str, Any]:
        """Registers this agent (SPEC 2.5): ``agent_type`` "supervised" or "autonomous"."""
        body: Dict[str, Any] = {"agent_id": self.agent_id, "agent_type": agent_type}
        if capabilities is not None:
            body["capabilities"] = list(capabilities)
        if name or self.agent_name:
            body["name"] = name or self.agent_name
        if metadata is not None:
            body["metadata"] = dict(metadata)
        return self._request("POST", "/api/v1/agents/register", body)

    def test_connection(self) -> Dict[str, Any]:
        """``GET /health`` → ``{"status": "healthy", "version": ..., "uptime_s": ...}``.
        Raises :class:`GatehouseUnreachable` when Gatehouse is down."""
        return self._request("GET", "/health")

    # --- decorator ---------------------------------------------------------------------------

    def govern(
        self,
        action_type: str,
        resource: Optional[Callable[..., Any]] = None,
        parameters: Optional[Callable[..., Mapping[str, Any]]] = None,
        timeout: float = 300,
        **fields: Any,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Decorator: every call is decided by Gatehouse first — evaluate, wait for an approval
        if needed, run, report the outcome (completed/failed). Raises :class:`ActionDenied` (the
        function does not run) when denied, rejected or expired.

        ``resource`` and ``parameters`` are callables given the function's arguments; by default
        the parameters are ``{"args": [...], "kwargs": {...}}``. Other keywords are fixed action
        fields (``tool_name``, ``environment``, ``context``...). Works on ``async def`` too."""
        return govern(self, action_type, resource=resource, parameters=parameters, timeout=timeout, **fields)


def govern(
    client: Client,
    action_type: str,
    resource: Optional[Callable[..., Any]] = None,
    parameters: Optional[Callable[..., Mapping[str, Any]]] = None,
    timeout: float = 300,
    **fields: Any,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``@govern(client, "shell.exec", resource=lambda cmd: cmd)`` — same as :meth:`Client.govern`."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        def decide(args: tuple, kwargs: dict) -> ActionDecision:
            action: Dict[str, Any] = dict(fields)
            action["action_type"] = action_type
            if resource is not None:
                r = resource(*args, **kwargs)
                if r is not None:
                    action["resource"] = str(r)
            action["parameters"] = dict(parameters(*args, **kwargs)) if parameters else _json_safe({"args": list(args), "kwargs": kwargs})
            if not action.get("description"):
                action["description"] = f"{getattr(fn, '__qualname__', 'function')}({str(action.get('resource', ''))[:120]})"
            return client.execute_action(timeout=timeout, **action)

        def report(d: ActionDecision, started: float, result: Any = None, error: Optional[BaseException] = None) -> None:
            if d.fail_open or not d.action_id:
                return
            ms = (time.monotonic() - started) * 1000
            try:
                if error is not None:
                    client.log_action_failed(d.action_id, error, duration_ms=ms)
                else:
                    client.log_action_completed(d.action_id, result=result, duration_ms=ms)
            except GatehouseError as e:
                logger.warning("could not report the outcome of %s: %s", d.action_id, e)

        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                d = await asyncio.to_thread(decide, args, kwargs)
                started = time.monotonic()
                try:
                    result = await fn(*args, **kwargs)
                except BaseException as e:
                    await asyncio.to_thread(report, d, started, None, e)
                    raise
                await asyncio.to_thread(report, d, started, result, None)
                return result

            return async_wrapper

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            d = decide(args, kwargs)
            started = time.monotonic()
            try:
                result = fn(*args, **kwargs)
            except BaseException as e:
                report(d, started, None, e)
                raise
            report(d, started, result, None)
            return result

        return wrapper

    return decorate
