"""``govern``: a decorator that asks Gatehouse before each call, and the asyncio side of waiting.

Async functions are decided without blocking the event loop (the HTTP calls run in a worker
thread). A task cancelled while its action is held withdraws the action (SPEC 4), so the console
never shows a request that nobody waits for.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import threading
import time
from typing import Any, Callable, Dict, Mapping, Optional, Union

from ._types import ActionDecision, Decision
from .client import Client, json_safe
from .errors import GatehouseError, refusal

logger = logging.getLogger("gatehouse")


async def submit_async(client: Client, call: Callable[[], ActionDecision]) -> ActionDecision:
    """Runs ``call`` (a submission) in a worker thread. If the task is cancelled meanwhile, the
    submission still completes in its thread, and a held action is withdrawn before the
    cancellation goes on."""
    task = asyncio.ensure_future(asyncio.to_thread(call))
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        try:
            d = await task
        except BaseException:  # noqa: BLE001 - the cancellation is what the caller sees
            raise asyncio.CancelledError() from None
        if d.decision == Decision.PENDING:
            await asyncio.to_thread(client._withdraw_quietly, d.action_id, "the agent stopped waiting (task cancelled)")
        raise


async def wait_async(client: Client, action_id: str, timeout: float) -> ActionDecision:
    """``client.wait_for_decision`` without blocking the loop; a cancelled task withdraws the action
    (which also wakes the worker thread's long-poll)."""
    cancel = threading.Event()
    try:
        return await asyncio.to_thread(client.wait_for_decision, action_id, timeout, cancel)
    except asyncio.CancelledError:
        cancel.set()
        await asyncio.to_thread(client._withdraw_quietly, action_id, "the agent stopped waiting (task cancelled)")
        raise


async def execute_async(client: Client, fields: Mapping[str, Any], timeout: float) -> ActionDecision:
    """``client.execute_action`` for asyncio: evaluate, wait if held, raise unless allowed."""
    d = await submit_async(client, lambda: client.submit_action(None, **fields))
    if d.decision == Decision.PENDING:
        logger.info("%s needs approval (%s); waiting up to %g s — action %s", fields.get("action_type"), d.reason, timeout, d.action_id)
        d = await wait_async(client, d.action_id, timeout)
        d.requires_approval = True
    if d.decision != Decision.ALLOWED:
        raise refusal(d)
    return d


def report(client: Client, d: ActionDecision, started: float, result: Any = None, error: Optional[BaseException] = None) -> None:
    """Reports a governed call's outcome (never raises: the call's own result or error wins)."""
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


def run_governed(
    client: Client,
    fn: Callable[..., Any],
    action_of: Callable[[tuple, dict], Dict[str, Any]],
    timeout: float,
) -> Callable[..., Any]:
    """Wraps ``fn`` (sync or async): ``action_of(args, kwargs)`` gives the action fields; the call
    runs only once Gatehouse allows it, and its outcome is reported."""
    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            d = await execute_async(client, action_of(args, kwargs), timeout)
            started = time.monotonic()
            try:
                result = await fn(*args, **kwargs)
            except BaseException as e:
                await asyncio.to_thread(report, client, d, started, None, e)
                raise
            await asyncio.to_thread(report, client, d, started, result, None)
            return result

        return async_wrapper

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        d = client.execute_action(timeout=timeout, **action_of(args, kwargs))
        started = time.monotonic()
        try:
            result = fn(*args, **kwargs)
        except BaseException as e:
            report(client, d, started, None, e)
            raise
        report(client, d, started, result, None)
        return result

    return wrapper


def govern(
    client: Client,
    action_type: str,
    resource: Union[str, Callable[..., Any], None] = None,
    parameters: Optional[Callable[..., Mapping[str, Any]]] = None,
    timeout: float = 300,
    **fields: Any,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``@govern(client, "shell.exec", resource=lambda cmd: cmd)`` — same as :meth:`Client.govern`."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        def action_of(args: tuple, kwargs: dict) -> Dict[str, Any]:
            action: Dict[str, Any] = dict(fields)
            action["action_type"] = action_type
            r = resource(*args, **kwargs) if callable(resource) else resource
            if r is not None:
                action["resource"] = str(r)
            action["parameters"] = dict(parameters(*args, **kwargs)) if parameters else json_safe({"args": list(args), "kwargs": kwargs})
            if not action.get("description"):
                action["description"] = f"{getattr(fn, '__qualname__', 'function')}({str(action.get('resource', ''))[:120]})"
            return action

        return run_governed(client, fn, action_of, timeout)

    return decorate
