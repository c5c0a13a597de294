"""Turn detection for streamed input: a VAD decides per 32 ms frame, :class:`TurnSegmenter`
turns those decisions into utterances. Sans-I/O (no trio)."""

from __future__ import annotations

import math
from typing import Final

import numpy as np

from ..audio import StreamResampler, array_to_pcm16, pcm16_to_array
from .config import TurnDetection
from .models import VAD

__all__ = ["FRAME_MS", "EnergyVAD", "TurnSegmenter"]

FRAME_MS: Final = 32


class EnergyVAD:
    """The built-in VAD: a frame is speech when its RMS level reaches the threshold.

    ``threshold`` 0..1 maps logarithmically from -60 dBFS (0) to -10 dBFS (1); the default 0.5
    is -35 dBFS, as the local server's VAD. Deterministic and cheap (``blocking = False``: it
    runs on the event loop), fine for clean input; in noise use ``vp.SileroVAD`` (the
    ``speech`` extra).
    """

    blocking: Final = False

    def __init__(self, *, sample_rate: int = 16_000, threshold: float = 0.5) -> None:
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must be between 0 and 1, not {threshold!r}")
        self.sample_rate = sample_rate
        self.threshold = threshold
        level = 32768.0 * 10.0 ** ((-60.0 + 50.0 * threshold) / 20.0)
        self._level_sq = level * level

    def is_speech(self, frame: bytes) -> bool:
        samples = pcm16_to_array(frame).astype(np.float64)
        return bool(samples.size) and float(np.mean(samples * samples)) >= self._level_sq


class TurnSegmenter:
    """Cut a PCM16 stream at ``input_rate`` into utterances with ``vad``.

    The input is resampled to the VAD's rate and cut into 32 ms frames. An utterance starts
    after ``settings.start_ms`` of speech frames (its audio begins ``prefix_padding_ms``
    earlier), ends once ``silence_ms`` of non-speech frames follow (that silence included), and
    is cut at ``max_turn_ms``. Utterances are returned at ``input_rate``. While nobody speaks
    only the padding is kept, so an idle stream costs bounded memory.
    """

    def __init__(self, vad: VAD, input_rate: int, settings: TurnDetection) -> None:
        self.vad = vad
        self.input_rate = input_rate
        self.settings = settings
        vad_rate = int(vad.sample_rate)
        self._frame_bytes = 2 * (vad_rate * FRAME_MS // 1000)
        self._resampler = None if vad_rate == input_rate else StreamResampler(input_rate, vad_rate)
        self._need_speech = max(1, math.ceil(settings.start_ms / FRAME_MS))
        self._need_silence = max(1, math.ceil(settings.silence_ms / FRAME_MS))
        self._pending = bytearray()  # VAD-rate audio not yet a whole frame
        self._audio = bytearray()  # input-rate audio from sample self._audio_start on
        self._audio_start = 0
        self._frames = 0  # frames classified so far
        self._speaking = False
        self._run = 0  # speech run (idle) or silence run (speaking), in frames
        self._turn_start = 0  # input sample where the current utterance begins

    @property
    def in_speech(self) -> bool:
        return self._speaking

    def _position(self, frames: int) -> int:
        """The input sample at which frame number ``frames`` starts."""
        return frames * FRAME_MS * self.input_rate // 1000

    def _take(self, start: int, end: int) -> bytes:
        """The input audio in samples ``[start, end)``; drops everything before ``end``."""
        lo = max(0, start - self._audio_start) * 2
        hi = max(0, end - self._audio_start) * 2
        out = bytes(self._audio[lo:hi])
        del self._audio[:hi]
        self._audio_start = max(self._audio_start, end)
        return out

    def feed(self, pcm: bytes) -> list[bytes]:
        """Add input audio; return the utterances it completes, in order."""
        self._audio += pcm
        if self._resampler is not None:
            self._pending += array_to_pcm16(self._resampler.process(pcm))
        else:
            self._pending += pcm
        size = self._frame_bytes
        count = len(self._pending) // size
        done: list[bytes] = []
        for index in range(count):
            frame = bytes(self._pending[index * size : (index + 1) * size])
            utterance = self._step(self.vad.is_speech(frame))
            if utterance is not None:
                done.append(utterance)
        del self._pending[: count * size]
        if not self._speaking:
            self._trim()
        return done

    def _step(self, speech: bool) -> bytes | None:
        self._frames += 1
        settings = self.settings
        if not self._speaking:
            self._run = self._run + 1 if speech else 0
            if self._run >= self._need_speech:
                onset = self._position(self._frames - self._run)
                padding = settings.prefix_padding_ms * self.input_rate // 1000
                self._turn_start = max(self._audio_start, onset - padding)
                self._speaking, self._run = True, 0
            return None
        self._run = 0 if speech else self._run + 1
        end = self._position(self._frames)
        if self._run >= self._need_silence:
            self._speaking, self._run = False, 0
            return self._take(self._turn_start, end)
        if (end - self._turn_start) * 1000 >= settings.max_turn_ms * self.input_rate:
            utterance = self._take(self._turn_start, end)
            self._turn_start = end
            return utterance
        return None

    def _trim(self) -> None:
        keep_ms = self.settings.prefix_padding_ms + self._need_speech * FRAME_MS + 2 * FRAME_MS
        keep = keep_ms * self.input_rate // 1000
        excess = len(self._audio) // 2 - keep
        if excess > 0:
            del self._audio[: 2 * excess]
            self._audio_start += excess

    def flush(self) -> bytes | None:
        """End of input: the utterance in progress (with what audio there is), or None."""
        if not self._speaking:
            return None
        end = self._audio_start + len(self._audio) // 2
        self._speaking, self._run = False, 0
        return self._take(self._turn_start, end) or None
