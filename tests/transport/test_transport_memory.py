"""The in-memory transport pair: messages, backpressure, close propagation, abort, statistics."""

from __future__ import annotations

import pytest
import trio
import trio.testing

from trio_realtime.transport import (
    CloseInfo,
    Initiator,
    Transport,
    TransportClosed,
    TransportStatistics,
    memory_transport_pair,
)


async def test_messages_both_ways_keep_their_type() -> None:
    client, server = memory_transport_pair()
    await client.send_message("hello")
    await client.send_message(b"\x00\x01")
    assert await server.receive_message() == "hello"
    assert await server.receive_message() == b"\x00\x01"
    await server.send_message("réponse")
    reply = await client.receive_message()
    assert reply == "réponse"
    assert isinstance(reply, str)


async def test_is_a_transport() -> None:
    transport: Transport = memory_transport_pair()[0]  # checked by mypy
    assert transport.closed is None
    assert repr(transport) == "<MemoryTransport client open>"


async def test_rejects_other_message_types() -> None:
    client, _server = memory_transport_pair()
    with pytest.raises(TypeError, match="str or bytes"):
        await client.send_message(bytearray(b"x"))  # type: ignore[arg-type]


async def test_buffer_bounds_the_sender() -> None:
    client, server = memory_transport_pair(buffer=1)
    await client.send_message("one")
    sent: list[str] = []

    async def send_second() -> None:
        await client.send_message("two")
        sent.append("two")

    async with trio.open_nursery() as nursery:
        nursery.start_soon(send_second)
        await trio.testing.wait_all_tasks_blocked()
        assert sent == []  # blocked: the buffer holds one message
        assert await server.receive_message() == "one"
    assert sent == ["two"]
    assert await server.receive_message() == "two"


async def test_close_delivers_earlier_messages_then_raises_on_the_peer() -> None:
    client, server = memory_transport_pair()
    await client.send_message("before close")
    await client.aclose(4000, "done here")
    expected_peer = CloseInfo(code=4000, reason="done here", initiator="server")
    assert server.closed == expected_peer
    assert client.closed == CloseInfo(code=4000, reason="done here", initiator="client")
    assert await server.receive_message() == "before close"
    with pytest.raises(TransportClosed) as caught:
        await server.receive_message()
    assert caught.value.info == expected_peer
    with pytest.raises(TransportClosed) as caught:
        await server.send_message("too late")
    assert caught.value.info == expected_peer
    with pytest.raises(TransportClosed) as caught:
        await client.send_message("too late")
    assert caught.value.info.initiator == "client"


async def test_own_close_discards_unread_messages() -> None:
    client, server = memory_transport_pair()
    await server.send_message("never read")
    await client.aclose()
    with pytest.raises(TransportClosed) as caught:
        await client.receive_message()
    assert caught.value.info == CloseInfo(code=1000, reason="", initiator="client")


async def test_aclose_is_idempotent_and_first_close_wins() -> None:
    client, server = memory_transport_pair()
    await server.aclose(1001, "going away")
    await client.aclose(1000, "bye")  # the server's close is kept
    await client.aclose()
    await server.aclose(4999, "again")
    assert client.closed == CloseInfo(code=1001, reason="going away", initiator="server")
    assert server.closed == CloseInfo(code=1001, reason="going away", initiator="client")


async def test_cancelled_aclose_still_closes() -> None:
    client, server = memory_transport_pair()
    with trio.CancelScope() as scope:
        scope.cancel()
        await client.aclose()
    assert scope.cancelled_caught
    assert client.closed is not None
    assert server.closed is not None
    with pytest.raises(TransportClosed):
        await server.receive_message()


@pytest.mark.parametrize("closer", ["client", "server"])
async def test_pending_calls_wake_on_close(closer: str) -> None:
    client, server = memory_transport_pair(buffer=0)
    results: dict[str, CloseInfo] = {}

    async def receive() -> None:
        with pytest.raises(TransportClosed) as caught:
            await client.receive_message()  # nobody sends
        results["receive"] = caught.value.info

    async def send() -> None:
        with pytest.raises(TransportClosed) as caught:
            await client.send_message("blocked")  # buffer=0 and nobody receives
        results["send"] = caught.value.info

    async with trio.open_nursery() as nursery:
        nursery.start_soon(receive)
        nursery.start_soon(send)
        await trio.testing.wait_all_tasks_blocked()
        await (client if closer == "client" else server).aclose(1000, "bye")
    initiator: Initiator = "client" if closer == "client" else "server"
    expected = CloseInfo(code=1000, reason="bye", initiator=initiator)
    assert results == {"receive": expected, "send": expected}


async def test_abort_is_an_error_on_both_ends() -> None:
    client, server = memory_transport_pair()
    await server.send_message("last words")
    server.abort()
    assert await client.receive_message() == "last words"
    with pytest.raises(TransportClosed) as caught:
        await client.receive_message()
    assert caught.value.info.initiator == "error"
    assert caught.value.info.code is None
    with pytest.raises(TransportClosed) as caught:
        await client.send_message("anyone?")
    assert caught.value.info.initiator == "error"
    assert server.closed is not None
    assert server.closed.initiator == "error"
    assert "connection failed" in str(caught.value)


async def test_statistics_count_messages_and_utf8_bytes() -> None:
    client, server = memory_transport_pair()
    await client.send_message("é")  # 2 bytes in UTF-8
    await client.send_message(b"abc")
    await server.receive_message()
    await server.receive_message()
    await server.send_message("ok")
    await client.receive_message()
    assert client.statistics() == TransportStatistics(
        messages_sent=2, bytes_sent=5, messages_received=1, bytes_received=2
    )
    assert server.statistics() == TransportStatistics(
        messages_sent=1, bytes_sent=2, messages_received=2, bytes_received=5
    )


def test_negative_buffer_is_rejected() -> None:
    with pytest.raises(ValueError, match="buffer"):
        memory_transport_pair(buffer=-1)
