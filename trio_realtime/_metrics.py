"""Session metrics: latencies, tool durations, token usage and cost (pure, no trio).

A :class:`MetricsTracker` is fed the events a session publishes and a few moments only the
session knows (a response request or a commit written, the barge-in's messages written), each
with the time it happened on trio's clock. It answers :meth:`MetricsTracker.snapshot`
(``session.metrics()``) and hands back a :class:`~trio_realtime.TurnMetrics` once a turn is over.

Definitions (all times in seconds):

- **time to first audio / text**: from the turn's *trigger* — the latest end of user speech
  (server VAD's ``speech_stopped`` read, or our commit written) or response request written
  before the turn started — to its first ``assistant_audio_delta`` / first text or transcript
  delta;
- **barge-in reaction**: from reading the frame that interrupted a turn (``speech_started``) to
  having written every message that step queued (the cancel and the truncation);
- **tool duration**: from ``tool_call_dispatched`` to its ``tool_call_completed`` /
  ``tool_call_failed``;
- **usage**: the provider's per-response usage, summed; **cost**: :func:`estimate_cost`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

import attrs

from ._prices import ModelPrices, estimate_cost
from .events import (
    AgentHandoff,
    AssistantAudioDelta,
    AssistantTextDelta,
    AssistantTranscriptDelta,
    AssistantTurnCompleted,
    AssistantTurnStarted,
    Interrupted,
    SessionEvent,
    ToolCallCompleted,
    ToolCallDispatched,
    ToolCallFailed,
    TurnMetrics,
    Usage,
    UserSpeechStopped,
)

__all__ = ["LatencySummary", "MetricsTracker", "SessionMetrics", "add_usage"]

Trigger = Literal["speech_end", "request"]

#: Turns kept while they are not over yet (a bound against a server that never ends them).
_MAX_OPEN_TURNS = 64


@attrs.frozen(kw_only=True)
class LatencySummary:
    """Count, last, mean, min and max of one kind of duration (None while ``count`` is 0)."""

    count: int = 0
    total: float = 0.0
    last: float | None = None
    min: float | None = None
    max: float | None = None

    @property
    def mean(self) -> float | None:
        return self.total / self.count if self.count else None

    def add(self, value: float) -> LatencySummary:
        return LatencySummary(
            count=self.count + 1,
            total=self.total + value,
            last=value,
            min=value if self.min is None else min(self.min, value),
            max=value if self.max is None else max(self.max, value),
        )


@attrs.frozen(kw_only=True)
class SessionMetrics:
    """A snapshot of a session's metrics (``session.metrics()``); see :mod:`._metrics`.

    ``usage`` sums every response's usage; ``cost_usd`` is its estimated cost (None when the
    model has no prices). ``last_turn`` is the metrics of the most recent turn that is over.
    """

    turns: int = 0
    interrupted_turns: int = 0
    time_to_first_audio: LatencySummary = LatencySummary()
    time_to_first_text: LatencySummary = LatencySummary()
    barge_in_reaction: LatencySummary = LatencySummary()
    tool_duration: LatencySummary = LatencySummary()
    tool_calls: int = 0
    tool_failures: int = 0
    handoffs: int = 0
    usage: Usage = attrs.field(factory=Usage)
    cost_usd: float | None = None
    last_turn: TurnMetrics | None = None


@attrs.define(kw_only=True)
class _Totals:
    """The fields of :class:`SessionMetrics`, updated in place (a snapshot copies them)."""

    turns: int = 0
    interrupted_turns: int = 0
    time_to_first_audio: LatencySummary = LatencySummary()
    time_to_first_text: LatencySummary = LatencySummary()
    barge_in_reaction: LatencySummary = LatencySummary()
    tool_duration: LatencySummary = LatencySummary()
    tool_calls: int = 0
    tool_failures: int = 0
    handoffs: int = 0
    usage: Usage = attrs.field(factory=Usage)
    cost_usd: float | None = None
    last_turn: TurnMetrics | None = None


def add_usage(a: Usage, b: Usage) -> Usage:
    """Field-by-field sum of two usage reports."""
    return Usage(**{f.name: getattr(a, f.name) + getattr(b, f.name) for f in attrs.fields(Usage)})


@attrs.define
class _Turn:
    turn_id: str
    started: float
    trigger: Trigger | None
    trigger_at: float | None
    first_audio: float | None = None
    first_text: float | None = None
    done: AssistantTurnCompleted | None = None
    done_at: float = 0.0
    calls: dict[str, float] = attrs.Factory(dict)  # call_id -> dispatch time (running)
    durations: dict[str, float] = attrs.Factory(dict)
    reaction_pending: bool = False
    reaction: float | None = None
    interrupted: bool = False


class MetricsTracker:
    """The metrics of one session (see the module docstring). ``prices`` None: no cost."""

    __slots__ = ("_m", "_reaction", "_trigger", "_turns", "audio_seen", "prices")

    def __init__(self, *, prices: ModelPrices | None = None) -> None:
        self.prices = prices
        self._m = _Totals(cost_usd=0.0 if prices is not None else None)
        self._turns: dict[str, _Turn] = {}
        self._trigger: tuple[Trigger, float] | None = None
        self._reaction: tuple[str, float] | None = None  # (turn_id, frame read at)
        self.audio_seen = False

    # -- inputs -------------------------------------------------------------------------------

    @property
    def handled_types(self) -> frozenset[type[Any]]:
        """The event types :meth:`event` looks at."""
        return _HANDLED

    def event(self, event: SessionEvent, now: float) -> TurnMetrics | None:
        """Fold in a published event; returns a turn's metrics when that turn is now over."""
        handler = _HANDLERS.get(type(event))
        return None if handler is None else handler(self, event, now)

    def text_delta(self, turn_id: str, clock: Callable[[], float]) -> None:
        """:meth:`event` for a text or transcript delta of ``turn_id``, cheaper: only a turn's
        first delta counts, so ``clock`` (the time now) is read only for that one."""
        turn = self._turns.get(turn_id)
        if turn is not None and turn.first_text is None:
            self._first_text(turn, clock())

    def audio_delta(self, turn_id: str, clock: Callable[[], float]) -> None:
        """:meth:`event` for an audio delta of ``turn_id`` (see :meth:`text_delta`)."""
        self.audio_seen = True
        turn = self._turns.get(turn_id)
        if turn is not None and turn.first_audio is None:
            self._first_audio(turn, clock())

    def trigger(self, kind: Trigger, now: float) -> None:
        """The user's speech ended, or we asked for a response (written at ``now``)."""
        self._trigger = (kind, now)

    def reaction_done(self, now: float) -> TurnMetrics | None:
        """Everything the last barge-in queued has been written."""
        if self._reaction is None:
            return None
        turn_id, read_at = self._reaction
        self._reaction = None
        value = now - read_at
        self._m.barge_in_reaction = self._m.barge_in_reaction.add(value)
        turn = self._turns.get(turn_id)
        if turn is None:
            return None
        turn.reaction, turn.reaction_pending = value, False
        return self._maybe_over(turn)

    @property
    def reaction_pending(self) -> bool:
        return self._reaction is not None

    # -- events -------------------------------------------------------------------------------

    def _started(self, event: AssistantTurnStarted, now: float) -> None:
        kind, at = self._trigger if self._trigger is not None else (None, None)
        self._trigger = None
        if len(self._turns) >= _MAX_OPEN_TURNS:
            del self._turns[next(iter(self._turns))]
        self._turns[event.turn_id] = _Turn(event.turn_id, now, kind, at)

    def _audio(self, event: AssistantAudioDelta, now: float) -> None:
        self.audio_delta(event.turn_id, lambda: now)

    def _first_audio(self, turn: _Turn, now: float) -> None:
        turn.first_audio = now
        if turn.trigger_at is not None:
            summary = self._m.time_to_first_audio.add(now - turn.trigger_at)
            self._m.time_to_first_audio = summary

    def _text(self, event: AssistantTextDelta | AssistantTranscriptDelta, now: float) -> None:
        self.text_delta(event.turn_id, lambda: now)

    def _first_text(self, turn: _Turn, now: float) -> None:
        turn.first_text = now
        if turn.trigger_at is not None:
            summary = self._m.time_to_first_text.add(now - turn.trigger_at)
            self._m.time_to_first_text = summary

    def _speech_stopped(self, event: UserSpeechStopped, now: float) -> None:
        self.trigger("speech_end", now)

    def _interrupted(self, event: Interrupted, now: float) -> None:
        turn = self._turns.get(event.turn_id)
        if turn is not None:
            turn.interrupted = True
            self._m.interrupted_turns += 1
        if event.reason == "barge_in":
            self._reaction = (event.turn_id, now)
            if turn is not None:
                turn.reaction_pending = True

    def _dispatched(self, event: ToolCallDispatched, now: float) -> None:
        self._m.tool_calls += 1
        turn = self._turns.get(event.turn_id)
        if turn is not None:
            turn.calls[event.call_id] = now

    def _call_done(
        self, event: ToolCallCompleted | ToolCallFailed, now: float
    ) -> TurnMetrics | None:
        if isinstance(event, ToolCallFailed):
            self._m.tool_failures += 1
        turn = self._turns.get(event.turn_id)
        if turn is None or event.call_id not in turn.calls:
            return None
        duration = now - turn.calls.pop(event.call_id)
        turn.durations[event.call_id] = duration
        self._m.tool_duration = self._m.tool_duration.add(duration)
        return self._maybe_over(turn)

    def _handoff(self, event: AgentHandoff, now: float) -> None:
        self._m.handoffs += 1

    def _completed(self, event: AssistantTurnCompleted, now: float) -> TurnMetrics | None:
        turn = self._turns.get(event.turn_id)
        if turn is None:
            return None
        turn.done, turn.done_at = event, now
        totals = self._m
        totals.turns += 1
        if event.usage is not None:
            totals.usage = add_usage(totals.usage, event.usage)
            if self.prices is not None and totals.cost_usd is not None:
                totals.cost_usd += estimate_cost(event.usage, self.prices)
        return self._maybe_over(turn)

    # -- outputs ------------------------------------------------------------------------------

    def _maybe_over(self, turn: _Turn) -> TurnMetrics | None:
        done = turn.done
        if done is None or turn.calls or turn.reaction_pending:
            return None
        del self._turns[turn.turn_id]
        usage = done.usage
        cost = None
        if self.prices is not None and usage is not None:
            cost = estimate_cost(usage, self.prices)
        elif self.prices is not None:
            cost = 0.0
        metrics = TurnMetrics(
            turn_id=turn.turn_id,
            status=done.status,
            trigger=turn.trigger,
            time_to_first_audio=_since(turn.trigger_at, turn.first_audio),
            time_to_first_text=_since(turn.trigger_at, turn.first_text),
            duration=turn.done_at - turn.started,
            tool_durations=dict(turn.durations),
            barge_in_reaction=turn.reaction,
            usage=usage,
            totals=self._m.usage,
            cost_usd=cost,
            total_cost_usd=self._m.cost_usd,
        )
        self._m.last_turn = metrics
        return metrics

    def flush(self) -> list[TurnMetrics]:
        """The metrics of every completed turn not reported yet (the session is closing):
        calls still running and a reaction never written are left out."""
        out = []
        for turn in list(self._turns.values()):
            if turn.done is not None:
                turn.calls.clear()
                turn.reaction_pending = False
                metrics = self._maybe_over(turn)
                if metrics is not None:
                    out.append(metrics)
        return out

    def snapshot(self) -> SessionMetrics:
        """The session's metrics now (an immutable value)."""
        return SessionMetrics(**attrs.asdict(self._m, recurse=False))

    def latencies(self, turn_id: str) -> tuple[float | None, float | None]:
        """Time to first audio and to first text of a turn not over yet (None: not known)."""
        turn = self._turns.get(turn_id)
        if turn is None:
            return None, None
        return _since(turn.trigger_at, turn.first_audio), _since(turn.trigger_at, turn.first_text)

    def open_turns(self) -> Mapping[str, float]:
        """Turns not over yet -> when they started (for diagnostics and tests)."""
        return {turn_id: turn.started for turn_id, turn in self._turns.items()}


_HANDLERS: Mapping[type[Any], Callable[[MetricsTracker, Any, float], TurnMetrics | None]] = {
    AssistantTurnStarted: MetricsTracker._started,
    AssistantAudioDelta: MetricsTracker._audio,
    AssistantTextDelta: MetricsTracker._text,
    AssistantTranscriptDelta: MetricsTracker._text,
    AssistantTurnCompleted: MetricsTracker._completed,
    UserSpeechStopped: MetricsTracker._speech_stopped,
    Interrupted: MetricsTracker._interrupted,
    ToolCallDispatched: MetricsTracker._dispatched,
    ToolCallCompleted: MetricsTracker._call_done,
    ToolCallFailed: MetricsTracker._call_done,
    AgentHandoff: MetricsTracker._handoff,
}
_HANDLED = frozenset(_HANDLERS)


def _since(start: float | None, end: float | None) -> float | None:
    return None if start is None or end is None else end - start
