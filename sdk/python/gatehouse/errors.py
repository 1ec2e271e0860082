"""The SDK's exceptions.

``ActionDenied`` (alias ``AuthorizationDeniedError``) and ``ApprovalTimeout`` (alias
``TimeoutError``, a subclass of the built-in one) are what an agent sees when it must not act.
When LangChain's ``langchain_core`` is importable they are also ``langchain_core.tools.ToolException``
instances, so a LangChain tool with ``handle_tool_error`` hands the reason to the model instead of
crashing the agent.
"""

from __future__ import annotations

import builtins
import importlib
import importlib.util
import sys
from typing import TYPE_CHECKING, Any, Dict, Optional, Tuple

if TYPE_CHECKING:  # pragma: no cover
    from ._types import ActionDecision

__all__ = [
    "GatehouseError",
    "GatehouseUnreachable",
    "ActionDenied",
    "AuthorizationDeniedError",
    "ApprovalTimeout",
]  # not "TimeoutError": a star import would shadow the built-in (see gatehouse/__init__.py)


class GatehouseError(Exception):
    """An answer the SDK cannot turn into a decision: a 4xx (bad request, bad key...), an answer
    that is not JSON, or an outage outside a deciding call. ``status`` is the HTTP status (None
    when nothing answered), ``code`` the SPEC 5 error code."""

    def __init__(self, message: str, status: Optional[int] = None, code: str = "error", body: Any = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.body = body


class GatehouseUnreachable(GatehouseError):
    """Nothing answered: Gatehouse is not running, refused the connection, or did not reply in time.
    The only failure ``FailMode.OPEN`` may turn into an allow."""

    def __init__(self, message: str):
        super().__init__(message, None, "unreachable")


_mixed: Dict[Tuple[type, type], type] = {}


def _tool_exception() -> Optional[type]:
    """LangChain's ToolException when ``langchain_core`` is importable, else None."""
    mod = sys.modules.get("langchain_core.tools")
    if mod is None:
        try:
            if "langchain_core" not in sys.modules and importlib.util.find_spec("langchain_core") is None:
                return None
            mod = importlib.import_module("langchain_core.tools")
        except Exception:  # noqa: BLE001 - a broken LangChain install must not break a denial
            return None
    te = getattr(mod, "ToolException", None)
    return te if isinstance(te, type) and issubclass(te, Exception) else None


class _LangChainFriendly(Exception):
    """Makes every instance of a subclass also a LangChain ToolException when LangChain is there."""

    def __new__(cls, *args: Any, **kwargs: Any):  # noqa: D102
        te = _tool_exception()
        if te is not None and not issubclass(cls, te):
            key = (cls, te)
            if key not in _mixed:
                _mixed[key] = type(cls.__name__, (cls, te), {"__module__": cls.__module__, "__qualname__": cls.__qualname__})
            cls = _mixed[key]
        return super().__new__(cls)  # the arguments are __init__'s (OSError would parse them as errno/strerror)


class _Refusal(_LangChainFriendly):
    """What the two refusals share: ``reason``, the seeds' ``rejection_reason``, and ``status``."""

    reason: str
    decision: Optional["ActionDecision"]

    @property
    def rejection_reason(self) -> str:
        """The seeds' name for ``reason``."""
        return self.reason

    @property
    def status(self) -> Optional[str]:
        """The action's final status (``denied``, ``rejected``, ``withdrawn``, ``expired``), when known."""
        return self.decision.status if self.decision is not None else None


class ActionDenied(_Refusal):
    """The action must not run: denied by a policy or the risk, rejected by a person, withdrawn,
    or Gatehouse could not decide (unreachable under ``FailMode.CLOSED``, rate limited, storage
    unavailable). An approval that expired unanswered is an :class:`ApprovalTimeout` instead. ``reason`` says why; ``action_id`` names the recorded action, if any."""

    def __init__(self, reason: str, action_id: Optional[str] = None, decision: Optional["ActionDecision"] = None):
        self.reason = reason
        self.action_id = action_id
        self.decision = decision
        super().__init__(f"Action denied by Gatehouse: {reason}" + (f" (action {action_id})" if action_id else ""))


#: The seeds' name for :class:`ActionDenied`.
AuthorizationDeniedError = ActionDenied


class ApprovalTimeout(_Refusal, builtins.TimeoutError):
    """No one answered in time, so the action does not run: the SDK's own wait ran out (it withdrew
    the action, SPEC 4, before raising), or Gatehouse's approval timeout expired it first (status
    ``expired``, its ``timeout_action`` deny). Also a built-in ``TimeoutError``: the seeds' ``except
    TimeoutError`` ("Approval timeout - action not executed") catches both. Not an ``ActionDenied``:
    no one said no. ``reason`` says what happened; ``decision`` is the final status when known."""

    def __init__(self, action_id: str, timeout: Optional[float], decision: Optional["ActionDecision"] = None, reason: Optional[str] = None):
        self.action_id = action_id
        self.timeout = timeout
        self.decision = decision
        self.reason = reason or f"no decision within {timeout:g} s; it was withdrawn and not run"
        message = f"No decision for action {action_id} within {timeout:g} s; it was withdrawn and not run" if reason is None else f"{reason} (action {action_id})"
        super().__init__(message)
        self.args = (message,)


def refusal(d: "ActionDecision", action_id: Optional[str] = None) -> Exception:
    """The exception for a final decision that is not an allow: ``ApprovalTimeout`` when no one
    answered before Gatehouse's approval timeout (status ``expired``), else ``ActionDenied``."""
    aid = d.action_id or action_id
    if d.status == "expired":
        return ApprovalTimeout(aid or "", None, d, f"{d.reason or 'No answer before the approval expired'}; the action was not run")
    return ActionDenied(d.rejection_reason or d.reason or d.status, aid, d)


#: The seeds' ``from ascend import TimeoutError``: :class:`ApprovalTimeout` (a built-in TimeoutError).
TimeoutError = ApprovalTimeout  # noqa: A001 - the seeds' name
