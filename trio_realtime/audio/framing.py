"""Cut a byte stream of audio into fixed-duration frames."""

from __future__ import annotations

from typing import Final

from .pcm import AudioEncoding, Buffer, bytes_per_sample, ms_to_bytes

__all__ = ["FrameChunker"]

# The byte that decodes to silence (zero) in each encoding.
_SILENCE: Final = {"pcm16": b"\x00", "g711_ulaw": b"\xff", "g711_alaw": b"\xd5"}


class FrameChunker:
    """Re-chunk audio bytes into frames of ``frame_ms`` milliseconds.

    :meth:`push` returns only whole frames and carries the remainder, including a dangling odd
    byte of a PCM16 sample split across chunks, to the next call. The frame size is rounded
    down to whole samples (:attr:`frame_bytes`), e.g. 441 samples for 20 ms at 22050 Hz.
    """

    def __init__(
        self,
        *,
        frame_ms: float = 20,
        sample_rate: int = 24000,
        encoding: AudioEncoding = "pcm16",
        channels: int = 1,
    ) -> None:
        self.frame_ms = frame_ms
        self.sample_rate = sample_rate
        self.encoding: Final = encoding
        self.sample_bytes: Final = bytes_per_sample(encoding) * channels
        self.frame_bytes: Final = ms_to_bytes(
            frame_ms, rate=sample_rate, encoding=encoding, channels=channels
        )
        if self.frame_bytes <= 0:
            raise ValueError(f"frame_ms={frame_ms} is shorter than one sample at {sample_rate} Hz")
        self._buf = bytearray()

    @property
    def pending(self) -> int:
        """Bytes carried over, waiting for the rest of a frame."""
        return len(self._buf)

    def push(self, data: Buffer) -> list[bytes]:
        """Add bytes; return the whole frames now available (possibly none), in order."""
        buf = self._buf
        buf += data
        size = self.frame_bytes
        count = len(buf) // size
        if not count:
            return []
        frames = [bytes(buf[i * size : (i + 1) * size]) for i in range(count)]
        del buf[: count * size]
        return frames

    def flush(self, pad: bool = False) -> bytes:
        """Return the carried remainder and empty the chunker.

        A trailing partial sample (e.g. an odd byte of PCM16) cannot be decoded and is dropped.
        With ``pad=True`` a non-empty remainder is padded with silence to a whole frame.
        """
        tail = len(self._buf) - len(self._buf) % self.sample_bytes
        out = bytes(self._buf[:tail])
        self._buf.clear()
        if pad and out:
            out += _SILENCE[self.encoding] * (self.frame_bytes - len(out))
        return out

    def reset(self) -> None:
        """Drop anything carried over."""
        self._buf.clear()
