"""Markdown tables from the JSON the benchmarks wrote (for README.md and docs/performance.md).

Usage: ``python benchmarks/report.py [results_dir]`` (default ``benchmarks/results``); prints the
session table (events/s with the ratio to the baseline, audio × realtime), the latency, fan-out,
barge-in and memory lines, for whichever results exist.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

NAMES = {
    "trio-websocket": "trio-websocket loop (baseline, no parsing)",
    "reference": "reference loop (websockets sans-I/O + orjson)",
    "session-direct": "**trio-realtime session** (direct transport)",
    "session-trio-websocket": "trio-realtime session (trio-websocket transport)",
    "openai": "openai SDK realtime client",
    "agents": "openai-agents RealtimeSession",
}


def _load(folder: Path, name: str) -> dict[str, Any] | None:
    path = folder / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def _rate(row: dict[str, Any]) -> str:
    return f"{row['events_per_s'] / 1000:,.1f} k ({row['ratio']:.2f}×)"


def session_table(data: dict[str, Any]) -> str:
    by = {(r["client"], r["mix"]): r for r in data["results"]}
    clients = list(dict.fromkeys(r["client"] for r in data["results"]))
    latency = {r["client"]: r for r in data.get("latency", [])}
    lines = [
        "| client | text | audio (× realtime) | tools | one-way latency p50 / p99 | peak RSS |",
        "|---|---|---|---|---|---|",
    ]
    for client in clients:
        text, audio, tools = (by.get((client, m)) for m in ("text", "audio", "tools"))
        cells = [NAMES.get(client, client)]
        cells.append(_rate(text) if text else "-")
        cells.append(f"{_rate(audio)}, {audio['x_realtime']:,.0f}×" if audio else "-")
        cells.append(_rate(tools) if tools else "-")
        lat = latency.get(client)
        cells.append(f"{lat['p50_us']:,.0f} / {lat['p99_us']:,.0f} µs" if lat else "-")
        cells.append(f"{text['peak_rss_mib']:.0f} MiB" if text else "-")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    folder = Path(argv[0]) if argv else Path("benchmarks/results")
    session = _load(folder, "session")
    if session:
        print(session_table(session))
        for name, why in session.get("skipped", {}).items():
            print(f"\n(skipped {name}: {why})")
    fanout = _load(folder, "fanout")
    if fanout:
        cells = ", ".join(
            f"{r['subscribers']}: {r['events_per_s'] / 1000:,.1f} k ({r['ratio']:.2f}×)"
            for r in fanout["results"]
        )
        print(f"\n- fan-out, events/s by subscribers (ratio to none): {cells}")
    bargein = _load(folder, "bargein")
    if bargein:
        for r in bargein["results"]:
            print(
                f"- barge-in reaction, {r['client']}: p50 {r['p50_us']:,.0f} µs, "
                f"p99 {r['p99_us']:,.0f} µs (CPU p50 {r['cpu_p50_us']:,.0f} µs)"
            )
    memory = _load(folder, "memory")
    if memory:
        for r in memory["results"]:
            print(
                f"- {memory['sessions']} idle, {r['case']}: {r['rss_per_session_kib']:.0f} KiB "
                f"RSS / {r['heap_per_session_kib']:.0f} KiB heap per session; opened in "
                f"{r['open_s']:.2f} s, closed in {r['close_s']:.2f} s"
            )
    codec = _load(folder, "codec")
    if codec:
        for r in codec["results"]:
            if r["case"] in ("decode", "decode+turns", "append_audio"):
                print(
                    f"- codec {r['mix']} {r['case']}: {r['us_per_frame']:.2f} µs/frame "
                    f"({r['frames_per_s'] / 1000:,.0f} k/s)"
                )


if __name__ == "__main__":
    main(sys.argv[1:])
