"""Governing every boto3 call (the seeds' ``ascend.boto3_patch``)::

    from gatehouse.boto3_patch import enable_governance

    enable_governance(api_key=None, base_url=None, risk_threshold=70, auto_approve_below=30,
                      agent_id="aws-lambda-agent")      # before import boto3 / before creating clients
    import boto3
    s3 = boto3.client("s3")
    s3.list_buckets()                                 # low risk: runs at once
    s3.delete_bucket(Bucket="production-data")        # held: waits for your answer in the console

Every client created afterwards asks Gatehouse in botocore's ``before-call`` event — after the
request is built, before anything is signed or sent — as ``aws.<service>.<operation>``
(``aws.s3.delete_bucket``) on the resource the call names (``arn:aws:s3:::production-data``, a table,
a function, any ``*Arn`` parameter), with the call's parameters (bodies summarised) and the region
in ``context``. A held call waits for the person (withdrawn if no answer comes in ``timeout``
seconds, then ``ApprovalTimeout``, as when the approval expires unanswered); a denied or rejected
one raises ``AuthorizationDeniedError``. Either way nothing is sent to AWS. The outcome (HTTP status, or the error) is reported back, so the action does not stay
"allowed" forever.

Thresholds only ever make it stricter than the console's own settings: a call the server allowed by
its risk thresholds alone (no allow policy, no person) whose risk is at or above ``risk_threshold``
is refused; reads (``list_*``, ``get_*``, ``describe_*``, ``head_*``) below ``auto_approve_below`` pass
without a word. Nothing here can allow what the server denied or held.

botocore is needed only when ``enable_governance`` is called (the rest of the SDK is stdlib only).
Not covered: clients created before the call, presigned URLs (no request is made), aiobotocore.
"""

from __future__ import annotations

import functools
import logging
import threading
from typing import Any, Dict, Optional, Union

from ._types import ActionDecision, Decision, FailMode
from .client import Client, json_safe
from .errors import AuthorizationDeniedError, refusal

__all__ = ["enable_governance", "disable_governance", "Boto3Governor", "AuthorizationDeniedError"]

logger = logging.getLogger("gatehouse")

READ_PREFIXES = ("list_", "get_", "describe_", "head_")
_GLOBAL_SERVICES = {"s3", "iam", "route53", "cloudfront", "organizations", "sts"}
_NAME_KINDS = (
    ("TableName", "table"),
    ("FunctionName", "function"),
    ("StackName", "stack"),
    ("DBInstanceIdentifier", "db"),
    ("DBClusterIdentifier", "cluster"),
    ("ClusterName", "cluster"),
    ("RoleName", "role"),
    ("UserName", "user"),
    ("GroupName", "group"),
    ("PolicyName", "policy"),
    ("SecretId", "secret"),
    ("KeyId", "key"),
    ("RepositoryName", "repository"),
    ("LogGroupName", "log-group"),
    ("StreamName", "stream"),
    ("InstanceIds", "instance"),
    ("InstanceId", "instance"),
    ("VolumeId", "volume"),
    ("QueueName", "queue"),
    ("Name", "name"),
)

_lock = threading.Lock()
_active: Optional["Boto3Governor"] = None


def resource_of(service: str, params: Dict[str, Any], region: Optional[str]) -> str:
    """What the call acts on, as an ARN where one can be written without the account id."""
    if isinstance(params.get("Bucket"), str):
        key = params.get("Key")
        return f"arn:aws:s3:::{params['Bucket']}" + (f"/{key}" if isinstance(key, str) and key else "")
    for k, v in params.items():
        if k.lower().endswith("arn") and isinstance(v, str) and v.startswith("arn:"):
            return v
    if isinstance(params.get("QueueUrl"), str):
        return params["QueueUrl"]
    where = "" if service in _GLOBAL_SERVICES else (region or "")
    for key, kind in _NAME_KINDS:
        v = params.get(key)
        if isinstance(v, list) and v and isinstance(v[0], str):
            v = v[0] if len(v) == 1 else ",".join(v)
        if isinstance(v, str) and v:
            return v if v.startswith("arn:") else f"arn:aws:{service}:{where}::{kind}/{v}"
    for v in params.values():
        if isinstance(v, str) and v.startswith("arn:"):
            return v
    return f"arn:aws:{service}:{where}::*"


def _summarise(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"<{len(value)} bytes>"
    if hasattr(value, "read"):
        try:  # a seekable body (botocore wraps bytes in one): say its size, leave its position as it was
            here = value.tell()
            end = value.seek(0, 2)
            value.seek(here)
            return f"<stream, {end - here} bytes>"
        except Exception:  # noqa: BLE001 - not seekable: say nothing more
            return "<stream>"
    if isinstance(value, dict):
        return {str(k): _summarise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_summarise(v) for v in value]
    return value


class Boto3Governor:
    """The botocore event handlers. One is active at a time (the last ``enable_governance``)."""

    def __init__(self, client: Client, risk_threshold: float = 70, auto_approve_below: float = 30, timeout: float = 300):
        self.client = client
        self.risk_threshold = risk_threshold
        self.auto_approve_below = auto_approve_below
        self.timeout = timeout

    # botocore calls these through the module-level dispatchers below.

    def remember_params(self, params: Any = None, context: Any = None, **_: Any) -> None:
        if isinstance(context, dict) and isinstance(params, dict):
            context["gatehouse_api_params"] = params

    def decide(self, model: Any = None, context: Any = None, **_: Any) -> None:
        from botocore import xform_name

        context = context if isinstance(context, dict) else {}
        service = model.service_model.service_name
        operation = xform_name(model.name)
        action_type = f"aws.{service}.{operation}"
        api_params = context.get("gatehouse_api_params") or {}
        region = context.get("client_region")
        read_only = operation.startswith(READ_PREFIXES)
        resource = resource_of(service, api_params, region)
        parameters = json_safe(_summarise(api_params))
        listed = ", ".join(f"{k}={v!r}" for k, v in list(api_params.items())[:4] if not hasattr(v, "read"))[:300]
        d = self.client.submit_action(
            action_type=action_type,
            resource=resource,
            tool_name="boto3",
            target_system=f"aws-{service}",
            description=f"{service}.{operation}({listed})",
            parameters=parameters if isinstance(parameters, dict) else {"parameters": parameters},
            context={"aws_service": service, "aws_operation": model.name, "aws_region": region, "read_only": read_only},
        )
        asked = d.decision == Decision.PENDING
        if asked:
            logger.warning(
                "%s on %s needs approval (%s); waiting up to %g s — approve or deny action %s in the Gatehouse console",
                action_type,
                resource,
                d.reason,
                self.timeout,
                d.action_id,
            )
            d = self.client.wait_for_decision(d.action_id, timeout=self.timeout)
        if d.decision != Decision.ALLOWED:
            raise refusal(d)
        self._check_threshold(d, asked, action_type, read_only)
        context["gatehouse_action"] = d

    def _check_threshold(self, d: ActionDecision, asked: bool, action_type: str, read_only: bool) -> None:
        score = d.risk_score if isinstance(d.risk_score, (int, float)) else None
        if d.fail_open or asked or score is None:
            return
        explicit = isinstance(d.policy, dict) and d.policy.get("effect") == "allow"
        monitoring = any(f.startswith("would_") for f in d.flags)
        if score >= self.risk_threshold and not explicit and not monitoring:
            reason = (
                f"risk {score:g} is at or above risk_threshold={self.risk_threshold:g} set in enable_governance "
                f"(the console allowed it by its own thresholds only); add an allow policy for {action_type} or raise risk_threshold"
            )
            self.client.log_action_failed(d.action_id, f"not sent: {reason}")
            raise AuthorizationDeniedError(reason, d.action_id, d)
        if read_only and score < self.auto_approve_below:
            logger.debug("%s allowed (risk %g)", action_type, score)
        else:
            logger.info("%s allowed (risk %g%s)", action_type, score, ", an allow policy" if explicit else "")

    def after_call(self, http_response: Any = None, parsed: Any = None, context: Any = None, **_: Any) -> None:
        d = context.pop("gatehouse_action", None) if isinstance(context, dict) else None
        if d is None or d.fail_open:
            return
        status = getattr(http_response, "status_code", None)
        try:
            if isinstance(status, int) and status >= 300:
                code = (parsed or {}).get("Error", {}).get("Code") if isinstance(parsed, dict) else None
                self.client.log_action_failed(d.action_id, f"AWS answered {status} {code or ''}".strip())
            else:
                self.client.log_action_completed(d.action_id, result={"http_status": status})
        except Exception as e:  # noqa: BLE001 - reporting never breaks the AWS call
            logger.warning("could not report the outcome of %s: %s", d.action_id, e)

    def after_call_error(self, exception: Any = None, context: Any = None, **_: Any) -> None:
        d = context.pop("gatehouse_action", None) if isinstance(context, dict) else None
        if d is None or d.fail_open:
            return
        try:
            self.client.log_action_failed(d.action_id, exception)
        except Exception as e:  # noqa: BLE001
            logger.warning("could not report the outcome of %s: %s", d.action_id, e)


def _dispatch(name: str):
    def handler(**kwargs: Any) -> None:
        gov = _active
        if gov is not None:
            getattr(gov, name)(**kwargs)

    handler.__name__ = f"gatehouse_{name}"
    return handler


_HANDLERS = (
    ("before-parameter-build", _dispatch("remember_params")),
    ("before-call", _dispatch("decide")),
    ("after-call", _dispatch("after_call")),
    ("after-call-error", _dispatch("after_call_error")),
)


def attach(events: Any) -> None:
    """Registers the handlers on one botocore event emitter (a client's ``meta.events``)."""
    for event, handler in _HANDLERS:
        events.register(event, handler, unique_id=f"gatehouse-{event}")


def enable_governance(
    api_key: Optional[str] = None,
    base_url: Optional[str] = None,
    risk_threshold: float = 70,
    auto_approve_below: float = 30,
    agent_id: Optional[str] = None,
    fail_mode: Union[FailMode, str] = FailMode.CLOSED,
    timeout: float = 300,
    client: Optional[Client] = None,
    data_dir: Optional[str] = None,
) -> Boto3Governor:
    """Governs every boto3/botocore client created from now on (see the module docstring).
    ``api_key`` / ``base_url`` default to what every client finds (env, then the data dir);
    ``timeout`` is how long a held call waits for an answer. Returns the active governor."""
    global _active
    try:
        import botocore.session
    except ImportError as e:  # pragma: no cover - depends on the machine
        raise ImportError("gatehouse.boto3_patch needs botocore (pip install boto3)") from e
    if client is None:
        client = Client(agent_id=agent_id, url=base_url, api_key=api_key, fail_mode=fail_mode, data_dir=data_dir)
    governor = Boto3Governor(client, risk_threshold=risk_threshold, auto_approve_below=auto_approve_below, timeout=timeout)
    with _lock:
        _active = governor
        session_cls = botocore.session.Session
        if not getattr(session_cls.create_client, "_gatehouse", False):
            original = session_cls.create_client

            @functools.wraps(original)
            def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
                made = original(self, *args, **kwargs)
                attach(made.meta.events)
                return made

            create_client._gatehouse = True  # type: ignore[attr-defined]
            create_client._gatehouse_original = original  # type: ignore[attr-defined]
            session_cls.create_client = create_client
    return governor


def disable_governance() -> None:
    """Stops governing: new clients are plain again, and clients made meanwhile stop asking."""
    global _active
    with _lock:
        _active = None
        try:
            import botocore.session
        except ImportError:  # pragma: no cover
            return
        current = botocore.session.Session.create_client
        if getattr(current, "_gatehouse", False):
            botocore.session.Session.create_client = current._gatehouse_original
