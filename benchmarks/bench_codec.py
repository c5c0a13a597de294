"""The OpenAI codec alone (no I/O, no trio), on one core: server frames decoded per second.

For each mix of ``_mixes.py`` (realistic GA frames, as ``str`` the way a transport hands them
over): ``OpenAIProtocol.receive`` on every frame (``decode``), and decode plus the turn
machine's step (``decode+turns``, what the session's reader runs per frame besides I/O and
publishing). The **baseline**, in the same run: ``orjson.loads`` of every frame plus
``binascii.a2b_base64`` of every audio delta, the least any decoder must do. Encoding:
``append_audio`` of 100 ms of 24 kHz PCM16 against ``base64`` + ``orjson.dumps`` of the same
message.

``ratio`` = the baseline's time / ours (1.0 would be "no cost over parsing"; above 1 is
impossible by construction).

Usage: ``python benchmarks/bench_codec.py [--quick] [--repeats N] [--out PATH]``
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from _util import measure, parse_args, print_table, single_core, write_json

CPUS = single_core()

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import base64  # noqa: E402
import binascii  # noqa: E402

import orjson  # noqa: E402
from _mixes import AUDIO_CHUNK_BYTES, MIXES, mix  # noqa: E402

import trio_realtime as rt  # noqa: E402
from trio_realtime._turns import TurnMachine  # noqa: E402
from trio_realtime.protocol import OpenAIProtocol  # noqa: E402

FRAMES = 20000


class _NoPlayback:
    def played_ms(self, item_id: str) -> float | None:
        return None


def baseline_decode(frames: list[str]) -> None:
    loads, a2b = orjson.loads, binascii.a2b_base64
    for frame in frames:
        msg = loads(frame)
        if msg["type"] == "response.output_audio.delta":
            a2b(msg["delta"])


def codec_decode(frames: list[str], config: rt.Config) -> None:
    receive = OpenAIProtocol(config).receive
    for frame in frames:
        receive(frame)


def codec_and_turns(frames: list[str], config: rt.Config) -> None:
    codec = OpenAIProtocol(config)
    machine = TurnMachine(config, codec, _NoPlayback())
    receive, apply = codec.receive, machine.apply
    for frame in frames:
        for item in receive(frame):
            apply(item, 0.0)


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], default_out="benchmarks/results/codec.json")
    count = FRAMES // 10 if args.quick else FRAMES
    config = rt.Config(modalities=["text"])
    rows: list[dict[str, Any]] = []
    for name in MIXES:
        frames = mix(name, count)
        cases = [
            ("orjson + base64 (baseline)", lambda f=frames: baseline_decode(f)),
            ("decode", lambda f=frames: codec_decode(f, config)),
            ("decode+turns", lambda f=frames: codec_and_turns(f, config)),
        ]
        base = None
        for case, fn in cases:
            t = measure(fn, repeats=args.repeats)
            per = t.median / len(frames)
            base = base or per
            rows.append(
                {
                    "mix": name,
                    "case": case,
                    "frames_per_s": 1 / per,
                    "us_per_frame": per * 1e6,
                    "min_us": t.minimum / len(frames) * 1e6,
                    "max_us": t.maximum / len(frames) * 1e6,
                    "ratio": base / per,
                }
            )
    pcm = bytes(AUDIO_CHUNK_BYTES)
    codec = OpenAIProtocol(config)
    n = count // 4

    def ours() -> None:
        for _ in range(n):
            codec.append_audio(pcm)

    def plain() -> None:
        for _ in range(n):
            audio = base64.b64encode(pcm).decode()
            orjson.dumps({"type": "input_audio_buffer.append", "audio": audio}).decode()

    base = None
    for case, fn in (("orjson + base64 (baseline)", plain), ("append_audio", ours)):
        t = measure(fn, repeats=args.repeats)
        per = t.median / n
        base = base or per
        rows.append(
            {
                "mix": "encode 100 ms",
                "case": case,
                "frames_per_s": 1 / per,
                "us_per_frame": per * 1e6,
                "min_us": t.minimum / n * 1e6,
                "max_us": t.maximum / n * 1e6,
                "ratio": base / per,
            }
        )
    print(f"The OpenAI codec on one core (CPUs {CPUS}), medians of {args.repeats} runs\n")
    print_table(rows)
    out = write_json(
        args.out,
        {
            "benchmark": "codec",
            "unit": "frames per second (median), one core",
            "baseline": "orjson.loads + binascii.a2b_base64 (encode: base64 + orjson.dumps)",
            "quick": args.quick,
            "repeats": args.repeats,
            "results": rows,
        },
    )
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
