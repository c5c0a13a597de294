"""Streaming resampler: chunking equivalence, quality, alignment, latency, input handling."""

from __future__ import annotations

import importlib
import itertools
import math

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trio_realtime.audio import _polyphase
from trio_realtime.audio.resample import StreamResampler, resample

# (``trio_realtime.audio.resample`` the attribute is the function; this is the module.)
resample_module = importlib.import_module("trio_realtime.audio.resample")

RATES = [8000, 16000, 22050, 24000, 44100, 48000]
PAIRS = [(a, b) for a, b in itertools.product(RATES, RATES) if a != b]


def sine(rate: int, n: int, freq: float = 1000.0, amp: float = 0.5) -> npt.NDArray[np.int16]:
    t = np.arange(n) / rate
    return np.rint(amp * 32767 * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def snr_db(ref: np.ndarray, y: np.ndarray) -> float:
    err = y.astype(np.float64) - ref.astype(np.float64)
    return float(10 * np.log10(np.sum(ref.astype(np.float64) ** 2) / max(np.sum(err**2), 1e-12)))


def rms_db(y: np.ndarray, ref: np.ndarray) -> float:
    ratio = np.std(y.astype(np.float64)) / np.std(ref.astype(np.float64))
    return float(20 * np.log10(max(ratio, 1e-12)))


def stream(rs: StreamResampler, x: np.ndarray, sizes: list[int]) -> npt.NDArray[np.int16]:
    """Feed x in chunks of the given sizes (cycled; 0 = an empty chunk), then flush."""
    out, i = [], 0
    for size in itertools.cycle(sizes):
        if i >= x.size:
            break
        out.append(rs.process(x[i : i + size]))
        i += size
    out.append(rs.flush())
    return np.concatenate(out)


@settings(max_examples=80, deadline=None)
@given(
    pair=st.sampled_from(PAIRS),
    x=st.lists(st.integers(-32768, 32767), max_size=1500).map(lambda v: np.array(v, np.int16)),
    sizes=st.lists(st.sampled_from([0, 1, 1, 2, 3, 5, 17, 160, 441, 480, 1000]), min_size=1),
)
def test_chunked_output_equals_one_shot(
    pair: tuple[int, int], x: np.ndarray, sizes: list[int]
) -> None:
    if not any(sizes):
        sizes = [*sizes, 1]
    in_rate, out_rate = pair
    expected = resample(x, in_rate, out_rate)
    got = stream(StreamResampler(in_rate, out_rate), x, sizes)
    assert got.dtype == np.int16
    assert got.size == expected.size == math.ceil(x.size * out_rate / in_rate)
    assert np.abs(got.astype(np.int32) - expected).max(initial=0) <= 1


@pytest.mark.parametrize("force", ["block", "gather"])
@pytest.mark.parametrize("pair", [(24000, 16000), (16000, 22050), (44100, 48000), (8000, 24000)])
def test_both_kernels_agree_and_stream_consistently(monkeypatch, force, pair) -> None:  # type: ignore[no-untyped-def]
    in_rate, out_rate = pair
    x = np.random.default_rng(7).integers(-30000, 30000, 3000).astype(np.int16)
    reference = resample(x, in_rate, out_rate)  # default kernel choice
    kernel = _polyphase.design(in_rate, out_rate, "high", force)  # the default quality
    monkeypatch.setattr(resample_module, "design", lambda *_args: kernel)
    assert type(StreamResampler(in_rate, out_rate)._kernel).__name__.lower().startswith(force)
    one_shot = resample(x, in_rate, out_rate)
    assert np.abs(one_shot.astype(np.int32) - reference).max() <= 1
    for sizes in ([1], [0, 7, 0, 320], [479, 1, 0]):
        chunked = stream(StreamResampler(in_rate, out_rate), x, sizes)
        assert np.abs(chunked.astype(np.int32) - one_shot).max() <= 1


def test_round_trip_24k_16k_24k_snr_above_80_db() -> None:
    x = sine(24000, 24000)
    y = resample(resample(x, 24000, 16000), 16000, 24000)
    assert y.size == x.size
    edge = 2400  # skip the start/stop transients (the signal starts abruptly)
    assert snr_db(x[edge:-edge], y[edge:-edge]) >= 80


@pytest.mark.parametrize("pair", PAIRS)
def test_one_way_snr_against_ideal_sine(pair: tuple[int, int]) -> None:
    in_rate, out_rate = pair
    y = resample(sine(in_rate, in_rate // 2), in_rate, out_rate)
    ref = sine(out_rate, out_rate // 2)
    edge = out_rate // 20
    assert snr_db(ref[edge:-edge], y[edge:-edge]) >= 80


@pytest.mark.parametrize(
    ("in_rate", "out_rate", "freq"),
    [
        (48000, 16000, 12000.0),
        (24000, 16000, 10000.0),
        (44100, 8000, 6000.0),
        (24000, 8000, 7000.0),
    ],
)
def test_aliases_are_rejected(in_rate: int, out_rate: int, freq: float) -> None:
    """A tone above the output Nyquist must not fold back into the band."""
    x = sine(in_rate, in_rate // 2, freq=freq, amp=0.9)
    y = resample(x, in_rate, out_rate)
    edge = out_rate // 20
    assert rms_db(y[edge:-edge], x) < -75


def test_upsampling_images_are_rejected() -> None:
    x = sine(16000, 8000, freq=1000.0, amp=0.9)
    y = resample(x, 16000, 48000)
    spectrum = np.abs(np.fft.rfft(y[4800:-4800] * np.hanning(y.size - 9600)))
    freqs = np.fft.rfftfreq(y.size - 9600, 1 / 48000)
    image = spectrum[freqs > 8500].max() / spectrum.max()
    assert 20 * np.log10(image) < -80  # the 15 kHz and 17 kHz images are gone


@pytest.mark.parametrize("freq", [100.0, 1000.0, 3000.0, 5000.0])
def test_passband_is_flat(freq: float) -> None:
    x = sine(24000, 24000, freq=freq)
    y = resample(x, 24000, 16000)
    assert abs(rms_db(y[1600:-1600], x[2400:-2400])) < 0.01


@pytest.mark.parametrize("pair", [(24000, 16000), (16000, 24000), (44100, 16000), (8000, 48000)])
def test_output_is_time_aligned(pair: tuple[int, int]) -> None:
    in_rate, out_rate = pair
    x = np.zeros(in_rate // 10, dtype=np.int16)
    at = in_rate // 20  # 50 ms
    x[at] = 20000
    if in_rate > out_rate:  # make the impulse band-limited for the lower rate
        x = resample(resample(x, in_rate, out_rate), out_rate, in_rate)
        at = int(np.argmax(x))
    y = resample(x, in_rate, out_rate)
    assert abs(int(np.argmax(y)) - at * out_rate / in_rate) <= 1


@pytest.mark.parametrize("pair", PAIRS)
def test_lengths_and_latency(pair: tuple[int, int]) -> None:
    in_rate, out_rate = pair
    rs = StreamResampler(in_rate, out_rate)
    assert 0 < rs.latency_ms < 4.5  # at the default quality ("high")
    assert rs.latency_samples == math.ceil(rs.latency_ms * out_rate / 1000 - 1e-9)
    x = sine(in_rate, in_rate // 10)
    head = rs.process(x)
    tail = rs.flush()
    total = math.ceil(x.size * out_rate / in_rate)
    assert head.size + tail.size == total
    assert tail.size <= rs.latency_samples
    for n in (0, 1, 2, 3):
        assert resample(x[:n], in_rate, out_rate).size == math.ceil(n * out_rate / in_rate)


def test_small_chunks_may_return_empty_arrays_then_catch_up() -> None:
    rs = StreamResampler(24000, 16000)
    first = rs.process(np.array([100], dtype=np.int16))
    assert first.dtype == np.int16 and first.size == 0
    assert rs.process(np.zeros(0, dtype=np.int16)).size == 0
    assert rs.process(b"").size == 0
    assert rs.process(np.zeros(2000, dtype=np.int16)).size > 1000


def test_gaps_do_not_reset_state() -> None:
    """10 ms frames with long runs of empty chunks between them: same as one shot."""
    x = sine(16000, 16000, freq=440.0)
    rs = StreamResampler(16000, 24000)
    out = []
    for i in range(0, x.size, 160):
        out.append(rs.process(x[i : i + 160]))
        out.extend(rs.process(b"") for _ in range(5))
    out.append(rs.flush())
    assert np.abs(np.concatenate(out).astype(np.int32) - resample(x, 16000, 24000)).max() <= 1


def test_flush_resets_for_a_new_stream() -> None:
    x = sine(24000, 4800)
    rs = StreamResampler(24000, 16000)
    first = np.concatenate([rs.process(x), rs.flush()])
    second = np.concatenate([rs.process(x), rs.flush()])
    assert np.array_equal(first, second)
    rs.process(x)
    rs.reset()
    assert np.array_equal(np.concatenate([rs.process(x), rs.flush()]), first)


def test_full_scale_input_saturates_instead_of_wrapping() -> None:
    square = np.tile(np.r_[np.full(12, 32767), np.full(12, -32768)], 200).astype(np.int16)
    y = resample(square, 24000, 16000)
    mid = y[100:-100].astype(np.int32)
    assert mid.max() == 32767 and mid.min() == -32768  # Gibbs overshoot is clipped
    ref = resample(square // 2, 24000, 16000).astype(np.int32)[100:-100]
    assert np.all(np.sign(mid) == np.sign(ref))  # no wrap-around


def test_equal_rates_pass_through() -> None:
    x = sine(16000, 1000)
    rs = StreamResampler(16000, 16000)
    assert rs.latency_samples == 0 and rs.latency_ms == 0.0
    assert np.array_equal(rs.process(x), x)
    assert rs.flush().size == 0
    assert np.array_equal(resample(x, 16000, 16000), x)


def test_input_types() -> None:
    x = sine(24000, 480)
    expected = resample(x, 24000, 16000)
    assert np.array_equal(resample(x.tobytes(), 24000, 16000), expected)
    assert np.array_equal(resample(bytearray(x.tobytes()), 24000, 16000), expected)
    assert np.array_equal(resample(x.astype(np.int32), 24000, 16000), expected)
    assert np.array_equal(resample(x.tolist(), 24000, 16000), expected)
    with pytest.raises(ValueError, match="float_to_int16"):
        resample(x.astype(np.float32), 24000, 16000)
    with pytest.raises(ValueError, match="1-D"):
        resample(x.reshape(-1, 2), 24000, 16000)
    with pytest.raises(ValueError, match="range"):
        resample(np.array([70000]), 24000, 16000)
    with pytest.raises(ValueError, match="even"):
        StreamResampler(24000, 16000).process(b"\x00")


def test_construction_errors_and_qualities() -> None:
    with pytest.raises(ValueError, match="positive"):
        StreamResampler(0, 16000)
    with pytest.raises(ValueError, match="quality"):
        StreamResampler(24000, 16000, quality="best")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="filter table"):
        StreamResampler(48000, 47999)
    odd = resample(sine(11025, 11025), 11025, 16000)  # any reasonable pair works
    assert snr_db(sine(16000, 16000)[800:-800], odd[800:-800]) > 80
    x = sine(24000, 24000)
    snrs = {}
    for quality in ("low", "medium", "high"):
        y = resample(resample(x, 24000, 16000, quality=quality), 16000, 24000, quality=quality)
        snrs[quality] = snr_db(x[2400:-2400], y[2400:-2400])
    assert snrs["low"] > 50
    assert snrs["low"] < snrs["medium"] <= snrs["high"] + 0.5


def test_long_input_in_one_call_matches_streaming() -> None:
    """A chunk larger than the internal piece size gives the same output as 20 ms chunks."""
    x = np.random.default_rng(3).integers(-30000, 30000, 50_000).astype(np.int16)
    for in_rate, out_rate in ((24000, 16000), (16000, 22050)):
        one_call = resample(x, in_rate, out_rate)
        chunked = stream(StreamResampler(in_rate, out_rate), x, [in_rate // 50])
        assert one_call.size == chunked.size == math.ceil(x.size * out_rate / in_rate)
        assert np.abs(one_call.astype(np.int32) - chunked).max() <= 1
