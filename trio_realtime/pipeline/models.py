"""The protocols a pipeline's models implement, so any object of the right shape plugs in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol, runtime_checkable

__all__ = ["VAD", "STTModel", "TTSModel"]


@runtime_checkable
class STTModel(Protocol):
    """Speech-to-text: ``await transcribe(pcm, sample_rate)`` -> the text (``""`` for none).

    ``pcm`` is PCM16 LE mono at ``sample_rate``. Blocking inference must run in
    ``trio.to_thread.run_sync`` so the event loop never stalls.
    """

    async def transcribe(self, pcm: bytes, sample_rate: int) -> str: ...


@runtime_checkable
class TTSModel(Protocol):
    """Text-to-speech: ``synthesize(text)`` yields PCM16 LE mono chunks at ``sample_rate``.

    The pipeline closes the iterator (``aclose``) when it stops early.
    """

    @property
    def sample_rate(self) -> int: ...

    def synthesize(self, text: str) -> AsyncIterator[bytes]: ...


@runtime_checkable
class VAD(Protocol):
    """Voice activity detection per 32 ms frame of PCM16 LE mono at ``sample_rate``.

    The pipeline runs ``is_speech`` in a worker thread unless the object has
    ``blocking = False`` (cheap detectors such as :class:`EnergyVAD`), and calls ``reset()``,
    when the object has one, before a new stream.
    """

    @property
    def sample_rate(self) -> int: ...

    def is_speech(self, frame: bytes) -> bool: ...
