"""An in-memory transport pair on trio memory channels, for tests and in-process peers."""

from __future__ import annotations

import trio

from ._base import CloseInfo, Counters, TransportClosed, TransportStatistics, check_message

__all__ = ["MemoryTransport", "memory_transport_pair"]


class MemoryTransport:
    """One end of a :func:`memory_transport_pair`; a :class:`~.Transport`.

    The two ends are symmetric. Each direction is a trio memory channel holding at most
    ``buffer`` messages, so a sender blocks (backpressure) while the other end is not reading.

    Close semantics, seen from each end (``initiator`` is relative to the end that reports it):

    - ``aclose(code, reason)`` on end A: A's ``closed`` is ``CloseInfo(code, reason, "client")``;
      B's is ``CloseInfo(code, reason, "server")``. B still receives what A sent before closing,
      then ``TransportClosed``; A's unread messages are discarded.
    - ``abort()`` on end A simulates a connection dropped without a close frame: both ends get
      ``initiator="error"``, ``code=None``; B still receives what A had already sent.
    - The first close wins: closing an end that the peer already closed keeps the peer's info.

    Cancellation: a cancelled ``send_message`` sent nothing (trio memory channels guarantee it);
    a cancelled ``receive_message`` lost nothing.
    """

    def __init__(
        self,
        *,
        name: str,
        send_channel: trio.MemorySendChannel[str | bytes],
        receive_channel: trio.MemoryReceiveChannel[str | bytes],
    ) -> None:
        self._name = name
        self._send_channel = send_channel
        self._receive_channel = receive_channel
        self._peer: MemoryTransport | None = None
        self._closed: CloseInfo | None = None
        self._counters = Counters()

    @property
    def closed(self) -> CloseInfo | None:
        """None while open, else how the connection ended (seen from this end)."""
        return self._closed

    async def send_message(self, message: str | bytes) -> None:
        """Send one message; block while the peer's buffer is full.

        Raises :class:`TransportClosed` if either end closed or aborted the connection.
        Cancellation: if cancelled, the message was not sent.
        """
        check_message(message)
        if self._closed is not None:
            await trio.lowlevel.checkpoint()
            raise TransportClosed(self._closed)
        try:
            await self._send_channel.send(message)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            raise TransportClosed(self._close_info()) from None
        self._counters.count_sent(message)

    async def receive_message(self) -> str | bytes:
        """Receive the next message.

        Raises :class:`TransportClosed` once the peer closed (after its earlier messages were
        delivered) or at once after this end closed. Cancellation: no message is lost.
        """
        try:
            message = await self._receive_channel.receive()
        except (trio.EndOfChannel, trio.ClosedResourceError):
            raise TransportClosed(self._close_info()) from None
        self._counters.count_received(message)
        return message

    def receive_message_nowait(self) -> str | bytes:
        """The next message if one is already here, else raise ``trio.WouldBlock``.

        Raises :class:`TransportClosed` like :meth:`receive_message`.
        """
        try:
            message = self._receive_channel.receive_nowait()
        except (trio.EndOfChannel, trio.ClosedResourceError):
            raise TransportClosed(self._close_info()) from None
        self._counters.count_received(message)
        return message

    async def aclose(self, code: int = 1000, reason: str = "") -> None:
        """Close both directions; the peer sees ``initiator="server"`` with this code and reason.

        Idempotent. The close happens synchronously before the checkpoint, so a cancelled call
        (which raises ``trio.Cancelled``) has closed the transport too.
        """
        self._close_both(
            CloseInfo(code=code, reason=reason, initiator="client"),
            CloseInfo(code=code, reason=reason, initiator="server"),
        )
        await trio.lowlevel.checkpoint()

    def abort(self) -> None:
        """Drop the connection without a close frame: both ends see ``initiator="error"``."""
        self._close_both(
            CloseInfo(code=None, reason="connection aborted", initiator="error"),
            CloseInfo(code=None, reason="connection lost without a close frame", initiator="error"),
        )

    def statistics(self) -> TransportStatistics:
        """Messages and bytes sent and received by this end."""
        return self._counters.snapshot()

    def __repr__(self) -> str:
        state = "open" if self._closed is None else self._closed.describe()
        return f"<MemoryTransport {self._name} {state}>"

    def _close_info(self) -> CloseInfo:
        # Channels are only ever closed together with recording the close info.
        assert self._closed is not None
        return self._closed

    def _close_both(self, mine: CloseInfo, theirs: CloseInfo) -> None:
        if self._closed is None:
            self._closed = mine
        peer = self._peer
        if peer is not None and peer._closed is None:
            peer._closed = theirs
        self._send_channel.close()
        self._receive_channel.close()


def memory_transport_pair(*, buffer: int = 256) -> tuple[MemoryTransport, MemoryTransport]:
    """Return ``(client_end, server_end)``, two connected :class:`MemoryTransport` objects.

    Each direction buffers up to ``buffer`` messages. The ends are symmetric; by convention the
    first is given to the code under test and the second plays the server (``abort()`` on it
    simulates a dropped connection).
    """
    if buffer < 0:
        raise ValueError("buffer must be >= 0")
    to_server_send, to_server_receive = trio.open_memory_channel[str | bytes](buffer)
    to_client_send, to_client_receive = trio.open_memory_channel[str | bytes](buffer)
    client = MemoryTransport(
        name="client", send_channel=to_server_send, receive_channel=to_client_receive
    )
    server = MemoryTransport(
        name="server", send_channel=to_client_send, receive_channel=to_server_receive
    )
    client._peer = server
    server._peer = client
    return client, server
