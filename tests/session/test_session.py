"""Session core over the in-memory transport with a scripted peer, on trio's virtual clock."""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import pytest
import trio
import trio.testing

import trio_realtime as rt

from .peer import (
    MemoryGateway,
    error,
    response_created,
    response_done,
    text_turn,
)


async def _connect(nursery: trio.Nursery, gateway: MemoryGateway, **config: Any):
    """connect_session (the peer plays the handshake); returns (session, peer)."""
    session = await rt.connect_session(
        nursery, "gpt-realtime", gateway=gateway, config=rt.Config(**config)
    )
    return session, gateway.last_peer


async def _collect(session: rt.RealtimeSession, until: str) -> list[rt.RealtimeEvent]:
    out = []
    async for event in session.events():
        out.append(event)
        if event.kind == until:
            break
    return out


async def test_text_turn(autojump_clock: trio.testing.MockClock) -> None:
    gateway = MemoryGateway()
    async with trio.open_nursery() as nursery:
        session, peer = await _connect(nursery, gateway, modalities=["text"], turn_detection=None)
        assert session.session_id == "sess_1"
        await session.send_text("What's the capital of Canada?")
        item = await peer.expect("conversation.item.create")
        assert item["item"]["content"] == [
            {"type": "input_text", "text": "What's the capital of Canada?"}
        ]
        await peer.expect("response.create")
        await peer.send(*text_turn("resp_1", "item_A", "Ottawa."))
        events = await _collect(session, "assistant_turn_completed")
        assert [e.kind for e in events] == [
            "session_opened",
            "session_updated",
            "assistant_turn_started",
            "assistant_text_delta",
            "assistant_text",
            "assistant_turn_completed",
        ]
        assert events[4] == rt.AssistantText(turn_id="resp_1", item_id="item_A", text="Ottawa.")
        await session.aclose()


async def test_connect_sends_session_update_and_waits_for_updated(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway()
    async with rt.open_session("m", gateway=gateway, config=rt.Config(instructions="hi")) as s:
        pass
    # connect returned only after the handshake (it would have hung otherwise); check what was sent
    assert gateway.last_peer is not None
    update = gateway.last_peer.received[0]
    assert update["type"] == "session.update"
    assert update["session"]["type"] == "realtime"
    assert update["session"]["instructions"] == "hi"
    assert s.closed


@pytest.fixture
def gateway() -> MemoryGateway:
    return MemoryGateway()


async def test_audio_frames_in_order_and_validation(
    autojump_clock: trio.testing.MockClock, gateway: MemoryGateway
) -> None:
    async with trio.open_nursery() as nursery:
        session, peer = await _connect(nursery, gateway)
        frames = [np.full(480, i, dtype=np.int16) for i in range(10)]
        for frame in frames:
            await session.send_audio_frame(frame)
        await session.send_audio_frame(frames[0].tobytes(), sample_rate=24000)
        for expected in [*frames, frames[0]]:
            append = await peer.expect("input_audio_buffer.append")
            assert base64.b64decode(append["audio"]) == expected.astype("<i2").tobytes()
        with pytest.raises(ValueError, match="int16"):
            await session.send_audio_frame(np.zeros(480, dtype=np.float32))
        with pytest.raises(ValueError, match="even number"):
            await session.send_audio_frame(b"\x00\x01\x02")
        with pytest.raises(ValueError, match="16000 Hz"):
            await session.send_audio_frame(b"\x00\x00", sample_rate=16000)
        with pytest.raises(ValueError, match="mono"):
            await session.send_audio_frame(np.zeros((480, 2), dtype=np.int16))
        await trio.testing.wait_all_tasks_blocked()
        assert peer.pending() == []  # nothing was sent for the rejected frames
        await session.aclose()


async def test_control_lane_overtakes_queued_audio(
    autojump_clock: trio.testing.MockClock, gateway: MemoryGateway
) -> None:
    async with trio.open_nursery() as nursery:
        session, peer = await _connect(nursery, gateway)
        for _ in range(20):
            session.send_audio_frame_nowait(b"\x00\x00" * 480)
        session.send_text_nowait("stop")  # queued after 20 audio frames, sent before them
        first = await peer.receive()
        assert first["type"] == "conversation.item.create"
        rest = [await peer.receive() for _ in range(20)]
        assert {e["type"] for e in rest} == {"input_audio_buffer.append"}
        await session.aclose()


async def test_audio_lane_full_raises_would_block(
    autojump_clock: trio.testing.MockClock, gateway: MemoryGateway
) -> None:
    async with trio.open_nursery() as nursery:
        session, _peer = await _connect(nursery, gateway)
        with pytest.raises(trio.WouldBlock):
            for _ in range(1000):
                session.send_audio_frame_nowait(b"\x00\x00" * 10)
        await session.aclose()


async def test_response_create_queued_while_active_and_coalesced(
    autojump_clock: trio.testing.MockClock, gateway: MemoryGateway
) -> None:
    async with trio.open_nursery() as nursery:
        session, peer = await _connect(nursery, gateway, modalities=["text"], turn_detection=None)
        await session.send_text("one")
        await peer.expect("conversation.item.create")
        await peer.expect("response.create")
        await peer.send(response_created("resp_1"))
        await trio.testing.wait_all_tasks_blocked()
        await session.send_text("two")
        await session.send_text("three")
        await session.create_response()
        await peer.expect("conversation.item.create")
        await peer.expect("conversation.item.create")
        await trio.testing.wait_all_tasks_blocked()
        assert peer.pending() == []  # no response.create while resp_1 is active
        await peer.send(response_done("resp_1"))
        await peer.expect("response.create")  # exactly one, right after response.done
        await trio.testing.wait_all_tasks_blocked()
        assert peer.pending() == []
        await session.aclose()


async def test_active_response_error_is_recoverable(
    autojump_clock: trio.testing.MockClock, gateway: MemoryGateway
) -> None:
    async with trio.open_nursery() as nursery:
        session, peer = await _connect(nursery, gateway, modalities=["text"], turn_detection=None)
        await session.create_response()
        create = await peer.expect("response.create")
        await peer.send(
            error("conversation_already_has_active_response", event_id=create["event_id"])
        )
        events = []
        async for event in session.events():
            events.append(event)
            if event.kind == "error":
                break
        assert events[-1] == rt.Error(
            code="conversation_already_has_active_response",
            message="conversation_already_has_active_response",
            recoverable=True,
        )
        # the request was released: a new one goes out at once
        await session.create_response()
        await peer.expect("response.create")
        await session.aclose()


async def test_primary_stream_backpressure_pauses_reader(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway()
    async with trio.open_nursery() as nursery:
        session = await rt.connect_session(
            nursery, "m", gateway=gateway, config=rt.Config(), event_buffer=4
        )
        peer = gateway.last_peer
        assert peer is not None
        for i in range(20):
            await peer.send(response_created(f"resp_{i}"))
            await peer.send(response_done(f"resp_{i}"))
        await trio.testing.wait_all_tasks_blocked()
        stats = session.statistics()
        assert stats.primary is not None and stats.primary.buffered == 4
        # 2 handshake frames + one turn's 2 frames filled it: the reader waits before reading on
        assert stats.wire.messages_received == 4
        kinds = []
        async for event in session.events():
            kinds.append(event.kind)
            if len(kinds) == 42:
                break
        assert kinds[:2] == ["session_opened", "session_updated"]
        assert kinds[2:] == ["assistant_turn_started", "assistant_turn_completed"] * 20
        await session.aclose()


@pytest.mark.parametrize("overflow", ["block", "drop_oldest", "close"])
async def test_slow_subscriber_overflow_policies(
    autojump_clock: trio.testing.MockClock, gateway: MemoryGateway, overflow: str
) -> None:
    async with trio.open_nursery() as nursery:
        session, peer = await _connect(nursery, gateway)
        primary_kinds: list[str] = []

        async def drain_primary() -> None:
            async for event in session.events():
                primary_kinds.append(event.kind)

        nursery.start_soon(drain_primary)
        with session.subscribe(
            kinds={"assistant_turn_started"}, buffer=3, overflow=overflow
        ) as sub:  # type: ignore[arg-type]
            for i in range(10):
                await peer.send(response_created(f"resp_{i}"), response_done(f"resp_{i}"))
            await trio.testing.wait_all_tasks_blocked()
            stats = sub.statistics()
            if overflow == "block":
                # the reader waits for the subscriber: only 3 turns got through
                assert stats.buffered == 3 and stats.dropped == 0
                assert primary_kinds.count("assistant_turn_started") == 3
                got = [(await sub.receive()).turn_id for _ in range(10)]  # type: ignore[union-attr]
                assert got == [f"resp_{i}" for i in range(10)]
            elif overflow == "drop_oldest":
                assert stats.buffered == 3 and stats.dropped == 7
                assert primary_kinds.count("assistant_turn_started") == 10
                got = [(await sub.receive()).turn_id for _ in range(3)]  # type: ignore[union-attr]
                assert got == ["resp_7", "resp_8", "resp_9"]
                assert session.statistics().subscribers[0].dropped == 7
            else:
                assert stats.closed and stats.dropped == 1
                got = [(await sub.receive()).turn_id for _ in range(3)]  # type: ignore[union-attr]
                assert got == ["resp_0", "resp_1", "resp_2"]
                with pytest.raises(rt.SubscriberOverflowError):
                    await sub.receive()
        await session.aclose()


async def test_events_can_be_consumed_once(
    autojump_clock: trio.testing.MockClock, gateway: MemoryGateway
) -> None:
    async with trio.open_nursery() as nursery:
        session, _ = await _connect(nursery, gateway)
        session.events()
        with pytest.raises(RuntimeError, match="subscribe"):
            session.events()
        await session.aclose()


async def test_server_close_reports_and_later_commands_raise(
    autojump_clock: trio.testing.MockClock, gateway: MemoryGateway
) -> None:
    async with rt.open_session("m", gateway=gateway) as session:
        peer = gateway.last_peer
        assert peer is not None
        await peer.send(
            error("session_expired", "Your session hit the maximum duration of 60 minutes.")
        )
        await peer.transport.aclose(4000, "session expired")
        events = [e async for e in session.events()]
        assert events[-2] == rt.Error(
            code="session_expired",
            message="Your session hit the maximum duration of 60 minutes.",
            recoverable=False,
        )
        assert events[-1] == rt.SessionClosed(reason="server", code=4000, message="session expired")
        with pytest.raises(rt.SessionClosedError) as info:
            await session.send_text("hello?")
        assert info.value.code == 4000
        assert isinstance(info.value, trio.BrokenResourceError)
        assert isinstance(info.value.__cause__, rt.ProviderError)
        assert info.value.__cause__.code == "session_expired"
    # leaving connect() after a server close does not raise


async def test_dropped_connection_is_an_error_close(
    autojump_clock: trio.testing.MockClock, gateway: MemoryGateway
) -> None:
    async with rt.open_session("m", gateway=gateway) as session:
        assert gateway.last_peer is not None
        gateway.last_peer.transport.abort()
        events = [e async for e in session.events()]
        assert events[-1].kind == "session_closed"
        assert events[-1].reason == "error"  # type: ignore[union-attr]
        assert events[-1].code is None  # type: ignore[union-attr]
        with pytest.raises(rt.SessionClosedError):
            await session.commit_audio()


async def test_commands_after_aclose_raise_closed_resource_error(
    autojump_clock: trio.testing.MockClock, gateway: MemoryGateway
) -> None:
    async with rt.open_session("m", gateway=gateway) as session:
        await session.aclose()
        await session.aclose()  # idempotent
        with pytest.raises(trio.ClosedResourceError):
            await session.send_text("x")
        with pytest.raises(trio.ClosedResourceError):
            session.send_audio_frame_nowait(b"\x00\x00")
        events = [e async for e in session.events()]
        assert events[-1] == rt.SessionClosed(
            reason="client", code=1000, message="closed by the client"
        )


async def test_connect_times_out_without_session_created(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway(connect_timeout=5.0, auto_handshake=False)
    start = trio.current_time()
    with pytest.raises(rt.RealtimeConnectionError, match="timed out"):
        async with rt.open_session("m", gateway=gateway):
            pytest.fail("must not get here")
    assert trio.current_time() - start == pytest.approx(5.0)


async def test_connect_fails_when_session_update_is_rejected(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway(auto_handshake=False)

    async def reject() -> None:
        peer = await gateway.next_peer()
        await peer.send({"type": "session.created", "event_id": "e1", "session": {"id": "sess_x"}})
        await peer.expect("session.update")
        await peer.send(error("unknown_parameter", "Unknown parameter: 'session.foo'."))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(reject)
        with pytest.raises(rt.RealtimeConnectionError, match="session.foo") as info:
            async with rt.open_session("m", gateway=gateway):
                pytest.fail("must not get here")
        assert isinstance(info.value.__cause__, rt.ProviderError)


async def test_single_exception_from_body_is_not_wrapped(
    autojump_clock: trio.testing.MockClock, gateway: MemoryGateway
) -> None:
    with pytest.raises(KeyError, match="boom"):
        async with rt.open_session("m", gateway=gateway):
            raise KeyError("boom")


async def test_aclose_wakes_every_blocked_waiter(
    autojump_clock: trio.testing.MockClock, gateway: MemoryGateway
) -> None:
    outcomes: dict[str, Any] = {}
    async with rt.open_session("m", gateway=gateway) as session:
        peer = gateway.last_peer
        assert peer is not None

        async def fill_audio() -> None:
            try:
                while True:  # the peer reads nothing: the audio lane fills, then this waits
                    await session.send_audio_frame(b"\x00\x00" * 4800)
            except trio.ClosedResourceError as exc:
                outcomes["audio"] = exc

        async def read_events() -> None:
            outcomes["events"] = [e.kind async for e in session.events()]

        async def subscriber() -> None:
            with session.subscribe() as sub:
                outcomes["sub"] = [e.kind async for e in sub]

        async with trio.open_nursery() as nursery:
            nursery.start_soon(fill_audio)
            nursery.start_soon(read_events)
            nursery.start_soon(subscriber)
            await trio.sleep(1)
            assert session.statistics().audio_queue > 0
            await session.aclose()
    assert isinstance(outcomes["audio"], trio.ClosedResourceError)
    assert outcomes["events"][-1] == "session_closed"
    assert outcomes["sub"] == ["session_closed"]


async def test_cancelled_send_queues_nothing(
    autojump_clock: trio.testing.MockClock, gateway: MemoryGateway
) -> None:
    async with rt.open_session("m", gateway=gateway) as session:
        peer = gateway.last_peer
        assert peer is not None
        sent = 0
        with trio.move_on_after(1) as scope:
            while True:
                await session.send_audio_frame(b"\x01\x00" * 4800)
                sent += 1
        assert scope.cancelled_caught
        queued = session.statistics().audio_queue
        # everything that was queued reaches the peer, nothing more
        total = 0
        while total < sent:
            msg = await peer.receive()
            if msg["type"] == "input_audio_buffer.append":
                total += 1
        await trio.testing.wait_all_tasks_blocked()
        assert peer.pending() == []
        assert queued <= sent


async def test_aclose_is_bounded_when_the_peer_never_reads(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway(close_timeout=2.0)
    async with rt.open_session("m", gateway=gateway) as session:
        for _ in range(300):  # more control messages than the transport buffer holds
            try:
                session.send_text_nowait("x")
            except trio.WouldBlock:
                break
        start = trio.current_time()
        await session.aclose()
        assert trio.current_time() - start <= 2.0 + 1e-9


async def test_aclose_is_cancel_safe(
    autojump_clock: trio.testing.MockClock, gateway: MemoryGateway
) -> None:
    async with rt.open_session("m", gateway=gateway) as session:
        with trio.CancelScope() as scope:
            scope.cancel()
            await session.aclose()
        assert session.closed
        assert gateway.last_peer is not None
        assert gateway.last_peer.transport.closed is not None


async def test_statistics_counts_events_and_unknown_types(
    autojump_clock: trio.testing.MockClock, gateway: MemoryGateway
) -> None:
    async with rt.open_session("m", gateway=gateway) as session:
        peer = gateway.last_peer
        assert peer is not None
        await peer.send({"type": "brand.new_event", "event_id": "e9"})
        await peer.send(response_created("r1"), response_done("r1"))
        events = []
        async for event in session.events():
            events.append(event)
            if event.kind == "assistant_turn_completed":
                break
        stats = session.statistics()
        assert stats.events_published["assistant_turn_started"] == 1
        assert stats.codec.unknown_event_types == {"brand.new_event": 1}
        assert "sk-" not in repr(stats)


async def test_update_sends_only_the_change(
    autojump_clock: trio.testing.MockClock, gateway: MemoryGateway
) -> None:
    async with trio.open_nursery() as nursery:
        session, peer = await _connect(nursery, gateway)
        await session.update_instructions("Be brief.")
        update = await peer.expect("session.update")
        assert update["session"] == {"type": "realtime", "instructions": "Be brief."}
        assert session.config.instructions == "Be brief."
        with pytest.raises(ValueError, match="speed"):
            await session.update(speed=3.0)
        await trio.testing.wait_all_tasks_blocked()
        assert peer.pending() == []
        await session.aclose()


async def test_commit_follows_the_queued_audio(
    autojump_clock: trio.testing.MockClock, gateway: MemoryGateway
) -> None:
    async with trio.open_nursery() as nursery:
        session, peer = await _connect(nursery, gateway, turn_detection=None)
        for _ in range(5):
            session.send_audio_frame_nowait(b"\x00\x00" * 480)
        await session.commit_audio()  # push-to-talk: commit, then a response
        types = [(await peer.receive())["type"] for _ in range(7)]
        assert types == ["input_audio_buffer.append"] * 5 + [
            "input_audio_buffer.commit",
            "response.create",
        ]
        await session.aclose()
