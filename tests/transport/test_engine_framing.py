"""The engine's own frame splitting (its receive fast path) against the ``websockets`` package:
whatever the chunking, the messages, replies and close are the ones the protocol alone makes."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st
from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.server import ServerProtocol

from trio_realtime.transport import CloseInfo
from trio_realtime.transport._engine import ClientEngine
from trio_realtime.transport._target import parse_ws_url

URL = "ws://example.com/v1/realtime"


def upgraded(max_message_size: int = 2**20) -> tuple[ClientEngine, ServerProtocol, bytes]:
    """An engine, the server protocol that accepts it, and the (not yet fed) answer bytes."""
    engine = ClientEngine(parse_ws_url(URL, ssl_context=None), max_message_size=max_message_size)
    server = ServerProtocol(max_size=None)
    server.receive_data(engine.handshake_request())
    (request,) = server.events_received()
    assert isinstance(request, Request)
    server.send_response(server.accept(request))
    return engine, server, b"".join(server.data_to_send())


def wire(server: ServerProtocol) -> bytes:
    return b"".join(server.data_to_send())


def replies(engine: ClientEngine, server: ServerProtocol) -> list[tuple[Opcode, bytes]]:
    server.receive_data(engine.take_control())
    frames = server.events_received()
    assert all(isinstance(f, Frame) for f in frames)
    return [(f.opcode, bytes(f.data)) for f in frames]  # type: ignore[union-attr]


def test_the_answer_and_the_first_frames_in_one_read() -> None:
    engine, server, answer = upgraded()
    server.send_text(b"first")
    server.send_binary(b"\x01\x02")
    engine.receive_data(answer + wire(server))
    assert engine.handshake == "accepted"
    assert list(engine.messages) == ["first", b"\x01\x02"]
    assert (engine.messages_received, engine.payload_bytes_received) == (2, 7)


def test_the_answer_and_frames_byte_by_byte() -> None:
    engine, server, answer = upgraded()
    server.send_text(b"a" * 200)  # a 16-bit length
    server.send_text(b"b" * 70000)  # a 64-bit length
    data = answer + wire(server)
    for i in range(len(data)):
        engine.receive_data(data[i : i + 1])
    assert list(engine.messages) == ["a" * 200, "b" * 70000]


def test_control_frames_and_fragments_between_data_frames() -> None:
    engine, server, answer = upgraded()
    engine.receive_data(answer)
    server.send_text(b"one")
    server.send_ping(b"p1")
    server.send_text(b"tw", fin=False)
    server.send_continuation(b"o!", fin=True)
    server.send_binary(b"three")
    engine.receive_data(wire(server))
    assert list(engine.messages) == ["one", "two!", b"three"]
    assert replies(engine, server) == [(Opcode.PONG, b"p1")]


def test_frames_after_the_close_frame_are_ignored() -> None:
    engine, server, answer = upgraded()
    server.send_text(b"before")
    server.send_close(1000, "bye")
    data = answer + wire(server) + b"\x81\x05after"  # a frame the server should not send
    engine.receive_data(data)
    assert list(engine.messages) == ["before"]
    assert engine.close == CloseInfo(code=1000, reason="bye", initiator="server")
    assert replies(engine, server) == [(Opcode.CLOSE, b"\x03\xe8bye")]


def test_a_masked_server_frame_fails_with_1002() -> None:
    engine, _, answer = upgraded()
    masked = bytes(b ^ m for b, m in zip(b"xyz", b"abc", strict=True))
    engine.receive_data(answer + b"\x81\x83abcd" + masked)
    assert list(engine.messages) == []
    assert engine.close is not None
    assert (engine.close.code, engine.close.initiator) == (1002, "error")


def test_an_oversized_header_fails_at_once_without_waiting_for_the_payload() -> None:
    engine, _, answer = upgraded(max_message_size=1000)
    engine.receive_data(answer + b"\x82\x7e\x10\x00")  # binary, 4096 bytes announced
    assert engine.close is not None
    assert (engine.close.code, engine.close.initiator) == (1009, "error")


def test_invalid_utf8_in_a_single_frame_fails_with_1007_and_stops() -> None:
    engine, server, answer = upgraded()
    server.send_text(b"ok")
    server.send_text(b"\xc3\x28")
    server.send_text(b"never")
    engine.receive_data(answer + wire(server))
    assert list(engine.messages) == ["ok"]
    assert engine.close is not None
    assert engine.close.code == 1007


def test_a_stream_ending_inside_a_frame_is_an_error() -> None:
    engine, server, answer = upgraded()
    server.send_text(b"whole")
    server.send_text(b"x" * 300)
    engine.receive_data((answer + wire(server))[:-50])
    engine.receive_eof()
    assert list(engine.messages) == ["whole"]
    assert engine.close == CloseInfo(
        code=None, reason="connection lost without a close frame", initiator="error"
    )


_FRAME = st.one_of(
    st.tuples(st.just("text"), st.text(max_size=300)),
    st.tuples(st.just("binary"), st.binary(max_size=300)),
    st.tuples(st.just("ping"), st.binary(max_size=20)),
    st.tuples(st.just("fragmented"), st.text(min_size=2, max_size=50)),
)


@settings(max_examples=150, deadline=None)
@given(frames=st.lists(_FRAME, max_size=12), cuts=st.lists(st.integers(0, 5000), max_size=8))
def test_any_chunking_gives_what_one_read_gives(
    frames: list[tuple[str, object]], cuts: list[int]
) -> None:
    engine, server, answer = upgraded()
    expected: list[str | bytes] = []
    for kind, value in frames:
        if kind == "text":
            assert isinstance(value, str)
            server.send_text(value.encode())
            expected.append(value)
        elif kind == "binary":
            assert isinstance(value, bytes)
            server.send_binary(value)
            expected.append(value)
        elif kind == "ping":
            assert isinstance(value, bytes)
            server.send_ping(value)
        else:
            assert isinstance(value, str)
            raw = value.encode()
            server.send_text(raw[:1], fin=False)
            server.send_continuation(raw[1:], fin=True)
            expected.append(value)
    data = answer + wire(server)
    bounds = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    for start, end in itertools.pairwise(bounds):
        engine.receive_data(data[start:end])
    assert list(engine.messages) == expected
    assert engine.close is None
    pings = [value for kind, value in frames if kind == "ping"]
    assert replies(engine, server) == [(Opcode.PONG, p) for p in pings]
