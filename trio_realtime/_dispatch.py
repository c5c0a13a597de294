"""What a session's step does with each action and event type: the routes.

A route is a plain function ``route(runtime, item, lane)``. The tables are shared by every
session whose observer watches the same event types (built once, then cached), so a session
allocates nothing for them; an observer hook wraps only the types its observer watches.

Events of the types in ``plain`` go straight to the fan-out (the reader skips the table for
them); the conversation log sees the types it records; errors, ``session_updated`` and raw
server events are redacted before anyone sees them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from ._actions import CancelCalls, InterruptBatch, SealBatch, Send, StartCall
from ._conversation import LOGGED_EVENTS
from ._errors import ProtocolError, ProviderError, RealtimeConnectionError
from ._io import watch_deadline
from ._lanes import Lane
from ._secrets import redact, redact_data
from .events import (
    EVENT_CLASSES,
    EXTRA_EVENT_CLASSES,
    AssistantAudioDelta,
    AssistantTextDelta,
    AssistantTranscriptDelta,
    Error,
    RateLimited,
    ServerEvent,
    SessionEvent,
    SessionOpened,
    SessionUpdated,
    ToolCallArgsDelta,
)
from .protocol import GoAway, ProtocolViolation, ResumptionUpdate, SessionReady

if TYPE_CHECKING:
    from ._runtime import SessionRuntime

__all__ = ["Route", "routes"]

Route = Callable[["SessionRuntime", Any, Lane], None]

_DECODER_ERRORS = frozenset({"invalid_json", "invalid_event"})  # made by our codec, not the server


# -- events -----------------------------------------------------------------------------------


def _publish(rt: SessionRuntime, event: SessionEvent, lane: Lane) -> None:
    rt.fanout.publish(event)


def _publish_logged(rt: SessionRuntime, event: SessionEvent, lane: Lane) -> None:
    rt.log.observe(event)  # the conversation's record (session.history(), replay)
    rt.fanout.publish(event)


def _publish_args_delta(rt: SessionRuntime, event: ToolCallArgsDelta, lane: Lane) -> None:
    rt.log.call_args_delta(event)  # (_publish_logged, for the most frequent tool events)
    rt.fanout.publish(event)


def _publish_opened(rt: SessionRuntime, event: SessionOpened, lane: Lane) -> None:
    rt.session_id = event.session_id
    rt.fanout.publish(event)


def _publish_error(rt: SessionRuntime, event: Error, lane: Lane) -> None:
    message = redact(event.message)
    if message != event.message:
        event = attrs.evolve(event, message=message)
    if not event.recoverable:
        rt.fatal = ProviderError(event.message, code=event.code)
    if not rt.ready.is_set() and event.code not in _DECODER_ERRORS:
        error = RealtimeConnectionError(f"the server rejected the session: {event.message}")
        error.__cause__ = ProviderError(event.message, code=event.code)
        rt.handshake_error = error
        rt.ready.set()
    rt.log.observe(event)  # a refused commit leaves no place in the conversation
    rt.fanout.publish(event)


def _publish_server_event(rt: SessionRuntime, event: ServerEvent, lane: Lane) -> None:
    rt.fanout.publish(attrs.evolve(event, data=redact_data(event.data)))


def _publish_session_updated(rt: SessionRuntime, event: SessionUpdated, lane: Lane) -> None:
    # (it may echo credentials we sent: MCP headers)
    rt.fanout.publish(attrs.evolve(event, config=redact_data(event.config)))


def _publish_rate_limited(rt: SessionRuntime, event: RateLimited, lane: Lane) -> None:
    rt.fanout.publish(attrs.evolve(event, details=redact_data(event.details)))


# -- actions and signals ----------------------------------------------------------------------


def _send(rt: SessionRuntime, action: Send, lane: Lane) -> None:
    if rt.outage:  # for a connection that is gone: the replay carries the conversation
        return
    watch = rt.watch
    if watch is not None and watch.deadline == math.inf and rt.idle_timeout is not None:
        watch.deadline = watch_deadline(rt)  # (a response was just requested)
    if not rt.lanes.closed:  # closed meanwhile: the close is reported on its own
        rt.lanes.force(lane, action.message, barrier=lane == "audio")


def _start_call(rt: SessionRuntime, action: StartCall, lane: Lane) -> None:
    if rt.batches is not None and not rt.closing:
        rt.batches.start(action)


def _interrupt_batch(rt: SessionRuntime, action: InterruptBatch, lane: Lane) -> None:
    if rt.batches is not None:
        rt.batches.interrupted(action.turn_id)
        if action.cancel:
            rt.batches.cancel(action.turn_id)


def _seal_batch(rt: SessionRuntime, action: SealBatch, lane: Lane) -> None:
    if rt.batches is not None:
        rt.batches.seal(action.turn_id)


def _cancel_calls(rt: SessionRuntime, action: CancelCalls, lane: Lane) -> None:
    if rt.batches is not None:
        rt.batches.cancel_calls(action.turn_id, action.call_ids)


def _on_ready(rt: SessionRuntime, signal: SessionReady, lane: Lane) -> None:
    for message in rt.pending_restore:  # before anything a waiting command queues
        rt.lanes.force("control", message)
    rt.pending_restore = ()
    if rt.reconnector is not None and rt.reconnector.outage:
        rt.reconnector.connected()
    rt.ready.set()


def _on_violation(rt: SessionRuntime, signal: ProtocolViolation, lane: Lane) -> None:
    if rt.violation is None:
        rt.violation = ProtocolError(signal.message)


def _on_go_away(rt: SessionRuntime, signal: GoAway, lane: Lane) -> None:
    rt.go_away = signal
    if rt.reconnector is not None:
        rt.reconnector.go_away(signal)


def _on_resumption(rt: SessionRuntime, signal: ResumptionUpdate, lane: Lane) -> None:
    rt.resumption = signal


_BASE: dict[type[Any], Route] = {
    **dict.fromkeys(EVENT_CLASSES.values(), _publish),
    **dict.fromkeys(EXTRA_EVENT_CLASSES.values(), _publish),
    **dict.fromkeys(LOGGED_EVENTS, _publish_logged),
    ToolCallArgsDelta: _publish_args_delta,
    Error: _publish_error,
    SessionOpened: _publish_opened,
    ServerEvent: _publish_server_event,
    RateLimited: _publish_rate_limited,
    SessionUpdated: _publish_session_updated,
    Send: _send,
    StartCall: _start_call,
    InterruptBatch: _interrupt_batch,
    SealBatch: _seal_batch,
    CancelCalls: _cancel_calls,
    SessionReady: _on_ready,
    ProtocolViolation: _on_violation,
    GoAway: _on_go_away,
    ResumptionUpdate: _on_resumption,
}

#: Events that need nothing but the fan-out (unless an observer watches them).
_PLAIN: frozenset[type[Any]] = frozenset(kind for kind, route in _BASE.items() if route is _publish)


# -- observed events ----------------------------------------------------------------------------


def _observed(inner: Route) -> Route:
    def route(rt: SessionRuntime, event: SessionEvent, lane: Lane) -> None:
        observer = rt.observer
        over = observer.before(event)  # metrics, telemetry and logs see it first
        inner(rt, event, lane)
        observer.after(event, over)

    return route


def _text_delta(rt: SessionRuntime, event: AssistantTextDelta, lane: Lane) -> None:
    rt.observer.text_delta(event)  # (before / after, for the most frequent events)
    rt.log.assistant_delta(event)
    rt.fanout.publish(event)


def _audio_delta(rt: SessionRuntime, event: AssistantAudioDelta, lane: Lane) -> None:
    rt.observer.audio_delta(event)
    rt.fanout.publish(event)


#: Observed routes cheaper than ``_observed(_BASE[kind])`` and doing the same.
_FAST_OBSERVED: Mapping[type[Any], tuple[Route, Route]] = {
    AssistantTextDelta: (_publish_logged, _text_delta),
    AssistantTranscriptDelta: (_publish_logged, _text_delta),
    AssistantAudioDelta: (_publish, _audio_delta),
}

_CACHE: dict[frozenset[type[Any]], tuple[Mapping[type[Any], Route], frozenset[type[Any]]]] = {}


def routes(
    observed: frozenset[type[Any]],
) -> tuple[Mapping[type[Any], Route], frozenset[type[Any]]]:
    """The route of every action and event type, and the plain event types, for a session
    whose observer watches ``observed`` (shared; do not modify)."""
    cached = _CACHE.get(observed)
    if cached is None:
        table = dict(_BASE)
        for kind in observed:
            base, fast = _FAST_OBSERVED.get(kind, (None, None))
            inner = table[kind]
            table[kind] = fast if fast is not None and inner is base else _observed(inner)
        cached = _CACHE[observed] = (table, _PLAIN - observed)
    return cached
