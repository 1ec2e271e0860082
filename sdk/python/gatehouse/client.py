"""The Gatehouse client: evaluate, wait, complete, withdraw — and the seeds' names for each."""

from __future__ import annotations

import logging
import threading
import time
import urllib.parse
from typing import Any, Callable, Dict, Iterable, Mapping, Optional, Union

from . import _endpoint
from ._transport import Transport
from ._types import ActionDecision, Decision, FailMode, to_fail_mode
from .errors import ActionDenied, ApprovalTimeout, GatehouseError, GatehouseUnreachable, refusal

logger = logging.getLogger("gatehouse")

_MAX_WAIT_PER_POLL = 60  # the server's long-poll limit (SPEC 4)
_WITHDRAW_TIMEOUT = 5.0
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
_MCP_FIELDS = ("server_id", "namespace", "verb", "tool", "resource", "parameters", "context", "agent_id", "description", "session_id")


def _q(action_id: str) -> str:
    return urllib.parse.quote(str(action_id), safe="")


def json_safe(value: Any, limit: int = 8192) -> Any:
    """A JSON-compatible, bounded copy of ``value`` (for parameters and reported results). NaN and
    ±Infinity, which JSON cannot carry, become None (as ``JSON.stringify`` makes them null)."""
    import json

    try:
        text = json.dumps(value, default=repr)
    except (TypeError, ValueError):
        return {"unserializable": repr(value)[:2000]}
    if len(text) > limit:
        return {"truncated": True, "size": len(text), "preview": text[:2000]}
    return json.loads(text, parse_constant=lambda _: None)


class Client:
    """The Gatehouse client (one per agent; reuse it — it is safe to share between threads).

    :param agent_id: the agent the actions are attributed to (``[A-Za-z0-9._:-]{1,128}``); default a
        stable name derived from the running script.
    :param fail_mode: ``FailMode.CLOSED`` (default) or ``FailMode.OPEN`` (or ``"closed"``/``"open"``).
    :param url: Gatehouse base URL (default ``GATEHOUSE_URL``, else the data dir's ``server.json``).
        ``base_url`` and ``api_url`` are the seeds' names for it.
    :param api_key: API key (default ``GATEHOUSE_API_KEY``, else the data dir's agent key).
    :param data_dir: the data directory (default ``$GATEHOUSE_HOME`` or ``~/.gatehouse``).
    :param timeout: seconds per request (long-polls add their wait).
    :param agent_name: display name used by :meth:`register`.
    """

    def __init__(
        self,
        agent_id: Optional[str] = None,
        fail_mode: Union[FailMode, str, None] = FailMode.CLOSED,
        url: Optional[str] = None,
        api_key: Optional[str] = None,
        data_dir: Optional[str] = None,
        timeout: float = 30,
        agent_name: Optional[str] = None,
        base_url: Optional[str] = None,
        api_url: Optional[str] = None,
    ):
        self.agent_id = agent_id or _endpoint.default_agent_id()
        self.fail_mode = to_fail_mode(fail_mode)
        self.timeout = float(timeout)
        self.agent_name = agent_name
        self._url = url or base_url or api_url
        self._api_key = api_key
        self._data_dir = data_dir
        self._http = Transport(self.timeout)

    # --- connection -------------------------------------------------------------------------

    @property
    def url(self) -> Optional[str]:
        """The Gatehouse URL this client uses now (re-read from server.json on each call when not given)."""
        return _endpoint.resolve_url(self._url, self._data_dir)

    @property
    def api_key(self) -> Optional[str]:
        return _endpoint.resolve_key(self._api_key, self._data_dir)

    def _request(self, method: str, path: str, body: Any = None, extra_timeout: float = 0, timeout: Optional[float] = None) -> Any:
        return self._http.request(
            self.url, self.api_key, method, path, body, extra_timeout, timeout, where=_endpoint.data_dir(self._data_dir)
        )

    def _cannot_decide(self, e: GatehouseError, action_id: Optional[str] = None) -> ActionDecision:
        """The fail mode, applied to a deciding call that failed. Only "nothing answered" may become
        an allow (FailMode.OPEN); an answer the server gave (429, 503, a redirect, an invalid body) is refused,
        and a client error (400, 401, 403, 404...) is raised as the GatehouseError it is."""
        if isinstance(e, GatehouseUnreachable):
            why = f"Gatehouse is unreachable ({e.message})"
            if self.fail_mode == FailMode.OPEN:
                logger.warning("%s; allowing because fail_mode is OPEN", why)
                return ActionDecision(
                    {"decision": "allowed", "status": "allowed", "reason": f"{why}; allowed by FailMode.OPEN", "flags": ["fail-open"]},
                    action_id=action_id,
                    fail_open=True,
                )
            raise ActionDenied(f"{why}; denied by FailMode.CLOSED", action_id) from None
        if e.status is not None and (e.status == 429 or e.status >= 500 or 300 <= e.status < 400 or e.code == "invalid_response"):
            raise ActionDenied(f"Gatehouse could not decide ({e.message}); refused whatever the fail mode", action_id) from None
        raise e

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
        ``idempotency_key``, ``mcp``, ``agent_id``.

        The seeds' MCP form ``evaluate_action(server_id=, namespace=, verb=, resource=, parameters=)``
        (also ``tool=``) goes to ``POST /mcp/governance/evaluate``; its answer reads the same way, and
        ``d["decision"]`` is the raw ``"ALLOW"`` / ``"DENY"`` / ``"REQUIRE_APPROVAL"``.

        Raises :class:`ActionDenied` when Gatehouse cannot decide (unreachable under
        ``FailMode.CLOSED``; rate limited or unavailable in either mode)."""
        if "server_id" in more:
            fields = dict(more, resource=resource, parameters=parameters, context=context)
            if action_type is not None:
                fields.setdefault("tool", action_type)
            return self._evaluate_mcp(fields)
        fields = dict(more)
        fields.update(action_type=action_type, resource=resource, parameters=parameters, context=context)
        return self._submit(self._body(fields))

    def _evaluate_mcp(self, fields: Mapping[str, Any]) -> ActionDecision:
        body: Dict[str, Any] = {"agent_id": self.agent_id}
        for k, v in fields.items():
            if v is None:
                continue
            if k not in _MCP_FIELDS:
                raise TypeError(f"unknown MCP evaluate field {k!r} (fields: {', '.join(_MCP_FIELDS)})")
            body[k] = dict(v) if k in ("parameters", "context") else v
        try:
            return ActionDecision(self._request("POST", "/mcp/governance/evaluate", body))
        except GatehouseError as e:
            return self._cannot_decide(e)

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
            return self._cannot_decide(e)

    def get_action_status(self, action_id: str) -> ActionDecision:
        """The current status of an action: the decision plus ``approved``, ``reviewed_by``,
        ``comment``, ``result``..."""
        return ActionDecision(self._request("GET", f"/api/v1/actions/{_q(action_id)}/status"))

    def wait_for_decision(self, action_id: str, timeout: float = 300, cancel: Optional[threading.Event] = None) -> ActionDecision:
        """Waits (long-polling) until the action leaves ``pending`` and returns the decision
        (ALLOWED or DENIED — check ``.decision``).

        Whenever it stops waiting without an answer it withdraws the action (SPEC 4), so no one is
        left approving something nobody waits for: after ``timeout`` seconds (then
        :class:`ApprovalTimeout`), on ``KeyboardInterrupt`` or any other exception, when ``cancel``
        (a ``threading.Event``) is set, and when Gatehouse fails meanwhile (then :class:`ActionDenied`
        in both fail modes: the server already held this action, and no answer is never a yes)."""
        deadline = time.monotonic() + timeout
        try:
            while True:
                if cancel is not None and cancel.is_set():
                    raise ActionDenied(f"stopped waiting for action {action_id}: cancelled", action_id)
                remaining = max(0.0, int((deadline - time.monotonic()) * 10) / 10)  # seconds, to the tenth
                wait = min(_MAX_WAIT_PER_POLL, remaining)
                try:
                    d = ActionDecision(self._request("GET", f"/api/v1/actions/{_q(action_id)}/status?wait={wait:g}", extra_timeout=wait))
                except GatehouseError as e:
                    if e.status is not None and 400 <= e.status < 500 and e.status != 429:
                        raise
                    raise ActionDenied(f"Gatehouse failed while action {action_id} was waiting for approval ({e.message})", action_id) from e
                if d.decision != Decision.PENDING:
                    return d
                if remaining <= 0 or time.monotonic() >= deadline - 0.05:
                    raced = self._withdraw_quietly(action_id, f"the agent stopped waiting after {timeout:g} s")
                    if raced is not None and raced.decision == Decision.ALLOWED:
                        return raced  # a person approved it just before the withdrawal arrived
                    raise ApprovalTimeout(action_id, timeout)
        except ApprovalTimeout:
            raise
        except GatehouseError as e:
            if e.status is not None and 400 <= e.status < 500 and e.status != 429:
                raise  # the server's definitive answer about this id (not found, forbidden): nothing to withdraw
            self._withdraw_quietly(action_id, f"the agent stopped waiting ({type(e).__name__})")
            raise
        except BaseException as e:
            why = "cancelled" if isinstance(e, (KeyboardInterrupt, ActionDenied)) or type(e).__name__ == "CancelledError" else type(e).__name__
            self._withdraw_quietly(action_id, f"the agent stopped waiting ({why})")
            raise

    def wait_for_approval(self, action_id: str, timeout: float = 300) -> ActionDecision:
        """The seeds' name: waits for the person's answer and returns the status (``.approved``,
        ``.reviewed_by``, ``.reviewed_at``, ``.comment``). A rejection or withdrawal raises
        :class:`AuthorizationDeniedError` (``e.rejection_reason``) — so the seeds' code that goes on to
        act after this call never acts on a "no" — and no answer in time (this wait's ``timeout``, or
        Gatehouse's approval timeout expiring the action first) raises :class:`ApprovalTimeout` (the
        seeds' ``TimeoutError``)."""
        d = self.wait_for_decision(action_id, timeout=timeout)
        if d.decision != Decision.ALLOWED:
            raise refusal(d, action_id)
        return d

    def execute_action(self, timeout: float = 300, **fields: Any) -> ActionDecision:
        """The seeds' call: evaluates and, if the action is held, waits for the person (up to
        ``timeout`` seconds). Returns the ALLOWED decision (``requires_approval`` says whether a person
        was asked; ``wait_for_approval`` on it then answers at once). Raises :class:`ActionDenied`
        when denied, rejected or withdrawn, :class:`ApprovalTimeout` when no answer came in time
        (``timeout``, or the approval expired on the server)."""
        d = self.submit_action(None, **fields)
        if d.decision == Decision.PENDING:
            logger.info(
                "%s needs approval (%s); waiting up to %g s — approve or deny action %s in the Gatehouse console",
                fields.get("action_type"),
                d.reason,
                timeout,
                d.action_id,
            )
            final = self.wait_for_decision(d.action_id, timeout=timeout)
            final.requires_approval = True
            d = final
        if d.decision != Decision.ALLOWED:
            raise refusal(d)
        return d

    def withdraw(self, action_id: str, reason: Optional[str] = None) -> ActionDecision:
        """Ends a pending action as ``withdrawn`` (SPEC 4): the agent stopped waiting. The SDK calls
        this itself whenever it stops waiting; call it when you hold an action id and give up."""
        body = {"reason": reason} if reason else {}
        return ActionDecision(self._request("POST", f"/api/v1/actions/{_q(action_id)}/withdraw", body, timeout=_WITHDRAW_TIMEOUT))

    def _withdraw_quietly(self, action_id: Optional[str], reason: str) -> Optional[ActionDecision]:
        """Withdraws; on a 409 (answered meanwhile) returns the answer; never raises an SDK error."""
        if not action_id:
            return None
        try:
            return self.withdraw(action_id, reason)
        except GatehouseError as e:
            if e.status == 409:
                try:
                    return self.get_action_status(action_id)
                except GatehouseError:
                    return None
            logger.warning("could not withdraw action %s: %s", action_id, e.message)
            return None

    def log_action_completed(self, action_id: Optional[str], result: Any = None, duration_ms: Optional[float] = None) -> Optional[ActionDecision]:
        """Reports that an allowed action ran successfully (``result`` is stored with it).
        A None id (a fail-open allow) is ignored."""
        if not action_id:
            return None
        body: Dict[str, Any] = {"status": "success"}
        if result is not None:
            body["result"] = json_safe(result)
        if duration_ms is not None:
            body["duration_ms"] = max(0, duration_ms)
        return ActionDecision(self._request("POST", f"/api/v1/actions/{_q(action_id)}/complete", body))

    def log_action_failed(self, action_id: Optional[str], error: Any = None, duration_ms: Optional[float] = None) -> Optional[ActionDecision]:
        """Reports that an allowed action failed (``error``: a message or an exception).
        A None id (a fail-open allow) is ignored."""
        if not action_id:
            return None
        message = f"{type(error).__name__}: {error}" if isinstance(error, BaseException) else str(error or "failed")
        body: Dict[str, Any] = {"status": "failure", "error": message[:8000]}
        if duration_ms is not None:
            body["duration_ms"] = max(0, duration_ms)
        return ActionDecision(self._request("POST", f"/api/v1/actions/{_q(action_id)}/complete", body))

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
        resource: Union[str, Callable[..., Any], None] = None,
        parameters: Optional[Callable[..., Mapping[str, Any]]] = None,
        timeout: float = 300,
        **fields: Any,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Decorator: every call is decided by Gatehouse first — evaluate, wait for an approval
        if needed, run, report the outcome (completed/failed). Raises :class:`ActionDenied` (the
        function does not run) when denied, rejected or withdrawn, :class:`ApprovalTimeout` when no
        answer came in time.

        ``resource`` is a string or a callable given the function's arguments; ``parameters`` a
        callable (default ``{"args": [...], "kwargs": {...}}``). Other keywords are fixed action
        fields (``tool_name``, ``environment``, ``context``...). Works on ``async def`` too; a
        cancelled task withdraws its pending action."""
        from ._govern import govern

        return govern(self, action_type, resource=resource, parameters=parameters, timeout=timeout, **fields)


class OWKAIClient(Client):
    """The seeds' ``OWKAIClient(api_url=None, api_key=None)`` (integration-examples/python_sdk_example.py):
    the same client, with the seeds' positional order. ``base_url=`` works too."""

    def __init__(self, api_url: Optional[str] = None, api_key: Optional[str] = None, **kwargs: Any):
        super().__init__(api_url=api_url, api_key=api_key, **kwargs)


class AscendClient(Client):
    """The seeds' ``AscendClient(api_key=…, agent_id=…, agent_name=…, fail_mode=…)``: the same client,
    with the seeds' positional order. ``api_url=`` / ``base_url=`` name the URL."""

    def __init__(
        self,
        api_key: Optional[str] = None,
        agent_id: Optional[str] = None,
        agent_name: Optional[str] = None,
        fail_mode: Union[FailMode, str, None] = FailMode.CLOSED,
        **kwargs: Any,
    ):
        super().__init__(agent_id=agent_id, fail_mode=fail_mode, api_key=api_key, agent_name=agent_name, **kwargs)
