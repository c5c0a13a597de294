"""WebSocket client throughput on one core: messages per second, received and sent.

A local server in its own process (``_ws_bench_server.py``, pinned to another CPU) streams
pre-serialized OpenAI Realtime events as fast as the client reads them, or swallows what the
client sends; the client is the bottleneck. Messages:

- ``small``: a transcript delta (~190 bytes of JSON);
- ``audio``: an audio delta, 100 ms of 24 kHz PCM16 = 4800 bytes as 6400 base64 chars (~6.6 KB);
- ``mixed``: one audio delta to two small events.

Clients, each on a fresh connection per run:

- ``trio-websocket`` (the **baseline**): a bare ``get_message()`` / ``send_message()`` loop on
  trio-websocket's defaults (a reader task, a 1-message queue, 4 KiB reads);
- ``WebSocketTransport``: ours on trio-websocket (256-message queue, 64 KiB reads);
- ``wsproto loop`` / ``websockets loop``: a minimal single-task loop (this file) on each
  sans-I/O library: 256 KiB reads, every frame parsed, surplus messages in a deque;
- ``DirectWebSocketTransport``: ours, the single-task transport on ``websockets``' sans-I/O
  protocol (256 KiB reads).

``msgs_per_s`` is the median over the runs (``min``/``max`` beside it); ``ratio`` = the
client's median / the baseline's (above 1 means faster).

Usage: ``python benchmarks/bench_transport.py [--quick] [--repeats N] [--out PATH]``
"""

from __future__ import annotations

import gc
import logging
import statistics
import subprocess
import sys
import time
from collections import deque
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

from _util import parse_args, print_table, ratio, single_core, spawn_server, write_json

CPUS = single_core()

import trio  # noqa: E402
import trio_websocket  # noqa: E402
import websockets  # noqa: E402
import wsproto  # noqa: E402
from _ws_bench_server import CASES, case_messages, client_frame_size  # noqa: E402
from websockets.client import ClientProtocol  # noqa: E402
from websockets.frames import Frame, Opcode  # noqa: E402
from websockets.uri import parse_uri  # noqa: E402
from wsproto import ConnectionType, WSConnection  # noqa: E402
from wsproto.events import AcceptConnection, BytesMessage, Ping, Request, TextMessage  # noqa: E402
from wsproto.events import Message as WsprotoMessage  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from trio_realtime.transport import (  # noqa: E402
    connect_direct_websocket_transport,
    connect_websocket_transport,
)

HERE = Path(__file__).resolve().parent
BUFFER = 256 * 2**10
COUNTS = {"small": 20000, "audio": 5000, "mixed": 12000}
SEND_CASES = ("small", "audio")


class Client(Protocol):
    async def receive(self) -> str | bytes: ...
    async def send(self, message: str) -> None: ...
    async def close(self) -> None: ...


Connect = Callable[[trio.Nursery, str], Awaitable[Client]]  # (nursery for background tasks)


# ---------------------------------------------------------------- the clients compared


class TrioWebsocketClient:
    """Bare trio-websocket on its defaults (the baseline)."""

    def __init__(self, ws: Any, nursery: trio.Nursery) -> None:
        self.receive = ws.get_message
        self.send = ws.send_message
        self._ws, self._nursery = ws, nursery

    async def close(self) -> None:
        with trio.move_on_after(2):
            await self._ws.aclose()
        self._nursery.cancel_scope.cancel()


class TransportClient:
    """One of our transports."""

    def __init__(self, transport: Any, nursery: trio.Nursery | None = None) -> None:
        self.receive = transport.receive_message
        self.send = transport.send_message
        self._transport, self._nursery = transport, nursery

    async def close(self) -> None:
        await self._transport.aclose()
        if self._nursery is not None:
            self._nursery.cancel_scope.cancel()


class WsprotoLoop:
    """A minimal single-task client on wsproto: big reads, all frames parsed, a deque."""

    def __init__(self, stream: trio.SocketStream) -> None:
        self._stream = stream
        self._ws = WSConnection(ConnectionType.CLIENT)
        self._pending: deque[str | bytes] = deque()
        self._parts: list[Any] = []

    async def open(self, host: str, path: str) -> None:
        await self._stream.send_all(self._ws.send(Request(host=host, target=path)))
        accepted = False
        while not accepted:
            accepted = await self._pump()

    async def _pump(self) -> bool:
        self._ws.receive_data(await self._stream.receive_some(BUFFER))
        accepted, out = False, b""
        for event in self._ws.events():
            if isinstance(event, (TextMessage, BytesMessage)):
                if event.message_finished and not self._parts:
                    self._pending.append(event.data)
                else:
                    self._parts.append(event.data)
                    if event.message_finished:
                        join = "" if isinstance(event, TextMessage) else b""
                        self._pending.append(join.join(self._parts))
                        self._parts.clear()
            elif isinstance(event, Ping):
                out += self._ws.send(event.response())
            elif isinstance(event, AcceptConnection):
                accepted = True
        if out:
            await self._stream.send_all(out)
        return accepted

    async def receive(self) -> str | bytes:
        while not self._pending:
            await self._pump()
        return self._pending.popleft()

    async def send(self, message: str) -> None:
        await self._stream.send_all(self._ws.send(WsprotoMessage(data=message)))

    async def close(self) -> None:
        await self._stream.aclose()


_SILENT = logging.getLogger("bench.websockets")
_SILENT.disabled = True


class WebsocketsLoop:
    """The same loop on the websockets package's sans-I/O ClientProtocol."""

    def __init__(self, stream: trio.SocketStream, url: str) -> None:
        self._stream = stream
        self._protocol = ClientProtocol(parse_uri(url), max_size=16 * 2**20, logger=_SILENT)
        self._pending: deque[str | bytes] = deque()
        self._parts: list[Any] = []

    async def open(self) -> None:
        protocol = self._protocol
        protocol.send_request(protocol.connect())
        for data in protocol.data_to_send():
            await self._stream.send_all(data)
        while protocol.state is websockets.protocol.State.CONNECTING:
            await self._pump()

    async def _pump(self) -> None:
        protocol = self._protocol
        protocol.receive_data(await self._stream.receive_some(BUFFER))
        for frame in protocol.events_received():
            if type(frame) is not Frame:
                continue  # the handshake response
            if frame.opcode is Opcode.TEXT and frame.fin:
                self._pending.append(str(frame.data, "utf-8"))
            elif frame.opcode is Opcode.BINARY and frame.fin:
                self._pending.append(bytes(frame.data))
            elif frame.opcode in (Opcode.TEXT, Opcode.BINARY, Opcode.CONT):
                self._parts.append(frame.data)
                if frame.fin:
                    self._pending.append(str(b"".join(self._parts), "utf-8"))
                    self._parts.clear()
        for data in protocol.data_to_send():
            if data:
                await self._stream.send_all(data)

    async def receive(self) -> str | bytes:
        while not self._pending:
            await self._pump()
        return self._pending.popleft()

    async def send(self, message: str) -> None:
        self._protocol.send_text(message.encode())
        for data in self._protocol.data_to_send():
            await self._stream.send_all(data)

    async def close(self) -> None:
        await self._stream.aclose()


def clients(port: int) -> dict[str, Connect]:
    host = f"127.0.0.1:{port}"

    async def bare_trio_websocket(nursery: trio.Nursery, path: str) -> Client:
        ws = await trio_websocket.connect_websocket(nursery, "127.0.0.1", port, path, use_ssl=False)
        return TrioWebsocketClient(ws, nursery)

    async def ours_trio_websocket(nursery: trio.Nursery, path: str) -> Client:
        transport = await connect_websocket_transport(nursery, f"ws://{host}{path}")
        return TransportClient(transport, nursery)

    async def wsproto_loop(nursery: trio.Nursery, path: str) -> Client:
        client = WsprotoLoop(await trio.open_tcp_stream("127.0.0.1", port))
        await client.open(host, path)
        return client

    async def websockets_loop(nursery: trio.Nursery, path: str) -> Client:
        client = WebsocketsLoop(await trio.open_tcp_stream("127.0.0.1", port), f"ws://{host}{path}")
        await client.open()
        return client

    async def ours_direct(nursery: trio.Nursery, path: str) -> Client:
        return TransportClient(await connect_direct_websocket_transport(None, f"ws://{host}{path}"))

    return {
        "trio-websocket": bare_trio_websocket,
        "WebSocketTransport": ours_trio_websocket,
        "wsproto loop": wsproto_loop,
        "websockets loop": websockets_loop,
        "DirectWebSocketTransport": ours_direct,
    }


# ---------------------------------------------------------------- one timed run


def _run(fn: Callable[[trio.Nursery], Awaitable[float]]) -> float:
    """``fn(nursery)`` in a fresh trio run (the nursery is for background tasks)."""

    async def main() -> float:
        async with trio.open_nursery() as nursery:
            try:
                return await fn(nursery)
            finally:
                nursery.cancel_scope.cancel()

    return trio.run(main)


def time_receive(connect: Connect, case: str, count: int) -> float:
    async def run(nursery: trio.Nursery) -> float:
        client = await connect(nursery, f"/recv/{case}/{count}")
        start = time.perf_counter()
        for _ in range(count):
            await client.receive()
        elapsed = time.perf_counter() - start
        await client.close()
        return elapsed

    return _run(run)


def time_send(connect: Connect, case: str, count: int) -> float:
    messages = [
        m.replace("response.output_audio.delta", "input_audio_buffer.append")
        for m in case_messages(case, count)
    ]
    total = sum(client_frame_size(len(m.encode())) for m in messages)

    async def run(nursery: trio.Nursery) -> float:
        client = await connect(nursery, f"/sink/{total}")
        start = time.perf_counter()
        for message in messages:
            await client.send(message)
        done = await client.receive()  # the server has read every byte
        elapsed = time.perf_counter() - start
        assert done == "done", done
        await client.close()
        return elapsed

    return _run(run)


Timer = Callable[[Connect, str, int], float]


def runs(timer: Timer, connect: Connect, case: str, count: int, repeats: int) -> list[float]:
    """Messages per second of ``repeats`` runs after one warm-up run (GC off while timing)."""
    timer(connect, case, count)
    gc.disable()
    try:
        return [count / timer(connect, case, count) for _ in range(repeats)]
    finally:
        gc.enable()


def bench(port: int, repeats: int, scale: float) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    plan = [("receive", case, time_receive) for case in CASES]
    plan += [("send", case, time_send) for case in SEND_CASES]
    for direction, case, timer in plan:
        count = max(100, int(COUNTS[case] * scale))
        baseline = None
        for name, connect in clients(port).items():
            rates = runs(timer, connect, case, count, repeats)
            median = statistics.median(rates)
            if baseline is None:
                baseline = median
            rows.append(
                {
                    "direction": direction,
                    "case": case,
                    "client": name,
                    "msgs_per_s": median,
                    "min": min(rates),
                    "max": max(rates),
                    "ratio": ratio(median, baseline),
                    "messages": count,
                }
            )
            print(f"  {direction:7} {case:6} {name:26} {median:12,.0f} msg/s", flush=True)
    return rows


def start_server() -> tuple[subprocess.Popen[str], int]:
    server = spawn_server([sys.executable, str(HERE / "_ws_bench_server.py")])
    assert server.stdout is not None
    return server, int(server.stdout.readline())


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], default_out="benchmarks/results/transport.json")
    repeats = max(args.repeats, 5)
    scale = 0.1 if args.quick else 1.0
    server, port = start_server()
    try:
        print(f"WebSocket clients on one core (CPUs {CPUS}), medians of {repeats} runs\n")
        rows = bench(port, repeats, scale)
    finally:
        server.kill()
        server.wait()
    print()
    print_table(rows, ["direction", "case", "client", "msgs_per_s", "min", "max", "ratio"])
    out = write_json(
        args.out,
        {
            "benchmark": "transport",
            "unit": "messages per second (median of the runs), client on one pinned core",
            "baseline": "trio-websocket",
            "quick": args.quick,
            "repeats": repeats,
            "versions": {
                "trio": trio.__version__,
                "trio_websocket": trio_websocket.__version__,
                "wsproto": wsproto.__version__,
                "websockets": websockets.__version__,
            },
            "message_bytes": {case: len(case_messages(case, 1)[0]) for case in CASES},
            "results": rows,
        },
    )
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
