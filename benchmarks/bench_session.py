"""Session event throughput and one-way latency against peers, on one core (the issue 11 table).

A local blaster in its own process (``_blaster.py``, pinned to the first CPU) streams
pre-serialized, realistic OpenAI Realtime GA frames (``_mixes.py``: the ``text``, ``audio`` and
``tools`` mixes) as fast as the client reads them, after the handshake, then closes. Each client
runs in its own process (``_clients.py``, pinned to the last CPU) for every measurement, and the
clients take turns within each round, so every ratio compares runs made side by side:

- ``trio-websocket`` (the **baseline**): a bare ``get_message()`` loop, no parsing;
- ``reference``: one trio task on websockets' sans-I/O protocol + orjson + binascii (a
  hand-written loop that parses: the ceiling);
- ``session-direct`` / ``session-trio-websocket``: ``session.events()`` of a trio-realtime session
  until ``session_closed``, over each WebSocket transport;
- ``openai``: the official SDK's asyncio realtime client (``async for event in connection``);
- ``agents``: openai-agents' ``RealtimeSession`` iterator, its model pointed at the blaster
  (``model_config={"url": ...}``).

(``openai`` and ``agents`` are skipped, and said so, when not installed: ``nox -s bench``
installs them.) Per client and mix: ``events/s`` (wire events of the mix per second, from the
end of the handshake to the last event), ``µs/event``, ``x realtime`` (seconds of audio per
second, audio mix), peak RSS of the client process; the median and the min-max over the rounds;
``ratio`` = median / the baseline's median. Then the one-way latency of a paced text stream
(1 delta per ms; the sender's clock in the delta, read where the user gets the event): p50/p99.

Usage: ``python benchmarks/bench_session.py [--quick] [--repeats N] [--out PATH]
[--clients a,b]``
"""

from __future__ import annotations

import importlib.util
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from _util import parse_args, print_table, ratio, write_json

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from _clients import ASYNCIO_CLIENTS, CLIENTS  # noqa: E402
from _mixes import MIXES, audio_seconds, mix  # noqa: E402

BASELINE = "trio-websocket"
FRAMES = {"text": 40000, "audio": 12000, "tools": 30000}
PACED = (1000, 1000)  # deltas, µs between them


def available(wanted: list[str]) -> tuple[list[str], dict[str, str]]:
    """The clients that can run here, and why the others cannot."""
    modules = {"openai": "openai", "agents": "agents"}
    ok, skipped = [], {}
    for name in wanted:
        module = modules.get(name)
        if module is not None and importlib.util.find_spec(module) is None:
            skipped[name] = f"{module} is not installed (nox -s bench installs it)"
        else:
            ok.append(name)
    return ok, skipped


def run_client(args: list[str], timeout: float) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(HERE / "_clients.py"), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"{args[0]} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def throughput(
    port: int, clients: list[str], repeats: int, scale: float
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    sizes = {m: max(300, int(FRAMES[m] * scale)) for m in MIXES}
    frames = {m: len(mix(m, sizes[m])) for m in MIXES}
    audio = {m: audio_seconds(mix(m, sizes[m])) for m in MIXES}
    raw: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for round_ in range(repeats):
        for m in MIXES:
            for client in clients:
                timeout = 600 if client in ASYNCIO_CLIENTS else 300
                args = [client, "blast", m, str(port), str(sizes[m]), str(max(300, sizes[m] // 5))]
                result = run_client(args, timeout)
                raw.setdefault((m, client), []).append(result)
                rate = frames[m] / result["seconds"]
                print(f"  round {round_ + 1} {m:5} {client:24} {rate:12,.0f} events/s", flush=True)
    rows = []
    for m in MIXES:
        base = None
        for client in clients:
            runs = raw[(m, client)]
            rates = [frames[m] / r["seconds"] for r in runs]
            median = statistics.median(rates)
            if client == BASELINE:
                base = median
            row: dict[str, Any] = {
                "mix": m,
                "client": client,
                "events_per_s": median,
                "min": min(rates),
                "max": max(rates),
                "us_per_event": 1e6 / median,
                "x_realtime": audio[m] * median / frames[m] if audio[m] else None,
                "peak_rss_mib": statistics.median(r["peak_rss"] for r in runs) / 2**20,
                "events_seen": runs[-1]["events"],
            }
            rows.append(row)
        for row in rows:
            if row["mix"] == m:
                row["ratio"] = ratio(row["events_per_s"], base)
    return rows, {"frames": frames, "audio_seconds": audio}


def latency(port: int, clients: list[str], repeats: int, count: int) -> list[dict[str, Any]]:
    samples: dict[str, list[float]] = {c: [] for c in clients}
    for _ in range(repeats):
        for client in clients:
            args = [client, "paced", str(port), str(count), str(PACED[1])]
            result = run_client(args, 600)
            samples[client] += [ns / 1000 for ns in result["latency_ns"]]
    return [
        {
            "client": client,
            "p50_us": percentile(samples[client], 0.5),
            "p99_us": percentile(samples[client], 0.99),
            "samples": len(samples[client]),
        }
        for client in clients
    ]


def start_blaster() -> tuple[subprocess.Popen[str], int]:
    server = subprocess.Popen(
        [sys.executable, str(HERE / "_blaster.py")], stdout=subprocess.PIPE, text=True
    )
    assert server.stdout is not None
    return server, int(server.stdout.readline())


def versions() -> dict[str, str | None]:
    from importlib.metadata import PackageNotFoundError, version

    out: dict[str, str | None] = {}
    for package in ("trio", "trio-websocket", "websockets", "orjson", "openai", "openai-agents"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = None
    return out


def main() -> None:
    import argparse

    extra = argparse.ArgumentParser(add_help=False)
    extra.add_argument("--clients", default=",".join(CLIENTS))
    known, rest = extra.parse_known_args()
    args = parse_args(
        __doc__.splitlines()[0], default_out="benchmarks/results/session.json", argv=rest
    )
    rounds = args.repeats if "--repeats" in rest else 5  # (each round runs every client)
    repeats = 1 if args.quick else max(rounds, 5)
    scale = 0.05 if args.quick else 1.0
    wanted = [c for c in known.clients.split(",") if c]
    if BASELINE not in wanted:
        wanted.insert(0, BASELINE)
    clients, skipped = available(wanted)
    for name, why in skipped.items():
        print(f"skipping {name}: {why}")
    server, port = start_blaster()
    try:
        print(f"Session throughput, clients on one core, {repeats} interleaved rounds\n")
        rows, sizes = throughput(port, clients, repeats, scale)
        count = PACED[0] // 10 if args.quick else PACED[0]
        lat = latency(port, clients, 1 if args.quick else 3, count)
    finally:
        server.kill()
        server.wait()
    print()
    print_table(
        rows,
        [
            "mix",
            "client",
            "events_per_s",
            "min",
            "max",
            "us_per_event",
            "ratio",
            "x_realtime",
            "peak_rss_mib",
        ],
    )
    print("\nOne-way latency of a paced text stream (1 delta per ms), µs")
    print_table(lat)
    out = write_json(
        args.out,
        {
            "benchmark": "session",
            "unit": "wire events per second (median of the rounds), client on one pinned core",
            "baseline": BASELINE,
            "quick": args.quick,
            "repeats": repeats,
            "skipped": skipped,
            "versions": versions(),
            "mixes": sizes,
            "results": rows,
            "latency": lat,
        },
    )
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
