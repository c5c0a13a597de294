"""Connecting and closing: the handshake, server closes, cancelling the connect block, reprs.

Found in review of the session core; all on trio's virtual clock, over the in-memory transport
with the scripted peer.
"""

from __future__ import annotations

import pytest
import trio
import trio.testing

import trio_realtime as rt

from .peer import (
    MemoryGateway,
    message_added,
    response_created,
    response_done,
    session_created,
    text_delta,
)
from .review_helpers import (
    block_the_writer,
    one_second,
    tool_call,
)


@pytest.mark.parametrize("closer", ["client", "server"])
async def test_close_with_a_tool_report_waiting_for_the_control_lane(
    autojump_clock: trio.testing.MockClock, closer: str
) -> None:
    gateway = MemoryGateway()
    cfg = rt.Config(modalities=["text"], tools=[one_second])
    raised: list[Exception] = []
    try:
        async with rt.open_session("m", gateway=gateway, config=cfg) as session:
            peer = gateway.last_peer
            assert peer is not None
            await tool_call(peer, "r", "c1", "one_second")
            await peer.send(response_done("r"))
            await trio.testing.wait_all_tasks_blocked()
            # the network stalls (the peer reads nothing) and the control lane fills up
            await block_the_writer(session, "control", queued=256)
            await trio.sleep(2)  # the tool finished at t=1: its output waits for the lane
            if closer == "client":
                await session.aclose()
            else:
                await peer.transport.aclose(1011, "internal error")
                await trio.sleep(1)
    except Exception as exc:  # what leaves connect() is the point
        raised.append(exc)
    assert raised == []


async def test_frames_sent_before_a_server_close_are_all_published(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway()
    broker = rt.Broker("m", gateway=gateway, config=rt.Config(modalities=["text"]), event_buffer=2)
    async with broker.connect() as session:
        peer = gateway.last_peer
        assert peer is not None
        stream = session.events()  # read later: the consumer is busy for a moment
        await peer.send(response_created("r"), message_added("r", "item_A"))
        for i in range(10):
            await peer.send(text_delta("r", "item_A", f"w{i} "))
        await peer.send(
            {
                "type": "error",
                "event_id": "e_last",
                "error": {
                    "type": "invalid_request_error",
                    "code": "session_expired",
                    "message": "Your session hit the maximum duration of 60 minutes.",
                },
            }
        )
        await peer.transport.aclose(1001, "session expired")
        await trio.testing.wait_all_tasks_blocked()
        session.send_audio_frame_nowait(b"\x00\x00" * 240)  # the app keeps streaming audio
        await trio.testing.wait_all_tasks_blocked()
        kinds = [event.kind async for event in stream]
    assert kinds.count("assistant_text_delta") == 10
    assert kinds[-2:] == ["error", "session_closed"]


async def test_a_malformed_frame_during_the_handshake_is_recoverable(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway(auto_handshake=False)

    async def serve() -> None:
        peer = await gateway.next_peer()
        await peer.send(session_created())
        await peer.transport.send_message("{not json")  # one bad frame
        update = await peer.expect("session.update")
        await peer.send({"type": "session.updated", "event_id": "e2", "session": update["session"]})

    async with trio.open_nursery() as nursery:
        nursery.start_soon(serve)
        async with rt.open_session("m", gateway=gateway) as session:
            kinds = []
            async for event in session.events():
                kinds.append(event.kind)
                if event.kind == "session_updated":
                    break
    assert kinds == ["session_opened", "error", "session_updated"]


async def test_a_bad_session_option_leaves_nothing_open(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway(auto_handshake=False)  # no peer task: only the library's state
    async with trio.open_nursery() as nursery:
        with pytest.raises(ValueError, match="buffer"):
            await rt.connect_session(nursery, "m", gateway=gateway, event_buffer=0)
        # the options are checked before anything is opened
        assert gateway.last_peer is None


async def test_cancelling_the_connect_block_from_outside_closes_cleanly(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway()
    with trio.move_on_after(1) as scope:
        async with rt.open_session("m", gateway=gateway) as session:
            stream = session.events()
            await trio.sleep_forever()
    assert scope.cancelled_caught  # a bare Cancelled, caught by its scope (no group escaped)
    assert session.closed
    kinds = [event async for event in stream]
    assert kinds[-1] == rt.SessionClosed(reason="client", code=1000, message="closed by the client")


def test_no_repr_shows_the_api_key() -> None:
    key = "sk-review-SECRET-0123456789"
    gateway = rt.OpenAIGateway(api_key=key, url="ws://127.0.0.1:9/v1/realtime")
    broker = rt.Broker("gpt-realtime", gateway=gateway)
    for text in (repr(gateway), str(gateway), repr(broker), str(broker)):
        assert key not in text and "SECRET" not in text
    assert gateway.has_api_key
