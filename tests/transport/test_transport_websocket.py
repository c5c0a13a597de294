"""WebSocketTransport against a real trio-websocket server on loopback: handshake, messages,
size limits, and how each kind of close is reported."""

from __future__ import annotations

import logging
import ssl

import attrs
import pytest
import trio
import trustme
from conftest import Impl
from ws_server import ServerConnection, open_tcp_server, open_ws_server, raw_upgrade
from wsproto.events import CloseConnection, Message
from wsproto.frame_protocol import CloseReason

from trio_realtime import RealtimeConnectionError
from trio_realtime.transport import (
    CloseInfo,
    Transport,
    TransportClosed,
    TransportStatistics,
    WebSocketTransport,
    open_websocket_transport,
)

KEY = "sk-test-SECRET-KEY-0123456789"
MiB = 2**20


async def echo(conn: ServerConnection) -> None:
    ws = await conn.accept()
    while True:
        await ws.send_message(await ws.get_message())


async def test_handshake_sends_headers_and_messages_flow_both_ways(impl: Impl) -> None:
    seen: dict[str, object] = {}

    async def handler(conn: ServerConnection) -> None:
        seen["headers"] = conn.headers
        seen["path"] = conn.request.path
        await echo(conn)

    with trio.fail_after(10):
        async with open_ws_server(handler) as server:
            url = server.url("/v1/realtime?model=gpt-realtime")
            headers = [("Authorization", f"Bearer {KEY}"), ("X-Extra", "yes")]
            async with impl.open(url, headers=headers) as transport:
                after_handshake = transport.statistics()
                checked: Transport = transport  # a Transport, for mypy
                await checked.send_message('{"type": "ping"}')
                assert await transport.receive_message() == '{"type": "ping"}'
                await transport.send_message(b"\x00\xff")
                binary = await transport.receive_message()
                assert binary == b"\x00\xff"
                assert isinstance(binary, bytes)
                assert transport.closed is None
                stats = transport.statistics()
                assert attrs.evolve(
                    stats, socket_bytes_sent=None, socket_bytes_received=None
                ) == TransportStatistics(
                    messages_sent=2, bytes_sent=18, messages_received=2, bytes_received=18
                )
                # The byte stream after the upgrade: 2 masked client frames (6-byte headers),
                # 2 server frames (2-byte headers).
                assert after_handshake.socket_bytes_sent  # the upgrade request
                assert after_handshake.socket_bytes_received  # the 101 answer
                assert stats.socket_bytes_sent == after_handshake.socket_bytes_sent + 18 + 2 * 6
                received = after_handshake.socket_bytes_received + 18 + 2 * 2
                assert stats.socket_bytes_received == received
    headers_seen = seen["headers"]
    assert isinstance(headers_seen, dict)
    assert headers_seen["authorization"] == f"Bearer {KEY}"
    assert headers_seen["x-extra"] == "yes"
    assert seen["path"] == "/v1/realtime?model=gpt-realtime"
    assert transport.closed == CloseInfo(code=1000, reason="", initiator="client")


async def test_two_mib_messages_pass_both_ways(impl: Impl) -> None:
    with trio.fail_after(20):
        async with open_ws_server(echo) as server:
            async with impl.open(server.url()) as transport:
                text = "t" * (2 * MiB)
                await transport.send_message(text)
                assert await transport.receive_message() == text
                data = bytes(range(256)) * (8 * 1024)  # 2 MiB
                await transport.send_message(data)
                assert await transport.receive_message() == data


async def test_seventeen_mib_message_is_rejected_with_1009(impl: Impl) -> None:
    async def handler(conn: ServerConnection) -> None:
        ws = await conn.accept()
        await ws.send_message("small first")
        await ws.send_message("x" * (17 * MiB))
        await trio.sleep_forever()

    with trio.fail_after(20):
        async with open_ws_server(handler) as server:
            async with impl.open(server.url()) as transport:
                assert await transport.receive_message() == "small first"
                with pytest.raises(TransportClosed) as caught:
                    await transport.receive_message()
                with pytest.raises(TransportClosed):
                    await transport.send_message("after")
    info = caught.value.info
    assert info.code == 1009
    assert info.initiator == "error"
    assert "max_message_size" in info.reason


@pytest.mark.parametrize("size", [1000, 1001])
async def test_max_message_size_boundary(size: int, impl: Impl) -> None:
    async def handler(conn: ServerConnection) -> None:
        ws = await conn.accept()
        await ws.send_message(b"b" * size)
        await trio.sleep_forever()

    with trio.fail_after(10):
        async with open_ws_server(handler) as server:
            async with impl.open(server.url(), max_message_size=1000) as transport:
                if size <= 1000:
                    assert len(await transport.receive_message()) == size
                else:
                    with pytest.raises(TransportClosed) as caught:
                        await transport.receive_message()
                    assert caught.value.info.code == 1009


async def test_server_close_frame_is_reported_after_earlier_messages(impl: Impl) -> None:
    async def handler(conn: ServerConnection) -> None:
        ws = await conn.accept()
        await ws.send_message("one")
        await ws.send_message(b"two")
        await ws.aclose(4000, "session expired")

    expected = CloseInfo(code=4000, reason="session expired", initiator="server")
    with trio.fail_after(10):
        async with open_ws_server(handler) as server:
            async with impl.open(server.url()) as transport:
                assert await transport.receive_message() == "one"
                assert await transport.receive_message() == b"two"
                with pytest.raises(TransportClosed) as on_receive:
                    await transport.receive_message()
                with pytest.raises(TransportClosed) as on_send:
                    await transport.send_message("hello?")
                assert transport.closed == expected
    assert on_receive.value.info == expected
    assert on_send.value.info == expected
    assert transport.closed == expected  # our aclose() on exit does not overwrite it
    assert "closed by the server (code 4000: session expired)" in str(on_receive.value)


async def test_server_close_without_code_is_1005(impl: Impl) -> None:
    async def handler(conn: ServerConnection) -> None:
        ws = await conn.accept()
        await ws.aclose(CloseReason.NO_STATUS_RCVD)  # wsproto sends a close frame with no code

    with trio.fail_after(10):
        async with open_ws_server(handler) as server:
            async with impl.open(server.url()) as transport:
                with pytest.raises(TransportClosed) as caught:
                    await transport.receive_message()
    assert caught.value.info == CloseInfo(code=1005, reason="", initiator="server")


async def test_send_raises_once_the_server_close_was_read(impl: Impl) -> None:
    closed = trio.Event()

    async def handler(conn: ServerConnection) -> None:
        ws = await conn.accept()
        await ws.aclose(1001, "going away")  # returns once our client answered the close
        closed.set()

    expected = CloseInfo(code=1001, reason="going away", initiator="server")
    with trio.fail_after(10):
        async with open_ws_server(handler) as server:
            async with impl.open(server.url()) as transport:
                with pytest.raises(TransportClosed) as on_receive:
                    await transport.receive_message()
                await closed.wait()  # our answer to the close went out
                with pytest.raises(TransportClosed) as on_send:
                    await transport.send_message("x")
    assert on_receive.value.info == on_send.value.info == expected


async def test_trio_websocket_sees_a_server_close_even_before_receiving() -> None:
    # Its reader task reads all the time. (The direct transport reads only inside
    # receive_message, which a session's reader task always is.)
    closed = trio.Event()

    async def handler(conn: ServerConnection) -> None:
        ws = await conn.accept()
        await ws.aclose(1001, "going away")
        closed.set()

    with trio.fail_after(10):
        async with open_ws_server(handler) as server:
            async with open_websocket_transport(server.url()) as transport:
                await closed.wait()
                with pytest.raises(TransportClosed) as caught:
                    await transport.send_message("x")
    assert caught.value.info == CloseInfo(code=1001, reason="going away", initiator="server")


async def test_dropped_connection_is_an_error_without_code(impl: Impl) -> None:
    async def handler(conn: ServerConnection) -> None:
        ws = await conn.accept()
        await ws.send_message("last")
        await conn.drop()  # TCP closed, no close frame

    with trio.fail_after(10):
        async with open_ws_server(handler) as server:
            async with impl.open(server.url()) as transport:
                assert await transport.receive_message() == "last"
                with pytest.raises(TransportClosed) as on_receive:
                    await transport.receive_message()
                with pytest.raises(TransportClosed) as on_send:
                    await transport.send_message("x")
    for caught in (on_receive, on_send):
        assert caught.value.info.initiator == "error"
        assert caught.value.info.code is None


async def test_invalid_frame_from_server_surfaces_as_1002(impl: Impl) -> None:
    async def handler(stream: trio.abc.Stream) -> None:
        await raw_upgrade(stream)
        await stream.send_all(b"\x83\x00")  # a frame with the reserved opcode 0x3
        await trio.sleep_forever()

    with trio.fail_after(10):
        async with open_tcp_server(handler) as server, trio.open_nursery() as nursery:
            transport = await impl.connect(nursery, server.url())
            with pytest.raises(TransportClosed) as caught:
                await transport.receive_message()
            await transport.aclose()
    # Documented ambiguity: wsproto reports it like a close frame from the server.
    assert caught.value.info.code == 1002
    assert type(caught.value.info.code) is int


async def test_wss_with_a_custom_ssl_context(impl: Impl) -> None:
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)

    with trio.fail_after(10):
        async with open_ws_server(echo, ssl_context=server_context) as server:
            url = server.url()
            assert url.startswith("wss://")
            async with impl.open(url, ssl_context=client_context) as transport:
                await transport.send_message("secure")
                assert await transport.receive_message() == "secure"
            # The default context does not trust the test CA.
            with pytest.raises(RealtimeConnectionError, match="TLS handshake"):
                async with impl.open(url):
                    pass


async def test_repr_and_logs_never_show_the_key(
    caplog: pytest.LogCaptureFixture, impl: Impl
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, trio-websocket's too
    with trio.fail_after(10):
        async with open_ws_server(echo) as server, trio.open_nursery() as nursery:
            transport = await impl.connect(
                nursery,
                server.url(f"/ws?key={KEY}"),
                headers=[("x-goog-api-key", KEY), ("Authorization", f"Bearer {KEY}")],
            )
            assert repr(transport) == f"<{impl.name} ws://127.0.0.1:{server.port}/ws open>"
            await transport.send_message("hi")
            assert await transport.receive_message() == "hi"
            await transport.aclose(4001, "bye")
            assert repr(transport).endswith("closed by this end (code 4001: bye)>")
            assert KEY not in repr(transport)
            assert KEY not in repr(transport.closed)
    if impl.cls is WebSocketTransport:
        assert "received event" in caplog.text  # trio-websocket's debug logging was captured
    assert "connected to" in caplog.text  # ours too
    assert KEY not in caplog.text


async def test_a_key_echoed_in_a_close_reason_is_redacted(impl: Impl) -> None:
    async def handler(conn: ServerConnection) -> None:
        ws = await conn.accept()
        await ws.aclose(4003, f"invalid key {KEY}")

    with trio.fail_after(10):
        async with open_ws_server(handler) as server:
            headers = [("Authorization", f"Bearer {KEY}")]
            async with impl.open(server.url(), headers=headers) as transport:
                with pytest.raises(TransportClosed) as caught:
                    await transport.receive_message()
    assert caught.value.info == CloseInfo(
        code=4003, reason="invalid key [redacted]", initiator="server"
    )


async def test_unread_messages_are_dropped_by_our_close_even_after_a_server_close(
    impl: Impl,
) -> None:
    server_closed = trio.Event()

    async def handler(stream: trio.abc.Stream) -> None:
        ws, _ = await raw_upgrade(stream)
        await stream.send_all(  # all in one write: the client reads them together
            ws.send(Message(data="read"))
            + ws.send(Message(data="unread"))
            + ws.send(CloseConnection(code=1000, reason="bye"))
        )
        while not server_closed.is_set():  # until the client answers the close
            ws.receive_data(await stream.receive_some(65536))
            if any(isinstance(event, CloseConnection) for event in ws.events()):
                server_closed.set()
        await trio.sleep_forever()

    with trio.fail_after(10):
        async with open_tcp_server(handler) as server:
            async with impl.open(server.url()) as transport:
                assert await transport.receive_message() == "read"
                await server_closed.wait()
                assert transport.closed is not None
                await transport.aclose()
                with pytest.raises(TransportClosed) as caught:
                    await transport.receive_message()
    assert caught.value.info == CloseInfo(code=1000, reason="bye", initiator="server")
