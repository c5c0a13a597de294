"""Issue 13.8: the default resampler keeps the top of the telephone band.

Telephone speech reaches 3.4 kHz at 8 kHz: 0.85 of that rate's Nyquist frequency. The default
quality must pass it (and everything below) within a fraction of a dB, in both directions and
on 20 ms chunks, the realtime case.
"""

from __future__ import annotations

import numpy as np
import pytest

from trio_realtime.audio.resample import StreamResampler, resample

PAIRS = [(8000, 24000), (24000, 8000), (8000, 16000), (16000, 24000), (24000, 16000)]


def gain_db(in_rate: int, out_rate: int, freq: float, *, chunked: bool) -> float:
    n = in_rate  # one second
    x = np.rint(16000 * np.sin(2 * np.pi * freq * np.arange(n) / in_rate)).astype(np.int16)
    if chunked:
        rs = StreamResampler(in_rate, out_rate)
        step = in_rate // 50
        y = np.concatenate([rs.process(x[i : i + step]) for i in range(0, n, step)] + [rs.flush()])
    else:
        y = resample(x, in_rate, out_rate)
    edge = out_rate // 10  # away from the start and the end
    ratio = np.std(y[edge:-edge].astype(np.float64)) / np.std(x.astype(np.float64))
    return float(20 * np.log10(ratio))


@pytest.mark.parametrize("chunked", [False, True], ids=["whole", "20ms"])
@pytest.mark.parametrize(("in_rate", "out_rate"), PAIRS)
@pytest.mark.parametrize("fraction", [0.25, 0.5, 0.75, 0.85])
def test_the_default_passband_is_flat_to_085_of_the_lower_nyquist(
    in_rate: int, out_rate: int, fraction: float, chunked: bool
) -> None:
    freq = fraction * min(in_rate, out_rate) / 2
    assert abs(gain_db(in_rate, out_rate, freq, chunked=chunked)) < 0.1


def test_the_default_is_the_flat_quality() -> None:
    assert StreamResampler(8000, 24000).quality == "high"
    x = np.random.default_rng(5).integers(-20000, 20000, 4000).astype(np.int16)
    assert np.array_equal(resample(x, 8000, 24000), resample(x, 8000, 24000, quality="high"))
