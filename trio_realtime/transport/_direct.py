"""The direct WebSocket transport: one trio stream driven by a sans-I/O protocol, no task.

:class:`DirectWebSocketTransport` runs entirely in its callers' tasks. ``receive_message``
reads up to ``receive_buffer_size`` bytes at a time, parses every frame in them
(:class:`~._engine.ClientEngine`, on the ``websockets`` package's sans-I/O protocol) and keeps
the surplus messages in a deque, so most calls return without touching the socket.

Writes never interleave: every write (a message frame, or the control frames: pongs, pings,
the close) happens under one ``trio.StrictFIFOLock``. Control frames the reader produces are
written by the reader when the lock is free, else by the lock's holder right after its own
frame, so a pong never waits behind more than one message.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
from collections.abc import Sequence

import trio

from .._errors import RealtimeConnectionError
from ._base import CloseInfo, TransportClosed, TransportStatistics, check_message
from ._engine import ClientEngine, Rejection, handshake_failure
from ._keepalive import Keepalive, check_keepalive
from ._stream import GuardedStream, open_stream
from ._target import Target, encode_headers, parse_ws_url, redact

__all__ = ["DirectWebSocketTransport", "connect_direct_websocket_transport"]

_log = logging.getLogger("trio_realtime.transport")

KEEPALIVE_TIMEOUT = "keepalive ping timeout"
_STUCK = "the peer stopped reading: a control frame could not be written within close_timeout"


class DirectWebSocketTransport:
    """A :class:`~trio_realtime.transport.Transport` over one WebSocket, with no task of its own.

    Made by :func:`connect_direct_websocket_transport` or
    :func:`open_direct_websocket_transport`.

    **Reading.** Everything the peer sends is read by ``receive_message``: pings are answered
    and keepalive pings sent and timed only while some task is in ``receive_message`` (a
    session's reader always is, unless its consumer stalls it). While nobody reads, nothing
    is read: the peer's data waits in the socket (backpressure) and its pings wait for an
    answer.

    **Keepalive** (``ping_interval``, ``ping_timeout``): while ``receive_message`` waits for
    data it sends a ping every ``ping_interval`` seconds; if no pong comes after
    ``ping_timeout`` seconds of waiting on a silent socket, the connection is aborted and
    reported as ``CloseInfo(code=1011, reason="keepalive ping timeout", initiator="error")``
    (no close frame is sent: the peer is not answering). Only time spent waiting on the
    socket counts, so a consumer that stops reading never causes a false timeout.

    **Close reporting** (``closed`` and :class:`TransportClosed`):

    - the server's close frame: ``initiator="server"`` with its code and reason (1005 when
      the frame had no code); the close is echoed at once;
    - TCP closed or reset without a close frame: ``initiator="error"``, ``code=None``;
    - invalid data from the server: this end sends a close frame and reports
      ``initiator="error"`` with that code: 1002 (protocol error), 1007 (invalid UTF-8) or
      1009 (a message over ``max_message_size`` payload bytes);
    - the keepalive timeout above; a control frame not written within ``close_timeout``
      (the peer stopped reading): ``initiator="error"``;
    - a ``send_message`` cancelled part-way through writing a frame aborts the connection:
      ``initiator="error"``, ``code=None``;
    - our ``aclose(code, reason)``: ``initiator="client"`` with that code and reason.
    """

    def __init__(
        self,
        *,
        target: Target,
        engine: ClientEngine,
        stream: GuardedStream,
        close_timeout: float,
        receive_buffer_size: int,
        keepalive: Keepalive,
    ) -> None:
        self._target = target
        self._engine = engine
        self._messages = engine.messages
        self._stream = stream
        self._close_timeout = close_timeout
        self._buffer_size = receive_buffer_size
        self._keepalive = keepalive
        self._send_lock = trio.StrictFIFOLock()
        self._receive_lock = trio.StrictFIFOLock()
        self._read_scope: trio.CancelScope | None = None
        self._closing = False
        self._close_done = trio.Event()
        self._messages_sent = 0
        self._bytes_sent = 0

    # ----------------------------------------------------------------- public API

    @property
    def closed(self) -> CloseInfo | None:
        """None while open, else how the connection ended (the first close observed)."""
        return self._engine.close

    async def send_message(self, message: str | bytes) -> None:
        """Send one message (``str`` as a text frame, ``bytes`` as a binary frame).

        Concurrent calls are served in FIFO order and never interleave. Raises
        :class:`TransportClosed` when the connection is closed or closing.

        Cancellation: if cancelled before any byte of the frame was written (e.g. while
        waiting for another send), nothing was sent and the transport stays usable. If
        cancelled while the frame was being written (the socket was not accepting data fast
        enough), the connection is aborted at once (``closed.initiator == "error"``), so the
        server never receives a truncated message as if it were whole. Pending control
        frames written before or after the message are shielded (see the class docs).
        """
        await self.send_messages((message,))

    async def send_messages(self, messages: Sequence[str | bytes]) -> None:
        """Send several messages, in order, with one write to the socket (one frame each).

        As :meth:`send_message` for each of them; the batch is written whole or, if
        cancelled part-way, the connection is aborted (never a truncated message).
        """
        for message in messages:
            check_message(message)
        info = self._engine.close
        if info is not None:
            await trio.lowlevel.checkpoint()
            raise TransportClosed(info)
        await _acquire(self._send_lock)
        try:
            info = self._engine.close
            if info is not None:
                raise TransportClosed(info)
            encoded = [self._engine.encode(message) for message in messages]
            data = encoded[0][0] if len(encoded) == 1 else b"".join(f for f, _ in encoded)
            if self._engine.has_control and not await self._write_control():
                raise TransportClosed(self._closed_info())
            try:
                await self._stream.send_all(data)
            except trio.Cancelled:
                if self._stream.send_interrupted:
                    self._engine.abandon(_interrupted())
                raise
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                self._engine.abandon(_lost("writing"))
                raise TransportClosed(self._closed_info()) from None
            self._messages_sent += len(encoded)
            self._bytes_sent += sum(size for _, size in encoded)
            if self._engine.has_control:  # queued by the reader while we were writing
                await self._write_control()
        finally:
            self._send_lock.release()

    async def receive_message(self) -> str | bytes:
        """Return the next message (``str`` for text frames, ``bytes`` for binary frames).

        Messages that arrived before a server close or a drop are delivered first; then this
        raises :class:`TransportClosed` on this and every later call. After our own
        ``aclose()`` it raises at once (also in calls already waiting). Concurrent calls are
        served in FIFO order.

        Cancellation: no message is lost. A call is a cancellation point each time, and a
        schedule point whenever it reads the socket (a message already buffered is returned
        without yielding to other tasks). Control frames it writes (pongs, pings) are
        shielded from cancellation, bounded by ``close_timeout``.
        """
        messages = self._messages
        if messages:
            await trio.lowlevel.checkpoint_if_cancelled()
            return messages.popleft()
        await _acquire(self._receive_lock)
        try:
            while not messages:
                if self._closing or self._engine.close is not None:
                    raise TransportClosed(self._closed_info())
                await self._read()
            return messages.popleft()
        finally:
            self._receive_lock.release()

    def receive_message_nowait(self) -> str | bytes:
        """The next message if one is already buffered, else raise ``trio.WouldBlock``.

        Never reads the socket and is not a checkpoint: a caller that loops on it should have
        passed a cancel point (e.g. ``receive_message``) since it last yielded. Raises
        ``trio.WouldBlock`` when nothing is buffered, also once the connection is closed
        (``receive_message`` then reports the close).
        """
        messages = self._messages
        if messages and not self._receive_lock.locked():
            return messages.popleft()
        raise trio.WouldBlock

    async def aclose(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection; idempotent, bounded and cancel-safe.

        Unread messages are discarded and pending calls raise :class:`TransportClosed`.
        Sends a close frame with ``code`` and ``reason`` (waiting for a send in progress to
        finish) and waits for the server's close frame, all inside a cancel-shielded
        ``close_timeout``; then closes the socket whatever happened. When the server had
        already closed, or the connection failed, it only finishes writing the close echo
        (same bound) and closes the socket. A close already observed is kept as ``closed``.
        If the caller is cancelled meanwhile, the close still completes and
        ``trio.Cancelled`` is raised at the end. Concurrent calls wait for the first one.
        """
        with trio.CancelScope(shield=True):
            if self._closing:
                await self._close_done.wait()
            else:
                self._closing = True
                self._messages.clear()
                if self._read_scope is not None:
                    self._read_scope.cancel()  # a waiting receive_message raises
                try:
                    with trio.move_on_after(self._close_timeout):
                        await self._close_handshake(code, reason)
                finally:
                    await trio.aclose_forcefully(self._stream)
                    self._close_done.set()
                    _log.debug("%s: %s", self._target, self._closed_info().describe())
        await trio.lowlevel.checkpoint_if_cancelled()

    def statistics(self) -> TransportStatistics:
        """Messages and payload bytes sent and received, and the bytes of the byte stream."""
        engine, stream = self._engine, self._stream
        return TransportStatistics(
            messages_sent=self._messages_sent,
            bytes_sent=self._bytes_sent,
            messages_received=engine.messages_received,
            bytes_received=engine.payload_bytes_received,
            socket_bytes_sent=stream.bytes_sent,
            socket_bytes_received=stream.bytes_received,
        )

    def __repr__(self) -> str:
        info = self._engine.close
        state = "open" if info is None else info.describe()
        return f"<DirectWebSocketTransport {self._target.display} {state}>"

    # ----------------------------------------------------------------- reading

    async def _read(self) -> None:
        """Read once (the caller holds the receive lock), sending keepalive pings on time."""
        engine, keepalive = self._engine, self._keepalive
        start = trio.current_time()
        data: bytes | bytearray | None = None
        with trio.CancelScope(deadline=keepalive.deadline(start)) as scope:
            self._read_scope = scope
            try:
                data = await self._stream.receive_some(self._buffer_size)
            except trio.BrokenResourceError:
                data = None
            except trio.ClosedResourceError:  # aborted by a failed write in another task
                interrupted = self._stream.send_interrupted
                engine.abandon(_interrupted() if interrupted else _lost("reading"))
            finally:
                self._read_scope = None
        now = trio.current_time()
        keepalive.waited(now - start)
        if self._closing:
            return
        if not scope.cancelled_caught and engine.close is None:
            if data:
                engine.receive_data(data)
            else:
                engine.receive_eof(
                    "connection lost without a close frame"
                    if data is not None
                    else "connection reset without a close frame"
                )
        if engine.close is None:
            if keepalive.expired:
                engine.abandon(CloseInfo(code=1011, reason=KEEPALIVE_TIMEOUT, initiator="error"))
                await trio.aclose_forcefully(self._stream)
                return
            if keepalive.ping_due(now):
                engine.ping(keepalive.ping_sent(now))
        if engine.has_control and not self._send_lock.locked():
            self._send_lock.acquire_nowait()
            try:
                await self._write_control()
            finally:
                self._send_lock.release()

    # ----------------------------------------------------------------- writing

    async def _write_control(self) -> bool:
        """Write the queued control frames (the caller holds the send lock).

        Shielded from cancellation and bounded by ``close_timeout``; past it, or if the
        socket fails, the connection is aborted. Returns whether the connection survived.
        """
        engine = self._engine
        with trio.CancelScope(shield=True), trio.move_on_after(self._close_timeout) as bound:
            try:
                while engine.has_control:
                    await self._stream.send_all(engine.take_control())
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                engine.abandon(_lost("writing"))
                await trio.aclose_forcefully(self._stream)
                return False
        if bound.cancelled_caught:
            engine.abandon(CloseInfo(code=None, reason=_STUCK, initiator="error"))
            await trio.aclose_forcefully(self._stream)  # (already done if a write was cut)
            return False
        return True

    # ----------------------------------------------------------------- closing

    async def _close_handshake(self, code: int, reason: str) -> None:
        """Send our close frame (or finish the echo) and wait for the server's close frame."""
        engine = self._engine
        if self._stream.send_interrupted:
            return  # already aborted
        ours = engine.close is None
        engine.close_with(code, reason)  # records our close unless one was observed first
        async with self._send_lock:
            try:
                while engine.has_control:
                    await self._stream.send_all(engine.take_control())
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                return
        if not ours:
            return  # the server closed (its echo is written) or the connection failed
        async with self._receive_lock:
            while not engine.close_received:
                try:
                    data = await self._stream.receive_some(self._buffer_size)
                except (trio.BrokenResourceError, trio.ClosedResourceError):
                    return
                if not data:
                    return
                engine.receive_data(data)
                self._messages.clear()  # nobody will read them

    def _closed_info(self) -> CloseInfo:
        info = self._engine.close
        assert info is not None, "closing records a close first"
        return info


async def _acquire(lock: trio.StrictFIFOLock) -> None:
    """``lock.acquire()`` without its schedule point when the lock is free (the socket
    operation that follows is one); still a cancellation point."""
    await trio.lowlevel.checkpoint_if_cancelled()
    try:
        lock.acquire_nowait()
    except trio.WouldBlock:
        await lock.acquire()


def _lost(doing: str) -> CloseInfo:
    return CloseInfo(code=None, reason=f"connection lost while {doing}", initiator="error")


def _interrupted() -> CloseInfo:
    return CloseInfo(
        code=None, reason="a cancelled send left a partial frame; aborted", initiator="error"
    )


# --------------------------------------------------------------------- connecting


async def _handshake(
    target: Target, engine: ClientEngine, stream: GuardedStream, buffer_size: int
) -> None:
    await stream.send_all(engine.handshake_request())
    while engine.handshake == "pending":
        try:
            data = await stream.receive_some(buffer_size)
        except trio.BrokenResourceError:
            data = b""
        if data:
            engine.receive_data(data)
        else:
            engine.receive_eof()
    if engine.handshake == "accepted":
        if engine.has_control:  # frames came with the answer: pongs, the close echo
            with contextlib.suppress(trio.BrokenResourceError):  # (the next read reports it)
                await stream.send_all(engine.take_control())
        return
    where = target.display
    error = engine.handshake_error
    if isinstance(error, Rejection):
        raise RealtimeConnectionError(
            f"{where} refused the WebSocket upgrade",
            status=error.status,
            body=redact(error.body, target.secrets),
        )
    if isinstance(error, EOFError) or isinstance(getattr(error, "__cause__", None), EOFError):
        raise RealtimeConnectionError(
            f"{where} closed the connection during the WebSocket handshake"
        )
    raise RealtimeConnectionError(
        f"WebSocket handshake with {where} failed ({handshake_failure(error)})"
    )


async def connect_direct_websocket_transport(
    nursery: trio.Nursery | None,
    url: str,
    *,
    headers: Sequence[tuple[str, str]] = (),
    connect_timeout: float = 10.0,
    close_timeout: float = 2.0,
    max_message_size: int = 16 * 2**20,
    receive_buffer_size: int = 256 * 2**10,
    ssl_context: ssl.SSLContext | None = None,
    ping_interval: float | None = 20.0,
    ping_timeout: float | None = 20.0,
) -> DirectWebSocketTransport:
    """Connect to a ``ws://`` or ``wss://`` URL; the transport runs no task.

    ``nursery`` is accepted (and unused) so that this has the signature of
    :func:`connect_websocket_transport`; pass None. The caller must ``aclose()`` the
    transport. ``headers`` are sent with the upgrade request (e.g. ``("Authorization",
    "Bearer ...")``); their values are never logged or shown in errors. ``wss://`` uses
    ``ssl_context`` or the system default (certificates verified).

    The whole connect (DNS, TCP, TLS, HTTP upgrade) is bounded by ``connect_timeout``.
    Raises :class:`~trio_realtime.RealtimeConnectionError` when it times out, the server
    refuses the upgrade (``status`` and ``body`` set, credentials redacted from the body), the
    connection fails (refused, DNS, TLS) or closes during the handshake; ``ValueError`` for a
    bad URL, header or setting. On any failure or cancellation nothing is left open.

    Limits: an incoming message over ``max_message_size`` payload bytes closes the connection
    with 1009; one read takes at most ``receive_buffer_size`` bytes, which bounds the
    messages buffered. Keepalive: see :class:`DirectWebSocketTransport` (``None`` turns pings
    off, or their timeout).
    """
    del nursery  # no task to run
    target = parse_ws_url(url, ssl_context=ssl_context, headers=headers)
    encode_headers(headers)  # validates
    check_keepalive(ping_interval, ping_timeout)
    if receive_buffer_size < 1 or max_message_size < 1:
        raise ValueError("receive_buffer_size and max_message_size must be positive")
    engine = ClientEngine(target, headers=headers, max_message_size=max_message_size)
    stream: GuardedStream | None = None
    try:
        with trio.fail_after(connect_timeout):
            stream = GuardedStream(await open_stream(target))
            await _handshake(target, engine, stream, receive_buffer_size)
    except BaseException as exc:
        if stream is not None:
            await trio.aclose_forcefully(stream)
        if isinstance(exc, trio.TooSlowError):
            raise RealtimeConnectionError(
                f"connecting to {target.display} timed out after {connect_timeout:g} s"
            ) from None
        raise
    keepalive = Keepalive(interval=ping_interval, timeout=ping_timeout, now=trio.current_time())
    engine.on_pong = lambda payload: keepalive.pong_received(payload, trio.current_time())
    _log.debug("connected to %s", target)
    return DirectWebSocketTransport(
        target=target,
        engine=engine,
        stream=stream,
        close_timeout=close_timeout,
        receive_buffer_size=receive_buffer_size,
        keepalive=keepalive,
    )
