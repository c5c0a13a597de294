"""Opening the TCP/TLS byte stream under a WebSocket, and a wrapper that keeps it honest."""

from __future__ import annotations

import trio

from .._errors import RealtimeConnectionError
from ._target import Target

__all__ = ["GuardedStream", "open_stream"]


class GuardedStream(trio.abc.Stream):
    """A stream wrapper that never lets a cancelled write leave half a frame on the wire.

    trio's ``send_all`` may be cancelled after part of the data was written; the WebSocket byte
    stream is then corrupt. When that can have happened (the cancellation arrived after the
    write started), this wrapper aborts the underlying stream at once and sets
    ``send_interrupted``, so the peer sees a dropped connection rather than a truncated
    message. A write cancelled before it started leaves everything intact.

    It also counts the bytes written and read (``bytes_sent``, ``bytes_received``): the
    WebSocket byte stream, i.e. the handshake, frame headers and control frames included,
    before TLS encryption.
    """

    def __init__(self, inner: trio.abc.Stream) -> None:
        self._inner = inner
        self.send_interrupted = False
        self.bytes_sent = 0  # written in full by send_all
        self.bytes_received = 0

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        await trio.lowlevel.checkpoint_if_cancelled()  # cancelled here: nothing was written
        try:
            await self._inner.send_all(data)
        except trio.Cancelled:
            self.send_interrupted = True
            with trio.CancelScope(shield=True):  # immediate: closes without waiting
                await trio.aclose_forcefully(self._inner)
            raise
        self.bytes_sent += len(data)

    async def wait_send_all_might_not_block(self) -> None:
        await self._inner.wait_send_all_might_not_block()

    async def receive_some(self, max_bytes: int | None = None) -> bytes | bytearray:
        data = await self._inner.receive_some(max_bytes)
        self.bytes_received += len(data)
        return data

    async def aclose(self) -> None:
        await self._inner.aclose()

    def __repr__(self) -> str:
        return "<GuardedStream>"


async def open_stream(target: Target) -> trio.abc.Stream:
    """Open TCP (and TLS, with the handshake done) to ``target``.

    Raises :class:`RealtimeConnectionError` for OS errors (refused, DNS) and TLS failures.
    Cancellation: nothing is left open.
    """
    try:
        tcp = await trio.open_tcp_stream(target.host, target.port)
    except OSError as exc:
        raise RealtimeConnectionError(
            f"cannot connect to {target.display}: {exc.strerror or exc}"
        ) from exc
    if target.ssl_context is None:
        return tcp
    tls = trio.SSLStream(
        tcp, target.ssl_context, server_hostname=target.host, https_compatible=True
    )
    try:
        await tls.do_handshake()
    except trio.BrokenResourceError as exc:
        await trio.aclose_forcefully(tcp)
        detail = exc.__cause__ or exc
        raise RealtimeConnectionError(
            f"TLS handshake with {target.display} failed: {detail}"
        ) from exc
    except BaseException:
        await trio.aclose_forcefully(tcp)
        raise
    return tls
