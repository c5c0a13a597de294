"""G.711 mu-law / A-law: exact against the ITU tables as implemented by ``audioop``."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trio_realtime.audio import g711

from ._reference import audioop

ALL_PCM = np.arange(-32768, 32768, dtype="<i2").tobytes()  # every int16 value
ALL_CODES = bytes(range(256))

needs_audioop = pytest.mark.skipif(audioop is None, reason="neither audioop nor audioop-lts")


@needs_audioop
def test_ulaw_encode_matches_reference_for_every_sample() -> None:
    assert audioop is not None
    assert g711.pcm16_to_ulaw(ALL_PCM) == audioop.lin2ulaw(ALL_PCM, 2)


@needs_audioop
def test_alaw_encode_matches_reference_for_every_sample() -> None:
    assert audioop is not None
    assert g711.pcm16_to_alaw(ALL_PCM) == audioop.lin2alaw(ALL_PCM, 2)


@needs_audioop
def test_decode_matches_reference_for_every_code() -> None:
    assert audioop is not None
    assert g711.ulaw_to_pcm16(ALL_CODES) == audioop.ulaw2lin(ALL_CODES, 2)
    assert g711.alaw_to_pcm16(ALL_CODES) == audioop.alaw2lin(ALL_CODES, 2)


@needs_audioop
@given(st.binary(max_size=400).map(lambda b: b[: len(b) & ~1]))
def test_random_buffers_match_reference(pcm: bytes) -> None:
    assert audioop is not None
    assert g711.pcm16_to_ulaw(pcm) == audioop.lin2ulaw(pcm, 2)
    assert g711.pcm16_to_alaw(pcm) == audioop.lin2alaw(pcm, 2)


def test_known_table_values() -> None:
    # Values straight from ITU-T G.711 (independent of audioop).
    ulaw = g711.ulaw_decode(np.array([0x00, 0x80, 0xFF, 0x7F, 0x7E], dtype=np.uint8))
    assert ulaw.tolist() == [-32124, 32124, 0, 0, -8]
    alaw = g711.alaw_decode(np.array([0xAA, 0x2A, 0xD5, 0x55], dtype=np.uint8))
    assert alaw.tolist() == [32256, -32256, 8, -8]
    samples = np.array([0, 32767, -32768], dtype=np.int16)
    assert g711.ulaw_encode(samples).tolist() == [0xFF, 0x80, 0x00]
    assert g711.alaw_encode(samples).tolist() == [0xD5, 0xAA, 0x2A]


@pytest.mark.parametrize(
    ("encode", "decode", "max_rel", "max_abs_small"),
    [
        (g711.ulaw_encode, g711.ulaw_decode, 0.051, 11),
        (g711.alaw_encode, g711.alaw_decode, 0.032, 8),
    ],
)
def test_quantisation_is_monotonic_and_bounded(encode, decode, max_rel, max_abs_small) -> None:  # type: ignore[no-untyped-def]
    x = np.arange(-32768, 32768).astype(np.int16)
    y = decode(encode(x)).astype(np.int64)
    assert np.all(np.diff(y) >= 0)
    err = np.abs(y - x)
    big = np.abs(x.astype(np.int64)) >= 256
    assert err[~big].max() <= max_abs_small
    assert (err[big] / np.abs(x[big].astype(np.int64))).max() <= max_rel


def test_decode_encode_round_trip_for_every_code() -> None:
    codes = np.arange(256, dtype=np.uint8)
    assert np.array_equal(g711.alaw_encode(g711.alaw_decode(codes)), codes)
    # mu-law has two zeros (0x7F is "negative zero"): every other code survives.
    back = g711.ulaw_encode(g711.ulaw_decode(codes))
    assert np.array_equal(back[codes != 0x7F], codes[codes != 0x7F])
    assert back[0x7F] == 0xFF


@given(st.binary(max_size=300))
def test_decode_is_idempotent_through_encode(codes: bytes) -> None:
    for enc, dec in (
        (g711.pcm16_to_ulaw, g711.ulaw_to_pcm16),
        (g711.pcm16_to_alaw, g711.alaw_to_pcm16),
    ):
        pcm = dec(codes)
        assert len(pcm) == 2 * len(codes)
        assert dec(enc(pcm)) == pcm


def test_byte_api_accepts_buffers_and_rejects_odd_lengths() -> None:
    pcm = np.array([1000, -1000], dtype="<i2").tobytes()
    expected = g711.pcm16_to_ulaw(pcm)
    assert g711.pcm16_to_ulaw(bytearray(pcm)) == expected
    assert g711.pcm16_to_ulaw(memoryview(pcm)) == expected
    assert g711.pcm16_to_ulaw(b"") == b""
    assert g711.ulaw_to_pcm16(b"") == b""
    with pytest.raises(ValueError, match="even number of bytes"):
        g711.pcm16_to_ulaw(b"\x00\x01\x02")
    with pytest.raises(ValueError, match="even number of bytes"):
        g711.pcm16_to_alaw(b"\x00")


def test_array_api_keeps_shape_and_rejects_other_dtypes() -> None:
    x = np.array([[1, 2], [-3, 4]], dtype=np.int16)
    assert g711.alaw_encode(x).shape == (2, 2)
    assert g711.alaw_decode(g711.alaw_encode(x)).dtype == np.int16
    with pytest.raises(ValueError, match="int16"):
        g711.ulaw_encode(np.zeros(3, dtype=np.float32))


def _ulaw_spec(sample: int) -> int:
    """Scalar mu-law encoder written from the G.711 description (bit length = segment)."""
    v = sample >> 2  # 14-bit
    sign = 0x00 if v >= 0 else 0x80  # set for negative, before the complement
    mag = min(abs(v), 8159) + 33
    segment = min(mag.bit_length() - 6, 7)
    mantissa = (min(mag, 8191) >> (segment + 1)) & 0x0F
    return ~(sign | segment << 4 | mantissa) & 0xFF


def _alaw_spec(sample: int) -> int:
    """Scalar A-law encoder written from the G.711 description."""
    v = sample >> 3  # 13-bit
    mag = v if v >= 0 else -v - 1
    segment = max(mag.bit_length() - 5, 0)
    mantissa = (mag >> max(segment, 1)) & 0x0F
    return (segment << 4 | mantissa) ^ (0xD5 if v >= 0 else 0x55)


def test_encoders_match_scalar_spec_for_every_sample() -> None:
    """Runs without audioop too: a per-sample implementation of the standard."""
    samples = range(-32768, 32768)
    assert g711.pcm16_to_ulaw(ALL_PCM) == bytes(_ulaw_spec(s) for s in samples)
    assert g711.pcm16_to_alaw(ALL_PCM) == bytes(_alaw_spec(s) for s in samples)
