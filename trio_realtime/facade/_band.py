"""Which events belong to out-of-band responses, which the facade keeps out of the conversation.

An out-of-band response (``ResponseOptions(out_of_band=True)``, e.g. a classification run next
to the conversation) is announced by ``assistant_turn_started(out_of_band=True)``; every later
event naming that ``turn_id`` is its own. ``on_audio``, ``on_transcript`` and ``run()`` carry
the default conversation only: read out-of-band answers from the session's events.
"""

from __future__ import annotations

from collections import OrderedDict

from ..events import AssistantTurnStarted, SessionEvent

__all__ = ["OutOfBandTurns"]

_KEPT = 64  # out-of-band turns remembered (the oldest is forgotten first)


class OutOfBandTurns:
    """Remembers the out-of-band turns seen so far (at most 64) and classifies events."""

    def __init__(self) -> None:
        self._turns: OrderedDict[str, None] = OrderedDict()

    def owns(self, event: SessionEvent) -> bool:
        """Whether ``event`` is (or starts) an out-of-band turn; feed every event, in order."""
        if isinstance(event, AssistantTurnStarted) and event.out_of_band:
            self._turns[event.turn_id] = None
            while len(self._turns) > _KEPT:
                self._turns.popitem(last=False)
            return True
        return getattr(event, "turn_id", None) in self._turns
