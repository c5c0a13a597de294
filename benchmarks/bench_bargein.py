"""Barge-in reaction time: the ``speech_started`` frame arrives -> the cancel and the truncation
are written, p50/p99 (one core).

The blaster (``_blaster.py``, its own process on the first CPU) plays ``/bargein/<n>``: ``n``
times an audio response (3 deltas of 100 ms), 5 ms of pause, then
``input_audio_buffer.speech_started``; it waits for the client's ``response.cancel`` and
``conversation.item.truncate`` (``.delete`` when the frames came in one read: nothing was heard
yet) (its session says ``interrupt_response: false``, so the client
must cancel), answers ``response.done`` (cancelled) and goes on. The session (direct transport,
this process, the last CPU; an audio config; the application reads ``events()``) is timed by a
thin wrapper around its transport: from the moment ``receive_message`` (or
``receive_message_nowait``) hands the ``speech_started`` frame to the session, to the moment the
later of the two messages has been written to the socket (its ``send_message``, or the
``send_messages`` that wrote both in one batch, returned):
wall-clock time, and the CPU time this thread spent meanwhile (``cpu_*``: what preemption on a
busy machine cannot inflate).

The **baseline**, measured in the same run: a bare trio-websocket loop that answers the same
frame with the same two (pre-encoded) messages, parsing only the frame type.

Usage: ``python benchmarks/bench_bargein.py [--quick] [--repeats N] [--out PATH]``
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from _util import parse_args, print_table, ratio, single_core, spawn_server, write_json

CPUS = single_core()
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import trio  # noqa: E402
import trio_websocket  # noqa: E402

import trio_realtime as rt  # noqa: E402
from trio_realtime.transport import Transport  # noqa: E402

SPEECH = b'"input_audio_buffer.speech_started"'
CANCEL = '"response.cancel"'
CUTS = ('"conversation.item.truncate"', '"conversation.item.delete"')
COUNT = 300


class Timed:
    """A transport wrapper that timestamps the barge-in frame and the two answers."""

    def __init__(self, inner: Transport, samples: list[tuple[float, float]]) -> None:
        self._inner = inner
        self._samples = samples
        self._heard: int | None = None
        self._heard_cpu = 0
        self._answered: set[str] = set()
        nowait = getattr(inner, "receive_message_nowait", None)
        if nowait is not None:

            def receive_message_nowait() -> str | bytes:
                return self._seen(nowait())

            self.receive_message_nowait = receive_message_nowait
        send_many = getattr(inner, "send_messages", None)
        if send_many is not None:  # the direct transport writes a batch at once: time that path

            async def send_messages(messages: Sequence[str | bytes]) -> None:
                await send_many(messages)
                for message in messages:
                    self._written(message)

            self.send_messages = send_messages

    def _seen(self, frame: str | bytes) -> str | bytes:
        if SPEECH.decode() in frame if isinstance(frame, str) else SPEECH in frame:
            self._heard = time.perf_counter_ns()
            self._heard_cpu = time.thread_time_ns()
            self._answered.clear()
        return frame

    async def receive_message(self) -> str | bytes:
        return self._seen(await self._inner.receive_message())

    async def send_message(self, message: str | bytes) -> None:
        await self._inner.send_message(message)
        self._written(message)

    def _written(self, message: str | bytes) -> None:
        if self._heard is None or not isinstance(message, str):
            return
        if CANCEL in message:
            self._answered.add("cancel")
        elif any(cut in message for cut in CUTS):
            self._answered.add("cut")
        if len(self._answered) == 2:
            wall = (time.perf_counter_ns() - self._heard) / 1000
            self._samples.append((wall, (time.thread_time_ns() - self._heard_cpu) / 1000))
            self._heard = None

    @property
    def closed(self) -> Any:
        return self._inner.closed

    async def aclose(self, code: int = 1000, reason: str = "") -> None:
        await self._inner.aclose(code, reason)

    def statistics(self) -> Any:
        return self._inner.statistics()


class TimedGateway(rt.OpenAIGateway):
    def __init__(self, url: str, samples: list[tuple[float, float]]) -> None:
        super().__init__(api_key="sk-bench", url=url)
        self._samples = samples

    async def open_transport(self, nursery: trio.Nursery, model: str) -> Transport:
        return Timed(await super().open_transport(nursery, model), self._samples)  # type: ignore[return-value]


async def session_run(url: str, samples: list[tuple[float, float]]) -> None:
    config = rt.Config(modalities=["audio"])
    gateway = TimedGateway(url, samples)
    async with rt.open_session("gpt-realtime", gateway=gateway, config=config) as session:
        async for _ in session.events():
            pass


async def baseline_run(url: str, samples: list[tuple[float, float]]) -> None:
    cancel = json.dumps({"type": "response.cancel"})
    async with trio_websocket.open_websocket_url(url) as ws:
        turn = 0
        try:
            while True:
                message = await ws.get_message()
                if SPEECH.decode() in message and json.loads(message)["type"]:
                    heard, heard_cpu = time.perf_counter_ns(), time.thread_time_ns()
                    await ws.send_message(cancel)
                    truncate = {
                        "type": "conversation.item.truncate",
                        "item_id": f"item_{turn}",
                        "content_index": 0,
                        "audio_end_ms": 5,
                    }
                    await ws.send_message(json.dumps(truncate))
                    wall = (time.perf_counter_ns() - heard) / 1000
                    samples.append((wall, (time.thread_time_ns() - heard_cpu) / 1000))
                    turn += 1
        except trio_websocket.ConnectionClosed:
            pass


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], default_out="benchmarks/results/bargein.json")
    count = COUNT // 10 if args.quick else COUNT
    repeats = 1 if args.quick else max(args.repeats, 5)
    server = spawn_server([sys.executable, str(HERE / "_blaster.py")])
    clients = {"trio-websocket (baseline)": baseline_run, "session": session_run}
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in clients}
    try:
        assert server.stdout is not None
        url = f"ws://127.0.0.1:{int(server.stdout.readline())}/bargein/{count}"
        for run in clients.values():
            trio.run(run, url, [])  # warm-up
        for _ in range(repeats):
            for name, run in clients.items():
                trio.run(run, url, samples[name])
    finally:
        server.kill()
        server.wait()
    rows = []
    base = None
    for name, pairs in samples.items():
        wall, cpu = [w for w, _ in pairs], [c for _, c in pairs]
        p50 = percentile(wall, 0.5)
        base = base or p50
        rows.append(
            {
                "client": name,
                "p50_us": p50,
                "p99_us": percentile(wall, 0.99),
                "min_us": min(wall),
                "cpu_p50_us": percentile(cpu, 0.5),
                "cpu_p99_us": percentile(cpu, 0.99),
                "samples": len(pairs),
                "ratio_p50": ratio(p50, base),
            }
        )
    print(f"Barge-in reaction on one core (CPUs {CPUS}), µs, {repeats} runs of {count}\n")
    print_table(rows)
    out = write_json(
        args.out,
        {
            "benchmark": "bargein",
            "unit": "µs from the speech_started frame handed over to both answers written",
            "baseline": "trio-websocket loop answering with pre-encoded messages",
            "quick": args.quick,
            "repeats": repeats,
            "results": rows,
        },
    )
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
