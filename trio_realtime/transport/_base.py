"""The message-level transport interface and the small value types it uses.

A transport moves whole WebSocket-style messages (``str`` for text frames, ``bytes`` for binary
frames) and reports how the connection ended as a :class:`CloseInfo`. Nothing here does I/O.
"""

from __future__ import annotations

from typing import Literal, Protocol

import attrs

__all__ = [
    "CloseInfo",
    "Initiator",
    "Transport",
    "TransportClosed",
    "TransportStatistics",
]

Initiator = Literal["client", "server", "error"]


@attrs.frozen(kw_only=True)
class CloseInfo:
    """How a connection ended, from the point of view of one end.

    ``initiator`` is:

    - ``"client"``: this end closed it (``aclose()``); ``code``/``reason`` are the ones it sent;
    - ``"server"``: the peer sent a close frame; ``code``/``reason`` are the peer's (1005 when the
      frame carried no code);
    - ``"error"``: the connection failed: it dropped without a close frame (``code`` None), or
      this end failed it (e.g. ``code`` 1009 for an oversized incoming message).
    """

    code: int | None
    reason: str
    initiator: Initiator

    def describe(self) -> str:
        """A one-line human description, e.g. ``closed by the server (code 1000: bye)``."""
        who = {
            "client": "closed by this end",
            "server": "closed by the server",
            "error": "connection failed",
        }[self.initiator]
        if self.code is None:
            return f"{who}: {self.reason}" if self.reason else who
        return (
            f"{who} (code {self.code}: {self.reason})"
            if self.reason
            else f"{who} (code {self.code})"
        )


class TransportClosed(Exception):
    """The connection is closed; ``info`` says how. Raised by every operation after the close."""

    def __init__(self, info: CloseInfo) -> None:
        super().__init__(info)
        self.info = info

    def __str__(self) -> str:
        return self.info.describe()

    def __repr__(self) -> str:
        return f"TransportClosed({self.info!r})"


@attrs.frozen(kw_only=True)
class TransportStatistics:
    """Counters of one transport since it opened.

    ``bytes_*`` count message payloads: a binary message its length, a text message its UTF-8
    length. A sent message is counted once it was fully written to the network. A received
    message is counted once it was read in full from the network (the direct transport,
    which may still hold it in its buffer) or handed to the caller (the trio-websocket and
    memory transports).

    ``socket_bytes_*`` count the WebSocket byte stream actually written and read: the HTTP
    upgrade, frame headers, masks and control frames included (before TLS encryption);
    None for a transport without one (the memory pair).
    """

    messages_sent: int
    bytes_sent: int
    messages_received: int
    bytes_received: int
    socket_bytes_sent: int | None = None
    socket_bytes_received: int | None = None


def message_size(message: str | bytes) -> int:
    """The wire size of a message's payload: UTF-8 length for text, length for bytes."""
    if isinstance(message, bytes) or message.isascii():
        return len(message)
    return len(message.encode("utf-8"))


class Counters:
    """Mutable counters behind :class:`TransportStatistics` (internal)."""

    __slots__ = ("bytes_received", "bytes_sent", "messages_received", "messages_sent")

    def __init__(self) -> None:
        self.messages_sent = 0
        self.bytes_sent = 0
        self.messages_received = 0
        self.bytes_received = 0

    def count_sent(self, message: str | bytes) -> None:
        self.messages_sent += 1
        self.bytes_sent += message_size(message)

    def count_received(self, message: str | bytes) -> None:
        self.messages_received += 1
        self.bytes_received += message_size(message)

    def snapshot(
        self, *, socket_sent: int | None = None, socket_received: int | None = None
    ) -> TransportStatistics:
        return TransportStatistics(
            messages_sent=self.messages_sent,
            bytes_sent=self.bytes_sent,
            messages_received=self.messages_received,
            bytes_received=self.bytes_received,
            socket_bytes_sent=socket_sent,
            socket_bytes_received=socket_received,
        )


def check_message(message: object) -> None:
    """Raise ``TypeError`` unless ``message`` is ``str`` or ``bytes``."""
    if not isinstance(message, (str, bytes)):
        raise TypeError(f"a message must be str or bytes, not {type(message).__name__}")


class Transport(Protocol):
    """A bidirectional, message-oriented connection (one WebSocket, or an in-memory pair).

    Semantics every implementation keeps:

    - ``send_message`` sends one whole message (``str`` = text frame, ``bytes`` = binary frame).
      Concurrent calls are allowed; messages never interleave. Raises :class:`TransportClosed`
      once the connection is closed for any reason. Cancellation: see each implementation.
    - ``receive_message`` returns the next message. Messages the peer sent before it closed (or
      before the connection dropped) are still delivered, then :class:`TransportClosed` is raised
      on this and every later call. After this end's own ``aclose()``, pending and later calls
      raise at once (unread messages are discarded). Cancelling it loses no message.
    - ``aclose(code, reason)`` is idempotent and cancel-safe: it closes the connection (politely
      if it can, within a bounded time), and when it returns no task of the transport is running.
      It never raises anything but ``trio.Cancelled``.
    - ``closed`` is None while the connection is open, then the :class:`CloseInfo` of the first
      close observed (a later ``aclose()`` does not overwrite a server close).
    - ``statistics()`` returns a :class:`TransportStatistics` snapshot.
    """

    @property
    def closed(self) -> CloseInfo | None: ...

    async def send_message(self, message: str | bytes) -> None: ...

    async def receive_message(self) -> str | bytes: ...

    async def aclose(self, code: int = 1000, reason: str = "") -> None: ...

    def statistics(self) -> TransportStatistics: ...
