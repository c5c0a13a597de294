"""Audio given to a pipeline: one buffer (:class:`AudioInput`) or a live stream
(:class:`StreamedAudioInput`)."""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import trio

from ..audio import array_to_pcm16, load_audio

__all__ = ["AudioInput", "StreamedAudioInput"]

_SOURCE_BUFFER: Final = 64


def _pcm_of(data: bytes | bytearray | memoryview | npt.NDArray[np.int16]) -> bytes:
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    if isinstance(data, np.ndarray):
        if data.dtype != np.int16 or data.ndim != 1:
            raise ValueError(
                f"audio arrays must be 1-D int16 (mono PCM16), got {data.ndim}-D {data.dtype}"
                " (convert floats with trio_realtime.audio.float_to_int16)"
            )
        return array_to_pcm16(data)
    raise TypeError(f"audio must be bytes or an int16 ndarray, not {type(data).__name__}")


def _check_rate(sample_rate: int) -> int:
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, int) or sample_rate <= 0:
        raise ValueError(f"sample_rate must be a positive int, not {sample_rate!r}")
    return sample_rate


class AudioInput:
    """One buffer of user audio, transcribed as a single turn by :meth:`VoicePipeline.run`.

    ``data`` is a WAV file's bytes (detected by its header: any rate, mono or mixed down to
    mono), raw PCM16 LE mono bytes with ``sample_rate``, or a 1-D int16 ndarray with
    ``sample_rate``. Raises ``ValueError`` (a ``WavFormatError`` for a bad WAV) at
    construction when the data cannot be read.
    """

    __slots__ = ("_pcm", "_rate")

    def __init__(
        self,
        data: bytes | bytearray | memoryview | npt.NDArray[np.int16],
        *,
        sample_rate: int | None = None,
    ) -> None:
        if isinstance(data, np.ndarray):
            if sample_rate is None:
                raise ValueError("an ndarray of samples needs sample_rate=")
            self._pcm, self._rate = _pcm_of(data), _check_rate(sample_rate)
            return
        audio = load_audio(_pcm_of(data), sample_rate=sample_rate)
        self._pcm, self._rate = audio.pcm, audio.sample_rate

    @property
    def pcm(self) -> bytes:
        """PCM16 LE mono."""
        return self._pcm

    @property
    def sample_rate(self) -> int:
        return self._rate

    @property
    def duration_ms(self) -> float:
        return len(self._pcm) / 2 * 1000 / self._rate

    def __repr__(self) -> str:
        return f"AudioInput(sample_rate={self._rate}, duration_ms={self.duration_ms:.0f})"


class StreamedAudioInput:
    """Live user audio pushed from another task, split into turns by a VAD.

    ::

        source = vp.StreamedAudioInput(sample_rate=24_000)
        async with pipe.run_streamed(source) as result:
            nursery.start_soon(microphone, source)  # await source.push(pcm); source.close()
            async for event in result: ...

    ``push`` takes PCM16 LE mono bytes (any length; a split sample is carried over) or a 1-D
    int16 ndarray at ``sample_rate``. It may run faster than real time. Only one run may read
    an input.
    """

    def __init__(self, sample_rate: int = 24_000, *, buffer_chunks: int = _SOURCE_BUFFER) -> None:
        self.sample_rate = _check_rate(sample_rate)
        self._send, self._receive = trio.open_memory_channel[bytes](buffer_chunks)
        self._claimed = False
        self._closed = False
        self._odd = b""

    async def push(self, pcm: bytes | bytearray | memoryview | npt.NDArray[np.int16]) -> None:
        """Queue audio for the pipeline; waits while ``buffer_chunks`` chunks are queued.

        Cancellation: if cancelled, the chunk was not queued (nothing is half-sent). Raises
        ``trio.ClosedResourceError`` after :meth:`close`, and ``trio.BrokenResourceError`` once
        the run reading this input has ended.
        """
        data = self._odd + _pcm_of(pcm)
        cut = len(data) - len(data) % 2
        if not cut:
            await trio.lowlevel.checkpoint()
            if self._closed:  # the same errors whatever the chunk's size
                raise trio.ClosedResourceError("this StreamedAudioInput is closed")
            self._odd = data
            return
        await self._send.send(data[:cut])
        self._odd = data[cut:]

    async def close(self) -> None:
        """End of input: the run finishes the turn in progress, answers it, then ends.

        Idempotent. Cancellation: the input is closed even when this is cancelled.
        """
        self._closed = True
        self._send.close()
        await trio.lowlevel.checkpoint()

    def _claim(self) -> trio.MemoryReceiveChannel[bytes]:
        if self._claimed:
            raise RuntimeError("this StreamedAudioInput is already read by a run; make a new one")
        self._claimed = True
        return self._receive

    def __repr__(self) -> str:
        return f"StreamedAudioInput(sample_rate={self.sample_rate})"
