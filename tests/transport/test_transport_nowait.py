"""``DirectWebSocketTransport.receive_message_nowait``: buffered messages only, never the socket."""

from __future__ import annotations

import pytest
import trio
import trio.testing
from conftest import DIRECT
from ws_server import answer_close, open_tcp_server, raw_upgrade, server_frame

from trio_realtime.transport import TransportClosed

TEXT, BINARY, CLOSE = 1, 2, 8


async def test_nowait_returns_what_one_read_buffered_then_would_block() -> None:
    sent, go = trio.Event(), trio.Event()

    async def handler(stream: trio.abc.Stream) -> None:
        ws, _ = await raw_upgrade(stream)
        await go.wait()  # (so the handshake's own read cannot take the frames too)
        frames = [server_frame(TEXT, b"one"), server_frame(BINARY, b"two")]
        await stream.send_all(b"".join([*frames, server_frame(TEXT, b"three")]))
        sent.set()
        await answer_close(stream, ws)

    with trio.fail_after(10):
        async with open_tcp_server(handler) as server, DIRECT.open(server.url()) as transport:
            with pytest.raises(trio.WouldBlock):
                transport.receive_message_nowait()  # nothing read yet: the socket is not read
            go.set()
            await sent.wait()
            await trio.testing.wait_all_tasks_blocked()
            assert await transport.receive_message() == "one"  # one read took all three
            assert transport.receive_message_nowait() == b"two"
            assert transport.receive_message_nowait() == "three"
            with pytest.raises(trio.WouldBlock):
                transport.receive_message_nowait()


async def test_nowait_after_a_close_would_block_and_receive_reports_it() -> None:
    async def handler(stream: trio.abc.Stream) -> None:
        await raw_upgrade(stream)
        close = server_frame(CLOSE, (1000).to_bytes(2, "big") + b"done")
        await stream.send_all(server_frame(TEXT, b"last") + close)
        await trio.sleep_forever()

    with trio.fail_after(10):
        async with open_tcp_server(handler) as server, DIRECT.open(server.url()) as transport:
            assert await transport.receive_message() == "last"
            with pytest.raises(trio.WouldBlock):
                transport.receive_message_nowait()
            with pytest.raises(TransportClosed) as closed:
                await transport.receive_message()
            assert (closed.value.info.code, closed.value.info.initiator) == (1000, "server")
            with pytest.raises(trio.WouldBlock):
                transport.receive_message_nowait()
