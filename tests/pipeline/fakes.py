"""Test-defined models and helpers for pipeline tests (deterministic, virtual time)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

import numpy as np
import trio

from trio_realtime import pipeline as vp


class FakeSTT:
    """Returns (or raises) the scripted items in order, after ``delay`` seconds each."""

    def __init__(self, items: Iterable[str | BaseException | object], delay: float = 0.25) -> None:
        self.items = list(items)
        self.delay = delay
        self.heard: list[tuple[int, int]] = []  # (bytes, sample_rate) per call

    async def transcribe(self, pcm: bytes, sample_rate: int) -> str:
        self.heard.append((len(pcm), sample_rate))
        await trio.sleep(self.delay)
        item = self.items.pop(0)
        if isinstance(item, BaseException):
            raise item
        return item  # type: ignore[return-value]


def speech_of(text: str) -> bytes:
    """The fake "audio" of a sentence: its UTF-8 bytes, padded to whole samples."""
    data = text.encode()
    return data + b"\0" * (len(data) % 2)


class FakeTTS:
    """Yields each sentence's bytes in two chunks, ``delay`` seconds apart; ``fail`` maps a
    sentence to the exception to raise instead (after the first chunk if ``midway``)."""

    sample_rate = 24_000

    def __init__(
        self,
        *,
        delay: float = 0.1,
        fail: dict[str, BaseException] | None = None,
        midway: bool = False,
    ) -> None:
        self.delay = delay
        self.fail = fail or {}
        self.midway = midway
        self.spoken: list[str] = []
        self.started_at: list[float] = []

    async def synthesize(self, text: str) -> AsyncIterator[bytes]:
        self.spoken.append(text)
        self.started_at.append(trio.current_time())
        data = speech_of(text)
        half = len(data) // 2 - (len(data) // 2) % 2
        await trio.sleep(self.delay)
        if text in self.fail and not self.midway:
            raise self.fail[text]
        yield data[:half]
        if text in self.fail:
            raise self.fail[text]
        await trio.sleep(self.delay)
        yield data[half:]


def summary(event: vp.VoiceStreamEvent) -> tuple[Any, ...]:
    """A compact, comparable form of an event."""
    if isinstance(event, vp.VoiceStreamEventLifecycle):
        return (event.event,)
    if isinstance(event, vp.VoiceStreamEventTranscript):
        return (event.speaker, event.text)
    if isinstance(event, vp.VoiceStreamEventAudio):
        return ("audio", event.data)
    assert isinstance(event, vp.VoiceStreamEventError)
    return ("error", event.stage, event.error)


def spoken(text: str) -> list[tuple[Any, ...]]:
    """What a sentence becomes in the stream with :class:`FakeTTS`."""
    data = speech_of(text)
    half = len(data) // 2 - (len(data) // 2) % 2
    return [("assistant", text), ("audio", data[:half]), ("audio", data[half:])]


def tone(ms: int, rate: int = 24_000, dbfs: float = -12.0) -> bytes:
    """A loud 220 Hz tone (speech to the energy VAD)."""
    t = np.arange(rate * ms // 1000) / rate
    amplitude = 32768 * 10 ** (dbfs / 20)
    return (amplitude * np.sin(2 * np.pi * 220 * t)).astype("<i2").tobytes()


def silence(ms: int, rate: int = 24_000) -> bytes:
    return bytes(2 * (rate * ms // 1000))


async def push_all(source: vp.StreamedAudioInput, pcm: bytes, chunk_ms: int = 20) -> None:
    """Push ``pcm`` in ``chunk_ms`` chunks (as fast as the pipeline takes them), then close."""
    step = 2 * source.sample_rate * chunk_ms // 1000
    for start in range(0, len(pcm), step):
        await source.push(pcm[start : start + step])
    await source.close()
