"""Decision, FailMode and ActionDecision: the values a client hands back."""

from __future__ import annotations

import enum
from typing import Any, Dict, List, Mapping, Optional, Union

# The seeds' MCP endpoint answers in capitals (SPEC 5 `/mcp/governance/evaluate`).
_MCP_DECISIONS = {"ALLOW": "allowed", "DENY": "denied", "REQUIRE_APPROVAL": "pending"}


class Decision(str, enum.Enum):
    """The go/no-go of an action (SPEC 2.2 ``decision``). Compares equal to its string value."""

    ALLOWED = "allowed"
    DENIED = "denied"
    PENDING = "pending"

    def __str__(self) -> str:  # "allowed", not "Decision.ALLOWED"
        return self.value


class FailMode(str, enum.Enum):
    """What to do when Gatehouse cannot be reached: CLOSED denies (the default), OPEN allows with a
    warning. Only "nothing answered" is covered: an answer the server gave (a denial, a hold, a 429, a
    503, any 4xx) is never turned into an allow. ``FailMode("open")`` and ``FailMode("OPEN")`` work."""

    CLOSED = "closed"
    OPEN = "open"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def _missing_(cls, value: object) -> Optional["FailMode"]:
        if isinstance(value, str):
            v = value.strip().lower().replace("fail_", "").replace("fail-", "")
            for m in cls:
                if m.value == v:
                    return m
        return None


def to_fail_mode(value: Union[FailMode, str, None]) -> FailMode:
    return FailMode.CLOSED if value is None else FailMode(value)


class ActionDecision:
    """A decision or a status answer (SPEC 2.2 / 2.3).

    Attributes: ``decision`` (:class:`Decision`), ``action_id``, ``status``, ``reason``,
    ``risk_score``, ``risk_level``, ``risk_factors``, ``requires_approval``, ``approval_id``,
    ``policy``, ``flags``, ``expires_at``, ``approved``, ``reviewed_by``, ``reviewed_at``,
    ``comment``, ``rejection_reason``, ``result``, ``fail_open`` (True for an allow made by
    ``FailMode.OPEN``) and ``raw`` (the JSON body). ``d["field"]`` and ``d.get("field")`` read the
    raw body (so the seeds' ``evaluation["decision"] == "DENY"`` works on MCP answers).
    """

    def __init__(self, raw: Optional[Mapping[str, Any]] = None, **override: Any):
        raw = dict(raw or {})
        risk = raw.get("risk") if isinstance(raw.get("risk"), dict) else {}
        value = raw.get("decision")
        value = _MCP_DECISIONS.get(value, value) if isinstance(value, str) else value
        # Anything the SDK does not recognise is a no: never an allow by accident.
        self.decision: Decision = Decision(value) if value in ("allowed", "denied", "pending") else Decision.DENIED
        self.action_id: Optional[str] = raw.get("action_id")
        self.status: str = raw.get("status") or self.decision.value
        self.reason: str = raw.get("reason") or ""
        self.risk_score: Optional[float] = risk.get("score", raw.get("risk_score"))
        self.risk_level: Optional[str] = risk.get("level", raw.get("risk_level"))
        self.risk_factors: List[Dict[str, Any]] = list(risk.get("factors") or [])
        self.requires_approval: bool = bool(raw.get("requires_approval", self.decision == Decision.PENDING))
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

    @property
    def rejection_reason(self) -> Optional[str]:
        """Why the action may not run (the person's comment when there is one); None when allowed or pending."""
        if self.decision != Decision.DENIED:
            return None
        return self.reason + (f" — {self.comment}" if self.comment and self.comment not in self.reason else "")

    def __getitem__(self, key: str) -> Any:
        if key in self.raw:
            return self.raw[key]
        if hasattr(self, key):
            return getattr(self, key)
        raise KeyError(key)

    def __contains__(self, key: str) -> bool:
        return key in self.raw or hasattr(self, key)

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
