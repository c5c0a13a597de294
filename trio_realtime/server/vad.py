"""Energy-based voice activity detection on PCM16, sans-I/O and deterministic.

The signal is cut into 10 ms frames; a frame is *voiced* when its RMS reaches the level that
the 0..1 ``threshold`` maps to (:func:`threshold_to_rms`: a logarithmic scale from -60 dBFS at 0
to -10 dBFS at 1, so the default 0.5 is -35 dBFS). Speech starts at the first frame of a run of
``min_speech_ms`` voiced frames and stops once ``silence_duration_ms`` of unvoiced frames follow;
the stop time includes that silence, as the service's ``audio_end_ms`` does. Times are ms on the
detector's clock: ``start_ms`` plus the audio fed so far. ``semantic_vad`` reuses this detector
with a silence duration taken from its eagerness (:func:`semantic_settings`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

__all__ = [
    "EnergyVad",
    "FrameVad",
    "SpeechStarted",
    "SpeechStopped",
    "VadSettings",
    "semantic_settings",
    "threshold_to_rms",
]

FRAME_MS = 10
_EAGERNESS_SILENCE_MS = {"low": 1000, "medium": 500, "auto": 500, "high": 250}


def threshold_to_rms(threshold: float) -> float:
    """The RMS level (int16 full scale = 32768) a 0..1 VAD threshold stands for."""
    dbfs = -60.0 + 50.0 * min(1.0, max(0.0, threshold))
    return float(32768.0 * 10.0 ** (dbfs / 20.0))


@attrs.frozen(kw_only=True)
class VadSettings:
    """The parameters of :class:`EnergyVad` (service defaults)."""

    threshold: float = 0.5
    prefix_padding_ms: int = 300
    silence_duration_ms: int = 200
    min_speech_ms: int = 20

    @classmethod
    def from_turn_detection(cls, turn_detection: dict[str, Any]) -> VadSettings:
        """Settings for a wire ``turn_detection`` object (server_vad or semantic_vad)."""
        if turn_detection.get("type") == "semantic_vad":
            return semantic_settings(turn_detection.get("eagerness", "auto"))
        return cls(
            threshold=float(turn_detection.get("threshold", 0.5)),
            prefix_padding_ms=int(turn_detection.get("prefix_padding_ms", 300)),
            silence_duration_ms=int(turn_detection.get("silence_duration_ms", 200)),
        )


def semantic_settings(eagerness: str) -> VadSettings:
    """Energy-VAD stand-in for ``semantic_vad``: eagerness picks the silence duration."""
    return VadSettings(silence_duration_ms=_EAGERNESS_SILENCE_MS.get(eagerness, 500))


@attrs.frozen
class SpeechStarted:
    """Speech began at ``at_ms`` (onset, without prefix padding)."""

    at_ms: float


@attrs.frozen
class SpeechStopped:
    """Speech ended; ``at_ms`` is when the silence window completed."""

    at_ms: float


VadEvent = SpeechStarted | SpeechStopped

#: Makes the detector of a session: ``(settings, sample_rate, start_ms) -> detector`` with
#: :class:`EnergyVad`'s interface (``feed``, ``in_speech``, ``reset``, ``settings``).
VadFactory = Callable[[VadSettings, int, float], Any]


class EnergyVad:
    """Feed PCM16 LE mono; get :class:`SpeechStarted` / :class:`SpeechStopped` in order."""

    def __init__(self, settings: VadSettings, sample_rate: int, *, start_ms: float = 0.0) -> None:
        self.settings = settings
        self._frame = max(1, sample_rate * FRAME_MS // 1000)
        self._level_sq = threshold_to_rms(settings.threshold) ** 2
        self._need_voiced = max(1, math.ceil(settings.min_speech_ms / FRAME_MS))
        self._need_silent = max(1, math.ceil(settings.silence_duration_ms / FRAME_MS))
        self._pending: npt.NDArray[np.int16] = np.empty(0, dtype=np.int16)
        self._odd = b""
        self._start_ms = start_ms
        self._frames = 0
        self._in_speech = False
        self._run = 0  # voiced run (not speaking) or silent run (speaking)

    @property
    def in_speech(self) -> bool:
        return self._in_speech

    @property
    def clock_ms(self) -> float:
        """Ms of audio processed (whole frames), on this detector's clock."""
        return self._start_ms + self._frames * FRAME_MS

    def reset(self) -> None:
        """Forget any speech in progress (after ``input_audio_buffer.clear``); keep the clock."""
        self._in_speech = False
        self._run = 0

    def feed(self, pcm: bytes) -> list[VadEvent]:
        """Process more audio; return the speech boundaries it completes, in order."""
        data = self._odd + pcm
        if len(data) % 2:
            data, self._odd = data[:-1], data[-1:]
        else:
            self._odd = b""
        samples = np.concatenate([self._pending, np.frombuffer(data, dtype="<i2")])
        count = len(samples) // self._frame
        self._pending = samples[count * self._frame :].copy()
        if not count:
            return []
        frames = samples[: count * self._frame].astype(np.float64).reshape(count, self._frame)
        voiced = np.mean(frames * frames, axis=1) >= self._level_sq
        events: list[VadEvent] = []
        for is_voiced in voiced.tolist():
            self._frames += 1
            if not self._in_speech:
                self._run = self._run + 1 if is_voiced else 0
                if self._run >= self._need_voiced:
                    self._in_speech, self._run = True, 0
                    onset = self.clock_ms - self._need_voiced * FRAME_MS
                    events.append(SpeechStarted(onset))
            else:
                self._run = 0 if is_voiced else self._run + 1
                if self._run >= self._need_silent:
                    self._in_speech, self._run = False, 0
                    events.append(SpeechStopped(self.clock_ms))
        return events


class FrameVad:
    """:class:`EnergyVad`'s interface over any per-frame VAD object (``sample_rate`` and
    ``is_speech(frame)`` on 32 ms PCM16 frames, e.g. ``trio_realtime.pipeline.SileroVAD``).

    The input is resampled to the detector's rate; speech starts after ``min_speech_ms`` of
    speech frames and stops after ``silence_duration_ms`` without (rounded up to whole frames).
    ``threshold`` is the detector's own business. The detector runs inline (a Silero frame
    costs ~0.1 ms), so the server state stays synchronous.
    """

    FRAME_MS = 32

    def __init__(
        self, detector: Any, settings: VadSettings, sample_rate: int, *, start_ms: float = 0.0
    ) -> None:
        from ..audio import StreamResampler

        self.settings = settings
        self._detector = detector
        rate = int(detector.sample_rate)
        self._resampler = None if rate == sample_rate else StreamResampler(sample_rate, rate)
        self._frame_bytes = 2 * (rate * self.FRAME_MS // 1000)
        self._need_voiced = max(1, math.ceil(settings.min_speech_ms / self.FRAME_MS))
        self._need_silent = max(1, math.ceil(settings.silence_duration_ms / self.FRAME_MS))
        self._pending = bytearray()
        self._odd = b""
        self._start_ms = start_ms
        self._frames = 0
        self._in_speech = False
        self._run = 0

    @property
    def in_speech(self) -> bool:
        return self._in_speech

    @property
    def clock_ms(self) -> float:
        return self._start_ms + self._frames * self.FRAME_MS

    def reset(self) -> None:
        self._in_speech = False
        self._run = 0

    def feed(self, pcm: bytes) -> list[VadEvent]:
        data = self._odd + pcm
        cut = len(data) - len(data) % 2
        data, self._odd = data[:cut], data[cut:]
        if self._resampler is not None:
            self._pending += self._resampler.process(data).astype("<i2").tobytes()
        else:
            self._pending += data
        size = self._frame_bytes
        events: list[VadEvent] = []
        while len(self._pending) >= size:
            frame = bytes(self._pending[:size])
            del self._pending[:size]
            voiced = bool(self._detector.is_speech(frame))
            self._frames += 1
            if not self._in_speech:
                self._run = self._run + 1 if voiced else 0
                if self._run >= self._need_voiced:
                    self._in_speech, self._run = True, 0
                    events.append(SpeechStarted(self.clock_ms - self._need_voiced * self.FRAME_MS))
            else:
                self._run = 0 if voiced else self._run + 1
                if self._run >= self._need_silent:
                    self._in_speech, self._run = False, 0
                    events.append(SpeechStopped(self.clock_ms))
        return events
