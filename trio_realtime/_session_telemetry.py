"""What a session tells telemetry handlers and the ``trio_realtime.session`` logger.

:class:`SessionTelemetry` maps the events a session publishes to the pinned telemetry points
(:mod:`trio_realtime.telemetry`) and to structured log records. It is called synchronously,
in the step that publishes each event, so handlers see the moment things happen. Payloads are
built only when some handler listens (``telemetry.enabled``); user content (tool arguments and
results, error messages) goes only to handlers attached with ``include_content=True``, and never
into a log record.

Log records carry their ids as ``extra`` attributes (``session_id``, ``turn_id``, ``call_id``,
``agent``), so a structured formatter can index them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from . import telemetry
from .events import (
    AgentHandoff,
    AssistantAudioDelta,
    AssistantTurnCompleted,
    AssistantTurnStarted,
    Error,
    Interrupted,
    SessionClosed,
    SessionEvent,
    SessionOpened,
    ToolCallCompleted,
    ToolCallDispatched,
    ToolCallFailed,
    Usage,
)

__all__ = ["SessionTelemetry"]

log = logging.getLogger("trio_realtime.session")

#: Calls whose dispatch time is remembered at once (beyond: the oldest are forgotten).
_MAX_CALLS = 1024


class SessionTelemetry:
    """Telemetry and logging for one session (see the module docstring)."""

    __slots__ = (
        "_calls",
        "_opened_at",
        "_turns",
        "agent",
        "latencies",
        "model",
        "provider",
        "session_id",
    )

    def __init__(
        self,
        *,
        model: str,
        provider: str,
        latencies: Callable[[str], tuple[float | None, float | None]],
    ) -> None:
        self.model = model
        self.provider = provider
        self.session_id: str | None = None
        self.agent: str | None = None
        self._opened_at: float | None = None
        self._turns: dict[str, float] = {}
        self._calls: dict[str, float] = {}
        self.latencies = latencies

    def _meta(self, **extra: Any) -> dict[str, Any]:
        return {"session_id": self.session_id, **extra}

    @property
    def handled_types(self) -> frozenset[type[Any]]:
        """The event types :meth:`event` looks at."""
        return _HANDLED

    def event(self, event: SessionEvent, now: float) -> None:
        """Report one published event."""
        handler = _HANDLERS.get(type(event))
        if handler is not None:
            handler(self, event, now)

    def audio_received(self, event: AssistantAudioDelta) -> None:
        """:meth:`event` for an audio delta (needs no time)."""
        if telemetry.enabled(telemetry.AUDIO_RECEIVED):
            telemetry.emit(
                telemetry.AUDIO_RECEIVED,
                {"bytes": float(len(event.pcm)), "duration_ms": event.duration_ms},
                self._meta(turn_id=event.turn_id, item_id=event.item_id),
            )

    def audio_sent(self, size: int, sample_rate: int) -> None:
        """One audio frame of ``size`` bytes (PCM16 mono) was queued for the server."""
        if telemetry.enabled(telemetry.AUDIO_SENT):
            duration = size / 2 * 1000 / sample_rate
            telemetry.emit(
                telemetry.AUDIO_SENT,
                {"bytes": float(size), "duration_ms": duration},
                {"session_id": self.session_id},
            )

    def closed(self, event: SessionClosed, now: float) -> None:
        """The session ended (its terminal event)."""
        if self._opened_at is None:
            return  # never opened: the connect failed and raised instead
        duration = now - self._opened_at
        meta = self._meta(reason=event.reason, code=event.code, message=event.message)
        telemetry.emit(telemetry.SESSION_STOP, {"duration_s": duration}, meta)
        level = logging.WARNING if event.reason == "error" else logging.INFO
        log.log(
            level,
            "session %s closed (%s, code %s) after %.3f s",
            self.session_id,
            event.reason,
            event.code,
            duration,
            extra={"session_id": self.session_id, "reason": event.reason, "code": event.code},
        )
        self._turns.clear()
        self._calls.clear()

    # -- events ---------------------------------------------------------------------------

    def _opened(self, event: SessionOpened, now: float) -> None:
        self.session_id = event.session_id
        self._opened_at = now
        meta = self._meta(model=self.model, provider=self.provider, agent=self.agent)
        telemetry.emit(telemetry.SESSION_START, {}, meta)
        log.info(
            "session %s opened (%s, %s)",
            event.session_id,
            self.provider,
            self.model,
            extra={"session_id": event.session_id, "agent": self.agent},
        )

    def _error(self, event: Error, now: float) -> None:
        meta = self._meta(code=event.code, recoverable=event.recoverable)
        telemetry.emit(telemetry.SESSION_ERROR, {}, meta, content={"message": event.message})
        log.log(
            logging.INFO if event.recoverable else logging.WARNING,
            "session %s: %s error (code %s)",
            self.session_id,
            "recoverable" if event.recoverable else "fatal",
            event.code,
            extra={"session_id": self.session_id, "code": event.code},
        )

    def _audio(self, event: AssistantAudioDelta, now: float) -> None:
        self.audio_received(event)

    def _turn_started(self, event: AssistantTurnStarted, now: float) -> None:
        if len(self._turns) >= _MAX_CALLS:
            del self._turns[next(iter(self._turns))]
        self._turns[event.turn_id] = now
        telemetry.emit(telemetry.TURN_START, {}, self._meta(turn_id=event.turn_id))

    def _turn_completed(self, event: AssistantTurnCompleted, now: float) -> None:
        started = self._turns.pop(event.turn_id, None)
        if not telemetry.enabled(telemetry.TURN_STOP):
            return
        measured: dict[str, float] = {"duration_s": 0.0 if started is None else now - started}
        if event.usage is not None:
            measured.update(_usage_measurements(event.usage))
        first_audio, first_text = self.latencies(event.turn_id)
        if first_audio is not None:
            measured["time_to_first_audio_s"] = first_audio
        if first_text is not None:
            measured["time_to_first_text_s"] = first_text
        meta = self._meta(
            turn_id=event.turn_id, status=event.status, status_reason=event.status_reason
        )
        telemetry.emit(telemetry.TURN_STOP, measured, meta)

    def _tool_call(self, event: ToolCallDispatched, now: float) -> None:
        if len(self._calls) >= _MAX_CALLS:
            del self._calls[next(iter(self._calls))]
        self._calls[event.call_id] = now
        meta = self._meta(turn_id=event.turn_id, call_id=event.call_id, name=event.name)
        telemetry.emit(telemetry.TOOL_CALL, {}, meta, content={"arguments": dict(event.args)})

    def _tool_result(self, event: ToolCallCompleted | ToolCallFailed, now: float) -> None:
        started = self._calls.pop(event.call_id, None)
        ok = isinstance(event, ToolCallCompleted)
        if not ok:
            log.info(
                "session %s: tool %r failed (call %s)",
                self.session_id,
                event.name,
                event.call_id,
                extra={"session_id": self.session_id, "call_id": event.call_id},
            )
        if started is None or not telemetry.enabled(telemetry.TOOL_RESULT):
            return  # failed before it ran (unknown tool, bad arguments): no call, no result
        if isinstance(event, ToolCallCompleted):
            content: dict[str, Any] = {"result": event.result}
        else:
            content = {"error": event.error}
        meta = self._meta(turn_id=event.turn_id, call_id=event.call_id, name=event.name, ok=ok)
        telemetry.emit(telemetry.TOOL_RESULT, {"duration_s": now - started}, meta, content=content)

    def _handoff(self, event: AgentHandoff, now: float) -> None:
        self.agent = event.to_agent
        meta = self._meta(from_agent=event.from_agent, to_agent=event.to_agent)
        telemetry.emit(telemetry.AGENT_HANDOFF, {}, meta)
        log.info(
            "session %s: handoff %s -> %s",
            self.session_id,
            event.from_agent,
            event.to_agent,
            extra={"session_id": self.session_id, "agent": event.to_agent},
        )

    def _interrupted(self, event: Interrupted, now: float) -> None:
        log.debug(
            "session %s: turn %s interrupted (%s)",
            self.session_id,
            event.turn_id,
            event.reason,
            extra={"session_id": self.session_id, "turn_id": event.turn_id},
        )


_HANDLERS: Mapping[type[Any], Callable[[SessionTelemetry, Any, float], None]] = {
    SessionOpened: SessionTelemetry._opened,
    Error: SessionTelemetry._error,
    AssistantAudioDelta: SessionTelemetry._audio,
    AssistantTurnStarted: SessionTelemetry._turn_started,
    AssistantTurnCompleted: SessionTelemetry._turn_completed,
    ToolCallDispatched: SessionTelemetry._tool_call,
    ToolCallCompleted: SessionTelemetry._tool_result,
    ToolCallFailed: SessionTelemetry._tool_result,
    AgentHandoff: SessionTelemetry._handoff,
    Interrupted: SessionTelemetry._interrupted,
}
_HANDLED = frozenset(_HANDLERS)


def _usage_measurements(usage: Usage) -> dict[str, float]:
    return {field.name: float(getattr(usage, field.name)) for field in attrs.fields(Usage)}
