"""Where a session's time goes, per event: scheduler passes, reschedules, and a profile.

Starts the blaster (``_blaster.py``, on the first CPU), runs one trio-realtime session on the
last CPU over ``/blast/<mix>/<frames>``, consuming ``session.events()`` until
``session_closed``, and prints per wire frame: trio scheduler passes, task reschedules and
socket reads (counted with trio's instrumentation API), then, with ``--profile``, cProfile's
top functions (total time per frame, in µs).

Usage: ``python benchmarks/profile_session.py [--mix text|audio|tools] [--frames N]
[--transport websockets|trio-websocket] [--profile] [--subscribers K]``
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# TRIO_REALTIME_SRC: profile another checkout of the library (e.g. to compare before/after)
sys.path.insert(0, os.environ.get("TRIO_REALTIME_SRC", str(HERE.parent)))
sys.path.insert(0, str(HERE))

from _clients import MODEL, _async_lookup, pin_last_cpu  # noqa: E402

pin_last_cpu()

import trio  # noqa: E402

import trio_realtime as rt  # noqa: E402

CPU: list[float] = []  # process CPU seconds of each run (robust on a busy machine)


class Counter(trio.abc.Instrument):
    """Counts scheduler passes (one I/O wait each) and task reschedules."""

    def __init__(self) -> None:
        self.passes = 0
        self.scheduled = 0

    def before_io_wait(self, timeout: float) -> None:
        self.passes += 1

    def task_scheduled(self, task: trio.lowlevel.Task) -> None:
        self.scheduled += 1


async def one_session(
    url: str, transport: str, subscribers: int, counter: Counter | None
) -> tuple[float, int, int]:
    gateway = rt.OpenAIGateway(api_key="sk-bench", url=url, transport=transport)  # type: ignore[arg-type]
    config = rt.Config(modalities=["text"], tools=[_async_lookup])
    async with rt.open_session(MODEL, gateway=gateway, config=config) as session:
        n = 0

        async def drain(sub: rt.Subscription) -> None:
            with sub:
                async for _ in sub:
                    pass

        async with trio.open_nursery() as nursery:
            for _ in range(subscribers):
                nursery.start_soon(drain, session.subscribe())
            if counter is not None:
                trio.lowlevel.add_instrument(counter)
            start = time.perf_counter()
            cpu = time.process_time()
            async for _event in session.events():
                n += 1
            elapsed = time.perf_counter() - start
            CPU.append(time.process_time() - cpu)
        if counter is not None:
            trio.lowlevel.remove_instrument(counter)
        frames = session._rt.transport.statistics().messages_received - 2
    return elapsed, frames, n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mix", default="text", choices=("text", "audio", "tools"))
    parser.add_argument("--frames", type=int, default=50000)
    parser.add_argument("--transport", default="websockets")
    parser.add_argument("--subscribers", type=int, default=0)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    server = subprocess.Popen(
        [sys.executable, str(HERE / "_blaster.py")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        url = f"ws://127.0.0.1:{port}/blast/{args.mix}/{args.frames}"
        trio.run(one_session, url, args.transport, args.subscribers, None)  # warm-up
        counter = Counter()
        elapsed, frames, events = trio.run(
            one_session, url, args.transport, args.subscribers, counter
        )
        print(
            f"{Path(rt.__file__).parent.parent.name} {args.mix}: {frames} frames, "
            f"{events} events in {elapsed:.3f} s = "
            f"{frames / elapsed:,.0f} frames/s, {elapsed / frames * 1e6:.2f} µs/frame "
            f"(CPU {CPU[-1] / frames * 1e6:.2f} µs/frame)"
        )
        print(
            f"per frame: {counter.passes / frames:.3f} scheduler passes, "
            f"{counter.scheduled / frames:.3f} task reschedules"
        )
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            elapsed, frames, _ = trio.run(one_session, url, args.transport, args.subscribers, None)
            profiler.disable()
            stats = pstats.Stats(profiler)
            rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)  # type: ignore[attr-defined]
            print(f"\ncProfile (inflates Python calls), {frames} frames; µs per frame:")
            print(f"{'tottime':>8} {'cumtime':>8} {'calls/fr':>8}  function")
            for (path, line, func), (_cc, nc, tt, ct, _callers) in rows[: args.top]:
                where = f"{Path(path).name}:{line}({func})"
                print(
                    f"{tt / frames * 1e6:8.3f} {ct / frames * 1e6:8.3f} {nc / frames:8.2f}  {where}"
                )
    finally:
        server.kill()
        server.wait()


if __name__ == "__main__":
    main()
