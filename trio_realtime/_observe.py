"""The observer of one session: metrics, telemetry and logs, outside the session's core.

The session core calls it at a few points only (each a line): every event of the types it
observes, around its publication (``before`` / ``after``; other events cost nothing), the end
of the session (``closed``), every message the writer sends (``sending`` before, ``sent``
after), and every audio frame queued (:meth:`SessionObserver.audio_sent`). Everything here is
synchronous and never waits, so the observer sees each event in the step that publishes it,
at the trio time it happens.

Metrics come from :class:`~._metrics.MetricsTracker`, telemetry and logs from
:class:`~._session_telemetry.SessionTelemetry`. With ``turn_metrics=True`` the observer also
publishes a :class:`~trio_realtime.TurnMetrics` event once each turn is over.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import trio

from ._metrics import MetricsTracker, SessionMetrics
from ._prices import DEFAULT_PRICES, ModelPrices, prices_for
from ._session_telemetry import SessionTelemetry
from .events import (
    AssistantAudioDelta,
    AssistantTextDelta,
    AssistantTranscriptDelta,
    Interrupted,
    SessionClosed,
    SessionEvent,
    TurnMetrics,
)
from .protocol import Message, WireMark

if TYPE_CHECKING:
    from ._lanes import WriterLanes

__all__ = ["SessionObserver"]


def _no_mark(message: Message) -> None:
    return None


@functools.cache
def _observed_types(*handled: frozenset[type[Any]]) -> frozenset[type[Any]]:
    return frozenset().union(*handled)  # (one shared set: the session's routes are cached by it)


class SessionObserver:
    """Metrics, telemetry and logs for one session (see the module docstring).

    ``prices`` maps model name prefixes to :class:`~trio_realtime.ModelPrices` (None: no cost
    estimate); ``turn_metrics`` publishes a ``turn_metrics`` event per turn.
    """

    __slots__ = (
        "_finished",
        "_lanes",
        "_publish",
        "_reaction_target",
        "_turn_metrics",
        "_wire_mark",
        "provider",
        "telemetry",
        "tracker",
    )

    def __init__(
        self,
        *,
        model: str = "",
        provider: str = "openai",
        prices: Mapping[str, ModelPrices] | None = DEFAULT_PRICES,
        turn_metrics: bool = False,
    ) -> None:
        self.provider = provider
        self.tracker = MetricsTracker(
            prices=prices_for(model, prices) if prices is not None else None
        )
        self.telemetry = SessionTelemetry(
            model=model, provider=provider, latencies=self.tracker.latencies
        )
        self._turn_metrics = turn_metrics
        self._publish: Callable[[SessionEvent], None] | None = None
        self._lanes: WriterLanes | None = None
        self._wire_mark: Callable[[Message], WireMark | None] = _no_mark
        self._reaction_target: int | None = None
        self._finished = False

    @property
    def audio_seen(self) -> bool:
        """Whether the assistant has produced audio in this session (voices are fixed then)."""
        return self.tracker.audio_seen

    def metrics(self) -> SessionMetrics:
        """The session's metrics now."""
        return self.tracker.snapshot()

    @property
    def observed_types(self) -> frozenset[type[SessionEvent]]:
        """The event types the observer needs to see (the session passes it only these)."""
        return _observed_types(self.tracker.handled_types, self.telemetry.handled_types)

    def bind(
        self,
        publish: Callable[[SessionEvent], None],
        lanes: WriterLanes,
        wire_mark: Callable[[Message], WireMark | None],
    ) -> None:
        """Publish through ``publish`` (per-turn metrics); watch what leaves ``lanes``, which
        ``wire_mark`` (the codec's) explains."""
        self._publish, self._lanes, self._wire_mark = publish, lanes, wire_mark

    def before(self, event: SessionEvent) -> TurnMetrics | None:
        """``event`` (an observed type) is about to be published: fold it in."""
        now = trio.current_time()
        self.telemetry.event(event, now)
        return self.tracker.event(event, now)

    def text_delta(self, event: AssistantTextDelta | AssistantTranscriptDelta) -> None:
        """:meth:`before` and :meth:`after` for a text or transcript delta, in one cheap call
        (the most frequent events: only a turn's first one is timed)."""
        self.tracker.text_delta(event.turn_id, trio.current_time)

    def audio_delta(self, event: AssistantAudioDelta) -> None:
        """:meth:`before` and :meth:`after` for an audio delta, in one cheap call."""
        self.tracker.audio_delta(event.turn_id, trio.current_time)
        self.telemetry.audio_received(event)

    def after(self, event: SessionEvent, over: TurnMetrics | None) -> None:
        """``event`` was published; ``over`` is what :meth:`before` returned."""
        if type(event) is Interrupted and self.tracker.reaction_pending:
            over = self._watch_reaction(trio.current_time()) or over
        if over is not None:
            self._report(over)

    def closed(self, final: SessionClosed) -> None:
        """The session is ending with ``final`` (before it is published)."""
        for over in self.tracker.flush():
            self._report(over)
        self._finished = True
        self.telemetry.closed(final, trio.current_time())

    def _report(self, metrics: TurnMetrics) -> None:
        if self._turn_metrics and self._publish is not None and not self._finished:
            self._publish(metrics)

    def _watch_reaction(self, now: float) -> TurnMetrics | None:
        """A barge-in was read just now: wait for the control messages its step queued."""
        lanes = self._lanes
        queued = lanes.depth("control") if lanes is not None else 0
        if lanes is None or not queued:
            self._reaction_target = None
            return self.tracker.reaction_done(now)  # nothing to write: reacted at once
        self._reaction_target = lanes.control_taken + queued
        return None

    def sending(self, message: Message) -> None:
        """The writer is handing ``message`` to the transport now (before any reply can be
        read: a request or the end of the user's speech starts the latency clock here)."""
        mark = self._wire_mark(message)
        if mark is not None:
            self.tracker.trigger(mark, trio.current_time())

    def sent(self) -> None:
        """The writer has written its message (the barge-in reaction ends once the messages
        its step queued are all written)."""
        target, lanes = self._reaction_target, self._lanes
        if target is None or lanes is None or lanes.control_taken < target:
            return
        self._reaction_target = None
        over = self.tracker.reaction_done(trio.current_time())
        if over is not None:
            self._report(over)

    def audio_sent(self, size: int, sample_rate: int) -> None:
        """An audio frame of ``size`` bytes of PCM16 at ``sample_rate`` was queued."""
        self.telemetry.audio_sent(size, sample_rate)
