"""One client of the session benchmark, run in its own process (``bench_session.py`` starts it).

Pins itself to the last allowed CPU, makes a warm-up run then a timed run against the blaster
(``_blaster.py``), and prints one JSON line: the seconds of the timed run (from the end of the
handshake to the last event), the frames and events it saw, the one-way latencies (paced mode)
and the process's peak RSS.

- ``python _clients.py <client> blast <mix> <port> <frames> <warmup_frames>``: consume the
  whole ``/blast/<mix>/<frames>`` stream until it ends (throughput);
- ``python _clients.py <client> paced <port> <count> <interval_us>``: consume
  ``/paced/<count>/<interval_us>`` and take each text delta's one-way latency.

Clients (every one consumes every frame of the stream; "events" is what it yields):

- ``trio-websocket``: the baseline, a bare trio-websocket ``get_message()`` loop (no parsing);
- ``reference``: one trio task on the ``websockets`` sans-I/O protocol with ``orjson`` and
  ``binascii`` base64: what a hand-written loop that parses can do (the ceiling);
- ``session-direct`` / ``session-trio-websocket``: a trio-realtime session
  (``session.events()`` until ``session_closed``) over each transport;
- ``openai``: the official SDK's realtime client (``async for event in connection``, pydantic
  models), asyncio;
- ``agents``: openai-agents' ``RealtimeSession`` iterator (asyncio), its model pointed at the
  blaster through ``model_config={"url": ...}``.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
# TRIO_REALTIME_SRC: measure another checkout of the library (e.g. before/after a change)
sys.path.insert(0, os.environ.get("TRIO_REALTIME_SRC", str(HERE.parent)))
sys.path.insert(0, str(HERE))

MODEL = "gpt-realtime"
SESSIONS = ("session-direct", "session-trio-websocket")
TRIO_CLIENTS = ("trio-websocket", "reference", *SESSIONS)
ASYNCIO_CLIENTS = ("openai", "agents")
CLIENTS = (*TRIO_CLIENTS, *ASYNCIO_CLIENTS)


def peak_rss() -> int:
    """This process's peak resident set size in bytes (``VmHWM``: on Linux ``ru_maxrss``
    carries the parent's peak across ``exec``)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # (KiB on Linux)


def pin_last_cpu() -> None:
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})


def tool_lookup(query: str, limit: int = 10) -> str:
    """Looks an order up (the tools mix calls it)."""
    return f"{query}: found"


async def _async_lookup(query: str, limit: int = 10) -> str:
    """Looks an order up (the tools mix calls it)."""
    return f"{query}: found"


# A run: given the URL and a list for one-way latencies (or None), returns
# (seconds, frames, events) for one stream. With a list, each text delta's content (the
# blaster's send time, ``time.monotonic_ns()``) gives one latency sample, taken where the
# client's user gets the event.
Run = Callable[[str, "list[int] | None"], Awaitable[tuple[float, int, int]]]
TEXT_DELTA = "response.output_text.delta"


def _sample(latency: list[int] | None, stamp: str) -> None:
    if latency is not None:
        latency.append(time.monotonic_ns() - int(stamp))


# ------------------------------------------------------------------------ trio clients


def trio_client(name: str) -> Run:
    if name == "trio-websocket":
        import trio_websocket

        async def run(url: str, latency: list[int] | None) -> tuple[float, int, int]:
            n = 0
            async with trio_websocket.open_websocket_url(url) as ws:
                start = time.perf_counter()
                try:
                    while True:
                        message = await ws.get_message()
                        n += 1
                        if latency is not None and TEXT_DELTA in message:
                            _sample(latency, json.loads(message)["delta"])
                except trio_websocket.ConnectionClosed:
                    pass
                elapsed = time.perf_counter() - start
            return elapsed, n, n

        return run

    if name == "reference":
        return _reference_run

    import trio_realtime as rt

    transport = "websockets" if name == "session-direct" else "trio-websocket"

    async def run_session(url: str, latency: list[int] | None) -> tuple[float, int, int]:
        gateway = rt.OpenAIGateway(api_key="sk-bench", url=url, transport=transport)
        config = rt.Config(modalities=["text"], tools=[_async_lookup])
        async with rt.open_session(MODEL, gateway=gateway, config=config) as session:
            n = 0
            start = time.perf_counter()
            async for event in session.events():
                n += 1
                if latency is not None and event.kind == "assistant_text_delta":
                    _sample(latency, event.delta)
            elapsed = time.perf_counter() - start
            frames = session._rt.transport.statistics().messages_received
        return elapsed, frames, n

    return run_session


async def _reference_run(url: str, latency: list[int] | None) -> tuple[float, int, int]:
    """One trio task, websockets' sans-I/O protocol, orjson, binascii: a hand-written loop."""
    import binascii
    import logging

    import orjson
    import trio
    from websockets.client import ClientProtocol
    from websockets.frames import Frame, Opcode
    from websockets.uri import parse_uri

    silent = logging.getLogger("bench.reference")
    silent.disabled = True
    uri = parse_uri(url)
    stream = await trio.open_tcp_stream(uri.host, uri.port)
    protocol = ClientProtocol(uri, max_size=2**24, logger=silent)
    protocol.send_request(protocol.connect())
    await stream.send_all(b"".join(protocol.data_to_send()))
    frames = audio = 0
    start = None
    text, closing = Opcode.TEXT, Opcode.CLOSE
    loads, a2b = orjson.loads, binascii.a2b_base64
    done = False
    while not done:
        data = await stream.receive_some(256 * 1024)
        if not data:
            break
        protocol.receive_data(data)
        for event in protocol.events_received():
            if type(event) is not Frame:
                start = time.perf_counter()
                continue
            if event.opcode is text:
                msg = loads(event.data)
                frames += 1
                kind = msg["type"]
                if kind == "response.output_audio.delta":
                    audio += len(a2b(msg["delta"]))
                elif latency is not None and kind == TEXT_DELTA:
                    _sample(latency, msg["delta"])
            elif event.opcode is closing:
                done = True
        out = protocol.data_to_send()
        if out:
            await stream.send_all(b"".join(out))
    assert start is not None
    elapsed = time.perf_counter() - start
    await stream.aclose()
    return elapsed, frames, frames


# ------------------------------------------------------------------------ asyncio clients


def asyncio_client(name: str) -> Run:
    if name == "openai":
        import openai

        async def run_openai(url: str, latency: list[int] | None) -> tuple[float, int, int]:
            client = openai.AsyncOpenAI(api_key="sk-bench", websocket_base_url=url)
            n = 0
            async with client.realtime.connect(model=MODEL) as connection:
                start = time.perf_counter()
                async for event in connection:
                    n += 1
                    if latency is not None and event.type == TEXT_DELTA:
                        _sample(latency, event.delta)
                elapsed = time.perf_counter() - start
            return elapsed, n, n

        return run_openai

    from agents.realtime import RealtimeAgent, RealtimeRunner
    from agents.tool import function_tool

    agent = RealtimeAgent(name="bench", instructions="bench", tools=[function_tool(tool_lookup)])

    async def run_agents(url: str, latency: list[int] | None) -> tuple[float, int, int]:
        runner = RealtimeRunner(agent)
        events = frames = 0
        model_config = {
            "url": f"{url}/realtime?model={MODEL}",
            "api_key": "sk-bench",
            "initial_model_settings": {"model_name": MODEL, "output_modalities": ["text"]},
        }
        async with await runner.run(model_config=model_config) as session:  # type: ignore[arg-type]
            start = time.perf_counter()
            async for event in session:
                events += 1
                if event.type == "raw_model_event" and event.data.type == "raw_server_event":
                    frames += 1  # every wire frame comes out as one of these, first
                    if latency is not None and event.data.data.get("type") == TEXT_DELTA:
                        _sample(latency, event.data.data["delta"])
            elapsed = time.perf_counter() - start
        return elapsed, frames, events

    return run_agents


# ------------------------------------------------------------------------ main


def main(argv: list[str]) -> None:
    """``<client> blast <mix> <port> <frames> <warmup_frames>`` or
    ``<client> paced <port> <count> <interval_us>``."""
    name, mode, args = argv[0], argv[1], argv[2:]
    pin_last_cpu()
    latency: list[int] | None = None
    if mode == "blast":
        mix_name, port, count, warmup = args[0], int(args[1]), int(args[2]), int(args[3])
        base = f"ws://127.0.0.1:{port}/blast/{mix_name}"
        wait = "/wait" if name == "agents" else ""  # it sends session.update after connecting
        plan = [(f"{base}/{warmup}{wait}", None), (f"{base}/{count}{wait}", None)]
    else:
        port, count, interval = int(args[0]), int(args[1]), int(args[2])
        latency = []
        warm = f"ws://127.0.0.1:{port}/paced/{max(10, count // 10)}/{interval}"
        plan = [(warm, None), (f"ws://127.0.0.1:{port}/paced/{count}/{interval}", latency)]
    if name in TRIO_CLIENTS:
        import trio

        run = trio_client(name)
        results = [trio.run(run, url, samples) for url, samples in plan]
    elif name in ASYNCIO_CLIENTS:
        import asyncio

        run = asyncio_client(name)
        results = [asyncio.run(run(url, samples)) for url, samples in plan]  # type: ignore[arg-type]
    else:
        raise SystemExit(f"unknown client {name!r}; one of {', '.join(CLIENTS)}")
    seconds, frames, events = results[-1]
    print(
        json.dumps(
            {
                "client": name,
                "seconds": seconds,
                "frames": frames,
                "events": events,
                "latency_ns": latency,
                "peak_rss": peak_rss(),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
