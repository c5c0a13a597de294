"""The client side of one WebSocket connection as a pure protocol object (no I/O, no trio).

It drives the ``websockets`` package's sans-I/O :class:`websockets.client.ClientProtocol` and
adds what a message transport needs on top: whole messages (fragments joined, text decoded)
in a deque, the close reported as a :class:`CloseInfo`, and the outgoing control frames
(pongs, the close echo) collected as bytes for whoever writes next. Feed it bytes
(:meth:`ClientEngine.receive_data`), read :attr:`ClientEngine.messages`, write
:meth:`ClientEngine.take_control`.

**The receive fast path.** After the upgrade the engine splits the byte stream into frames
itself. A complete, unfragmented, unmasked text or binary frame with no reserved bits (almost
every frame a realtime server sends) becomes a message at once; every other frame (control
frames, fragments, anything invalid) is handed to the protocol *whole*, so the protocol always
sees frame boundaries and stays the authority on everything but that one common case. Only the
bytes of an incomplete frame are held back, at most one frame of up to ``max_message_size``.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Sequence
from typing import Literal, cast

from websockets.client import ClientProtocol
from websockets.exceptions import InvalidMessage, InvalidState, InvalidStatus, PayloadTooBig
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.uri import WebSocketURI

from ._base import CloseInfo
from ._target import Target, redact_text

__all__ = ["ClientEngine", "Rejection"]

_TEXT, _BINARY, _CONT = Opcode.TEXT, Opcode.BINARY, Opcode.CONT
_PONG, _CLOSE = Opcode.PONG, Opcode.CLOSE
_OPEN = State.OPEN
_MAX_CLOSE_REASON = 123  # bytes: a control frame's payload is at most 125 (2 for the code)

# The websockets package logs frames (which may echo credentials) at DEBUG: give it a logger
# that is always off.
_SILENT = logging.getLogger("trio_realtime.transport.websockets")
_SILENT.disabled = True
_SILENT.propagate = False

LOST = "connection lost without a close frame"


class Rejection(Exception):
    """The server answered the upgrade with another HTTP status (``status``, ``body``)."""

    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


class ClientEngine:
    """Sans-I/O client WebSocket connection: bytes in, messages and control bytes out.

    - :attr:`messages` holds complete messages (``str`` for text, ``bytes`` for binary) in
      arrival order. Memory is bounded by what was fed: a message is only assembled up to
      ``max_message_size`` payload bytes, beyond which the connection fails with 1009.
    - :attr:`close` becomes the :class:`CloseInfo` of the first close observed: the server's
      close frame (``"server"``), invalid data from the server (``"error"`` with the code
      this end sent: 1002 protocol error, 1007 invalid UTF-8, 1009 too big), the end of the
      stream without a close frame (``"error"``, code None), or :meth:`close_with` /
      :meth:`abandon` (``"client"`` / ``"error"``).
    - :meth:`take_control` returns the control frames to write (pongs, close frames); the
      protocol queues a pong for every ping and echoes the server's close frame.
    """

    def __init__(
        self,
        target: Target,
        *,
        headers: Sequence[tuple[str, str]] = (),
        max_message_size: int,
        on_pong: Callable[[bytes], None] | None = None,
    ) -> None:
        uri = WebSocketURI(
            secure=target.ssl_context is not None,
            host=target.host,
            port=target.port,
            path=target.resource,  # already holds the query
            query="",
        )
        self._protocol = ClientProtocol(uri, max_size=max_message_size, logger=_SILENT)
        self._target = target
        self._headers = list(headers)
        self._max_message_size = max_message_size
        self.on_pong = on_pong  # called with each pong's payload
        self._control = bytearray()
        # The fragments of a message being assembled (None between messages).
        self._fragments: list[bytes | bytearray | memoryview] | None = None
        self._fragmented_text = False
        self.messages: deque[str | bytes] = deque()
        self.close: CloseInfo | None = None
        self.handshake: Literal["pending", "accepted", "failed"] = "pending"
        self.handshake_error: Exception | None = None
        self.payload_bytes_received = 0
        self.messages_received = 0
        # The upgrade answer's end: the protocol gets the bytes up to it, we split the rest.
        self._head_tail = b""  # the last bytes of the answer so far (the separator may straddle)
        self._framing = False  # after the upgrade: this engine splits frames (module docs)
        self._partial = bytearray()  # an incomplete frame held back

    # -- handshake -----------------------------------------------------------------------

    def handshake_request(self) -> bytes:
        """The HTTP upgrade request: Host, the WebSocket headers, then ``headers``."""
        protocol = self._protocol
        request = protocol.connect()
        del request.headers["Host"]
        request.headers["Host"] = self._target.host_header
        for name, value in self._headers:
            request.headers[name] = value
        protocol.send_request(request)
        return b"".join(protocol.data_to_send())

    def _on_response(self, response: Response) -> None:
        error = self._protocol.handshake_exc
        if error is None:
            self.handshake = "accepted"
            return
        self.handshake = "failed"
        if isinstance(error, InvalidStatus):
            self.handshake_error = Rejection(response.status_code, bytes(response.body or b""))
        else:
            self.handshake_error = error

    # -- receiving -----------------------------------------------------------------------

    def receive_data(self, data: bytes | bytearray) -> None:
        """Parse ``data``: complete messages go to :attr:`messages`, replies to the control
        bytes; a close or a failure sets :attr:`close` (data after it is ignored)."""
        if self._framing:
            self._split(data)
        elif self.handshake == "pending":
            self._receive_answer(data)
        else:
            self._feed(data)

    def _receive_answer(self, data: bytes | bytearray) -> None:
        """Give the protocol the upgrade answer, and only it: the frames after it are ours."""
        tail = self._head_tail
        at = (tail + data).find(b"\r\n\r\n")
        if at < 0:
            self._head_tail = (tail + data)[-3:]
            self._feed(data)
            return
        end = at + 4 - len(tail)
        self._feed(data[:end])
        rest = data[end:]
        if self.handshake == "accepted" and self.close is None:
            self._framing = True
            if rest:
                self._split(rest)
        elif rest:
            self._feed(rest)  # a refusal's body, or whatever broke the handshake

    def _split(self, data: bytes | bytearray) -> None:
        """Split ``data`` into frames: the common data frame here, any other to the protocol."""
        if self.close is not None:  # the protocol wants the server's close frame
            self._fallback(data)
            return
        partial = self._partial
        if partial:
            data = b"".join((partial, data))
            partial.clear()
        view = memoryview(data)
        size = len(data)
        pos = 0
        append = self.messages.append
        protocol = self._protocol
        limit = self._max_message_size
        received = count = 0
        while size - pos >= 2:
            b0, b1 = data[pos], data[pos + 1]
            length = b1 & 0x7F
            start = pos + 2
            if length == 126:
                if size - pos < 4:
                    break
                length = (data[pos + 2] << 8) | data[pos + 3]
                start = pos + 4
            elif length == 127:
                if size - pos < 10:
                    break
                length = int.from_bytes(data[pos + 2 : pos + 10], "big")
                start = pos + 10
            if b1 & 0x80:
                start += 4  # masked: the protocol fails the connection for it
            if length > limit:  # the protocol fails the connection (1009) on the header
                self._fallback(data[pos:])
                pos = size
                break
            end = start + length
            if end > size:
                break
            if (b0 == 0x81 or b0 == 0x82) and b1 < 0x80 and self._fragments is None:
                if protocol.state is not _OPEN:
                    self._fallback(data[pos:])
                    pos = size
                    break
                if b0 == 0x81:
                    try:
                        append(str(view[start:end], "utf-8"))
                    except UnicodeDecodeError:
                        self._fail_utf8()
                        pos = size
                        break
                else:
                    append(bytes(view[start:end]))
                received += length
                count += 1
            else:  # a control frame, a fragment, or an invalid frame: the protocol decides
                self._feed(data[pos:end])
                if self.close is not None or protocol.parser_exc is not None:
                    self._fallback(data[end:])
                    pos = size
                    break
            pos = end
        self.payload_bytes_received += received
        self.messages_received += count
        if pos < size:
            partial += view[pos:]
        view.release()

    def _fallback(self, data: bytes | bytearray) -> None:
        """From now on the protocol parses everything (the connection is closing or failing)."""
        self._framing = False
        if self._partial:
            data = b"".join((self._partial, data))
            self._partial.clear()
        if data:
            self._feed(data)

    def _feed(self, data: bytes | bytearray) -> None:
        protocol = self._protocol
        protocol.receive_data(cast(bytes, data))  # (it only appends data to a bytearray)
        append = self.messages.append
        for event in protocol.events_received():
            if type(event) is not Frame:
                self._on_response(event)  # type: ignore[arg-type]
                continue
            opcode = event.opcode
            payload = event.data
            if opcode is _TEXT and event.fin and self._fragments is None:
                try:
                    append(str(payload, "utf-8"))
                except UnicodeDecodeError:
                    self._fail_utf8()
                    break
                self.payload_bytes_received += len(payload)
                self.messages_received += 1
            elif opcode is _TEXT or opcode is _BINARY or opcode is _CONT:
                if not self._assemble(event):
                    break
            elif opcode is _PONG:
                if self.on_pong is not None:
                    self.on_pong(bytes(payload))
            elif opcode is _CLOSE:
                received = protocol.close_rcvd
                assert received is not None
                reason = redact_text(received.reason, self._target.secrets)
                self._record(CloseInfo(code=int(received.code), reason=reason, initiator="server"))
            # a ping: the protocol has queued the pong
        self._collect()
        if self.handshake == "pending" and protocol.handshake_exc is not None:
            self.handshake = "failed"  # not even an HTTP response
            self.handshake_error = protocol.handshake_exc
        if protocol.parser_exc is not None:
            self._record(self._failure_info(protocol.parser_exc))

    def receive_eof(self, reason: str = LOST) -> None:
        """The byte stream ended (or broke): without a close frame this is an ``"error"``."""
        if self.handshake == "pending":
            self.handshake = "failed"
            self.handshake_error = EOFError(reason)
        if self._partial:  # an incomplete frame: the protocol sees the stream end inside it
            self._fallback(b"")
        self._protocol.receive_eof()
        self._collect()
        self._record(CloseInfo(code=None, reason=reason, initiator="error"))

    def _assemble(self, frame: Frame) -> bool:
        """Add a data frame to the fragmented message; False if the connection failed."""
        if frame.opcode is not _CONT:  # the first fragment (the protocol checks the order)
            self._fragments = []
            self._fragmented_text = frame.opcode is _TEXT
        assert self._fragments is not None
        self._fragments.append(frame.data)
        if not frame.fin:
            return True
        data = b"".join(self._fragments)
        self._fragments = None
        if self._fragmented_text:
            try:
                self.messages.append(data.decode())
            except UnicodeDecodeError:
                self._fail_utf8()
                return False
        else:
            self.messages.append(data)
        self.payload_bytes_received += len(data)
        self.messages_received += 1
        return True

    def _fail_utf8(self) -> None:
        reason = "invalid UTF-8 in a text message"
        self._protocol.fail(1007, reason)
        self._collect()
        self._record(CloseInfo(code=1007, reason=reason, initiator="error"))

    def _failure_info(self, error: Exception) -> CloseInfo:
        sent = self._protocol.close_sent
        code = None if sent is None else int(sent.code)
        if isinstance(error, PayloadTooBig):
            reason = f"received a message over max_message_size ({self._max_message_size})"
        elif isinstance(error, EOFError):
            return CloseInfo(code=None, reason=LOST, initiator="error")
        else:
            reason = f"invalid data from the server: {error}"
        return CloseInfo(code=code, reason=reason, initiator="error")

    # -- sending -------------------------------------------------------------------------

    def encode(self, message: str | bytes) -> tuple[bytes, int]:
        """One frame carrying ``message``, and the message's payload size.

        Raises ``websockets.exceptions.InvalidState`` once a close frame was sent or
        received (the caller checks :attr:`close` first)."""
        protocol = self._protocol
        if isinstance(message, str):
            payload = message.encode()
            protocol.send_text(payload)
        else:
            payload = message
            protocol.send_binary(payload)
        (frame,) = protocol.data_to_send()
        return frame, len(payload)

    def ping(self, payload: bytes) -> None:
        """Queue a ping (ignored once the connection is closing)."""
        try:
            self._protocol.send_ping(payload)
        except InvalidState:
            return
        self._collect()

    def close_with(self, code: int, reason: str) -> None:
        """Start the closing handshake (this end's close is recorded as ``"client"``)."""
        self._record(CloseInfo(code=code, reason=reason, initiator="client"))
        protocol = self._protocol
        if protocol.state is not State.OPEN:
            return  # a close frame was already sent (or the connection is gone)
        wire_reason = reason.encode()[:_MAX_CLOSE_REASON].decode(errors="ignore")
        try:
            protocol.send_close(code, wire_reason)
        except Exception:  # an invalid code (e.g. 1005): a close frame without a code
            protocol.send_close()
        self._collect()

    def abandon(self, info: CloseInfo) -> None:
        """Record that this end gave up on the connection (no close frame is sent)."""
        self._record(info)

    @property
    def close_received(self) -> bool:
        """Whether the server's close frame arrived (or the stream ended)."""
        return self._protocol.close_rcvd is not None or self._protocol.state is State.CLOSED

    def take_control(self) -> bytes:
        """The control frames queued since the last call (pongs, close frames)."""
        data = bytes(self._control)
        self._control.clear()
        return data

    def put_back_control(self, data: bytes) -> None:
        """Return control bytes that could not be written to the front of the queue."""
        self._control[:0] = data

    @property
    def has_control(self) -> bool:
        return bool(self._control)

    def _collect(self) -> None:
        for data in self._protocol.data_to_send():
            self._control += data  # (the end-of-stream marker b"" adds nothing)

    def _record(self, info: CloseInfo) -> None:
        if self.close is None:
            self.close = info


def handshake_failure(error: Exception | None) -> str:
    """A short description of a failed handshake (never any header value)."""
    if isinstance(error, InvalidMessage):
        return "the server's answer is not a valid HTTP response"
    return type(error).__name__ if error is not None else "unknown error"
