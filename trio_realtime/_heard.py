"""What the listener heard of the assistant's audio: the facts truncation is decided on.

:class:`Listening` counts the audio received per item (in samples, never wall time), notes when
each item's first audio arrived, and answers how much of an item was *played*: the
application's playback reports when it gives them, otherwise a monotonic-clock estimate since
the item's first audio. :meth:`Listening.cut` decides the truncation of an interrupted item
(DESIGN 4.3) and records the fraction heard, which the conversation record uses. Pure: the
turn machine owns one and passes ``now`` in.
"""

from __future__ import annotations

import math
from typing import Any, Literal, Protocol

__all__ = ["Listening", "PlaybackSource"]

#: How many audio items are remembered (received counts, fractions heard).
MAX_ITEMS = 256


class PlaybackSource(Protocol):
    """Where the application reports how much of an item it has played."""

    def played_ms(self, item_id: str) -> float | None: ...


class Listening:
    """Received audio per item, playback position, and what truncation it calls for."""

    def __init__(self, playback: PlaybackSource | None = None) -> None:
        self._playback = playback
        self._received: dict[str, tuple[int, int]] = {}  # item_id -> (samples, rate)
        self._first: dict[str, float] = {}  # item_id -> when its first audio arrived
        #: Interrupted audio items: the fraction of their received audio that was heard.
        self.heard: dict[str, float] = {}

    def received(self, item_id: str, samples: int, rate: int, now: float) -> None:
        """``samples`` more samples of ``item_id`` arrived at ``rate``."""
        if item_id not in self._first:
            remember(self._first, item_id, now)
        count, _ = self._received.get(item_id, (0, 0))
        remember(self._received, item_id, (count + samples, rate))

    def has_audio(self, item_id: str) -> bool:
        """Whether any audio of ``item_id`` arrived."""
        return item_id in self._first

    def received_ms(self, item_id: str) -> float:
        """Milliseconds of ``item_id``'s audio received so far (0 if none)."""
        samples, rate = self._received.get(item_id, (0, 1))
        return samples * 1000 / rate

    def played_ms(self, item_id: str, now: float) -> float:
        """Milliseconds of ``item_id`` the listener heard by ``now`` (reported, or estimated)."""
        reported = self._playback.played_ms(item_id) if self._playback is not None else None
        if reported is not None:
            return reported
        first = self._first.get(item_id)
        return 0.0 if first is None else (now - first) * 1000

    def still_playing(self, item_id: str, now: float) -> bool:
        """Whether audio of ``item_id`` was received and not all of it was heard yet."""
        return self.has_audio(item_id) and self.played_ms(item_id, now) < self.received_ms(item_id)

    def cut(self, item_id: str, now: float) -> tuple[Literal["delete", "truncate"], int] | None:
        """The truncation an interruption at ``now`` calls for: ``("delete", 0)`` when nothing
        was heard, ``("truncate", ms)`` when part was, None when everything was."""
        received = self.received_ms(item_id)
        played = math.floor(self.played_ms(item_id, now))
        if played <= 0:
            remember(self.heard, item_id, 0.0)
            return ("delete", 0)
        if played >= received:
            return None
        remember(self.heard, item_id, played / received)
        return ("truncate", played)


def remember(table: dict[str, Any], key: str, value: Any) -> None:
    """``table[key] = value``, forgetting the oldest key when the table is full."""
    if key not in table and len(table) >= MAX_ITEMS:
        del table[next(iter(table))]
    table[key] = value
