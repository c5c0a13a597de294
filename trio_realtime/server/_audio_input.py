"""The input audio buffer on the session clock, with the optional energy VAD in front of it.

The session clock is the ms of all audio appended in the session (``input_audio_buffer.clear``
and commits do not reset it); ``speech_started.audio_start_ms`` / ``speech_stopped.audio_end_ms``
are on it. While no speech is in progress under VAD, only the last ``prefix_padding_ms`` (plus a
little) of the buffer is kept, so an idle microphone stream costs bounded memory; in speech, or
without VAD, at most ``max_buffer_ms`` is kept (the oldest audio goes first).
"""

from __future__ import annotations

from typing import Any

from .vad import EnergyVad, SpeechStarted, SpeechStopped, VadEvent, VadFactory, VadSettings

__all__ = ["InputAudio", "decode_to_pcm16", "encode_from_pcm16", "sample_rate_of"]


def sample_rate_of(fmt: dict[str, Any]) -> int:
    """The rate of a wire format: PCM16 at its ``rate`` (default 24 kHz); G.711 at 8 kHz."""
    return int(fmt.get("rate", 24000)) if fmt.get("type") == "audio/pcm" else 8000


def decode_to_pcm16(data: bytes, fmt: dict[str, Any]) -> bytes:
    """Wire audio in ``fmt`` -> PCM16 LE at :func:`sample_rate_of` ``fmt``."""
    kind = fmt.get("type")
    if kind == "audio/pcm":
        return data
    from ..audio import g711  # lazy: only the G.711 path needs it

    return g711.ulaw_to_pcm16(data) if kind == "audio/pcmu" else g711.alaw_to_pcm16(data)


def encode_from_pcm16(pcm: bytes, fmt: dict[str, Any]) -> bytes:
    """PCM16 LE at :func:`sample_rate_of` ``fmt`` -> wire audio in ``fmt``."""
    kind = fmt.get("type")
    if kind == "audio/pcm":
        return pcm
    from ..audio import g711

    return g711.pcm16_to_ulaw(pcm) if kind == "audio/pcmu" else g711.pcm16_to_alaw(pcm)


class InputAudio:
    """Append / take / clear wire audio; VAD boundaries come back on the session clock."""

    def __init__(
        self,
        vad_factory: VadFactory | None = None,
        *,
        fmt: dict[str, Any] | None = None,
        max_buffer_ms: float = float("inf"),
    ) -> None:
        self._vad_factory = vad_factory
        self._max_buffer_ms = max_buffer_ms
        self.format: dict[str, Any] = dict(fmt or {"type": "audio/pcm", "rate": 24000})
        self.clock_ms = 0.0
        self._buf = bytearray()
        self._start_ms = 0.0
        self._vad: Any = None

    @property
    def bytes_per_ms(self) -> float:
        width = 2 if self.format.get("type") == "audio/pcm" else 1
        return sample_rate_of(self.format) * width / 1000.0

    @property
    def buffered_ms(self) -> float:
        return len(self._buf) / self.bytes_per_ms

    @property
    def in_speech(self) -> bool:
        return self._vad is not None and self._vad.in_speech

    def configure(self, fmt: dict[str, Any], turn_detection: dict[str, Any] | None) -> None:
        """Apply the session's input format and turn detection (a format change clears)."""
        settings = None
        if turn_detection is not None:
            settings = VadSettings.from_turn_detection(turn_detection)
        self.configure_vad(fmt, settings)

    def configure_vad(self, fmt: dict[str, Any], settings: VadSettings | None) -> None:
        """Use format ``fmt`` and a VAD with ``settings`` (None: no VAD)."""
        if fmt != self.format:
            self.format = dict(fmt)
            self.clear()
            self._vad = None
        if settings is None:
            self._vad = None
            return
        if self._vad is None or self._vad.settings != settings:
            rate = sample_rate_of(self.format)
            if self._vad_factory is not None:
                self._vad = self._vad_factory(settings, rate, self.clock_ms)
            else:
                self._vad = EnergyVad(settings, rate, start_ms=self.clock_ms)

    def end_speech(self) -> SpeechStopped | None:
        """End the speech in progress now (the client said its audio stream ended)."""
        if self._vad is None or not self._vad.in_speech:
            return None
        self._vad.reset()
        return SpeechStopped(self.clock_ms)

    def append(self, data: bytes) -> list[VadEvent]:
        """Buffer ``data``; return VAD boundaries (start includes prefix padding), in order."""
        self._buf += data
        self.clock_ms += len(data) / self.bytes_per_ms
        self._cap()
        if self._vad is None:
            return []
        out: list[VadEvent] = []
        padding = self._vad.settings.prefix_padding_ms
        for event in self._vad.feed(decode_to_pcm16(data, self.format)):
            if isinstance(event, SpeechStarted):
                out.append(SpeechStarted(max(self._start_ms, event.at_ms - padding)))
            else:
                out.append(SpeechStopped(event.at_ms))
        return out

    def _cap(self) -> None:
        if self.buffered_ms > self._max_buffer_ms:
            self.take(self._start_ms, self.clock_ms - self._max_buffer_ms)

    def _index(self, ms: float) -> int:
        width = 2 if self.format.get("type") == "audio/pcm" else 1
        index = round((ms - self._start_ms) * self.bytes_per_ms)
        index -= index % width
        return min(len(self._buf), max(0, index))

    def take(self, start_ms: float, end_ms: float) -> bytes:
        """Remove the buffer up to ``end_ms``; return the audio in ``[start_ms, end_ms)``."""
        start, end = self._index(start_ms), self._index(end_ms)
        segment = bytes(self._buf[start:end])
        del self._buf[:end]
        self._start_ms += end / self.bytes_per_ms
        return segment

    def take_all(self) -> bytes:
        """Remove and return everything buffered (a manual commit); ends speech in progress."""
        segment = bytes(self._buf)
        self.clear()
        return segment

    def clear(self) -> None:
        self._buf.clear()
        self._start_ms = self.clock_ms
        if self._vad is not None:
            self._vad.reset()

    def trim(self) -> None:
        """Drop old audio while no speech is in progress (keeps the prefix padding)."""
        if self._vad is None or self._vad.in_speech:
            return
        keep_ms = self._vad.settings.prefix_padding_ms + 50
        if self.buffered_ms > keep_ms:
            self.take(self._start_ms, self.clock_ms - keep_ms)
