"""Memory per idle session, and 1,000 concurrent sessions in one process (one core).

The server, its own process on the first CPU, is the local server (``python -m trio_realtime
serve``: the real handshake, ``session.created`` then ``session.updated``, and its keepalive
pings) or, with ``--server blaster``, the blaster (``_blaster.py``), which only holds each
connection open after the handshake (``/idle``). This process (the last CPU) opens N sessions
with ``connect_session`` into one nursery, all idle at once, over the direct transport
(default) and over trio-websocket; it reports the process's RSS growth per session and the
Python heap growth per session (``tracemalloc``), plus the time to open and to close them all.
The **baseline**, in the same run: N bare trio-websocket connections to the same server (the
WebSocket alone, no session).

Usage: ``python benchmarks/bench_memory.py [--quick] [--sessions N] [--server local|blaster]
[--out PATH]``
"""

from __future__ import annotations

import gc
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

from _util import parse_args, print_table, ratio, single_core, spawn_server, write_json

CPUS = single_core()
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import trio  # noqa: E402
import trio_websocket  # noqa: E402

import trio_realtime as rt  # noqa: E402

SESSIONS = 1000
CONCURRENT_CONNECTS = 50


def rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


async def hold(url: str, n: int, transport: str, session: bool) -> dict[str, Any]:
    """Open ``n`` idle sessions (or bare trio-websocket connections), measure, close them."""
    gc.collect()
    before_rss = rss()
    before_heap = tracemalloc.get_traced_memory()[0] if tracemalloc.is_tracing() else 0
    opened: list[Any] = []
    limit = trio.Semaphore(CONCURRENT_CONNECTS)

    async def open_one(nursery: trio.Nursery) -> None:
        async with limit:
            if not session:
                opened.append(await trio_websocket.connect_websocket_url(nursery, url))
                return
            gateway = rt.OpenAIGateway(api_key="sk-bench", url=url, transport=transport)  # type: ignore[arg-type]
            opened.append(await rt.connect_session(nursery, "gpt-realtime", gateway=gateway))

    async with trio.open_nursery() as nursery:
        start = time.perf_counter()
        async with trio.open_nursery() as openers:
            for _ in range(n):
                openers.start_soon(open_one, nursery)
        open_s = time.perf_counter() - start
        await trio.sleep(0.2)  # let every reader settle into its wait
        gc.collect()
        grown_rss = rss() - before_rss
        grown_heap = (
            tracemalloc.get_traced_memory()[0] - before_heap if tracemalloc.is_tracing() else 0
        )
        start = time.perf_counter()
        async with trio.open_nursery() as closers:
            for conn in opened:
                closers.start_soon(conn.aclose)
        close_s = time.perf_counter() - start
        nursery.cancel_scope.cancel()
    return {
        "rss_per_session_kib": grown_rss / n / 1024,
        "heap_per_session_kib": grown_heap / n / 1024,
        "rss_total_mib": grown_rss / 2**20,
        "open_s": open_s,
        "close_s": close_s,
    }


CASES = {
    "baseline": ("trio-websocket connection (baseline)", "trio-websocket", False),
    "direct": ("session, direct transport", "websockets", True),
    "trio-websocket": ("session, trio-websocket transport", "trio-websocket", True),
}


def one_case(case: str, url: str, n: int) -> dict[str, Any]:
    """Measure one case in this (fresh) process: RSS only grows, so each case gets its own.

    RSS first, without ``tracemalloc`` (its bookkeeping would count); then the heap, traced.
    """
    _, transport, session = CASES[case]
    if not session and url.endswith("/v1/realtime"):
        url += "?model=gpt-realtime"  # (the gateway adds it for a session)
    trio.run(hold, url, 5, transport, session)  # warm-up: first-use costs are not per session
    figures = trio.run(hold, url, n, transport, session)
    tracemalloc.start()
    traced = trio.run(hold, url, n, transport, session)
    tracemalloc.stop()
    figures["heap_per_session_kib"] = traced["heap_per_session_kib"]
    return figures


def main() -> None:
    import argparse
    import json

    extra = argparse.ArgumentParser(add_help=False)
    extra.add_argument("--sessions", type=int, default=SESSIONS)
    extra.add_argument("--case", help=argparse.SUPPRESS)  # (internal: one case, JSON out)
    extra.add_argument("--server", choices=("local", "blaster"), default="local")
    extra.add_argument("--url", help=argparse.SUPPRESS)
    known, rest = extra.parse_known_args()
    args = parse_args(
        __doc__.splitlines()[0], default_out="benchmarks/results/memory.json", argv=rest
    )
    n = 100 if args.quick else known.sessions
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 2 * n + 100:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4 * n + 256), hard))
    if known.case:
        print(json.dumps(one_case(known.case, known.url, n)))
        return
    if known.server == "local":
        command = [sys.executable, "-m", "trio_realtime", "serve", "--port", "0"]
        server = spawn_server(command, cwd=HERE.parent, stderr=subprocess.DEVNULL)
    else:
        server = spawn_server([sys.executable, str(HERE / "_blaster.py")])
    results: dict[str, dict[str, Any]] = {}
    try:
        assert server.stdout is not None
        first = server.stdout.readline().strip()  # the local server's URL, the blaster's port
        url = first if known.server == "local" else f"ws://127.0.0.1:{int(first)}/idle"
        for case in CASES:
            command = [sys.executable, __file__, "--case", case, "--url", url]
            command += ["--sessions", str(n)]
            done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=600)
            results[case] = json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        server.kill()
        server.wait()
    rows: list[dict[str, Any]] = []
    base = results["baseline"]["rss_per_session_kib"]
    for case, (name, _, _) in CASES.items():
        row = {"case": name, **results[case]}
        row["ratio_rss"] = ratio(results[case]["rss_per_session_kib"], base)
        rows.append(row)
    print(f"{n} idle sessions in one process (CPUs {CPUS}), {known.server} server\n")
    print_table(rows)
    out = write_json(
        args.out,
        {
            "benchmark": "memory",
            "unit": "KiB per idle session (RSS and traced Python heap growth), seconds",
            "baseline": "bare trio-websocket connections",
            "server": known.server,
            "quick": args.quick,
            "sessions": n,
            "results": rows,
        },
    )
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
