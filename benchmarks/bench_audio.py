"""Audio toolkit throughput on one core, in multiples of realtime (medians of several runs).

Cases:
- ``StreamResampler`` fed 20 ms chunks (the realtime case) for common rate pairs, against a
  baseline measured in the same run: a naive streaming linear interpolator (``np.interp``),
  which is cheaper but far worse (its round-trip SNR is reported next to ours);
- one-shot ``resample`` of the whole signal;
- G.711 mu-law / A-law encode and decode on 20 ms frames and on the whole signal, against
  ``audioop`` (Python <= 3.12 or the ``audioop-lts`` package) when it is importable.

``ratio`` = our throughput / the baseline's (above 1 means faster).

Usage: ``python benchmarks/bench_audio.py [--quick] [--repeats N] [--out PATH]``
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from _util import measure, parse_args, print_table, ratio, single_core, write_json

CPUS = single_core()  # before numpy is imported

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from trio_realtime.audio import g711  # noqa: E402
from trio_realtime.audio.resample import StreamResampler, resample  # noqa: E402

CHUNK_MS = 20
PAIRS = [
    (24000, 16000),
    (16000, 24000),
    (48000, 24000),
    (24000, 48000),
    (44100, 16000),
    (8000, 24000),
    (24000, 8000),
]
TARGET = ((24000, 16000), 1000.0)  # the speed target: x realtime for 24k -> 16k


def load_audioop() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            import audioop
        except ImportError:
            return None
    return audioop


def test_signal(rate: int, seconds: float) -> np.ndarray:
    """Speech-like test signal: a few tones plus noise, about -10 dBFS."""
    t = np.arange(int(rate * seconds)) / rate
    x = 0.15 * np.sin(2 * np.pi * 220 * t) + 0.1 * np.sin(2 * np.pi * 1300 * t)
    x += 0.02 * np.random.default_rng(0).standard_normal(t.size)
    return np.rint(x * 32767).astype(np.int16)


def chunks(x: np.ndarray, rate: int) -> list[np.ndarray]:
    n = rate * CHUNK_MS // 1000
    return [x[i : i + n] for i in range(0, x.size, n)]


class LinearStream:
    """Baseline: naive streaming linear interpolation with ``np.interp`` (one sample of state)."""

    def __init__(self, in_rate: int, out_rate: int) -> None:
        self.step = in_rate / out_rate
        self.prev = np.zeros(1, dtype=np.float64)
        self.pos = 1.0  # next output position, relative to self.prev[0]

    def process(self, chunk: np.ndarray) -> np.ndarray:
        xp = np.concatenate((self.prev, chunk))
        last = xp.size - 1
        count = int((last - self.pos) // self.step) + 1 if last >= self.pos else 0
        t = self.pos + self.step * np.arange(count)
        y = np.interp(t, np.arange(xp.size), xp)
        self.pos += self.step * count - last
        self.prev = xp[-1:].astype(np.float64)
        out: np.ndarray = np.rint(y).astype(np.int16)
        return out


def run_stream(make: Callable[[], Any], parts: list[np.ndarray]) -> Callable[[], None]:
    def go() -> None:
        rs = make()
        for part in parts:
            rs.process(part)
        if hasattr(rs, "flush"):
            rs.flush()

    return go


def snr_db(ref: np.ndarray, y: np.ndarray) -> float:
    n = min(ref.size, y.size)
    ref, y = ref[n // 10 : n - n // 10].astype(float), y[n // 10 : n - n // 10].astype(float)
    return float(10 * np.log10(np.sum(ref**2) / max(np.sum((y - ref) ** 2), 1e-9)))


def round_trip_snr(make: Callable[[int, int], Any]) -> float:
    """1 kHz sine through 24k -> 16k -> 24k, streamed in 20 ms chunks."""
    t = np.arange(24000) / 24000
    x = np.rint(0.5 * 32767 * np.sin(2 * np.pi * 1000 * t)).astype(np.int16)
    out = x
    for a, b in ((24000, 16000), (16000, 24000)):
        rs = make(a, b)
        parts = [rs.process(c) for c in chunks(out, a)]
        if hasattr(rs, "flush"):
            parts.append(rs.flush())
        out = np.concatenate(parts)
    return snr_db(x, out)


def bench_resampler(seconds: float, repeats: int) -> list[dict[str, Any]]:
    rows = []
    for a, b in PAIRS:
        x = test_signal(a, seconds)
        parts = chunks(x, a)
        ours = measure(run_stream(partial(StreamResampler, a, b), parts), repeats=repeats)
        base = measure(run_stream(partial(LinearStream, a, b), parts), repeats=repeats)
        rows.append(
            {
                "case": f"resample stream {a}->{b}",
                "chunk_ms": CHUNK_MS,
                "x_realtime": seconds / ours.median,
                "baseline": "np.interp linear",
                "baseline_x_realtime": seconds / base.median,
                "ratio": ratio(base.median, ours.median),
                "us_per_chunk": ours.median / len(parts) * 1e6,
                "timing": ours.as_dict(),
            }
        )
    x = test_signal(24000, seconds)
    one_shot = measure(lambda: resample(x, 24000, 16000), repeats=repeats)
    rows.append(
        {
            "case": "resample one-shot 24000->16000",
            "chunk_ms": None,
            "x_realtime": seconds / one_shot.median,
            "timing": one_shot.as_dict(),
        }
    )
    return rows


def width2(fn: Callable[[bytes, int], bytes]) -> Callable[[bytes], bytes]:
    """An ``audioop`` function with its sample width fixed to 2 bytes."""
    return lambda data: fn(data, 2)


def each(fn: Callable[[bytes], bytes], data: list[bytes]) -> None:
    for d in data:
        fn(d)


def bench_g711(seconds: float, repeats: int) -> list[dict[str, Any]]:
    audioop = load_audioop()
    pcm = test_signal(8000, seconds).tobytes()
    frame = 8000 * CHUNK_MS // 1000
    pcm_frames = [pcm[i : i + 2 * frame] for i in range(0, len(pcm), 2 * frame)]
    codecs = [
        ("ulaw encode", g711.pcm16_to_ulaw, "lin2ulaw", True),
        ("ulaw decode", g711.ulaw_to_pcm16, "ulaw2lin", False),
        ("alaw encode", g711.pcm16_to_alaw, "lin2alaw", True),
        ("alaw decode", g711.alaw_to_pcm16, "alaw2lin", False),
    ]
    rows = []
    for name, ours_fn, ref_name, encode in codecs:
        whole = pcm if encode else g711.pcm16_to_ulaw(pcm)
        framed = pcm_frames if encode else [g711.pcm16_to_ulaw(f) for f in pcm_frames]
        ref_fn = getattr(audioop, ref_name) if audioop is not None else None
        for label, data in (("20 ms frames", framed), ("whole signal", [whole])):
            ours = measure(partial(each, ours_fn, data), repeats=repeats)
            base = None
            if ref_fn is not None:
                base = measure(partial(each, width2(ref_fn), data), repeats=repeats)
            rows.append(
                {
                    "case": f"g711 {name}, {label}",
                    "chunk_ms": CHUNK_MS if len(data) > 1 else None,
                    "x_realtime": seconds / ours.median,
                    "baseline": "audioop" if base else None,
                    "baseline_x_realtime": seconds / base.median if base else None,
                    "ratio": ratio(base.median, ours.median) if base else None,
                    "us_per_chunk": ours.median / len(data) * 1e6,
                    "timing": ours.as_dict(),
                }
            )
    return rows


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], default_out="benchmarks/results/audio.json")
    seconds = 2.0 if args.quick else 10.0
    rows = bench_resampler(seconds, args.repeats) + bench_g711(seconds * 6, args.repeats)
    quality = {
        "StreamResampler": round_trip_snr(StreamResampler),
        "np.interp linear": round_trip_snr(LinearStream),
    }
    columns = ["case", "x_realtime", "baseline_x_realtime", "ratio", "us_per_chunk"]
    print(f"audio throughput on one core (CPUs {CPUS}), medians of {args.repeats} runs\n")
    print_table(rows, columns)
    print(
        "\n1 kHz round trip 24k->16k->24k SNR (dB): "
        + ", ".join(f"{k} {v:.1f}" for k, v in quality.items())
    )
    (pair, target) = TARGET
    got = next(
        r["x_realtime"] for r in rows if r["case"] == f"resample stream {pair[0]}->{pair[1]}"
    )
    verdict = "OK" if got >= target else "BELOW TARGET"
    case = f"{pair[0]}->{pair[1]} in {CHUNK_MS} ms chunks"
    print(f"target: {case} >= {target:.0f}x realtime: {got:.0f}x {verdict}")
    out = write_json(
        args.out,
        {
            "benchmark": "audio",
            "unit": "x realtime (audio seconds per wall-clock second on one pinned core), median",
            "quick": args.quick,
            "repeats": args.repeats,
            "target": {
                "case": f"resample stream {pair[0]}->{pair[1]}",
                "x_realtime": target,
                "met": got >= target,
            },
            "round_trip_snr_db": quality,
            "results": rows,
        },
    )
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
