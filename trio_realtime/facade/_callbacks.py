"""The five callbacks and the tasks that deliver a session's events to them.

Each registered callback gets its own task, fed by its own bounded ``session.subscribe(...)``
queue, so a slow or raising callback holds up neither the session nor the other callbacks.
Per kind, events are delivered one at a time and in order; there is no order across kinds.

- A callback may be ``async def`` (awaited in its task) or a plain function, which runs in a
  worker thread (``trio.to_thread.run_sync``) so that a blocking one (e.g. a sound device
  write) cannot stall the event loop. From a sync callback, use ``trio.from_thread.run`` to call
  back into trio (e.g. ``trio.from_thread.run(session.send_text, "...")``).
- A callback that raises is reported to ``on_error`` as a :class:`CallbackError` whose
  ``__cause__`` is the exception, and delivery goes on with the next event (without
  ``on_error``, the error is logged at WARNING on ``trio_realtime.facade``).
- Overflow: ``on_audio``, ``on_transcript``, ``on_interrupted`` and ``on_error``'s feed of
  session errors keep up to ``buffer`` undelivered events each; past that the oldest are
  dropped (``drop_oldest``) and ``on_error`` gets a :class:`CallbackOverflowError` with the
  number lost, so nothing is lost silently and the session never waits. ``on_tool_call``'s feed
  is lossless (``block``): its task only starts one task per call and never waits on your code.
- ``on_audio`` and ``on_transcript`` carry the default conversation: the audio and text of
  out-of-band responses (``ResponseOptions(out_of_band=True)``) are left to the session's events.

Cancellation: the tasks live in the nursery given to :meth:`CallbackRunner.start` (the one
``RealtimeVoice.connect()`` owns); cancelling it cancels async callbacks, and abandons a sync
callback's thread (it runs on until it returns; its result is discarded).
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import trio

from .._errors import RealtimeError, SessionClosedError
from .._fanout import Overflow, Subscription
from .._session import RealtimeSession
from ..events import (
    AssistantAudioDelta,
    AssistantText,
    AssistantTextDelta,
    AssistantTranscript,
    AssistantTranscriptDelta,
    Error,
    SessionClosed,
    SessionEvent,
    ToolCallDispatched,
    ToolCallFailed,
)
from ..tools._introspect import is_async_callable
from ._band import OutOfBandTurns
from ._errors import CallbackError, CallbackOverflowError, SessionError
from ._models import ToolCallRequest

__all__ = ["CALLBACKS", "CallbackRunner", "invoke"]

log = logging.getLogger("trio_realtime.facade")

#: The callback names, as the decorators spell them.
CALLBACKS = ("on_audio", "on_transcript", "on_tool_call", "on_error", "on_interrupted")

_AUDIO_KINDS = frozenset({"assistant_turn_started", "assistant_audio_delta"})
_TRANSCRIPT_KINDS = frozenset(
    {
        "assistant_turn_started",
        "assistant_transcript_delta",
        "assistant_text_delta",
        "assistant_transcript",
        "assistant_text",
    }
)


async def invoke(fn: Callable[..., Any], *args: Any) -> Any:
    """Call a callback: await an async one; run a sync one in a worker thread (abandoned if
    cancelled). A sync function that returns a coroutine raises ``TypeError`` (declare it
    ``async def``)."""
    if is_async_callable(fn):
        return await fn(*args)
    return await trio.to_thread.run_sync(functools.partial(fn, *args), abandon_on_cancel=True)


def callback_error(name: str, exc: BaseException) -> CallbackError:
    """A :class:`CallbackError` for ``exc`` raised by callback ``name`` (``exc`` as cause)."""
    error = CallbackError(f"{name} raised {type(exc).__name__}: {exc}", callback=name)
    error.__cause__ = exc
    return error


def session_error(event: SessionEvent) -> RealtimeError | None:
    """What ``on_error`` gets for a session event: an ``error`` event, or a close that the
    client did not ask for; None for anything else."""
    if isinstance(event, Error):
        return SessionError(event.message, code=event.code, recoverable=event.recoverable)
    if isinstance(event, SessionClosed) and event.reason != "client":
        by = "server" if event.reason == "server" else "connection failure"
        detail = f": {event.message}" if event.message else ""
        text = f"the session was closed by the {by}{detail}"
        return SessionClosedError(text, code=event.code, reason=event.message)
    return None


class CallbackRunner:
    """Delivers one session's events to the registered callbacks (module docstring)."""

    def __init__(
        self, session: RealtimeSession, callbacks: Mapping[str, Callable[..., Any]], *, buffer: int
    ) -> None:
        self._session = session
        self._callbacks = dict(callbacks)
        self._buffer = buffer
        self._errors_in, self._errors_out = trio.open_memory_channel[RealtimeError](buffer)
        self._subscriptions: list[Subscription] = []
        self._calls: dict[str, trio.CancelScope] = {}
        self._limiter = trio.CapacityLimiter(session.config.max_concurrent_tools)
        #: Errors ``on_error`` never saw because it was ``buffer`` errors behind.
        self.lost_errors = 0

    def start(self, nursery: trio.Nursery) -> None:
        """Subscribe for every registered callback now (so no later event is missed) and start
        the delivering tasks in ``nursery``."""
        has = self._callbacks.__contains__
        if has("on_audio"):
            audio = functools.partial(self._audio, OutOfBandTurns())
            self._feed(nursery, "on_audio", _AUDIO_KINDS, "drop_oldest", audio)
        if has("on_transcript"):
            text = functools.partial(self._text, OutOfBandTurns())
            self._feed(nursery, "on_transcript", _TRANSCRIPT_KINDS, "drop_oldest", text)
        if has("on_interrupted"):
            self._feed(nursery, "on_interrupted", {"interrupted"}, "drop_oldest", self._interrupt)
        if has("on_tool_call"):
            kinds = {"tool_call_dispatched", "tool_call_failed"}
            handle = functools.partial(self._tool_event, nursery)
            self._feed(nursery, "on_tool_call", kinds, "block", handle)
        if has("on_error"):
            kinds = {"error", "session_closed"}
            self._feed(nursery, "on_error", kinds, "drop_oldest", self._session_error)
            nursery.start_soon(self._deliver_errors)

    def close(self) -> None:
        """Unsubscribe every feed (idempotent): the session stops queueing for callbacks."""
        for subscription in self._subscriptions:
            subscription.close()

    def report(self, error: RealtimeError) -> None:
        """Hand ``error`` to ``on_error`` without waiting (or log it when there is none)."""
        if "on_error" not in self._callbacks:
            log.warning("%s", error, exc_info=error)
            return
        try:
            self._errors_in.send_nowait(error)
        except trio.WouldBlock:
            self.lost_errors += 1
            log.warning("on_error is %d errors behind; not delivered: %s", self._buffer, error)

    # -- feeding ------------------------------------------------------------------------------

    def _feed(
        self,
        nursery: trio.Nursery,
        name: str,
        kinds: Iterable[str],
        overflow: Overflow,
        handle: Callable[[SessionEvent], Awaitable[None]],
    ) -> None:
        subscription = self._session.subscribe(kinds=kinds, buffer=self._buffer, overflow=overflow)
        self._subscriptions.append(subscription)
        nursery.start_soon(self._pump, name, subscription, handle)

    async def _pump(
        self,
        name: str,
        subscription: Subscription,
        handle: Callable[[SessionEvent], Awaitable[None]],
    ) -> None:
        reported = 0
        with subscription, contextlib.suppress(trio.ClosedResourceError):  # closed: stop
            async for event in subscription:
                dropped = subscription.statistics().dropped
                if dropped > reported:
                    lost = dropped - reported
                    reported = dropped
                    self.report(
                        CallbackOverflowError(
                            f"{name} fell {self._buffer} events behind: "
                            f"{lost} undelivered event(s) dropped",
                            callback=name,
                            dropped=lost,
                        )
                    )
                await handle(event)

    async def _call(self, name: str, *args: Any) -> tuple[bool, Any]:
        """Run callback ``name``; (True, result), or (False, None) after reporting a raise."""
        try:
            return True, await invoke(self._callbacks[name], *args)
        except Exception as exc:  # a callback's failure never stops delivery
            self.report(callback_error(name, exc))
            return False, None

    # -- the callbacks --------------------------------------------------------------------------

    async def _audio(self, out_of_band: OutOfBandTurns, event: SessionEvent) -> None:
        in_band = not out_of_band.owns(event)
        if in_band and isinstance(event, AssistantAudioDelta):
            await self._call("on_audio", event.pcm)

    async def _text(self, out_of_band: OutOfBandTurns, event: SessionEvent) -> None:
        if out_of_band.owns(event):
            return
        if isinstance(event, (AssistantTranscriptDelta, AssistantTextDelta)):
            await self._call("on_transcript", event.delta, False)
        elif isinstance(event, (AssistantTranscript, AssistantText)):
            await self._call("on_transcript", event.text, True)

    async def _interrupt(self, event: SessionEvent) -> None:
        await self._call("on_interrupted")

    async def _session_error(self, event: SessionEvent) -> None:
        error = session_error(event)
        if error is not None:
            self.report(error)
        await trio.lowlevel.checkpoint()

    async def _deliver_errors(self) -> None:
        async for error in self._errors_out:
            try:
                await invoke(self._callbacks["on_error"], error)
            except Exception:  # nowhere left to report it
                log.warning("on_error raised while handling: %s", error, exc_info=True)

    # -- tool calls ---------------------------------------------------------------------------

    async def _tool_event(self, nursery: trio.Nursery, event: SessionEvent) -> None:
        """Start answering an application-answered call; stop answering one that ended."""
        if isinstance(event, ToolCallFailed):  # timed out, interrupted, or the session closed
            scope = self._calls.get(event.call_id)
            if scope is not None:
                scope.cancel()
        elif isinstance(event, ToolCallDispatched):
            tool = self._session.config.tool_registry().get(event.name)
            if tool is not None and tool.answered_by_app:
                request = ToolCallRequest(event.call_id, event.name, dict(event.args))
                scope = self._calls[event.call_id] = trio.CancelScope()
                nursery.start_soon(self._answer, request, scope)
        await trio.lowlevel.checkpoint()

    async def _answer(self, request: ToolCallRequest, scope: trio.CancelScope) -> None:
        """Answer one call with ``on_tool_call``'s result, or its exception as the error the
        model reads. Exactly one answer per call: the session refuses any other."""
        session, call_id = self._session, request.call_id
        try:
            with scope:
                async with self._limiter:
                    try:
                        result = await invoke(self._callbacks["on_tool_call"], request)
                    except Exception as exc:  # the model reads the error; on_error gets it too
                        self.report(callback_error("on_tool_call", exc))
                        message = (
                            f"tool {request.function_name!r} raised {type(exc).__name__}: {exc}"
                        )
                        reply = functools.partial(session.send_tool_error, call_id, message)
                    else:
                        reply = functools.partial(session.send_tool_result, call_id, result)
                    # Refused when the call is no longer pending (timed out, interrupted) or the
                    # session closed: the session has then given the call its outcome.
                    with contextlib.suppress(
                        ValueError, trio.ClosedResourceError, trio.BrokenResourceError
                    ):
                        await reply()
        finally:
            self._calls.pop(call_id, None)
