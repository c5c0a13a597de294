"""PCM16 conversions and duration arithmetic."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from trio_realtime.audio import pcm
from trio_realtime.audio.pcm import (
    AudioFormat,
    array_to_pcm16,
    bytes_per_sample,
    bytes_to_ms,
    float_to_int16,
    int16_to_float,
    ms_to_bytes,
    ms_to_samples,
    pcm16_to_array,
    samples_to_ms,
    to_mono,
)

int16_arrays = hnp.arrays(np.int16, st.integers(0, 300))
even_bytes = st.binary(max_size=600).map(lambda b: b[: len(b) & ~1])
RATES = [8000, 16000, 22050, 24000, 44100, 48000]


def test_pcm16_is_little_endian_and_a_read_only_view() -> None:
    raw = bytearray(b"\x01\x00\xff\xff\x00\x80")
    arr = pcm16_to_array(raw)
    assert arr.tolist() == [1, -1, -32768]
    assert arr.dtype.kind == "i" and arr.dtype.itemsize == 2
    assert np.shares_memory(arr, np.frombuffer(raw, dtype=np.uint8))  # zero copy
    with pytest.raises(ValueError):
        arr[0] = 5
    raw[0] = 2  # it is a view: the source shows through
    assert arr[0] == 2


def test_pcm16_to_array_accepts_memoryview_and_rejects_odd_length() -> None:
    assert pcm16_to_array(memoryview(b"\x02\x00")).tolist() == [2]
    assert pcm16_to_array(b"").size == 0
    with pytest.raises(ValueError, match="even"):
        pcm16_to_array(b"\x00\x00\x00")


@given(int16_arrays)
def test_array_bytes_round_trip(samples: np.ndarray) -> None:
    data = array_to_pcm16(samples)
    assert isinstance(data, bytes)
    assert len(data) == 2 * samples.size
    assert np.array_equal(pcm16_to_array(data), samples)


@given(even_bytes)
def test_bytes_array_round_trip(data: bytes) -> None:
    assert array_to_pcm16(pcm16_to_array(data)) == data


def test_array_to_pcm16_dtype_rules() -> None:
    with pytest.raises(ValueError, match="float_to_int16"):
        array_to_pcm16(np.zeros(4, dtype=np.float32))
    with pytest.raises(ValueError, match="range"):
        array_to_pcm16(np.array([40000], dtype=np.int32))
    with pytest.raises(ValueError, match="range"):
        array_to_pcm16(np.array([40000], dtype=np.uint16))
    assert array_to_pcm16(np.array([-5, 7], dtype=np.int64)) == b"\xfb\xff\x07\x00"
    assert array_to_pcm16(np.array([1, 2], dtype=">i2")) == b"\x01\x00\x02\x00"  # byte order fixed
    frames = np.array([[1, 2], [3, 4]], dtype=np.int16)  # (frames, channels) interleaves
    assert pcm16_to_array(array_to_pcm16(frames)).tolist() == [1, 2, 3, 4]


@given(int16_arrays)
def test_int16_float_round_trip_is_exact(samples: np.ndarray) -> None:
    f = int16_to_float(samples)
    assert f.dtype == np.float32
    assert np.all(f >= -1.0) and np.all(f < 1.0)
    assert np.array_equal(float_to_int16(f), samples)


@given(hnp.arrays(np.float32, st.integers(0, 100), elements=st.floats(-4, 4, width=32)))
def test_float_to_int16_rounds_and_clips(x: np.ndarray) -> None:
    out = float_to_int16(x)
    assert out.dtype == np.int16
    expected = np.clip(np.rint(x.astype(np.float64) * 32768), -32768, 32767)
    assert np.array_equal(out, expected)


def test_float_to_int16_edges() -> None:
    x = np.array([1.0, -1.0, 2.0, -2.0, np.nan, np.inf, -np.inf, 0.5])
    assert float_to_int16(x).tolist() == [32767, -32768, 32767, -32768, 0, 32767, -32768, 16384]
    assert int16_to_float(b"\x00\x80").tolist() == [-1.0]


def test_to_mono_averages_channels() -> None:
    stereo = np.array([100, 200, -1, 2, 32767, 32767, -32768, -32768], dtype=np.int16)
    assert to_mono(stereo, 2).tolist() == [150, 0, 32767, -32768]  # 0.5 rounds to even
    assert to_mono(array_to_pcm16(stereo), 2).tolist() == [150, 0, 32767, -32768]
    assert to_mono(stereo.reshape(-1, 2), 2).tolist() == [150, 0, 32767, -32768]
    assert to_mono(np.array([1, 2, 3, 4, 5, 6], dtype=np.int16), 3).tolist() == [2, 5]
    with pytest.raises(ValueError, match="whole number"):
        to_mono(np.zeros(3, dtype=np.int16), 2)
    with pytest.raises(ValueError):
        to_mono(np.zeros(4, dtype=np.int16), 0)


@given(int16_arrays, st.integers(1, 4))
def test_to_mono_of_identical_channels_is_identity(samples: np.ndarray, channels: int) -> None:
    interleaved = np.repeat(samples, channels)
    assert np.array_equal(to_mono(interleaved, channels), samples)


def test_durations_for_each_encoding() -> None:
    assert bytes_per_sample("pcm16") == 2
    assert bytes_per_sample("g711_ulaw") == bytes_per_sample("g711_alaw") == 1
    assert ms_to_bytes(20, rate=24000) == 960
    assert ms_to_bytes(1000, rate=24000) == 48000  # OpenAI: ms = bytes / 48
    assert ms_to_bytes(20, rate=8000, encoding="g711_ulaw") == 160
    assert ms_to_bytes(10, rate=22050) == 440  # 220.5 samples, rounded down
    assert ms_to_bytes(20, rate=48000, channels=2) == 3840
    assert bytes_to_ms(960, rate=24000) == 20.0
    assert bytes_to_ms(961, rate=24000) == 20.0  # a partial sample does not count
    assert bytes_to_ms(8, rate=8000, encoding="g711_alaw") == 1.0
    assert samples_to_ms(441, 22050) == 20.0
    assert ms_to_samples(0.1 * 3, 10000) == 3  # float error does not lose a sample


def test_duration_helpers_validate() -> None:
    with pytest.raises(ValueError, match="8000"):
        ms_to_bytes(20, rate=24000, encoding="g711_ulaw")
    with pytest.raises(ValueError, match="8000"):
        bytes_to_ms(160, rate=16000, encoding="g711_alaw")
    with pytest.raises(ValueError, match="unknown audio encoding"):
        bytes_per_sample("opus")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ms_to_bytes(-1, rate=24000)
    with pytest.raises(ValueError):
        ms_to_bytes(math.nan, rate=24000)
    with pytest.raises(ValueError):
        samples_to_ms(10, 0)


@given(st.sampled_from(RATES), st.integers(0, 10**7))
def test_samples_ms_round_trip(rate: int, n: int) -> None:
    assert ms_to_samples(samples_to_ms(n, rate), rate) == n
    assert ms_to_bytes(bytes_to_ms(2 * n, rate=rate), rate=rate) == 2 * n


@given(st.sampled_from(RATES), st.floats(0, 1e6))
def test_ms_to_bytes_rounds_down_to_whole_samples(rate: int, ms: float) -> None:
    n = ms_to_bytes(ms, rate=rate)
    assert n % 2 == 0
    back = bytes_to_ms(n, rate=rate)
    assert back <= ms + 1e-6
    assert ms - back < 1000 / rate + 1e-6


def test_audio_format() -> None:
    fmt = AudioFormat(encoding="g711_ulaw", sample_rate=8000)
    assert fmt.frame_bytes == 1
    assert fmt.ms_to_bytes(20) == 160
    assert fmt.bytes_to_ms(80) == 10.0
    stereo = AudioFormat(sample_rate=48000, channels=2)
    assert stereo.encoding == "pcm16" and stereo.frame_bytes == 4
    with pytest.raises(ValueError, match="8000"):
        AudioFormat(encoding="g711_alaw", sample_rate=24000)
    with pytest.raises(ValueError, match="unknown"):
        AudioFormat(encoding="mp3")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        AudioFormat(channels=0)
    assert pcm.G711_RATE == 8000
