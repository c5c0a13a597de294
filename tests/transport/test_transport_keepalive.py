"""Keepalive pings of both WebSocket transports (``ping_interval``, ``ping_timeout``), on a
mock clock against loopback peers that answer pings, ignore them, or stall entirely."""

from __future__ import annotations

import pytest
import trio
from conftest import DIRECT, Impl
from ws_server import open_tcp_server, raw_upgrade, server_frame
from wsproto.events import CloseConnection, Ping

from trio_realtime.transport import CloseInfo, TransportClosed

TIMEOUT = CloseInfo(code=1011, reason="keepalive ping timeout", initiator="error")


class PingPeer:
    """A server that records the pings it gets, answers them or not, and may send a text
    message every ``talk_every`` seconds."""

    def __init__(self, *, answer: bool, talk_every: float | None = None) -> None:
        self.answer = answer
        self.talk_every = talk_every
        self.pings: list[float] = []
        self._write = trio.Lock()

    async def __call__(self, stream: trio.abc.Stream) -> None:
        ws, _ = await raw_upgrade(stream)
        async with trio.open_nursery() as nursery:
            if self.talk_every is not None:
                nursery.start_soon(self._talk, stream, self.talk_every)
            while data := await stream.receive_some(65536):
                ws.receive_data(data)
                for event in ws.events():
                    if isinstance(event, Ping):
                        self.pings.append(trio.current_time())
                        if self.answer:
                            async with self._write:
                                await stream.send_all(ws.send(event.response()))
                    elif isinstance(event, CloseConnection):
                        async with self._write:
                            await stream.send_all(ws.send(event.response()))
                        nursery.cancel_scope.cancel()
                        return
            nursery.cancel_scope.cancel()

    async def _talk(self, stream: trio.abc.Stream, every: float) -> None:
        n = 0
        while True:
            await trio.sleep(every)
            n += 1
            async with self._write:
                await stream.send_all(server_frame(0x1, b"%d" % n))


async def stalled(stream: trio.abc.Stream) -> None:
    """Answers the upgrade, then neither reads nor writes (the socket stays open)."""
    await raw_upgrade(stream)
    await trio.sleep_forever()


async def test_a_stalled_peer_is_dropped_after_interval_plus_timeout(
    impl: Impl, autojump_clock: object
) -> None:
    async with open_tcp_server(stalled) as server, trio.open_nursery() as nursery:
        start = trio.current_time()
        transport = await impl.connect(nursery, server.url(), ping_interval=20, ping_timeout=20)
        with pytest.raises(TransportClosed) as on_receive:
            await transport.receive_message()
        assert trio.current_time() - start == pytest.approx(40)
        with pytest.raises(TransportClosed) as on_send:
            await transport.send_message("hello?")
        assert transport.closed == TIMEOUT
        closing = trio.current_time()
        await transport.aclose()
        assert trio.current_time() == closing  # already aborted: nothing to wait for
        assert transport.closed == TIMEOUT  # kept
    assert on_receive.value.info == on_send.value.info == TIMEOUT


async def test_an_answering_peer_stays_connected(impl: Impl, autojump_clock: object) -> None:
    peer = PingPeer(answer=True)
    async with open_tcp_server(peer) as server, trio.open_nursery() as nursery:
        start = trio.current_time()
        transport = await impl.connect(nursery, server.url(), ping_interval=20, ping_timeout=5)
        with trio.move_on_after(300):
            await transport.receive_message()
        assert transport.closed is None
        await transport.aclose()
    gaps = [b - a for a, b in zip([start, *peer.pings], peer.pings, strict=False)]
    assert len(peer.pings) in (14, 15)  # one every 20 s
    assert all(gap == pytest.approx(20) for gap in gaps)


async def test_ping_interval_none_sends_no_pings(impl: Impl, autojump_clock: object) -> None:
    peer = PingPeer(answer=False)
    async with open_tcp_server(peer) as server, trio.open_nursery() as nursery:
        transport = await impl.connect(nursery, server.url(), ping_interval=None)
        with trio.move_on_after(300):
            await transport.receive_message()
        assert transport.closed is None
        await transport.aclose()
    assert peer.pings == []


async def test_ping_timeout_none_pings_but_never_drops(impl: Impl, autojump_clock: object) -> None:
    peer = PingPeer(answer=False)
    async with open_tcp_server(peer) as server, trio.open_nursery() as nursery:
        transport = await impl.connect(nursery, server.url(), ping_interval=20, ping_timeout=None)
        with trio.move_on_after(300):
            await transport.receive_message()
        assert transport.closed is None
        await transport.aclose()
    assert len(peer.pings) in (14, 15)


async def test_messages_without_pongs_do_not_keep_the_connection(
    impl: Impl, autojump_clock: object
) -> None:
    peer = PingPeer(answer=False, talk_every=3)
    received: list[str | bytes] = []
    async with open_tcp_server(peer) as server, trio.open_nursery() as nursery:
        start = trio.current_time()
        transport = await impl.connect(nursery, server.url(), ping_interval=20, ping_timeout=20)
        with pytest.raises(TransportClosed) as caught:
            while True:
                received.append(await transport.receive_message())
        assert trio.current_time() - start == pytest.approx(40)
        await transport.aclose()
    assert caught.value.info == TIMEOUT
    assert received == [str(n) for n in range(1, 14)]  # every message sent before (3 .. 39 s)


async def test_a_consumer_that_stops_reading_is_not_a_dead_peer(
    impl: Impl, autojump_clock: object
) -> None:
    # The peer never answers pings. The direct transport pings and counts the pong timeout
    # only while someone waits in receive_message; trio-websocket's keepalive task runs
    # regardless of the consumer.
    peer = PingPeer(answer=False)
    async with open_tcp_server(peer) as server, trio.open_nursery() as nursery:
        start = trio.current_time()
        transport = await impl.connect(nursery, server.url(), ping_interval=20, ping_timeout=20)
        await trio.sleep(100)  # nobody reads
        if impl is DIRECT:
            assert transport.closed is None
            assert peer.pings == []
            with pytest.raises(TransportClosed) as caught:
                await transport.receive_message()  # a ping at once (overdue), 20 s of silence
            assert trio.current_time() - start == pytest.approx(120)
            assert peer.pings == [pytest.approx(start + 100)]
            assert caught.value.info == TIMEOUT
        else:
            assert transport.closed == TIMEOUT
            assert peer.pings == [pytest.approx(start + 20)]
        await transport.aclose()


@pytest.mark.parametrize(
    ("interval", "timeout", "name"),
    [(0, 20, "ping_interval"), (-1, 20, "ping_interval"), (20, 0, "ping_timeout")],
)
async def test_bad_settings_are_refused(
    impl: Impl, interval: float, timeout: float, name: str
) -> None:
    async with trio.open_nursery() as nursery:
        with pytest.raises(ValueError, match=name):
            await impl.connect(
                nursery, "ws://127.0.0.1:9/", ping_interval=interval, ping_timeout=timeout
            )
