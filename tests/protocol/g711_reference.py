"""Textbook G.711 decoders (ITU-T G.711), written independently of ``trio_realtime.audio``."""

from __future__ import annotations


def ulaw_decode(code: int) -> int:
    """One μ-law byte -> a 16-bit linear sample."""
    u = ~code & 0xFF
    exponent = (u >> 4) & 0x07
    magnitude = (((u & 0x0F) << 3) + 0x84) << exponent
    magnitude -= 0x84
    return -magnitude if u & 0x80 else magnitude


def alaw_decode(code: int) -> int:
    """One A-law byte -> a 16-bit linear sample."""
    a = code ^ 0x55
    exponent = (a >> 4) & 0x07
    mantissa = a & 0x0F
    segment = ((mantissa << 4) + 0x108) << (exponent - 1) if exponent else (mantissa << 4) + 8
    magnitude = segment
    return magnitude if a & 0x80 else -magnitude


def ulaw_error_bound(sample: int) -> int:
    """How far a μ-law round trip may move ``sample`` (one quantization step plus bias)."""
    return abs(sample) // 16 + 16
