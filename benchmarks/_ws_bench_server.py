"""A tiny, fast WebSocket server for ``bench_transport.py`` (runs in its own process).

It is deliberately dumb so that the client is the bottleneck: blocking sockets, one
connection at a time, frames pre-serialized once per case and written with ``sendall``.

Paths:

- ``/recv/<case>/<count>``: answer the upgrade, write ``count`` server frames of ``case``
  (see :data:`CASES`) then a close frame (1000), then close TCP once the client answers the close
  (or leaves);
- ``/sink/<total>``: answer the upgrade, read and discard ``total`` bytes of client frames,
  then write one text frame ``done`` and a close frame, then close as above.

Run as ``python _ws_bench_server.py``: prints the port on stdout, serves until killed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import struct
import sys

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def small_event(i: int) -> str:
    """A transcript delta as the OpenAI Realtime API sends it (~190 bytes)."""
    return json.dumps(
        {
            "type": "response.output_audio_transcript.delta",
            "event_id": f"event_CTw{i:08d}xKq",
            "response_id": "resp_CTwLzH6bsDYrH0jJ8XbAK",
            "item_id": "item_CTwLzI4dKQ9bU2bD7DBKQ",
            "output_index": 0,
            "content_index": 0,
            "delta": " the",
        },
        separators=(",", ":"),
    )


def audio_event(i: int) -> str:
    """An audio delta: 100 ms of 24 kHz PCM16 (4800 bytes) as base64 (6400 chars) in JSON."""
    pcm = bytes((i + k) % 251 for k in range(4800))
    return json.dumps(
        {
            "type": "response.output_audio.delta",
            "event_id": f"event_CTw{i:08d}xKq",
            "response_id": "resp_CTwLzH6bsDYrH0jJ8XbAK",
            "item_id": "item_CTwLzI4dKQ9bU2bD7DBKQ",
            "output_index": 0,
            "content_index": 0,
            "delta": base64.b64encode(pcm).decode("ascii"),
        },
        separators=(",", ":"),
    )


def case_messages(case: str, count: int) -> list[str]:
    """``small``: transcript deltas; ``audio``: audio deltas; ``mixed``: 1 audio to 2 small."""
    if case == "small":
        return [small_event(i) for i in range(count)]
    if case == "audio":
        distinct = [audio_event(i) for i in range(16)]
        return [distinct[i % 16] for i in range(count)]
    if case == "mixed":
        distinct = [audio_event(i) for i in range(16)]
        return [distinct[i % 16] if i % 3 == 0 else small_event(i) for i in range(count)]
    raise ValueError(f"unknown case {case!r}")


CASES = ("small", "audio", "mixed")


def frame(opcode: int, payload: bytes) -> bytes:
    """An unmasked server frame with FIN set."""
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, n)
    elif n < 2**16:
        head = struct.pack("!BBH", 0x80 | opcode, 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 127, n)
    return head + payload


CLOSE_1000 = frame(0x8, struct.pack("!H", 1000))


def client_frame_size(payload_size: int) -> int:
    """Bytes on the wire of one masked client frame carrying ``payload_size`` bytes."""
    extra = 0 if payload_size < 126 else 2 if payload_size < 2**16 else 8
    return 2 + extra + 4 + payload_size


def _read_request(conn: socket.socket) -> tuple[str, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
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
    conn.sendall(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
    )
    return path, rest


def _drain(conn: socket.socket, limit: int) -> None:
    """Read and discard ``limit`` bytes (or until EOF)."""
    total = 0
    while total < limit:
        chunk = conn.recv(262144)
        if not chunk:
            return
        total += len(chunk)


def _await_close(conn: socket.socket) -> None:
    """Wait for the client's close frame or EOF, whichever comes first; then we close TCP
    (as a server does once the close handshake is done)."""
    conn.recv(65536)


def serve_one(conn: socket.socket, blobs: dict[tuple[str, int], bytes]) -> None:
    path, rest = _read_request(conn)
    parts = path.strip("/").split("/")
    try:
        if parts[0] == "recv":
            key = (parts[1], int(parts[2]))
            if key not in blobs:
                blobs[key] = (
                    b"".join(frame(0x1, m.encode()) for m in case_messages(*key)) + CLOSE_1000
                )
            conn.sendall(blobs[key])
            _await_close(conn)
        elif parts[0] == "sink":
            _drain(conn, int(parts[1]) - len(rest))
            conn.sendall(frame(0x1, b"done") + CLOSE_1000)
            _await_close(conn)
    except (BrokenPipeError, ConnectionResetError):
        pass


def main() -> None:
    if hasattr(os, "sched_setaffinity"):  # the client is pinned to the last CPU
        allowed = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {allowed[0]})
    listener = socket.create_server(("127.0.0.1", 0))
    print(listener.getsockname()[1], flush=True)
    blobs: dict[tuple[str, int], bytes] = {}
    while True:
        conn, _ = listener.accept()
        with conn:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            serve_one(conn, blobs)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
