"""A raw-socket WebSocket client for misbehaving on purpose: upgrade, half frames, RST, silence."""

from __future__ import annotations

import os
import socket
import struct

import trio

__all__ = ["RawSocket", "port_of"]


def port_of(url: str) -> int:
    return int(url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])


class RawSocket:
    """One TCP connection speaking just enough RFC 6455 to misbehave precisely."""

    def __init__(self, stream: trio.SocketStream) -> None:
        self.stream = stream
        self._buffer = b""

    @classmethod
    async def connect(cls, port: int) -> RawSocket:
        return cls(await trio.open_tcp_stream("127.0.0.1", port))

    async def send_upgrade(self, path: str, headers: dict[str, str] | None = None) -> None:
        lines = [
            f"GET {path} HTTP/1.1",
            "Host: 127.0.0.1",
            "Upgrade: websocket",
            "Connection: Upgrade",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version: 13",
            *(f"{k}: {v}" for k, v in (headers or {}).items()),
        ]
        await self.stream.send_all(("\r\n".join(lines) + "\r\n\r\n").encode())

    async def read_response_head(self) -> bytes:
        """The HTTP answer's head (status line and headers)."""
        while b"\r\n\r\n" not in self._buffer:
            chunk = await self.stream.receive_some(65536)
            if not chunk:
                raise EOFError("closed before the HTTP answer")
            self._buffer += chunk
        head, self._buffer = self._buffer.split(b"\r\n\r\n", 1)
        return head

    async def _read_exactly(self, size: int) -> bytes:
        while len(self._buffer) < size:
            chunk = await self.stream.receive_some(65536)
            if not chunk:
                raise EOFError("closed mid-frame")
            self._buffer += chunk
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out

    async def read_frame(self) -> tuple[int, bytes]:
        """``(opcode, payload)`` of the next (unmasked, unfragmented) server frame."""
        first, second = await self._read_exactly(2)
        size = second & 0x7F
        if size == 126:
            (size,) = struct.unpack("!H", await self._read_exactly(2))
        elif size == 127:
            (size,) = struct.unpack("!Q", await self._read_exactly(8))
        return first & 0x0F, await self._read_exactly(size)

    async def at_eof(self) -> bool:
        """True when the server closed TCP (after everything buffered was read)."""
        if self._buffer:
            return False
        self._buffer = await self.stream.receive_some(65536)
        return self._buffer == b""

    @staticmethod
    def frame(opcode: int, payload: bytes) -> bytes:
        """A complete masked client frame."""
        mask = os.urandom(4)
        head = bytes([0x80 | opcode])
        if len(payload) < 126:
            head += bytes([0x80 | len(payload)])
        else:
            head += bytes([0x80 | 126]) + struct.pack("!H", len(payload))
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        return head + mask + masked

    async def send_frame(self, opcode: int, payload: bytes) -> None:
        await self.stream.send_all(self.frame(opcode, payload))

    async def close_with_fin(self) -> None:
        await self.stream.aclose()

    async def close_with_rst(self) -> None:
        """Abort: SO_LINGER 0 makes close() send a RST instead of a FIN."""
        self.stream.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        await self.stream.aclose()
