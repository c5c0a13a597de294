"""trio's contracts for the session's public calls, and the core's regression tests.

Every public async call is a checkpoint; a command cancelled before it queued anything did
nothing; the wire order is the turn machine's order even under backpressure; protocol
violations end the session with ``ProtocolError``; counters are what the wire saw.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import trio
import trio.testing

import trio_realtime as rt
from trio_realtime.testing import MemoryGateway, ScriptedPeer, frames


async def _open(
    nursery: trio.Nursery, **options: Any
) -> tuple[rt.RealtimeSession, ScriptedPeer, MemoryGateway]:
    gateway = MemoryGateway()
    config = options.pop("config", rt.Config(modalities=["text"], turn_detection=None))
    session = await rt.connect_session(nursery, "m", gateway=gateway, config=config, **options)
    assert gateway.last_peer is not None
    return session, gateway.last_peer, gateway


def _app_tool() -> rt.Tool:
    return rt.Tool(name="lookup", description="Answered by the app.", parameters={"type": "object"})


COMMANDS: dict[str, Callable[[rt.RealtimeSession], Awaitable[Any]]] = {
    "send_text": lambda s: s.send_text("hi"),
    "send_audio_frame": lambda s: s.send_audio_frame(b"\0\0" * 240),
    "send_audio": lambda s: s.send_audio(b"\0\0" * 240),
    "commit_audio": lambda s: s.commit_audio(),
    "clear_audio": lambda s: s.clear_audio(),
    "create_response": lambda s: s.create_response(),
    "cancel_response": lambda s: s.cancel_response(),
    "interrupt": lambda s: s.interrupt(),
    "update": lambda s: s.update(instructions="Be brief."),
    "update_instructions": lambda s: s.update_instructions("Be brief."),
}


@pytest.mark.parametrize("name", list(COMMANDS))
async def test_every_command_is_a_checkpoint(
    autojump_clock: trio.testing.MockClock, name: str
) -> None:
    async with trio.open_nursery() as nursery:
        session, _, _ = await _open(nursery)
        with trio.testing.assert_checkpoints():
            await COMMANDS[name](session)
        await session.aclose()


@pytest.mark.parametrize("name", list(COMMANDS))
async def test_a_command_cancelled_before_it_queued_anything_did_nothing(
    autojump_clock: trio.testing.MockClock, name: str
) -> None:
    async with trio.open_nursery() as nursery:
        session, peer, _ = await _open(nursery)
        await trio.testing.wait_all_tasks_blocked()
        peer.pending()  # (the handshake's frames)
        with trio.CancelScope() as scope:
            scope.cancel()
            await COMMANDS[name](session)
        assert scope.cancelled_caught
        await trio.testing.wait_all_tasks_blocked()
        assert peer.pending() == []
        assert session.config.instructions == rt.Config().instructions
        await session.aclose()


async def test_answers_consuming_and_closing_are_checkpoints(
    autojump_clock: trio.testing.MockClock,
) -> None:
    config = rt.Config(modalities=["text"], turn_detection=None, tools=[_app_tool()])
    async with trio.open_nursery() as nursery:
        session, peer, _ = await _open(nursery, config=config)
        await peer.send(*frames.tool_turn("r1", {"c1": ("lookup", "{}"), "c2": ("lookup", "{}")}))
        stream = session.events()
        while (await stream.receive()).kind != "tool_call_dispatched":
            pass
        with trio.testing.assert_checkpoints():
            await session.send_tool_result("c1", "ok")
        await stream.receive()  # c2's dispatch
        with trio.testing.assert_checkpoints():
            await session.send_tool_error("c2", "no")
        with trio.testing.assert_checkpoints(), session.subscribe() as sub:
            await sub.aclose()
        # (receiving an event already queued is a cancel point, and a schedule point every
        # FAIRNESS events: tests/core/test_event_queue.py)
        with trio.testing.assert_checkpoints():
            await session.aclose()
        with trio.testing.assert_checkpoints():
            await session.aclose()  # idempotent, still a checkpoint


async def test_event_streams_are_trio_receive_channels(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with trio.open_nursery() as nursery:
        session, _, _ = await _open(nursery)
        stream = session.events()
        assert isinstance(stream, trio.abc.ReceiveChannel)
        with session.subscribe() as sub:
            assert isinstance(sub, trio.abc.ReceiveChannel)
        await session.aclose()
        kinds = [event.kind async for event in stream]
        assert kinds[-1] == "session_closed"


async def test_closing_the_primary_stream_releases_the_reader(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with trio.open_nursery() as nursery:
        session, peer, _ = await _open(nursery, event_buffer=2)
        stream = session.events()
        with session.subscribe(kinds={"assistant_turn_started"}, overflow="drop_oldest") as sub:
            for i in range(5):  # fills the primary stream: the reader waits
                await peer.send(frames.response_created(f"r{i}"), frames.response_done(f"r{i}"))
            await trio.testing.wait_all_tasks_blocked()
            assert sub.statistics().delivered + sub.statistics().buffered < 5
            await stream.aclose()  # nobody will read it: the session must not wait for it
            await trio.testing.wait_all_tasks_blocked()
            assert sub.statistics().buffered + sub.statistics().dropped == 5
        with pytest.raises(trio.ClosedResourceError):
            await stream.receive()
        await session.aclose()


# -- the wire order is the machine's order (issue #10, 1) -----------------------------------


async def test_a_queued_create_goes_out_before_a_cancel_even_when_the_stream_is_full(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with trio.open_nursery() as nursery:
        session, peer, _ = await _open(nursery, event_buffer=1)
        stream = session.events()
        assert [(await stream.receive()).kind for _ in range(2)] == [
            "session_opened",
            "session_updated",
        ]
        await session.create_response()
        await peer.expect("response.create")
        await peer.send(frames.response_created("r1"), frames.response_done("r1"))
        await session.create_response()  # queued behind r1
        await trio.testing.wait_all_tasks_blocked()  # the stream is full: the reader waits
        assert (await stream.receive()).kind == "assistant_turn_started"
        await trio.testing.wait_all_tasks_blocked()  # r1 is done while the stream is full
        assert session.statistics().primary.buffered == 1  # type: ignore[union-attr]
        await session.cancel_response()  # meant for the response just requested
        await trio.testing.wait_all_tasks_blocked()
        types = [f["type"] for f in peer.pending()]
        assert types == ["response.create", "response.cancel"]
        await session.aclose()


# -- protocol violations (issue #10, 2 and 8) ------------------------------------------------


async def test_a_turn_event_before_the_handshake_fails_connect_clearly(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway(auto_handshake=False)
    async with trio.open_nursery() as nursery:

        async def server() -> None:
            peer = await gateway.next_peer()
            await peer.send(frames.session_created())
            await peer.expect("session.update")
            await peer.send(frames.call_done("r1", "c1", "get_weather", "{}"))

        nursery.start_soon(server)
        with pytest.raises(rt.RealtimeConnectionError) as info:
            await rt.connect_session(nursery, "m", gateway=gateway)
        assert isinstance(info.value.__cause__, rt.ProtocolError)
        assert "before it confirmed the session" in str(info.value)


async def test_a_second_session_created_ends_the_session_with_protocol_error(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with trio.open_nursery() as nursery:
        session, peer, _ = await _open(nursery)
        await peer.send(frames.session_created("sess_other"))
        events = [event async for event in session.events()]
        assert events[-1] == rt.SessionClosed(
            reason="error",
            code=1002,
            message="protocol error: the server sent a second session.created",
        )
        with pytest.raises(rt.SessionClosedError) as info:
            await session.send_text("hello?")
        assert isinstance(info.value.__cause__, rt.ProtocolError)
        assert peer.transport.closed is not None and peer.transport.closed.code == 1002


# -- raw server events (issue #10, 7) --------------------------------------------------------


@pytest.mark.parametrize("enabled", [False, True])
async def test_server_events_the_kinds_do_not_cover(
    autojump_clock: trio.testing.MockClock, enabled: bool
) -> None:
    unmapped = [
        {"type": "input_audio_buffer.timeout_triggered", "event_id": "e1", "item_id": "i1"},
        {"type": "brand.new_event", "event_id": "e2", "x": 1},
    ]
    async with trio.open_nursery() as nursery:
        session, peer, _ = await _open(nursery, server_events=enabled)
        await peer.send(*unmapped, *frames.text_turn("r1", "i1", "Hi"))
        raw = []
        async for event in session.events():
            if isinstance(event, rt.ServerEvent):
                raw.append(event)
            if event.kind == "assistant_turn_completed":
                break
        expected = [rt.ServerEvent(provider="openai", type=f["type"], data=f) for f in unmapped]
        assert raw == (expected if enabled else [])
        assert session.statistics().codec.unknown_event_types == {"brand.new_event": 1}
        await session.aclose()


# -- update() ----------------------------------------------------------------------------------


async def test_update_refuses_unknown_names_and_sends_nothing(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with trio.open_nursery() as nursery:
        session, peer, _ = await _open(nursery)
        await trio.testing.wait_all_tasks_blocked()
        peer.pending()
        with pytest.raises(TypeError, match="unknown configuration field.*instuctions"):
            await session.update(instuctions="typo")
        await trio.testing.wait_all_tasks_blocked()
        assert peer.pending() == []
        await session.aclose()


# -- honest counters (issue #10, 4 and 6) ----------------------------------------------------


async def test_wire_counters_count_what_was_written_not_what_was_cleared(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with trio.open_nursery() as nursery:
        gateway = MemoryGateway(buffer=0)  # the peer holds the writer until it reads
        session = await rt.connect_session(nursery, "m", gateway=gateway)
        peer = gateway.last_peer
        assert peer is not None
        await trio.testing.wait_all_tasks_blocked()
        sent_before = session.statistics().wire.messages_sent
        for _ in range(10):
            await session.send_audio_frame(b"\1\0" * 240)
        await trio.testing.wait_all_tasks_blocked()
        await session.clear_audio()
        received = []
        with trio.move_on_after(1):
            while True:
                received.append(await peer.receive())
        stats = session.statistics()
        sent = stats.wire.messages_sent - sent_before
        assert sent == len(received)  # what the peer got, and nothing else
        assert [f["type"] for f in received][-1] == "input_audio_buffer.clear"
        assert stats.cleared_audio_frames == 10 - (sent - 1)
        assert stats.wire.bytes_sent == peer.transport.statistics().bytes_received
        await session.aclose()
