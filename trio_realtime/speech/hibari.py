"""``HibariTTS``: the Hibari voice (hibari-tts, 24 kHz), offline (the ``speech`` extra)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Final

import numpy as np
import trio

from ..audio import array_to_pcm16, float_to_int16
from ._lazy import Lazy

__all__ = ["HibariTTS"]

_WARM_UP: Final = "Warm up."


class HibariTTS:
    """Text-to-speech with Hibari (Apache-2.0; a 7.9 MB ONNX voice distilled from Kokoro; about
    130x real time on one core), 24 kHz PCM16 like the Realtime API's audio.

    ``voice``: ``None`` is ``"heart"`` (American English, female), the voice inside the wheel;
    Hibari's other voices are downloads, so they must already be in its cache
    (``HIBARI_HOME``): nothing is downloaded here. ``speed`` 0.5 to 2.0; ``seed`` makes the
    output repeatable (``None``: varies).

    The model loads once, lazily, in a worker thread, with one warm-up synthesis (its first
    call is ~20x slower than the next), or ``await tts.load()``. Each sentence is synthesized
    in a worker thread. Cancellation / ``aclose()`` of ``synthesize``: stops after the sentence
    being synthesized.
    """

    sample_rate: Final = 24_000

    def __init__(
        self,
        voice: str | None = None,
        *,
        speed: float = 1.0,
        seed: int | None = 0,
        threads: int = 1,
    ) -> None:
        self.voice = voice or "heart"
        self.speed = min(2.0, max(0.5, float(speed)))
        self.seed = seed
        self.threads = threads
        self._model: Lazy[Any] = Lazy(self._create)

    def _create(self) -> Any:
        from hibari import Hibari
        from hibari.voices import VOICES, voice_path

        if self.voice not in VOICES:
            raise ValueError(f"unknown Hibari voice {self.voice!r}; voices: {', '.join(VOICES)}")
        try:
            path = voice_path(self.voice, download_missing=False)
        except FileNotFoundError:
            raise FileNotFoundError(
                f"the Hibari voice {self.voice!r} is not installed (only 'heart' ships in the "
                "package; the others are downloaded by hibari itself into HIBARI_HOME)"
            ) from None
        model = Hibari(voice=self.voice, model=path, threads=self.threads)
        model(_WARM_UP)
        return model

    async def load(self) -> None:
        """Load (and warm up) the model now, in a worker thread."""
        await self._model.get()

    async def synthesize(self, text: str) -> AsyncIterator[bytes]:
        """PCM16 LE at 24 kHz: one chunk per sentence of ``text``, each as soon as it is ready."""
        model = await self._model.get()
        phonemes = await trio.to_thread.run_sync(model.phonemize, text)
        rng = np.random.default_rng(self.seed)
        for sentence in phonemes:
            audio = await trio.to_thread.run_sync(
                model.from_ids, model.ids(sentence), self.speed, rng
            )
            pcm = array_to_pcm16(float_to_int16(audio))
            if pcm:
                yield pcm

    def synthesize_sync(self, text: str) -> bytes:
        """All of ``text`` as PCM16, blocking: for worker threads and benchmarks."""
        model = self._model.get_sync()
        audio = model(text, self.speed, self.seed)
        return array_to_pcm16(float_to_int16(audio))

    def __repr__(self) -> str:
        return f"HibariTTS(voice={self.voice!r}, speed={self.speed})"
