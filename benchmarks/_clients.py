"""One client of the session benchmark, run in its own process (``bench_session.py`` starts it).

``python _clients.py <client> <mix> <port> <frames> <runs>``: pins itself to the last allowed
CPU, connects to the blaster (``_blaster.py``) ``runs + 1`` times (the first run is a warm-up),
each time consumes the whole ``/blast/<mix>/<frames>`` stream until it ends, and prints one JSON
line: the seconds of each timed run (from the end of the handshake to the last event), the frames
and events seen, and the process's peak RSS.

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


# A run: given the URL, returns (seconds, frames, events) for one stream.
Run = Callable[[str], Awaitable[tuple[float, int, int]]]


# ------------------------------------------------------------------------ trio clients


def trio_client(name: str) -> Run:
    import trio

    if name == "trio-websocket":
        import trio_websocket

        async def run(url: str) -> tuple[float, int, int]:
            n = 0
            async with trio_websocket.open_websocket_url(url) as ws:
                start = time.perf_counter()
                try:
                    while True:
                        await ws.get_message()
                        n += 1
                except trio_websocket.ConnectionClosed:
                    pass
                elapsed = time.perf_counter() - start
            return elapsed, n, n

        return run

    if name == "reference":
        return _reference_run

    import trio_realtime as rt

    transport = "websockets" if name == "session-direct" else "trio-websocket"

    async def run_session(url: str) -> tuple[float, int, int]:
        gateway = rt.OpenAIGateway(api_key="sk-bench", url=url, transport=transport)
        config = rt.Config(modalities=["text"], tools=[_async_lookup])
        async with rt.open_session(MODEL, gateway=gateway, config=config) as session:
            n = 0
            start = time.perf_counter()
            async for _event in session.events():
                n += 1
            elapsed = time.perf_counter() - start
            frames = session._rt.transport.statistics().messages_received
        return elapsed, frames, n

    del trio
    return run_session


async def _reference_run(url: str) -> tuple[float, int, int]:
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
    frames = events = 0
    audio = 0
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
                events += 1
            elif event.opcode is closing:
                done = True
        out = protocol.data_to_send()
        if out:
            await stream.send_all(b"".join(out))
    assert start is not None
    elapsed = time.perf_counter() - start
    await stream.aclose()
    return elapsed, frames, events


# ------------------------------------------------------------------------ asyncio clients


def asyncio_client(name: str) -> Run:
    if name == "openai":
        import openai

        async def run_openai(url: str) -> tuple[float, int, int]:
            client = openai.AsyncOpenAI(api_key="sk-bench", websocket_base_url=url)
            n = 0
            async with client.realtime.connect(model=MODEL) as connection:
                start = time.perf_counter()
                async for _event in connection:
                    n += 1
                elapsed = time.perf_counter() - start
            return elapsed, n, n

        return run_openai

    from agents.realtime import RealtimeAgent, RealtimeRunner
    from agents.tool import function_tool

    agent = RealtimeAgent(name="bench", instructions="bench", tools=[function_tool(tool_lookup)])

    async def run_agents(url: str) -> tuple[float, int, int]:
        runner = RealtimeRunner(agent)
        events = 0
        model_config = {
            "url": f"{url}/realtime?model={MODEL}",
            "api_key": "sk-bench",
            "initial_model_settings": {"model_name": MODEL, "output_modalities": ["text"]},
        }
        async with await runner.run(model_config=model_config) as session:  # type: ignore[arg-type]
            start = time.perf_counter()
            frames = 0
            async for event in session:
                events += 1
                if event.type == "raw_model_event":
                    frames += 1
            elapsed = time.perf_counter() - start
        return elapsed, frames, events

    return run_agents


# ------------------------------------------------------------------------ main


def main(argv: list[str]) -> None:
    name, mix_name, port, count, runs = argv[0], argv[1], int(argv[2]), int(argv[3]), int(argv[4])
    pin_last_cpu()
    url = f"ws://127.0.0.1:{port}/blast/{mix_name}/{count}"
    results = []
    if name in TRIO_CLIENTS:
        import trio

        run = trio_client(name)
        for _ in range(runs + 1):
            results.append(trio.run(run, url))
    elif name in ASYNCIO_CLIENTS:
        import asyncio

        run = asyncio_client(name)
        for _ in range(runs + 1):
            results.append(asyncio.run(run(url)))
    else:
        raise SystemExit(f"unknown client {name!r}; one of {', '.join(CLIENTS)}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    timed = results[1:]
    print(
        json.dumps(
            {
                "client": name,
                "mix": mix_name,
                "seconds": [r[0] for r in timed],
                "frames": [r[1] for r in timed],
                "events": [r[2] for r in timed],
                "peak_rss": rss,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
