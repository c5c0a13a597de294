"""The demo's voices: who speaks the user's questions, and what the local server hears with.

With the ``speech`` extra (and not ``--no-speech``), Hibari speaks the user's questions and the
embedded local server hears them with Whisper and Silero and answers with Hibari, as
``serve --speech`` does: the demo's WAVs are real speech. Otherwise the user's questions are
the local server's synthetic speech-like audio, and a scripted transcriber tells the server
what they "said".
"""

from __future__ import annotations

import pathlib
from collections.abc import Callable
from typing import Any

import attrs
import numpy as np

from ..audio import pcm16_to_array, write_wav

__all__ = ["DemoVoices", "load_voices"]

RATE = 24_000
LEAD_MS = 300
TAIL_MS = 800  # lets server VAD hear the end of the question


@attrs.frozen(kw_only=True)
class DemoVoices:
    """How the user speaks (``tts``: Hibari, or None for the synthetic voice) and the local
    server's ``serve_local_realtime`` keyword arguments (transcriber, voice, VAD)."""

    tts: Any = None  # a loaded HibariTTS, or None
    server_options: dict[str, Any] = attrs.field(factory=dict)
    summary: str  # one line for the timeline: what speaks and what hears

    @property
    def real(self) -> bool:
        """Whether the user's questions are real speech."""
        return self.tts is not None

    async def say(self, text: str, path: pathlib.Path) -> pathlib.Path:
        """Write ``text`` spoken by the user to ``path`` (24 kHz, silence before and after)."""
        if self.tts is not None:
            pcm = b"".join([chunk async for chunk in self.tts.synthesize(text)])
        else:
            from ..server import synthesize

            pcm = synthesize(text, voice="cedar", sample_rate=RATE).pcm
        lead = np.zeros(RATE * LEAD_MS // 1000, dtype=np.int16)
        tail = np.zeros(RATE * TAIL_MS // 1000, dtype=np.int16)
        write_wav(path, np.concatenate([lead, pcm16_to_array(pcm), tail]), sample_rate=RATE)
        return path


async def load_voices(
    *,
    speech: bool,
    local_server: bool,
    scripted: list[str],
    loading: Callable[[str], object] = print,
) -> DemoVoices:
    """The demo's voices. ``speech``: real speech if the extra is installed; ``local_server``:
    whether an embedded server needs Whisper, Hibari and Silero too; ``scripted``: what the
    synthetic voice's turns "say", in order. Loading the models runs in worker threads and
    takes seconds: ``loading`` is told first."""
    from .. import speech as offline

    if speech and offline.available():
        loading("loading the offline speech models (the speech extra)...")
        if not local_server:
            tts = offline.HibariTTS()
            await tts.load()
            return DemoVoices(tts=tts, summary="speech: your questions are spoken by Hibari")
        from ..speech.server import SpeechServerOptions

        engines = SpeechServerOptions()
        await engines.load()
        return DemoVoices(
            tts=engines.tts,
            server_options=engines.server_kwargs(),
            summary="speech: Hibari speaks your questions; the server hears them with Whisper "
            "and Silero and answers with Hibari (offline)",
        )
    options: dict[str, Any] = {}
    if local_server:
        from ..server import ScriptedTranscriber

        options["transcriber"] = ScriptedTranscriber(scripted)
    if not speech:
        summary = "speech: synthetic (--no-speech)"
    else:
        summary = (
            'speech: synthetic (pip install "trio-realtime[speech]" for real speech: Hibari '
            "speaks, Whisper and Silero listen)"
        )
    return DemoVoices(server_options=options, summary=summary)
