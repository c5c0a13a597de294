"""Checking audio frames before they are sent: PCM16 mono at the session's input rate."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["AudioFrame", "pcm16_frame"]

AudioFrame = bytes | bytearray | memoryview | np.ndarray[Any, Any]


def pcm16_frame(pcm: AudioFrame, sample_rate: int | None, expected_rate: int) -> bytes:
    """``pcm`` as PCM16 little-endian bytes, or a ``ValueError``/``TypeError`` saying what is wrong.

    Accepts bytes-like PCM16 (an even number of bytes) or a mono ``int16`` array; a
    ``sample_rate`` other than ``expected_rate`` is refused (the caller must resample).
    """
    if sample_rate is not None and sample_rate != expected_rate:
        raise ValueError(
            f"audio must be PCM16 at {expected_rate} Hz for this session, not {sample_rate} Hz "
            "(resample with trio_realtime.audio.StreamResampler)"
        )
    if isinstance(pcm, np.ndarray):
        if pcm.dtype != np.int16:
            raise ValueError(
                f"audio arrays must be int16 PCM, not {pcm.dtype} "
                "(convert with trio_realtime.audio.float_to_int16)"
            )
        if pcm.ndim != 1 and not (pcm.ndim == 2 and 1 in pcm.shape):
            raise ValueError(f"audio must be mono; got an array of shape {pcm.shape}")
        return pcm.astype("<i2", copy=False).tobytes()
    if not isinstance(pcm, (bytes, bytearray, memoryview)):
        raise TypeError(f"audio must be bytes or an int16 ndarray, not {type(pcm).__name__}")
    data = bytes(pcm)
    if len(data) % 2:
        raise ValueError(f"PCM16 audio needs an even number of bytes, got {len(data)}")
    return data
