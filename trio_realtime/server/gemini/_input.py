"""User activity from ``realtimeInput`` audio: automatic (VAD) or manual (activityStart/End).

:class:`ActivityDetector` buffers the 16 kHz input (other declared rates are resampled) and
reports, in order, :class:`Activity` (the user started: a barge-in point) and :class:`UserTurn`
(the user's turn ended; ``pcm`` is its audio, possibly empty). Automatic detection uses the
server's VAD with the setup's settings; manual detection takes the audio between the client's
``activityStart`` and ``activityEnd`` (audio outside them belongs to no turn).
"""

from __future__ import annotations

import attrs

from ...audio import StreamResampler
from .._audio_input import InputAudio
from ..vad import SpeechStarted, VadEvent, VadFactory, VadSettings
from ._wire import invalid_argument

__all__ = ["INPUT_RATE", "Activity", "ActivityDetector", "InputEvent", "UserTurn"]

INPUT_RATE = 16000
_FORMAT = {"type": "audio/pcm", "rate": INPUT_RATE}


@attrs.frozen
class Activity:
    """The user started speaking (or sent ``activityStart``)."""


@attrs.frozen
class UserTurn:
    """The user's turn ended; ``pcm``: its audio (PCM16 16 kHz; empty for none)."""

    pcm: bytes = attrs.field(repr=lambda pcm: f"<{len(pcm)} bytes>")


InputEvent = Activity | UserTurn


class ActivityDetector:
    """See the module docstring; configure with :meth:`configure` after ``setup``."""

    def __init__(self, vad_factory: VadFactory | None, *, max_buffer_ms: float) -> None:
        self._audio = InputAudio(vad_factory, fmt=_FORMAT, max_buffer_ms=max_buffer_ms)
        self._resampler: StreamResampler | None = None
        self.automatic = True
        self.activity_open = False
        self._speech_start_ms = 0.0

    def configure(self, *, automatic: bool, settings: VadSettings) -> None:
        self.automatic = automatic
        self._audio.configure_vad(_FORMAT, settings if automatic else None)

    def audio(self, pcm: bytes, rate: int) -> list[InputEvent]:
        """Audio from the client (PCM16 at ``rate``)."""
        if rate != INPUT_RATE:
            if self._resampler is None or self._resampler.in_rate != rate:
                self._resampler = StreamResampler(rate, INPUT_RATE)
            pcm = self._resampler.process(pcm).astype("<i2").tobytes()
        if not self.automatic:
            if self.activity_open:
                self._audio.append(pcm)  # no VAD: only buffered
            return []
        out: list[InputEvent] = []
        for boundary in self._audio.append(pcm):
            out.append(self._on_vad(boundary))
        self._audio.trim()
        return out

    def _on_vad(self, event: VadEvent) -> InputEvent:
        if isinstance(event, SpeechStarted):
            self._speech_start_ms = event.at_ms
            return Activity()
        return UserTurn(self._audio.take(self._speech_start_ms, event.at_ms))

    def activity_start(self) -> list[InputEvent]:
        """``activityStart`` (manual detection only; automatic closes with 1007)."""
        if self.automatic:
            raise invalid_argument()
        if self.activity_open:
            return []
        self.activity_open = True
        self._audio.clear()
        return [Activity()]

    def activity_end(self) -> list[InputEvent]:
        """``activityEnd`` (manual detection only)."""
        if self.automatic:
            raise invalid_argument()
        if not self.activity_open:
            return []
        self.activity_open = False
        return [UserTurn(self._audio.take_all())]

    def stream_end(self) -> list[InputEvent]:
        """``audioStreamEnd``: speech in progress ends now (automatic detection)."""
        stopped = self._audio.end_speech() if self.automatic else None
        return [] if stopped is None else [self._on_vad(stopped)]
