"""The sans-I/O client engine of the direct transport, against the ``websockets`` package's own
sans-I/O *server* protocol (plain bytes both ways, no sockets, no trio)."""

from __future__ import annotations

import pytest
from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.server import ServerProtocol

from trio_realtime.transport import CloseInfo
from trio_realtime.transport._engine import ClientEngine, Rejection
from trio_realtime.transport._target import parse_ws_url

KEY = "sk-test-SECRET-KEY-0123456789"
URL = f"ws://example.com:8080/v1/realtime?model=gpt-realtime&key={KEY}"


def connected(
    *, max_message_size: int = 2**20, pongs: list[bytes] | None = None
) -> tuple[ClientEngine, ServerProtocol]:
    """An engine whose upgrade a real server protocol accepted."""
    headers = [("Authorization", f"Bearer {KEY}")]
    target = parse_ws_url(URL, ssl_context=None, headers=headers)
    engine = ClientEngine(target, headers=headers, max_message_size=max_message_size)
    if pongs is not None:
        engine.on_pong = pongs.append
    server = ServerProtocol()
    server.receive_data(engine.handshake_request())
    (request,) = server.events_received()
    assert isinstance(request, Request)
    server.send_response(server.accept(request))
    engine.receive_data(server_bytes(server))
    assert engine.handshake == "accepted"
    return engine, server


def server_bytes(server: ServerProtocol) -> bytes:
    return b"".join(server.data_to_send())


def client_frames(engine: ClientEngine, server: ServerProtocol) -> list[Frame]:
    """The control frames the engine queued, as the server protocol parses them."""
    server.receive_data(engine.take_control())
    frames = server.events_received()
    assert all(isinstance(frame, Frame) for frame in frames)
    return frames  # type: ignore[return-value]


def test_the_upgrade_request() -> None:
    headers = [("Authorization", f"Bearer {KEY}"), ("X-Extra", "yes")]
    target = parse_ws_url(URL, ssl_context=None, headers=headers)
    engine = ClientEngine(target, headers=headers, max_message_size=100)
    server = ServerProtocol()
    server.receive_data(engine.handshake_request())
    (request,) = server.events_received()
    assert isinstance(request, Request)
    assert request.path == f"/v1/realtime?model=gpt-realtime&key={KEY}"
    assert request.headers["Host"] == "example.com:8080"
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert request.headers["X-Extra"] == "yes"
    assert "Sec-WebSocket-Extensions" not in request.headers  # no compression offered
    server.accept(request)  # a valid upgrade request
    assert server.handshake_exc is None


def test_messages_fed_byte_by_byte() -> None:
    engine, server = connected()
    server.send_text("héllo".encode())
    server.send_binary(b"\x00\x01")
    data = server_bytes(server)
    for i in range(len(data)):
        engine.receive_data(data[i : i + 1])
    assert list(engine.messages) == ["héllo", b"\x00\x01"]
    assert (engine.messages_received, engine.payload_bytes_received) == (2, 8)


def test_fragments_are_joined() -> None:
    engine, server = connected()
    raw = "wörld".encode()
    server.send_text(raw[:2], fin=False)  # ends inside "ö"
    server.send_ping(b"mid")
    server.send_continuation(raw[2:], fin=True)
    engine.receive_data(server_bytes(server))
    assert list(engine.messages) == ["wörld"]
    (pong,) = client_frames(engine, server)
    assert (pong.opcode, pong.data) == (Opcode.PONG, b"mid")


def test_pongs_are_reported() -> None:
    pongs: list[bytes] = []
    engine, server = connected(pongs=pongs)
    engine.ping(b"1234")
    (ping,) = client_frames(engine, server)
    assert (ping.opcode, ping.data) == (Opcode.PING, b"1234")
    engine.receive_data(server_bytes(server))  # the server protocol answered it
    assert pongs == [b"1234"]


def test_a_server_close_is_echoed_and_reported_redacted() -> None:
    engine, server = connected()
    server.send_text(b"last")
    server.send_close(4001, f"bad key {KEY}")
    engine.receive_data(server_bytes(server))
    assert list(engine.messages) == ["last"]
    assert engine.close == CloseInfo(code=4001, reason="bad key [redacted]", initiator="server")
    assert engine.close_received
    (echo,) = client_frames(engine, server)
    assert echo.opcode == Opcode.CLOSE
    assert server.close_rcvd is not None
    assert server.close_rcvd.code == 4001


def test_our_close_and_the_answer() -> None:
    engine, server = connected()
    engine.close_with(4000, "r" * 200)  # a reason too long for a control frame
    assert engine.close == CloseInfo(code=4000, reason="r" * 200, initiator="client")
    (close,) = client_frames(engine, server)
    assert close.opcode == Opcode.CLOSE
    assert server.close_rcvd is not None
    assert (server.close_rcvd.code, server.close_rcvd.reason) == (4000, "r" * 123)
    assert not engine.close_received
    engine.receive_data(server_bytes(server))  # the server's answer
    assert engine.close_received
    assert engine.close.initiator == "client"  # kept


def test_a_close_code_that_cannot_be_sent_becomes_a_bare_close() -> None:
    engine, server = connected()
    engine.close_with(1005, "")
    client_frames(engine, server)
    assert server.close_rcvd is not None
    assert server.close_rcvd.code == 1005  # i.e. a close frame without a code
    assert engine.close == CloseInfo(code=1005, reason="", initiator="client")


@pytest.mark.parametrize("fragmented", [False, True])
def test_a_message_over_the_limit_fails_with_1009(fragmented: bool) -> None:
    engine, server = connected(max_message_size=10)
    server.send_text(b"ok")
    if fragmented:  # each fragment fits, the message does not
        server.send_binary(b"123456", fin=False)
        server.send_continuation(b"123456", fin=True)
    else:
        server.send_binary(b"12345678901")
    engine.receive_data(server_bytes(server))
    assert list(engine.messages) == ["ok"]
    assert engine.close == CloseInfo(
        code=1009, reason="received a message over max_message_size (10)", initiator="error"
    )
    (close,) = client_frames(engine, server)
    assert close.opcode == Opcode.CLOSE
    assert server.close_rcvd is not None
    assert server.close_rcvd.code == 1009


def test_invalid_utf8_fails_with_1007() -> None:
    engine, server = connected()
    server.send_text(b"bad \xff")
    server.send_text(b"after")  # never delivered: the connection failed first
    engine.receive_data(server_bytes(server))
    assert list(engine.messages) == []
    assert engine.close is not None
    assert (engine.close.code, engine.close.initiator) == (1007, "error")
    client_frames(engine, server)
    assert server.close_rcvd is not None
    assert server.close_rcvd.code == 1007


def test_a_protocol_violation_fails_with_1002() -> None:
    engine, _server = connected()
    engine.receive_data(b"\x83\x00")  # reserved opcode 3
    assert engine.close is not None
    assert (engine.close.code, engine.close.initiator) == (1002, "error")
    assert "invalid opcode" in engine.close.reason


def test_the_end_of_the_stream_mid_frame_is_an_error() -> None:
    engine, server = connected()
    server.send_text(b"x" * 300)
    engine.receive_data(server_bytes(server)[:100])
    engine.receive_eof()
    assert engine.close == CloseInfo(
        code=None, reason="connection lost without a close frame", initiator="error"
    )
    assert list(engine.messages) == []


def test_a_refused_upgrade_carries_status_and_body() -> None:
    target = parse_ws_url(URL, ssl_context=None)
    engine = ClientEngine(target, max_message_size=100)
    server = ServerProtocol()
    server.receive_data(engine.handshake_request())
    server.events_received()
    server.send_response(server.reject(401, '{"error": "invalid key"}'))
    engine.receive_data(server_bytes(server))
    assert engine.handshake == "failed"
    error = engine.handshake_error
    assert isinstance(error, Rejection)
    assert (error.status, error.body) == (401, b'{"error": "invalid key"}')
    assert type(error.body) is bytes


def test_an_answer_that_is_not_http_fails_the_handshake() -> None:
    engine = ClientEngine(parse_ws_url(URL, ssl_context=None), max_message_size=100)
    engine.handshake_request()
    engine.receive_data(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
    assert engine.handshake == "failed"
    assert engine.handshake_error is not None


def test_the_end_of_the_stream_during_the_handshake() -> None:
    engine = ClientEngine(parse_ws_url(URL, ssl_context=None), max_message_size=100)
    engine.handshake_request()
    engine.receive_data(b"HTTP/1.1 101 Switching")
    engine.receive_eof()
    assert engine.handshake == "failed"
    assert isinstance(engine.handshake_error, EOFError)


def test_encode_masks_frames_the_server_can_read() -> None:
    engine, server = connected()
    frame, size = engine.encode("héllo")
    server.receive_data(frame)
    (parsed,) = server.events_received()
    assert isinstance(parsed, Frame)
    assert (parsed.opcode, parsed.data, size) == (Opcode.TEXT, "héllo".encode(), 6)
    frame, size = engine.encode(b"\x00" * 70000)
    server.receive_data(frame)
    (parsed,) = server.events_received()
    assert isinstance(parsed, Frame)
    assert (parsed.opcode, len(parsed.data), size) == (Opcode.BINARY, 70000, 70000)
