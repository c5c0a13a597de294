"""Frame-level behaviour of both WebSocket transports against hand-made server bytes:
batching, split frames, fragments, pings, bad data, drops, and concurrent sends and receives."""

from __future__ import annotations

import pytest
import trio
import trio.testing
from conftest import DIRECT, Impl
from ws_server import (
    ServerConnection,
    answer_close,
    open_tcp_server,
    open_ws_server,
    raw_upgrade,
    read_until_eof,
    server_frame,
)
from wsproto import WSConnection
from wsproto.events import BytesMessage, CloseConnection, Event, Pong

from trio_realtime.transport import CloseInfo, Transport, TransportClosed

MiB = 2**20
TEXT, BINARY, CONT, CLOSE, PING = 0x1, 0x2, 0x0, 0x8, 0x9


async def echo(conn: ServerConnection) -> None:
    ws = await conn.accept()
    while True:
        await ws.send_message(await ws.get_message())


async def client_events(stream: trio.abc.Stream, ws: WSConnection, until: type) -> list[Event]:
    """What the client sent, parsed, until an event of type ``until`` arrives."""
    events: list[Event] = []
    while not any(isinstance(event, until) for event in events):
        data = await stream.receive_some(2**20)
        assert data, "the client closed the connection"
        ws.receive_data(data)
        events.extend(ws.events())
    return events


async def test_many_small_frames_in_one_write_arrive_in_order(impl: Impl) -> None:
    messages = [f'{{"type":"response.output_text.delta","n":{i}}}' for i in range(3000)]

    async def handler(stream: trio.abc.Stream) -> None:
        ws, _ = await raw_upgrade(stream)
        frames = [server_frame(TEXT, m.encode()) for m in messages]
        await stream.send_all(b"".join(frames) + server_frame(BINARY, b"\x00end"))
        await answer_close(stream, ws)

    with trio.fail_after(10):
        async with open_tcp_server(handler) as server, impl.open(server.url()) as transport:
            received = [await transport.receive_message() for _ in range(len(messages) + 1)]
            stats = transport.statistics()
    assert received == [*messages, b"\x00end"]
    assert stats.messages_received == len(messages) + 1
    assert stats.bytes_received == sum(len(m) for m in messages) + 4


async def test_a_frame_split_across_many_reads(impl: Impl) -> None:
    text = "é€" * 2000  # multi-byte characters: pieces end inside them
    frame = server_frame(TEXT, text.encode())

    async def handler(stream: trio.abc.Stream) -> None:
        ws, _ = await raw_upgrade(stream)
        for start in range(0, len(frame), 7):
            await stream.send_all(frame[start : start + 7])
            await trio.testing.wait_all_tasks_blocked()  # the client has read this piece
        await stream.send_all(server_frame(TEXT, b"next"))
        await answer_close(stream, ws)

    with trio.fail_after(20):
        async with open_tcp_server(handler) as server, impl.open(server.url()) as transport:
            assert await transport.receive_message() == text
            assert await transport.receive_message() == "next"


async def test_a_sixteen_mib_message_passes_both_ways(impl: Impl) -> None:
    text = "x" * (16 * MiB)  # exactly the default max_message_size
    with trio.fail_after(60):
        async with open_ws_server(echo) as server, impl.open(server.url()) as transport:
            await transport.send_message(text)
            assert await transport.receive_message() == text


async def test_fragmented_messages_are_joined_and_pings_between_fragments_answered(
    impl: Impl,
) -> None:
    text = "héllo wörld"
    raw = text.encode()
    pongs: list[bytes] = []
    answered = trio.Event()

    async def handler(stream: trio.abc.Stream) -> None:
        ws, _ = await raw_upgrade(stream)
        await stream.send_all(
            server_frame(TEXT, raw[:2], fin=False)  # ends inside "é"
            + server_frame(PING, b"between")
            + server_frame(CONT, raw[2:7], fin=False)
            + server_frame(CONT, raw[7:])
            + server_frame(BINARY, b"\x01\x02", fin=False)
            + server_frame(CONT, b"", fin=False)
            + server_frame(CONT, b"\x03")
        )
        events = await client_events(stream, ws, Pong)
        pongs.extend(bytes(e.payload) for e in events if isinstance(e, Pong))
        answered.set()
        await answer_close(stream, ws)

    with trio.fail_after(10):
        async with open_tcp_server(handler) as server, impl.open(server.url()) as transport:
            assert await transport.receive_message() == text
            assert await transport.receive_message() == b"\x01\x02\x03"
            await answered.wait()
    assert pongs == [b"between"]


async def test_a_ping_is_answered_while_the_client_reads(impl: Impl) -> None:
    pongs: list[bytes] = []
    answered = trio.Event()

    async def handler(stream: trio.abc.Stream) -> None:
        ws, _ = await raw_upgrade(stream)
        await stream.send_all(server_frame(PING, b"are you there"))
        events = await client_events(stream, ws, Pong)
        pongs.extend(bytes(e.payload) for e in events if isinstance(e, Pong))
        answered.set()
        await stream.send_all(server_frame(TEXT, b"thanks"))
        await answer_close(stream, ws)

    with trio.fail_after(10):
        async with open_tcp_server(handler) as server, impl.open(server.url()) as transport:
            assert await transport.receive_message() == "thanks"
    assert pongs == [b"are you there"]


async def test_the_direct_transport_answers_pings_only_when_read(autojump_clock: object) -> None:
    # The documented difference: with no task, nothing is read while nobody receives.
    pong_times: list[float] = []

    async def handler(stream: trio.abc.Stream) -> None:
        ws, _ = await raw_upgrade(stream)
        await trio.sleep(1)  # (a ping that came with the upgrade's answer is answered at once)
        await stream.send_all(server_frame(PING, b"p"))
        await client_events(stream, ws, Pong)
        pong_times.append(trio.current_time())
        await trio.sleep_forever()

    async with open_tcp_server(handler) as server, DIRECT.open(server.url()) as transport:
        start = trio.current_time()
        await trio.sleep(10)  # nobody reads: no pong
        assert pong_times == []
        with trio.move_on_after(1):
            await transport.receive_message()  # reads the ping, answers it
        await trio.sleep(0.1)
        assert pong_times == [start + 10]


async def test_server_dropping_mid_frame_is_an_error_after_earlier_messages(impl: Impl) -> None:
    async def handler(stream: trio.abc.Stream) -> None:
        await raw_upgrade(stream)
        second = server_frame(TEXT, b"x" * 1000)
        await stream.send_all(server_frame(TEXT, b"first") + second[:500])
        await trio.testing.wait_all_tasks_blocked()
        await stream.aclose()

    with trio.fail_after(10):
        async with open_tcp_server(handler) as server, impl.open(server.url()) as transport:
            assert await transport.receive_message() == "first"
            with pytest.raises(TransportClosed) as on_receive:
                await transport.receive_message()
            with pytest.raises(TransportClosed) as on_send:
                await transport.send_message("x")
    for caught in (on_receive, on_send):
        assert (caught.value.info.initiator, caught.value.info.code) == ("error", None)


async def test_invalid_utf8_fails_the_connection_with_1007(impl: Impl) -> None:
    close_codes: list[int] = []

    async def handler(stream: trio.abc.Stream) -> None:
        ws, _ = await raw_upgrade(stream)
        await stream.send_all(server_frame(TEXT, b"ok") + server_frame(TEXT, b"bad \xff"))
        ws.receive_data(await read_until_eof(stream))
        close_codes.extend(e.code for e in ws.events() if isinstance(e, CloseConnection))

    with trio.fail_after(10):
        async with open_tcp_server(handler) as server, impl.open(server.url()) as transport:
            assert await transport.receive_message() == "ok"
            with pytest.raises(TransportClosed) as caught:
                await transport.receive_message()
            await transport.aclose()
    assert caught.value.info.code == 1007
    if impl is DIRECT:
        assert caught.value.info.initiator == "error"
        assert close_codes == [1007]  # this end told the server why
    else:  # trio-websocket reports it as if the server had closed, and sends no close frame
        assert caught.value.info.initiator == "server"
        assert close_codes == []


async def test_a_close_frame_without_a_code_is_1005_and_echoed(impl: Impl) -> None:
    echoed: list[int] = []
    got_echo = trio.Event()

    async def handler(stream: trio.abc.Stream) -> None:
        await raw_upgrade(stream)
        await stream.send_all(server_frame(TEXT, b"last") + server_frame(CLOSE, b""))
        data = await stream.receive_some(1024)
        echoed.append(data[0] & 0x0F)  # the opcode of the client's next frame
        got_echo.set()
        await trio.sleep_forever()

    with trio.fail_after(10):
        async with open_tcp_server(handler) as server, impl.open(server.url()) as transport:
            assert await transport.receive_message() == "last"
            with pytest.raises(TransportClosed) as caught:
                await transport.receive_message()
            await got_echo.wait()
    assert caught.value.info == CloseInfo(code=1005, reason="", initiator="server")
    assert echoed == [CLOSE]


async def test_concurrent_sends_never_interleave(impl: Impl) -> None:
    payloads = [bytes([n]) * (300_000 + n) for n in range(24)]
    received: list[str | bytes] = []

    async def receive_all(transport: Transport) -> None:
        # (someone must read the echoes, or the echo server stops reading: the direct
        # transport reads only in receive_message)
        for _ in payloads:
            received.append(await transport.receive_message())

    with trio.fail_after(30):
        async with open_ws_server(echo) as server, impl.open(server.url()) as transport:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(receive_all, transport)
                for payload in payloads:
                    nursery.start_soon(transport.send_message, payload)
            assert transport.statistics().messages_sent == len(payloads)
    assert sorted(received) == sorted(payloads)  # each one whole


async def test_a_pong_waits_for_a_blocked_send_and_never_cuts_it(impl: Impl) -> None:
    big = b"B" * (32 * MiB)  # more than the socket buffers hold: the send blocks
    ping, release = trio.Event(), trio.Event()
    events: list[Event] = []
    got_pong = trio.Event()

    async def handler(stream: trio.abc.Stream) -> None:
        ws, _ = await raw_upgrade(stream)
        await ping.wait()
        await stream.send_all(server_frame(PING, b"p1"))
        await release.wait()  # reads nothing until then
        events.extend(await client_events(stream, ws, Pong))
        got_pong.set()
        await answer_close(stream, ws)

    with trio.fail_after(30):
        async with open_tcp_server(handler) as server, impl.open(server.url()) as transport:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(transport.send_message, big)
                await trio.testing.wait_all_tasks_blocked()  # the send is stuck half-way
                nursery.start_soon(transport.receive_message)
                ping.set()
                await trio.testing.wait_all_tasks_blocked()  # the ping was read
                release.set()
                await got_pong.wait()
                nursery.cancel_scope.cancel()
    kinds = [type(e).__name__ for e in events]
    assert kinds[-1] == "Pong"
    data = b"".join(bytes(e.data) for e in events if isinstance(e, BytesMessage))
    assert data == big
    last_chunk = max(i for i, e in enumerate(events) if isinstance(e, BytesMessage))
    assert isinstance(events[last_chunk], BytesMessage)
    assert events[last_chunk].message_finished
    assert last_chunk < kinds.index("Pong")  # the pong came after the whole message


async def test_a_cancelled_receive_loses_nothing(impl: Impl, autojump_clock: object) -> None:
    async with open_ws_server(echo) as server, impl.open(server.url()) as transport:
        with trio.move_on_after(5) as waited:
            await transport.receive_message()  # nothing comes
        assert waited.cancelled_caught
        for text in ("one", "two"):
            await transport.send_message(text)
        assert await transport.receive_message() == "one"
        with trio.CancelScope() as scope:
            scope.cancel()
            await transport.receive_message()  # "two" is waiting: still a cancellation point
        assert scope.cancelled_caught
        assert await transport.receive_message() == "two"
        assert transport.closed is None


async def test_concurrent_receivers_share_the_messages(impl: Impl) -> None:
    count = 2000

    async def handler(stream: trio.abc.Stream) -> None:
        ws, _ = await raw_upgrade(stream)
        await stream.send_all(b"".join(server_frame(TEXT, b"%d" % n) for n in range(count)))
        await answer_close(stream, ws)

    received: list[list[str | bytes]] = [[], []]
    all_in = trio.Event()
    with trio.fail_after(10):
        async with open_tcp_server(handler) as server, impl.open(server.url()) as transport:

            async def receiver(mine: list[str | bytes]) -> None:
                while True:
                    mine.append(await transport.receive_message())
                    if sum(map(len, received)) == count:
                        all_in.set()
                    await trio.sleep(0)  # let the other one take a turn

            async with trio.open_nursery() as nursery:
                for mine in received:
                    nursery.start_soon(receiver, mine)
                await all_in.wait()
                nursery.cancel_scope.cancel()
    everything = [int(m) for part in received for m in part]
    assert sorted(everything) == list(range(count))  # none lost, none twice
    for part in received:
        assert [int(m) for m in part] == sorted(int(m) for m in part)  # each in order
