"""Small loopback servers for transport tests (reusable by other test packages).

- :func:`open_ws_server`: a trio-websocket server on 127.0.0.1, port 0. Each connection runs
  ``handler(conn)`` with a :class:`ServerConnection`, which gives the handshake request, accept
  / reject, and the raw TCP stream (so a test can drop the connection without a close frame).
- :func:`open_tcp_server`: a raw TCP server for misbehaving peers; :func:`raw_upgrade` answers
  the WebSocket upgrade by hand (wsproto, no reader task), e.g. for a server that never reads;
  :func:`server_frame` builds any server frame byte by byte (fragments, bad data).

Everything runs in the context manager's nursery, which is cancelled on exit.
"""

from __future__ import annotations

import ssl
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import attrs
import trio
import trio_websocket
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Request

__all__ = [
    "ServerConnection",
    "TcpServer",
    "WsServer",
    "answer_close",
    "open_tcp_server",
    "open_ws_server",
    "raw_upgrade",
    "read_until_eof",
    "server_frame",
]


@attrs.define
class ServerConnection:
    """One incoming connection of :func:`open_ws_server`."""

    request: trio_websocket.WebSocketRequest
    stream: trio.abc.Stream
    ws: trio_websocket.WebSocketConnection | None = None

    @property
    def headers(self) -> dict[str, str]:
        """The request's headers, names lower-cased."""
        return {k.decode().lower(): v.decode() for k, v in self.request.headers}

    async def accept(self) -> trio_websocket.WebSocketConnection:
        self.ws = await self.request.accept()
        return self.ws

    async def reject(self, status: int, body: bytes | None = None) -> None:
        headers = [(b"content-type", b"application/json")] if body else []
        await self.request.reject(status, extra_headers=headers, body=body)

    async def drop(self) -> None:
        """Close the TCP connection without a WebSocket close frame."""
        await trio.aclose_forcefully(self.stream)


@attrs.frozen
class WsServer:
    port: int
    scheme: str = "ws"

    def url(self, path: str = "/v1/realtime") -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"


@attrs.frozen
class TcpServer:
    port: int

    def url(self, path: str = "/") -> str:
        return f"ws://127.0.0.1:{self.port}{path}"


async def _listen(
    handler: Callable[[trio.abc.Stream], Awaitable[None]],
    nursery: trio.Nursery,
    ssl_context: ssl.SSLContext | None = None,
) -> int:
    listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
    port: int = listeners[0].socket.getsockname()[1]
    serving: list[trio.abc.Listener[trio.abc.Stream]] = list(listeners)
    if ssl_context is not None:
        serving = [trio.SSLListener(lst, ssl_context, https_compatible=True) for lst in listeners]
    await nursery.start(trio.serve_listeners, handler, serving)
    return port


@asynccontextmanager
async def open_ws_server(
    handler: Callable[[ServerConnection], Awaitable[None]],
    *,
    max_message_size: int = 64 * 2**20,
    message_queue_size: int = 16,
    ssl_context: ssl.SSLContext | None = None,
) -> AsyncIterator[WsServer]:
    """Serve WebSocket connections with ``handler`` until the block exits."""

    async def serve_one(stream: trio.abc.Stream) -> None:
        async with trio.open_nursery() as nursery:
            try:
                request = await trio_websocket.wrap_server_stream(
                    nursery,
                    stream,
                    message_queue_size=message_queue_size,
                    max_message_size=max_message_size,
                    receive_buffer_size=64 * 2**10,
                )
                await handler(ServerConnection(request=request, stream=stream))
            except (
                trio_websocket.ConnectionClosed,
                trio.BrokenResourceError,
                trio.ClosedResourceError,
            ):
                pass
            finally:
                nursery.cancel_scope.cancel()
                await trio.aclose_forcefully(stream)

    async with trio.open_nursery() as nursery:
        port = await _listen(serve_one, nursery, ssl_context)
        yield WsServer(port=port, scheme="ws" if ssl_context is None else "wss")
        nursery.cancel_scope.cancel()


@asynccontextmanager
async def open_tcp_server(
    handler: Callable[[trio.abc.Stream], Awaitable[None]],
) -> AsyncIterator[TcpServer]:
    """Serve raw TCP connections with ``handler`` until the block exits."""

    async def serve_one(stream: trio.abc.Stream) -> None:
        try:
            await handler(stream)
        finally:
            await trio.aclose_forcefully(stream)

    async with trio.open_nursery() as nursery:
        port = await _listen(serve_one, nursery)
        yield TcpServer(port=port)
        nursery.cancel_scope.cancel()


async def raw_upgrade(stream: trio.abc.Stream) -> tuple[WSConnection, Request]:
    """Read a WebSocket upgrade request from ``stream`` and accept it; nothing reads after."""
    ws = WSConnection(ConnectionType.SERVER)
    while True:
        data = await stream.receive_some(65536)
        if not data:
            raise trio.BrokenResourceError("client left during the handshake")
        ws.receive_data(bytes(data))
        for event in ws.events():
            if isinstance(event, Request):
                await stream.send_all(ws.send(AcceptConnection()))
                return ws, event


async def read_until_eof(stream: trio.abc.Stream) -> bytes:
    """Everything the peer sends until it closes the connection (or resets it)."""
    received = bytearray()
    try:
        while data := await stream.receive_some(65536):
            received += data
    except trio.BrokenResourceError:
        pass
    return bytes(received)


def server_frame(opcode: int, payload: bytes, *, fin: bool = True) -> bytes:
    """One unmasked frame as a server sends it (opcode 0 continuation, 1 text, 2 binary,
    8 close, 9 ping, 10 pong); no validation, so it can build invalid frames too."""
    first = (0x80 if fin else 0) | opcode
    n = len(payload)
    if n < 126:
        return struct.pack("!BB", first, n) + payload
    if n < 2**16:
        return struct.pack("!BBH", first, 126, n) + payload
    return struct.pack("!BBQ", first, 127, n) + payload


async def answer_close(stream: trio.abc.Stream, ws: WSConnection) -> None:
    """Read until the client's close frame, answer it, and return (the caller closes TCP).
    Returns early if the client closes TCP first."""
    while True:
        try:
            data = await stream.receive_some(65536)
        except trio.BrokenResourceError:
            return
        if not data:
            return
        ws.receive_data(bytes(data))
        for event in ws.events():
            if isinstance(event, CloseConnection):
                await stream.send_all(ws.send(event.response()))
                return
