"""G.711 mu-law and A-law codecs (ITU-T G.711), as used by telephony and by the realtime APIs'
``audio/pcmu`` / ``audio/pcma`` formats (8 kHz mono, one byte per sample).

The byte-level functions take and return PCM16 little-endian bytes. They are bit-exact with the
ITU tables as implemented by the stdlib ``audioop`` module (``lin2ulaw``/``ulaw2lin``/
``lin2alaw``/``alaw2lin`` at width 2): encoding uses a 65536-entry table indexed by the 16-bit
sample, decoding a 256-entry table indexed by the code, so each call is one numpy gather.

Encoding keeps the 14 (mu-law) or 13 (A-law) most significant bits of each sample, as G.711
does; decoding returns the segment midpoint scaled back to 16 bits.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = [
    "alaw_decode",
    "alaw_encode",
    "alaw_to_pcm16",
    "pcm16_to_alaw",
    "pcm16_to_ulaw",
    "ulaw_decode",
    "ulaw_encode",
    "ulaw_to_pcm16",
]

_I16: Final = np.dtype("<i2")


def _all_int16() -> npt.NDArray[np.int32]:
    """Every int16 value, ordered by its uint16 bit pattern (so index == pattern)."""
    return np.arange(65536, dtype=np.uint32).astype(np.uint16).view(np.int16).astype(np.int32)


def _build_ulaw_encode() -> npt.NDArray[np.uint8]:
    v = _all_int16() >> 2  # 14-bit two's complement
    negative = v < 0
    mag = np.minimum(np.where(negative, -v, v), 8159) + 33  # clip, then add the bias (0x84 >> 2)
    seg_ends = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF])
    seg = np.searchsorted(seg_ends, mag, side="left")
    mantissa = (mag >> np.minimum(seg + 1, 8)) & 0x0F
    code = np.where(seg >= 8, 0x7F, (np.minimum(seg, 7) << 4) | mantissa)
    return (code ^ np.where(negative, 0x7F, 0xFF)).astype(np.uint8)


def _build_ulaw_decode() -> npt.NDArray[np.int16]:
    u = ~np.arange(256, dtype=np.int32) & 0xFF  # codes are stored complemented
    t = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4)
    return np.where(u & 0x80, 0x84 - t, t - 0x84).astype(_I16)


def _build_alaw_encode() -> npt.NDArray[np.uint8]:
    v = _all_int16() >> 3  # 13-bit two's complement
    positive = v >= 0
    mag = np.where(positive, v, -v - 1)
    seg_ends = np.array([0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF])
    seg = np.searchsorted(seg_ends, mag, side="left")  # mag <= 0xFFF, so seg <= 7
    mantissa = (mag >> np.maximum(seg, 1)) & 0x0F
    code = (seg << 4) | mantissa
    return (code ^ np.where(positive, 0xD5, 0x55)).astype(np.uint8)


def _build_alaw_decode() -> npt.NDArray[np.int16]:
    a = np.arange(256, dtype=np.int32) ^ 0x55  # even bits are stored inverted
    seg = (a & 0x70) >> 4
    t = (a & 0x0F) << 4
    t = np.where(seg == 0, t + 8, (t + 0x108) << np.maximum(seg - 1, 0))
    return np.where(a & 0x80, t, -t).astype(_I16)


_ULAW_ENCODE: Final = _build_ulaw_encode()
_ULAW_DECODE: Final = _build_ulaw_decode()
_ALAW_ENCODE: Final = _build_alaw_encode()
_ALAW_DECODE: Final = _build_alaw_decode()
for _table in (_ULAW_ENCODE, _ULAW_DECODE, _ALAW_ENCODE, _ALAW_DECODE):
    _table.flags.writeable = False
del _table


_TAKE_FROM: Final = 4096  # np.take beats fancy indexing on large inputs, not on small ones


def _lookup(table: np.ndarray, index: np.ndarray) -> bytes:
    return (np.take(table, index) if index.size >= _TAKE_FROM else table[index]).tobytes()


def _pcm_pattern(pcm: bytes | bytearray | memoryview) -> npt.NDArray[np.uint16]:
    n = pcm.nbytes if isinstance(pcm, memoryview) else len(pcm)
    if n % 2:
        raise ValueError(f"PCM16 data must have an even number of bytes, got {n}")
    return np.frombuffer(pcm, dtype="<u2")


def _codes(data: bytes | bytearray | memoryview) -> npt.NDArray[np.uint8]:
    return np.frombuffer(data, dtype=np.uint8)


def _sample_pattern(samples: npt.ArrayLike) -> npt.NDArray[np.uint16]:
    arr = np.asarray(samples)
    if arr.dtype.kind != "i" or arr.dtype.itemsize != 2:
        raise ValueError(f"expected an int16 array, got dtype {arr.dtype}")
    return arr.astype(np.int16, copy=False).view(np.uint16)


def ulaw_encode(samples: npt.ArrayLike) -> npt.NDArray[np.uint8]:
    """Encode an int16 array to mu-law codes (same shape, uint8)."""
    return np.take(_ULAW_ENCODE, _sample_pattern(samples))


def ulaw_decode(codes: npt.ArrayLike) -> npt.NDArray[np.int16]:
    """Decode mu-law codes (uint8 array) to int16 samples (same shape)."""
    return np.take(_ULAW_DECODE, np.asarray(codes, dtype=np.uint8))


def alaw_encode(samples: npt.ArrayLike) -> npt.NDArray[np.uint8]:
    """Encode an int16 array to A-law codes (same shape, uint8)."""
    return np.take(_ALAW_ENCODE, _sample_pattern(samples))


def alaw_decode(codes: npt.ArrayLike) -> npt.NDArray[np.int16]:
    """Decode A-law codes (uint8 array) to int16 samples (same shape)."""
    return np.take(_ALAW_DECODE, np.asarray(codes, dtype=np.uint8))


def pcm16_to_ulaw(pcm: bytes | bytearray | memoryview) -> bytes:
    """PCM16 LE bytes -> mu-law bytes (one per sample). Odd byte count -> ``ValueError``."""
    return _lookup(_ULAW_ENCODE, _pcm_pattern(pcm))


def ulaw_to_pcm16(data: bytes | bytearray | memoryview) -> bytes:
    """Mu-law bytes -> PCM16 LE bytes (two per code)."""
    return _lookup(_ULAW_DECODE, _codes(data))


def pcm16_to_alaw(pcm: bytes | bytearray | memoryview) -> bytes:
    """PCM16 LE bytes -> A-law bytes (one per sample). Odd byte count -> ``ValueError``."""
    return _lookup(_ALAW_ENCODE, _pcm_pattern(pcm))


def alaw_to_pcm16(data: bytes | bytearray | memoryview) -> bytes:
    """A-law bytes -> PCM16 LE bytes (two per code)."""
    return _lookup(_ALAW_DECODE, _codes(data))
