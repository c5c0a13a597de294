"""Closing a WebSocketTransport: idempotent, bounded, cancel-safe; pending calls wake up."""

from __future__ import annotations

import pytest
import trio
import trio.testing
import trio_websocket
from conftest import Impl
from ws_server import ServerConnection, open_tcp_server, open_ws_server, raw_upgrade, read_until_eof
from wsproto import WSConnection
from wsproto.events import CloseConnection

from trio_realtime.transport import CloseInfo, TransportClosed, connect_websocket_transport

MiB = 2**20
HUGE = b"h" * (48 * MiB)  # more than loopback socket buffers hold


async def test_aclose_is_idempotent_and_sends_our_code(impl: Impl) -> None:
    server_saw: list[trio_websocket.CloseReason | None] = []

    async def handler(conn: ServerConnection) -> None:
        ws = await conn.accept()
        try:
            await ws.get_message()
        except trio_websocket.ConnectionClosed as exc:
            server_saw.append(exc.reason)

    with trio.fail_after(10):
        async with open_ws_server(handler) as server, trio.open_nursery() as nursery:
            transport = await impl.connect(nursery, server.url())
            async with trio.open_nursery() as closers:  # concurrent calls are fine too
                closers.start_soon(transport.aclose, 4001, "custom")
                await trio.testing.wait_all_tasks_blocked()  # the first one is closing
                closers.start_soon(transport.aclose)
            assert not nursery.child_tasks  # no task of the transport is left
            await transport.aclose()
            assert transport.closed == CloseInfo(code=4001, reason="custom", initiator="client")
            with pytest.raises(TransportClosed) as caught:
                await transport.send_message("x")
            assert caught.value.info.initiator == "client"
            with pytest.raises(TransportClosed):
                await transport.receive_message()
    assert len(server_saw) == 1
    assert server_saw[0] is not None
    assert (server_saw[0].code, server_saw[0].reason) == (4001, "custom")


class SilentServer:
    """Answers the upgrade, then reads nothing until ``release`` is set; then it records
    what it received until EOF (parsed as WebSocket events and as raw bytes)."""

    def __init__(self) -> None:
        self.release = trio.Event()
        self.done = trio.Event()
        self.raw = b""
        self.events: list[object] = []
        self.ws: WSConnection | None = None

    async def __call__(self, stream: trio.abc.Stream) -> None:
        self.ws, _ = await raw_upgrade(stream)
        await self.release.wait()
        self.raw = await read_until_eof(stream)
        self.ws.receive_data(self.raw)
        self.events = list(self.ws.events())
        self.done.set()

    async def finish(self) -> None:
        self.release.set()
        with trio.fail_after(1):
            await self.done.wait()

    def close_codes(self) -> list[int]:
        return [event.code for event in self.events if isinstance(event, CloseConnection)]


async def test_aclose_is_bounded_when_the_server_never_answers(
    autojump_clock: object, impl: Impl
) -> None:
    silent = SilentServer()
    async with open_tcp_server(silent) as server, trio.open_nursery() as nursery:
        transport = await impl.connect(nursery, server.url(), close_timeout=2)
        start = trio.current_time()
        await transport.aclose()
        assert trio.current_time() - start == 2
        assert not nursery.child_tasks
        await silent.finish()
    assert silent.close_codes() == [1000]  # the close frame went out, then the socket closed


async def test_aclose_is_cancel_safe(autojump_clock: object, impl: Impl) -> None:
    silent = SilentServer()
    async with open_tcp_server(silent) as server, trio.open_nursery() as nursery:
        transport = await impl.connect(nursery, server.url(), close_timeout=2)
        start = trio.current_time()
        with trio.move_on_after(0.5) as scope:
            await transport.aclose()
        assert scope.cancelled_caught  # Cancelled was raised at the end...
        assert trio.current_time() - start == 2  # ...after the shielded, bounded close
        assert transport.closed is not None
        assert not nursery.child_tasks
        await silent.finish()  # and the socket is closed
    assert silent.close_codes() == [1000]


async def test_aclose_aborts_when_the_server_closed_but_keeps_tcp_open(
    autojump_clock: object,
    impl: Impl,
) -> None:
    held = trio.Event()

    async def closes_but_keeps_tcp(stream: trio.abc.Stream) -> None:
        ws, _ = await raw_upgrade(stream)
        await stream.send_all(ws.send(CloseConnection(code=1000, reason="bye")))
        await held.wait()  # never closes TCP itself

    async with open_tcp_server(closes_but_keeps_tcp) as server, trio.open_nursery() as nursery:
        transport = await impl.connect(nursery, server.url(), close_timeout=2)
        with pytest.raises(TransportClosed) as caught:
            await transport.receive_message()
        assert caught.value.info == CloseInfo(code=1000, reason="bye", initiator="server")
        start = trio.current_time()
        await transport.aclose()
        assert trio.current_time() == start  # no waiting for the server to close TCP
        assert not nursery.child_tasks
        held.set()


async def test_pending_receive_wakes_when_another_task_closes(impl: Impl) -> None:
    async def handler(conn: ServerConnection) -> None:
        await conn.accept()
        await trio.sleep_forever()

    results: list[CloseInfo] = []
    with trio.fail_after(10):
        async with open_ws_server(handler) as server, trio.open_nursery() as nursery:
            transport = await impl.connect(nursery, server.url())

            async def receive() -> None:
                with pytest.raises(TransportClosed) as caught:
                    await transport.receive_message()
                results.append(caught.value.info)

            async with trio.open_nursery() as waiters:
                waiters.start_soon(receive)
                await trio.testing.wait_all_tasks_blocked()
                await transport.aclose(1000, "bye")
    assert results == [CloseInfo(code=1000, reason="bye", initiator="client")]


async def test_pending_send_wakes_when_another_task_closes(
    autojump_clock: object, impl: Impl
) -> None:
    silent = SilentServer()
    results: list[CloseInfo] = []
    async with open_tcp_server(silent) as server, trio.open_nursery() as nursery:
        transport = await impl.connect(nursery, server.url(), close_timeout=2)

        async def send() -> None:
            with pytest.raises(TransportClosed) as caught:
                await transport.send_message(HUGE)  # blocks: the server does not read
            results.append(caught.value.info)

        async with trio.open_nursery() as senders:
            senders.start_soon(send)
            await trio.testing.wait_all_tasks_blocked()
            start = trio.current_time()
            await transport.aclose()
            assert trio.current_time() - start == 2  # the close frame could not be sent
        await silent.finish()
    assert [info.initiator for info in results] == ["client"]
    assert transport.statistics().messages_sent == 0


async def test_send_cancelled_mid_frame_aborts_the_connection(
    autojump_clock: object, impl: Impl
) -> None:
    silent = SilentServer()
    received: list[CloseInfo] = []

    async def receive() -> None:
        with pytest.raises(TransportClosed) as caught:
            await transport.receive_message()
        received.append(caught.value.info)

    async with open_tcp_server(silent) as server, trio.open_nursery() as nursery:
        transport = await impl.connect(nursery, server.url())
        nursery.start_soon(receive)  # waiting for data when the connection is aborted
        with trio.move_on_after(1) as scope:
            await transport.send_message(HUGE)
        assert scope.cancelled_caught
        await trio.testing.wait_all_tasks_blocked()
        assert len(received) == 1
        assert received[0] == transport.closed  # the pending receive woke with the same info
        info = transport.closed
        assert info is not None
        assert (info.initiator, info.code) == ("error", None)
        with pytest.raises(TransportClosed) as caught:
            await transport.send_message("x")
        assert caught.value.info == info
        start = trio.current_time()
        await transport.aclose()
        assert trio.current_time() == start  # already aborted: nothing to wait for
        await silent.finish()
    assert 0 < len(silent.raw) < len(HUGE)  # a partial frame, then the connection dropped
    # The server got the start of the message, never its end.
    assert silent.events
    assert not any(getattr(event, "message_finished", True) for event in silent.events)


async def test_send_cancelled_before_writing_keeps_the_transport(impl: Impl) -> None:
    async def echo(conn: ServerConnection) -> None:
        ws = await conn.accept()
        while True:
            await ws.send_message(await ws.get_message())

    with trio.fail_after(10):
        async with open_ws_server(echo) as server, trio.open_nursery() as nursery:
            transport = await impl.connect(nursery, server.url())
            with trio.CancelScope() as scope:
                scope.cancel()
                await transport.send_message("never")
            assert scope.cancelled_caught
            assert transport.closed is None
            await transport.send_message("still works")
            assert await transport.receive_message() == "still works"
            assert transport.statistics().messages_sent == 1
            await transport.aclose()


async def test_cancelling_the_nursery_closes_the_trio_websocket_transport() -> None:
    # (the direct transport runs no task: it has no nursery to be cancelled)
    async def handler(conn: ServerConnection) -> None:
        await conn.accept()
        await trio.sleep_forever()

    with trio.fail_after(10):
        async with open_ws_server(handler) as server:
            async with trio.open_nursery() as nursery:
                transport = await connect_websocket_transport(nursery, server.url())
                nursery.cancel_scope.cancel()
            info = transport.closed
            assert info is not None
            assert (info.initiator, info.code) == ("client", None)
            with pytest.raises(TransportClosed):
                await transport.receive_message()
            await transport.aclose()  # still fine, returns at once
