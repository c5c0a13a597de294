"""A local OpenAI Realtime "blaster" for the session benchmarks (runs in its own process).

Deliberately dumb and fast so that the client is the bottleneck: frames are serialized once per
mix (:mod:`_mixes`) and written with large ``send_all`` calls; it answers nothing the client
says (it only reads and discards it). Each connection gets the handshake (``session.created``,
``session.updated``) and then, by the first segments of its path (the rest, e.g. the SDKs'
``/realtime?model=...``, is ignored):

- ``/blast/<mix>/<frames>``: the mix as fast as the client reads, then a close frame (1000);
  ``/blast/<mix>/<frames>/wait``: the same once the client has sent its first message (for a
  client that must send its configuration before the connection may close: openai-agents);
- ``/idle``: nothing more; the connection stays open until the client leaves;
- ``/paced/<count>/<interval_us>``: a text response whose ``count`` deltas are sent one every
  ``interval_us`` microseconds, each delta the sender's ``time.monotonic_ns()`` (one-way
  latency, read by the client), then ``response.done`` and a close frame;
- ``/bargein/<count>``: ``count`` times: an audio response (3 audio deltas), a pause of 5 ms,
  then ``input_audio_buffer.speech_started``; it waits for the client's ``response.cancel`` and
  ``conversation.item.truncate`` (or ``.delete``, when the client heard nothing yet: the
  frames came in one read) (the server does not cancel itself: ``interrupt_response`` is
  false), answers ``response.done`` (cancelled), and goes on; then a close frame.

Pings are answered (the clients' keepalive stays happy); everything else the client sends is
read and dropped.

Run as ``python _blaster.py``: pins itself to the first allowed CPU, prints the port, serves
until killed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import trio
from _mixes import handshake, mix

from trio_realtime.testing import frames

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
CHUNK = 256 * 1024


def frame(payload: bytes, opcode: int = 0x1) -> bytes:
    """An unmasked server frame with FIN set."""
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, n)
    elif n < 2**16:
        head = struct.pack("!BBH", 0x80 | opcode, 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 127, n)
    return head + payload


CLOSE_1000 = frame(struct.pack("!H", 1000), 0x8)
CUTS = ("conversation.item.truncate", "conversation.item.delete")


def encode(messages: list[str]) -> bytes:
    return b"".join(frame(m.encode()) for m in messages)


class Connection:
    """One client: its (masked) frames read from the stream, and writes under a lock (so a
    pong can go out while the blaster streams)."""

    def __init__(self, stream: trio.SocketStream, data: bytes) -> None:
        self._stream = stream
        self._buf = bytearray(data)
        self._lock = trio.Lock()
        self.first = trio.Event()  # the client sent something

    async def send(self, data: bytes) -> None:
        async with self._lock:
            await self._stream.send_all(data)

    async def _fill(self, n: int) -> bool:
        while len(self._buf) < n:
            try:
                data = await self._stream.receive_some(CHUNK)
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                data = b""
            if not data:
                return False
            self._buf += data
        return True

    async def next(self) -> tuple[int, bytes] | None:
        """The next frame that is not a ping (pings are answered), or None at the end."""
        while (item := await self._next()) is not None and item[0] == 0x9:
            await self.send(frame(item[1], 0xA))
        return item

    async def _next(self) -> tuple[int, bytes] | None:
        if not await self._fill(2):
            return None
        b0, b1 = self._buf[0], self._buf[1]
        n, at = b1 & 0x7F, 2
        if n == 126:
            if not await self._fill(4):
                return None
            n, at = struct.unpack_from("!H", self._buf, 2)[0], 4
        elif n == 127:
            if not await self._fill(10):
                return None
            n, at = struct.unpack_from("!Q", self._buf, 2)[0], 10
        masked = b1 & 0x80
        total = at + (4 if masked else 0) + n
        if not await self._fill(total):
            return None
        payload = bytes(self._buf[total - n : total])
        if masked:
            mask = self._buf[at : at + 4]
            payload = bytes(b ^ mask[i & 3] for i, b in enumerate(payload))
        del self._buf[:total]
        return b0 & 0x0F, payload

    async def drain(self) -> None:
        """Discard everything until the client closes (or sends its close frame)."""
        while (item := await self.next()) is not None:
            self.first.set()
            if item[0] == 0x8:
                return


async def _upgrade(stream: trio.SocketStream) -> tuple[str, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = await stream.receive_some(65536)
        if not chunk:
            raise ConnectionError("client left during the handshake")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    path = lines[0].split()[1].decode()
    key = next(
        line.split(b":", 1)[1].strip()
        for line in lines[1:]
        if line.lower().startswith(b"sec-websocket-key:")
    )
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
    await stream.send_all(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
    )
    return path, rest


class Blaster:
    def __init__(self) -> None:
        self._blobs: dict[tuple[str, int], bytes] = {}
        self._hello = encode(handshake())
        self._hello_no_interrupt = encode(handshake(interrupt_response=False))

    def blob(self, name: str, count: int) -> bytes:
        key = (name, count)
        if key not in self._blobs:
            self._blobs[key] = encode(mix(name, count)) + CLOSE_1000
        return self._blobs[key]

    async def serve(self, stream: trio.SocketStream) -> None:
        try:
            path, rest = await _upgrade(stream)
            client = Connection(stream, rest)
            parts = path.split("?")[0].strip("/").split("/")
            if parts[0] == "bargein":
                await client.send(self._hello_no_interrupt)
                await self._bargein(client, int(parts[1]))
                return
            async with trio.open_nursery() as nursery:
                await client.send(self._hello)
                nursery.start_soon(client.drain)
                if parts[0] == "blast":
                    if parts[3:4] == ["wait"]:  # until the client's first message
                        await client.first.wait()
                    await client.send(self.blob(parts[1], int(parts[2])))
                elif parts[0] == "paced":
                    await self._paced(client, int(parts[1]), int(parts[2]))
                # "idle": hold until the client leaves (drain returns)
        except (trio.BrokenResourceError, trio.ClosedResourceError, ConnectionError):
            pass
        finally:
            await trio.aclose_forcefully(stream)

    async def _paced(self, client: Connection, count: int, interval_us: int) -> None:
        rid, item = "resp_paced", "item_paced"
        start = [frames.response_created(rid), frames.message_added(rid, item)]
        await client.send(encode([json.dumps(e) for e in start]))
        template = json.dumps(frames.text_delta(rid, item, "@@"), separators=(",", ":"))
        interval = interval_us / 1e6
        next_at = trio.current_time()
        for _ in range(count):
            next_at += interval
            await trio.sleep_until(next_at)
            message = template.replace("@@", str(time.monotonic_ns()))
            await client.send(frame(message.encode()))
        done = json.dumps(frames.response_done(rid))
        await client.send(frame(done.encode()) + CLOSE_1000)

    async def _bargein(self, client: Connection, count: int) -> None:
        for n in range(count):
            rid, item = f"resp_{n}", f"item_{n}"
            pcm = bytes(4800)
            turn = [frames.response_created(rid), frames.message_added(rid, item)]
            turn += [frames.audio_delta(rid, item, pcm) for _ in range(3)]
            await client.send(encode([json.dumps(e) for e in turn]))
            await trio.sleep(0.005)
            speech = json.dumps(frames.speech_started(f"item_user_{n}", 1000 + n))
            await client.send(frame(speech.encode()))
            cancelled = cut = False  # cut: the item truncated (or deleted: nothing was heard)
            while not (cancelled and cut):
                got = await client.next()
                if got is None:
                    return
                if got[0] == 0x1:
                    kind = json.loads(got[1]).get("type")
                    cancelled |= kind == "response.cancel"
                    cut |= kind in CUTS
            done = json.dumps(frames.response_done(rid, "cancelled", reason="turn_detected"))
            await client.send(frame(done.encode()))
        await client.send(CLOSE_1000)
        await client.drain()


async def main() -> None:
    if hasattr(os, "sched_setaffinity"):  # the clients are pinned to the last CPU
        allowed = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {allowed[0]})
    blaster = Blaster()
    listeners = await trio.open_tcp_listeners(0, host="127.0.0.1", backlog=4096)
    print(listeners[0].socket.getsockname()[1], flush=True)
    await trio.serve_listeners(blaster.serve, listeners)


if __name__ == "__main__":
    try:
        trio.run(main)
    except KeyboardInterrupt:
        sys.exit(0)
