"""One session's events fanned out to K subscribers, on one core (K = 0, 1, 4, 16).

The blaster (``_blaster.py``, its own process on the first CPU) streams the ``text`` mix; the
session (direct transport, this process, the last CPU) is read through ``session.events()``
and by K more ``subscribe()`` consumers (default ``block`` overflow, so every consumer gets
every event: lossless), each its own task. ``events/s`` counts wire events of the mix per
second; ``deliveries/s`` the events all consumers together took. The **baseline** is the same
session with no subscriber, measured in the same run, the K values taking turns.

Usage: ``python benchmarks/bench_fanout.py [--quick] [--repeats N] [--out PATH]``
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any

from _util import parse_args, print_table, ratio, single_core, spawn_server, write_json

CPUS = single_core()
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import trio  # noqa: E402
from _mixes import mix  # noqa: E402

import trio_realtime as rt  # noqa: E402

SUBSCRIBERS = (0, 1, 4, 16)
FRAMES = 30000


async def one_run(url: str, subscribers: int) -> tuple[float, int]:
    gateway = rt.OpenAIGateway(api_key="sk-bench", url=url)
    delivered = 0

    async def drain(subscription: rt.Subscription) -> None:
        nonlocal delivered
        with subscription:
            async for _ in subscription:
                delivered += 1

    opening = rt.open_session("gpt-realtime", gateway=gateway)
    async with opening as session, trio.open_nursery() as nursery:
        for _ in range(subscribers):
            nursery.start_soon(drain, session.subscribe())
        start = time.perf_counter()
        async for _ in session.events():
            delivered += 1
        elapsed = time.perf_counter() - start
    return elapsed, delivered


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], default_out="benchmarks/results/fanout.json")
    repeats = 1 if args.quick else max(args.repeats, 5)
    count = FRAMES // 10 if args.quick else FRAMES
    frames = len(mix("text", count))
    server = spawn_server([sys.executable, str(HERE / "_blaster.py")])
    try:
        assert server.stdout is not None
        url = f"ws://127.0.0.1:{int(server.stdout.readline())}/blast/text/{count}"
        trio.run(one_run, url, 1)  # warm-up
        runs: dict[int, list[tuple[float, int]]] = {k: [] for k in SUBSCRIBERS}
        for _ in range(repeats):
            for k in SUBSCRIBERS:
                runs[k].append(trio.run(one_run, url, k))
    finally:
        server.kill()
        server.wait()
    rows: list[dict[str, Any]] = []
    base = None
    for k in SUBSCRIBERS:
        rates = [frames / seconds for seconds, _ in runs[k]]
        median = statistics.median(rates)
        base = base or median
        delivered = runs[k][-1][1]
        rows.append(
            {
                "subscribers": k,
                "events_per_s": median,
                "min": min(rates),
                "max": max(rates),
                "deliveries_per_s": median * delivered / frames,
                "us_per_event": 1e6 / median,
                "ratio": ratio(median, base),
            }
        )
    print(f"Fan-out on one core (CPUs {CPUS}), medians of {repeats} runs, text mix\n")
    print_table(rows)
    out = write_json(
        args.out,
        {
            "benchmark": "fanout",
            "unit": "wire events per second (median), session on one pinned core",
            "baseline": "the same session with no subscriber",
            "quick": args.quick,
            "repeats": repeats,
            "frames": frames,
            "results": rows,
        },
    )
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
