"""The offline engines as the local server's transcriber, voice and VAD (``serve --speech``)."""

from __future__ import annotations

from typing import Any

import attrs
import trio

from ..audio import pcm16_to_array, resample
from .hibari import HibariTTS
from .silero import SileroVAD
from .whisper import WhisperSTT

__all__ = ["SpeechServerOptions"]


@attrs.frozen(kw_only=True)
class SpeechServerOptions:
    """Whisper, Hibari and Silero wired for :func:`~trio_realtime.server.serve_local_realtime`:
    ``serve_local_realtime(..., **options.server_kwargs())``.

    Every connection gets its own Silero state (the model is stateful); the Whisper and Hibari
    models are shared. Call :meth:`load` first so the first turn does not pay for loading.
    """

    stt: WhisperSTT = attrs.field(factory=WhisperSTT)
    tts: HibariTTS = attrs.field(factory=HibariTTS)
    vad_threshold: float = 0.5

    async def load(self) -> None:
        """Load the three models (in worker threads, concurrently)."""
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self.stt.load)
            nursery.start_soon(self.tts.load)
            nursery.start_soon(SileroVAD(threshold=self.vad_threshold).load)

    async def voice(self, text: str, voice: object, sample_rate: int, speed: float) -> bytes:
        """Hibari's audio for ``text`` at ``sample_rate`` (the session's voice name is ignored:
        Hibari has its own)."""
        pcm = b"".join([chunk async for chunk in self.tts.synthesize(text)])
        if sample_rate != self.tts.sample_rate:
            samples = resample(pcm16_to_array(pcm), self.tts.sample_rate, sample_rate)
            pcm = samples.astype("<i2").tobytes()
        return pcm

    def vad(self, settings: Any, sample_rate: int, start_ms: float) -> Any:
        """A fresh Silero-backed detector for one session."""
        from ..server.vad import FrameVad

        detector = SileroVAD(threshold=self.vad_threshold)
        return FrameVad(detector, settings, sample_rate, start_ms=start_ms)

    def server_kwargs(self) -> dict[str, Any]:
        return {"transcriber": self.stt.transcribe, "voice": self.voice, "vad": self.vad}
