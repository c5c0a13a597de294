"""The trio-websocket implementation of :class:`~trio_realtime.transport.Transport`.

trio-websocket (0.12.2) is used through ``wrap_client_stream`` on a stream we open ourselves, so
that we own the socket and can always abort it. Its traps, and what this module does about them:

- its connect timeout can hang when the server accepts TCP but never answers the upgrade, and
  its handshake waits forever when the server closes TCP before answering: our own
  ``trio.fail_after(connect_timeout)`` bounds the whole connect, and the end of the reader task
  during the handshake fails the connect at once;
- a refused upgrade is raised *inside its reader task* (it would crash the caller's nursery):
  the reader runs inside a wrapper task of ours that catches it;
- after a server close (or a local protocol error) its client waits with no timeout for the
  server to close TCP, and its ``aclose()`` may return with the socket open: our ``aclose()``
  bounds the polite close by ``close_timeout`` and then aborts the socket;
- its defaults (1 MiB messages, a 1-message queue, 4 KiB reads) are raised;
- it has no keepalive: a task of ours pings every ``ping_interval`` (``ws.ping()``).
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, cast

import trio
import trio_websocket
from wsproto.utilities import LocalProtocolError

from .._errors import RealtimeConnectionError
from ._base import CloseInfo, Counters, TransportClosed, TransportStatistics, check_message
from ._keepalive import check_keepalive
from ._stream import GuardedStream, open_stream
from ._target import Target, encode_headers, parse_ws_url, redact, redact_text

__all__ = ["WebSocketTransport", "connect_websocket_transport"]

_log = logging.getLogger("trio_realtime.transport")

# What trio-websocket (and the stream under it) may raise from send/close; all become ours.
_WS_ERRORS = (
    trio_websocket.ConnectionClosed,
    trio_websocket.HandshakeError,
    LocalProtocolError,
    trio.BrokenResourceError,
    trio.ClosedResourceError,
)


class WebSocketTransport:
    """A :class:`~trio_realtime.transport.Transport` over one trio-websocket client connection.

    Made by :func:`connect_websocket_transport` or :func:`open_websocket_transport` (there is
    no public constructor). Its background reader task, and its keepalive task, live in the
    nursery given to connect.

    Keepalive: every ``ping_interval`` seconds the keepalive task sends a ping and waits up
    to ``ping_timeout`` seconds (wall clock) for its pong; without one the connection is
    aborted and reported as ``CloseInfo(code=1011, reason="keepalive ping timeout",
    initiator="error")``. trio-websocket's reader stops reading while its message queue is
    full, so a consumer that leaves ``message_queue_size`` messages unread for longer than
    ``ping_timeout`` makes the pong late too.

    Close reporting (``closed`` and :class:`TransportClosed`):

    - the server's close frame: ``initiator="server"`` with its code and reason (1005 when the
      frame had no code);
    - TCP closed or reset without a close frame: ``initiator="error"``, ``code=None``;
    - an incoming message over ``max_message_size``: this end closes with 1009 and reports
      ``initiator="error"``, ``code=1009``; messages still queued are discarded;
    - invalid WebSocket data from the server: wsproto reports it as if the server had sent a
      close frame (code 1002, or 1007 for bad UTF-8, with wsproto's description as the reason),
      so it is reported as ``initiator="server"`` with that code; a server that really closes
      with 1002 looks the same. Either way the connection is unusable;
    - a ``send_message`` cancelled part-way through writing a frame aborts the connection:
      ``initiator="error"``, ``code=None``;
    - no pong within ``ping_timeout``: see above;
    - our ``aclose(code, reason)``: ``initiator="client"`` with that code and reason.
    """

    def __init__(
        self,
        *,
        target: Target,
        close_timeout: float,
        max_message_size: int,
        ping_interval: float | None = None,
        ping_timeout: float | None = None,
    ) -> None:
        self._target = target
        self._close_timeout = close_timeout
        self._max_message_size = max_message_size
        self._ping_interval = ping_interval
        self._ping_timeout = ping_timeout
        self._keepalive_scope = trio.CancelScope()
        self._keepalive_done = trio.Event()
        self._ws: trio_websocket.WebSocketConnection | None = None
        self._stream: GuardedStream | None = None
        self._closed: CloseInfo | None = None
        self._closing = False
        self._counters = Counters()
        self._handshake_scope = trio.CancelScope()
        self._reader_scope = trio.CancelScope()
        self._reader_started = False
        self._reader_done = trio.Event()
        self._reader_outcome = "running"  # -> "finished" | "failed" | "cancelled"
        self._reader_error: Exception | None = None

    # ----------------------------------------------------------------- public API

    @property
    def closed(self) -> CloseInfo | None:
        """None while open, else how the connection ended (the first close observed)."""
        return self._observe()

    async def send_message(self, message: str | bytes) -> None:
        """Send one message (``str`` as a text frame, ``bytes`` as a binary frame).

        Raises :class:`TransportClosed` when the connection is closed or closing.

        Cancellation: if cancelled before any byte of the frame was written (e.g. while
        waiting for another send), nothing was sent and the transport stays usable. If
        cancelled while the frame was being written (the socket was not accepting data fast
        enough), the connection is aborted at once (``closed.initiator == "error"``), so the
        server never receives a truncated message as if it were whole.
        """
        check_message(message)
        ws = self._connection()
        info = self._observe()
        if info is not None:
            await trio.lowlevel.checkpoint()
            raise TransportClosed(info)
        try:
            await ws.send_message(message)
        except trio.Cancelled:
            if self._stream is not None and self._stream.send_interrupted:
                self._record(self._interrupted_info())
            raise
        except _WS_ERRORS:
            raise (await self._closed_error()) from None
        self._counters.count_sent(message)

    async def receive_message(self) -> str | bytes:
        """Return the next message (``str`` for text frames, ``bytes`` for binary frames).

        Messages that arrived before a server close or a drop are delivered first; then this
        raises :class:`TransportClosed`. After our own ``aclose()`` it raises at once (also in
        calls already waiting). Cancellation: no message is lost.
        """
        ws = self._connection()
        info = self._closed
        if info is not None and (self._closing or info.initiator == "client"):
            await trio.lowlevel.checkpoint()
            raise TransportClosed(info)
        try:
            message = await ws.get_message()
        except trio_websocket.ConnectionClosed:
            raise (await self._closed_error()) from None
        self._counters.count_received(message)
        return message

    async def aclose(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection; idempotent, bounded and cancel-safe.

        Sends a close frame with ``code`` and ``reason`` and waits for the server's answer,
        both inside a cancel-shielded ``close_timeout``; then aborts the socket whatever
        happened, and waits for the reader task to end. When it returns, nothing of this
        transport is running and the socket is closed. If the caller is cancelled meanwhile,
        the close still completes (within ``close_timeout``) and ``trio.Cancelled`` is raised
        at the end. A close already received from the server is kept as ``closed``.
        """
        with trio.CancelScope(shield=True):
            if not self._closing:
                self._closing = True
                self._observe()
                self._record(CloseInfo(code=code, reason=reason, initiator="client"))
                ws = self._ws
                if ws is not None and not self._reader_done.is_set():
                    with trio.move_on_after(self._close_timeout):
                        try:
                            await ws.aclose(code, reason or None)
                        except _WS_ERRORS as exc:
                            _log.debug("close handshake with %s failed: %r", self._target, exc)
                await self._teardown()
            await self._reader_done.wait()
            await self._keepalive_done.wait()
        await trio.lowlevel.checkpoint_if_cancelled()

    def statistics(self) -> TransportStatistics:
        """Messages, payload bytes and socket bytes sent and received."""
        stream = self._stream
        if stream is None:
            return self._counters.snapshot()
        return self._counters.snapshot(
            socket_sent=stream.bytes_sent, socket_received=stream.bytes_received
        )

    def __repr__(self) -> str:
        info = self._closed
        state = "open" if info is None else info.describe()
        return f"<WebSocketTransport {self._target.display} {state}>"

    # ----------------------------------------------------------------- connecting

    async def _connect(
        self,
        nursery: trio.Nursery,
        *,
        extra_headers: list[tuple[bytes, bytes]],
        message_queue_size: int,
        receive_buffer_size: int,
    ) -> None:
        try:
            self._stream = GuardedStream(await open_stream(self._target))
            await self._handshake(
                nursery,
                extra_headers=extra_headers,
                message_queue_size=message_queue_size,
                receive_buffer_size=receive_buffer_size,
            )
        except BaseException:
            self._closing = True
            self._keepalive_done.set()
            self._record(CloseInfo(code=None, reason="connect failed", initiator="error"))
            with trio.CancelScope(shield=True):
                await self._teardown()
                if self._reader_started:
                    await self._reader_done.wait()
            raise
        if self._ping_interval is None:
            self._keepalive_done.set()
        else:
            nursery.start_soon(
                self._keepalive, self._ping_interval, self._ping_timeout, name="websocket keepalive"
            )
        _log.debug("connected to %s", self._target)

    async def _keepalive(self, interval: float, timeout: float | None) -> None:
        """Ping every ``interval``; abort the connection when a pong is ``timeout`` late."""
        ws = self._connection()
        next_ping = trio.current_time() + interval
        try:
            with self._keepalive_scope:
                while True:
                    await trio.sleep_until(next_ping)
                    next_ping += interval
                    wait = next_ping if timeout is None else trio.current_time() + timeout
                    with trio.move_on_at(wait) as late:
                        await ws.ping()
                    if late.cancelled_caught and timeout is not None:
                        reason = "keepalive ping timeout"
                        self._record(CloseInfo(code=1011, reason=reason, initiator="error"))
                        await self._teardown()
                        return
        except _WS_ERRORS:
            return  # closed: the reader reports how
        finally:
            self._keepalive_done.set()

    async def _handshake(
        self,
        nursery: trio.Nursery,
        *,
        extra_headers: list[tuple[bytes, bytes]],
        message_queue_size: int,
        receive_buffer_size: int,
    ) -> None:
        target = self._target
        with self._handshake_scope:  # cancelled when the reader task ends
            self._ws = await trio_websocket.wrap_client_stream(
                cast(trio.Nursery, _ReaderSpawner(nursery, self)),
                # Annotated as a socket/SSL stream, but only the trio.abc.Stream methods are used.
                cast(trio.SocketStream, self._stream),
                target.host_header,
                target.resource,
                extra_headers=extra_headers,
                message_queue_size=message_queue_size,
                max_message_size=self._max_message_size,
                receive_buffer_size=receive_buffer_size,
            )
        if self._ws is None:  # the reader ended before the handshake completed
            raise self._handshake_error()

    def _handshake_error(self) -> RealtimeConnectionError:
        where = self._target.display
        error = self._reader_error
        if isinstance(error, trio_websocket.ConnectionRejected):
            body = redact(error.body or b"", self._target.secrets)
            return RealtimeConnectionError(
                f"{where} refused the WebSocket upgrade", status=error.status_code, body=body
            )
        if error is not None:
            return RealtimeConnectionError(
                f"WebSocket handshake with {where} failed ({type(error).__name__})"
            )
        return RealtimeConnectionError(
            f"{where} closed the connection during the WebSocket handshake"
        )

    async def _host_reader(self, reader: Callable[[], Awaitable[None]]) -> None:
        """Run trio-websocket's reader task; record how it ended; never raise but Cancelled."""
        outcome = "cancelled"
        try:
            with self._reader_scope:
                await reader()
            outcome = "cancelled" if self._reader_scope.cancelled_caught else "finished"
        except Exception as exc:  # ConnectionRejected while connecting; rare wsproto/IO errors
            outcome = "failed"
            self._reader_error = exc
        finally:
            self._reader_outcome = outcome
            self._handshake_scope.cancel()  # a connect still waiting for the handshake fails
            self._keepalive_scope.cancel()
            self._observe()
            try:
                with trio.CancelScope(shield=True):  # (quick) the connection is over
                    await self._abort_stream()
            finally:
                self._reader_done.set()
            _log.debug("reader for %s ended (%s): %s", self._target, outcome, self._closed)

    async def _teardown(self) -> None:
        self._reader_scope.cancel()
        self._keepalive_scope.cancel()
        await self._abort_stream()

    async def _abort_stream(self) -> None:
        if self._stream is not None:
            await trio.aclose_forcefully(self._stream)

    # ----------------------------------------------------------------- close bookkeeping

    def _connection(self) -> trio_websocket.WebSocketConnection:
        assert self._ws is not None, "the transport was never connected"
        return self._ws

    def _record(self, info: CloseInfo) -> CloseInfo:
        if self._closed is None:
            self._closed = info
            _log.debug("%s: %s", self._target, info.describe())
        return self._closed

    def _observe(self) -> CloseInfo | None:
        """Return the close info, deriving it from trio-websocket's state the first time."""
        if self._closed is not None:
            return self._closed
        info = self._derive()
        return None if info is None else self._record(info)

    def _interrupted_info(self) -> CloseInfo:
        return CloseInfo(
            code=None, reason="a cancelled send left a partial frame; aborted", initiator="error"
        )

    def _derive(self) -> CloseInfo | None:
        if self._ws is None:  # not connected (yet): connect failures are recorded by _connect
            return None
        if self._stream is not None and self._stream.send_interrupted:
            return self._interrupted_info()
        reason = self._ws.closed
        if reason is None:
            if self._reader_outcome == "running":
                return None
            if self._reader_outcome == "cancelled":
                why = "the nursery running the transport was cancelled"
                return CloseInfo(code=None, reason=why, initiator="client")
            if self._reader_outcome == "failed":
                name = type(self._reader_error).__name__
                return CloseInfo(code=None, reason=f"connection failed ({name})", initiator="error")
            # trio-websocket ends its reader without a close reason only on an HTTP-level
            # protocol error, which cannot happen once the handshake is done.
            return CloseInfo(
                code=None, reason="the connection ended unexpectedly", initiator="error"
            )
        if reason.code == 1006:
            return CloseInfo(
                code=None, reason="connection lost without a close frame", initiator="error"
            )
        too_big = f"Exceeded maximum message size: {self._max_message_size} bytes"
        if reason.code == 1009 and reason.reason == too_big:
            return CloseInfo(
                code=1009,
                reason=f"received a message over max_message_size ({self._max_message_size})",
                initiator="error",
            )
        text = redact_text(reason.reason or "", self._target.secrets)
        return CloseInfo(code=int(reason.code), reason=text, initiator="server")

    async def _closed_error(self) -> TransportClosed:
        info = self._observe()
        if info is None:
            # trio-websocket reported a close before recording why: its reader is ending.
            await self._reader_done.wait()
            info = self._observe()
        assert info is not None
        return TransportClosed(info)


class _ReaderSpawner:
    """Stands in for the nursery given to trio-websocket, which only calls ``start_soon`` on it
    (once, for its reader task): the reader then runs inside :meth:`_host_reader`."""

    def __init__(self, nursery: trio.Nursery, transport: WebSocketTransport) -> None:
        self._nursery = nursery
        self._transport = transport

    def start_soon(self, async_fn: Callable[..., Awaitable[Any]], *args: Any, **_: Any) -> None:
        transport = self._transport
        if transport._reader_started:
            raise RuntimeError("trio-websocket started a second background task")

        async def reader() -> None:
            await async_fn(*args)

        self._nursery.start_soon(transport._host_reader, reader, name="websocket reader")
        transport._reader_started = True


async def connect_websocket_transport(
    nursery: trio.Nursery,
    url: str,
    *,
    headers: Sequence[tuple[str, str]] = (),
    connect_timeout: float = 10.0,
    close_timeout: float = 2.0,
    max_message_size: int = 16 * 2**20,
    message_queue_size: int = 256,
    receive_buffer_size: int = 64 * 2**10,
    ssl_context: ssl.SSLContext | None = None,
    ping_interval: float | None = 20.0,
    ping_timeout: float | None = 20.0,
) -> WebSocketTransport:
    """Connect to a ``ws://`` or ``wss://`` URL; the reader task runs in ``nursery``.

    The caller must ``aclose()`` the transport (before the nursery can exit). ``headers`` are
    sent with the upgrade request (e.g. ``("Authorization", "Bearer ...")``); their values are
    never logged or shown in errors. ``wss://`` uses ``ssl_context`` or the system default.

    The whole connect (DNS, TCP, TLS, HTTP upgrade) is bounded by ``connect_timeout``.
    Raises :class:`~trio_realtime.RealtimeConnectionError` when it times out, the server
    refuses the upgrade (``status`` and ``body`` set, credentials redacted from the body), the
    connection fails (refused, DNS, TLS) or closes during the handshake; ``ValueError`` for a
    bad URL or header. On any failure or cancellation nothing is left running or open.

    Limits: an incoming message over ``max_message_size`` (len() of the text or bytes) closes
    the connection with 1009; trio-websocket queues up to ``message_queue_size`` received
    messages (so a stalled reader holds at most that many) and reads ``receive_buffer_size``
    bytes at a time. Keepalive (``ping_interval``, ``ping_timeout``; None turns pings, or
    their timeout, off): see :class:`WebSocketTransport`.
    """
    target = parse_ws_url(url, ssl_context=ssl_context, headers=headers)
    extra_headers = encode_headers(headers)
    check_keepalive(ping_interval, ping_timeout)
    transport = WebSocketTransport(
        target=target,
        close_timeout=close_timeout,
        max_message_size=max_message_size,
        ping_interval=ping_interval,
        ping_timeout=ping_timeout,
    )
    try:
        with trio.fail_after(connect_timeout):
            await transport._connect(
                nursery,
                extra_headers=extra_headers,
                message_queue_size=message_queue_size,
                receive_buffer_size=receive_buffer_size,
            )
    except trio.TooSlowError:
        raise RealtimeConnectionError(
            f"connecting to {target.display} timed out after {connect_timeout:g} s"
        ) from None
    return transport
