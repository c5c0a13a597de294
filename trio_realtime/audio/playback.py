"""Playback bookkeeping: what the listener has actually heard, and a playout jitter buffer.

Both classes are pure (no I/O, no trio, no clocks): the audio sink calls into them.
"""

from __future__ import annotations

import math
from collections import OrderedDict

from .pcm import Buffer, bytes_to_ms, ms_to_bytes

__all__ = ["JitterBuffer", "PlaybackTracker"]


def _check_ms(value: float, what: str) -> None:
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{what} must be a finite non-negative number of ms, got {value}")


class PlaybackTracker:
    """Per-item record of how much assistant audio has been played, fed by the audio sink.

    The sink reports either cumulative positions with :meth:`on_play` or increments with
    :meth:`advance` (both may be mixed). Positions never go backwards: a smaller cumulative value
    is ignored, since reports can arrive out of order. The session reads :meth:`played_ms` to
    truncate an interrupted item at the point the user actually heard.

    Memory is bounded: only the ``max_items`` most recently reported items are kept (the least
    recently reported one is forgotten first).
    """

    def __init__(self, *, max_items: int = 64) -> None:
        if max_items < 1:
            raise ValueError(f"max_items must be >= 1, got {max_items}")
        self.max_items = max_items
        self._played: OrderedDict[str, float] = OrderedDict()

    def _set(self, item_id: str, ms: float) -> None:
        self._played[item_id] = ms
        self._played.move_to_end(item_id)
        while len(self._played) > self.max_items:
            self._played.popitem(last=False)

    def on_play(self, item_id: str, played_ms: float) -> None:
        """Report that ``played_ms`` ms of ``item_id`` have been heard so far (cumulative)."""
        _check_ms(played_ms, "played_ms")
        self._set(item_id, max(played_ms, self._played.get(item_id, 0.0)))

    def advance(self, item_id: str, samples: int, sample_rate: int) -> None:
        """Report that ``samples`` more samples of ``item_id`` were played at ``sample_rate``."""
        if samples < 0:
            raise ValueError(f"samples must be non-negative, got {samples}")
        if sample_rate <= 0:
            raise ValueError(f"sample_rate must be positive, got {sample_rate}")
        self._set(item_id, self._played.get(item_id, 0.0) + samples * 1000 / sample_rate)

    def played_ms(self, item_id: str) -> float | None:
        """Milliseconds of ``item_id`` heard so far, or ``None`` if it was never reported."""
        return self._played.get(item_id)

    @property
    def last_item_id(self) -> str | None:
        """The item reported most recently (the one playing now, in a sequential sink)."""
        return next(reversed(self._played), None)

    def forget(self, item_id: str) -> None:
        """Drop the record of ``item_id`` (no error if unknown)."""
        self._played.pop(item_id, None)

    def clear(self) -> None:
        """Forget every item."""
        self._played.clear()

    def __len__(self) -> int:
        return len(self._played)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._played

    def __repr__(self) -> str:
        return f"<PlaybackTracker items={len(self._played)} max_items={self.max_items}>"


class JitterBuffer:
    """Bounded playout buffer for PCM16: the network pushes bursts, the sink pops fixed sizes.

    - :meth:`push` appends; beyond ``max_ms`` the *oldest* audio is dropped (whole frames) and
      counted in :attr:`dropped_ms`, so latency stays bounded when the producer runs ahead.
    - :meth:`pop` always returns exactly the bytes asked for, padding with silence.
    - Chunks need not hold whole frames: a trailing partial frame (half a sample, or one
      channel of a stereo frame) waits for the rest of its frame. It is never played on its
      own, not counted in :attr:`buffered_bytes` nor against ``max_ms``, so an underrun never
      shifts the samples (or swaps the channels) that follow. :meth:`clear` discards it too.
    - Priming: after creation, :meth:`clear` or an underrun, ``pop`` returns silence until at
      least ``prefill_ms`` is buffered (any audio at all when ``prefill_ms`` is 0). Silence
      while priming is not an underrun; running dry while playing is (:attr:`underruns`,
      :attr:`underrun_ms`).
    """

    def __init__(
        self,
        *,
        max_ms: float,
        sample_rate: int,
        channels: int = 1,
        prefill_ms: float = 0.0,
    ) -> None:
        _check_ms(max_ms, "max_ms")
        _check_ms(prefill_ms, "prefill_ms")
        if prefill_ms > max_ms:
            raise ValueError(f"prefill_ms ({prefill_ms}) exceeds max_ms ({max_ms})")
        self.sample_rate = sample_rate
        self.channels = channels
        self.frame_bytes = 2 * channels
        self.max_bytes = ms_to_bytes(max_ms, rate=sample_rate, channels=channels)
        if self.max_bytes < self.frame_bytes:
            raise ValueError(f"max_ms={max_ms} holds less than one frame")
        self.prefill_bytes = ms_to_bytes(prefill_ms, rate=sample_rate, channels=channels)
        self._buf = bytearray()
        self._playing = False
        self.dropped_ms = 0.0
        self.underruns = 0
        self.underrun_ms = 0.0

    def _ms(self, n: int) -> float:
        return bytes_to_ms(n, rate=self.sample_rate, channels=self.channels)

    @property
    def buffered_bytes(self) -> int:
        """Bytes of whole frames waiting to be played (a trailing partial frame excluded)."""
        return len(self._buf) - len(self._buf) % self.frame_bytes

    @property
    def free_bytes(self) -> int:
        """Bytes that can be pushed now without dropping old audio."""
        return self.max_bytes - self.buffered_bytes

    @property
    def buffered_ms(self) -> float:
        """Audio waiting to be played, in ms (whole frames)."""
        return self._ms(self.buffered_bytes)

    @property
    def playing(self) -> bool:
        """False while priming (see the class docstring)."""
        return self._playing

    def push(self, pcm: Buffer) -> None:
        """Append PCM16 bytes (any count); drop the oldest whole frames beyond ``max_ms``."""
        self._buf += pcm
        excess = self.buffered_bytes - self.max_bytes
        if excess > 0:
            excess = -(-excess // self.frame_bytes) * self.frame_bytes
            del self._buf[:excess]
            self.dropped_ms += self._ms(excess)

    def pop(self, n_bytes: int) -> bytes:
        """Take exactly ``n_bytes`` (a whole number of frames), padded with silence if short."""
        if n_bytes < 0 or n_bytes % self.frame_bytes:
            raise ValueError(f"n_bytes must be a non-negative multiple of {self.frame_bytes}")
        whole = self.buffered_bytes
        if not self._playing:
            if not whole or whole < self.prefill_bytes:
                return bytes(n_bytes)
            self._playing = True
        take = min(n_bytes, whole)  # never half a frame: the rest of it may still come
        out = bytes(self._buf[:take])
        del self._buf[:take]
        if len(out) < n_bytes:
            self.underruns += 1
            self.underrun_ms += self._ms(n_bytes - len(out))
            self._playing = False
            out += bytes(n_bytes - len(out))
        return out

    def clear(self) -> None:
        """Discard buffered audio, a partial frame included (e.g. on barge-in), and prime
        again. Counters are kept."""
        self._buf.clear()
        self._playing = False

    def __repr__(self) -> str:
        return (
            f"<JitterBuffer buffered_ms={self.buffered_ms:.1f} max_bytes={self.max_bytes} "
            f"underruns={self.underruns} dropped_ms={self.dropped_ms:.1f}>"
        )
