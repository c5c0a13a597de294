"""Review of the session core: cancellation, concurrency and DESIGN 3/4 rules.

Each test here demonstrated a problem found in review (it was marked ``xfail(strict=True)`` until
fixed, and then the marker must go). Unmarked tests pin behaviour nobody had tested yet.
All on trio's virtual clock, over the in-memory transport with the scripted peer.
"""

from __future__ import annotations

import numpy as np
import pytest
import trio
import trio.testing

import trio_realtime as rt

from .peer import (
    MemoryGateway,
    ScriptedPeer,
    audio_delta,
    call_added,
    call_done,
    message_added,
    response_created,
    response_done,
    session_created,
    speech_started,
    text_delta,
)
from .test_interruption import Recorder

# -- helpers --------------------------------------------------------------------------------


def _pcm(ms: int, rate: int = 24000) -> bytes:
    return (np.arange(rate * ms // 1000) % 200).astype("<i2").tobytes()


def _app_tool(name: str = "lookup") -> rt.Tool:
    return rt.Tool(name=name, description="Answered by the app.", parameters={"type": "object"})


def _types(peer: ScriptedPeer) -> list[str]:
    return [f["type"] for f in peer.pending()]


async def _tool_call(
    peer: ScriptedPeer, rid: str, call_id: str, name: str, args: str = "{}"
) -> None:
    await peer.send(
        response_created(rid), call_added(rid, call_id, name), call_done(rid, call_id, name, args)
    )


async def _block_the_writer(session: rt.RealtimeSession, lane: str, queued: int = 8) -> None:
    """The peer reads nothing: fill the transport buffer and the writer's hand, so that the
    last ``queued`` messages stay in ``lane`` (audio or control) until the peer reads again."""
    while True:
        if lane == "audio":
            await session.send_audio_frame(b"\x00\x00" * 10)
        else:
            await session.send_text("filler", respond=False)
        await trio.testing.wait_all_tasks_blocked()
        stats = session.statistics()
        if (stats.audio_queue if lane == "audio" else stats.control_queue) >= queued:
            return


async def _drain(peer: ScriptedPeer, seconds: float = 1.0) -> list[str]:
    """Read every client frame the peer gets within ``seconds`` (virtual)."""
    types: list[str] = []
    with trio.move_on_after(seconds):
        while True:
            types.append((await peer.receive())["type"])
    return types


# -- 2. unsubscribing while the reader publishes skips another subscriber's event ------------


async def test_unsubscribing_during_a_publish_loses_no_event_for_others(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway()
    async with rt.open_session("m", gateway=gateway) as session:
        peer = gateway.last_peer
        assert peer is not None
        async with trio.open_nursery() as nursery:
            nursery.start_soon(Recorder().events_from, session)  # the primary keeps up
            slow = session.subscribe(kinds={"assistant_turn_started"}, buffer=1)
            other = session.subscribe()  # lossless ("block"), reads promptly below
            await peer.send(response_created("r0"), response_done("r0"))
            await peer.send(response_created("r1"), response_done("r1"))
            await trio.testing.wait_all_tasks_blocked()  # the reader waits on `slow` (full)
            slow.close()  # e.g. its consumer left its `with` block
            got: list[str] = []
            with trio.move_on_after(1):
                while len(got) < 4:
                    event = await other.receive()
                    got.append(f"{event.kind}:{event.turn_id}")  # type: ignore[union-attr]
            other.close()
            nursery.cancel_scope.cancel()
    assert got == [
        "assistant_turn_started:r0",
        "assistant_turn_completed:r0",
        "assistant_turn_started:r1",
        "assistant_turn_completed:r1",
    ]


# -- 3. interrupt() from the events() loop deadlocks when the primary buffer is full ----------


async def test_interrupt_from_the_event_loop_does_not_deadlock(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway()
    broker = rt.Broker("m", gateway=gateway, config=rt.Config(), event_buffer=4)
    async with broker.connect() as session:
        peer = gateway.last_peer
        assert peer is not None
        await peer.send(response_created("r"), message_added("r", "item_A"))
        for _ in range(10):  # audio arrives faster than real time: the buffer fills
            await peer.send(audio_delta("r", "item_A", _pcm(100)))
        await trio.testing.wait_all_tasks_blocked()
        with trio.move_on_after(5) as stuck:
            async for event in session.events():
                await trio.sleep(0.02)  # e.g. writing the audio to a sound device
                if event.kind == "assistant_audio_delta":  # e.g. local VAD heard the user
                    await session.interrupt()
                    break
        assert not stuck.cancelled_caught


# -- 4. barge-in side effects (cancel, tool cancellation) wait for a slow consumer ------------

_slow_end: dict[str, float] = {}


async def slow_tool() -> str:
    """Takes five seconds."""
    try:
        await trio.sleep(5)
    except trio.Cancelled:
        _slow_end["cancelled"] = trio.current_time()
        raise
    _slow_end["done"] = trio.current_time()
    return "done"


async def test_barge_in_cancels_tools_when_the_frame_is_read(
    autojump_clock: trio.testing.MockClock,
) -> None:
    _slow_end.clear()
    gateway = MemoryGateway()
    cfg = rt.Config(modalities=["text"], tools=[slow_tool])
    broker = rt.Broker("m", gateway=gateway, config=cfg, event_buffer=1)
    async with broker.connect() as session:
        peer = gateway.last_peer
        assert peer is not None

        async def slow_consumer() -> None:
            async for event in session.events():
                if event.kind == "tool_call_dispatched":
                    await trio.sleep(3)  # busy with something else for a while

        async with trio.open_nursery() as nursery:
            nursery.start_soon(slow_consumer)
            await trio.testing.wait_all_tasks_blocked()
            t0 = trio.current_time()
            await _tool_call(peer, "r", "c1", "slow_tool")
            await trio.sleep(1)
            await peer.send(speech_started())
            await trio.sleep(5)
            nursery.cancel_scope.cancel()
    # "barge-in happens when the frame is read, not when a consumer gets to it"
    assert _slow_end.get("cancelled", -1) - t0 == pytest.approx(1.0)


# -- 5. a command cancelled at its first await leaves the state machine changed ---------------


async def test_cancelled_create_response_does_not_wedge_the_response_state(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway()
    async with rt.open_session("m", gateway=gateway, config=rt.Config(turn_detection=None)) as s:
        peer = gateway.last_peer
        assert peer is not None
        with trio.CancelScope() as scope:
            scope.cancel()
            await s.create_response()  # raises Cancelled at once: nothing may have changed
        await s.create_response()
        await trio.testing.wait_all_tasks_blocked()
        assert _types(peer) == ["response.create"]


async def test_cancelled_interrupt_can_be_retried(autojump_clock: trio.testing.MockClock) -> None:
    gateway = MemoryGateway()
    async with rt.open_session("m", gateway=gateway) as session:
        peer = gateway.last_peer
        assert peer is not None
        await peer.send(response_created("r"), message_added("r", "item_A"))
        await peer.send(audio_delta("r", "item_A", _pcm(500)))
        await trio.testing.wait_all_tasks_blocked()
        with trio.CancelScope() as scope:
            scope.cancel()
            await session.interrupt()
        await trio.sleep(0.2)
        await session.interrupt()  # the retry must do the work
        await trio.testing.wait_all_tasks_blocked()
        assert "response.cancel" in _types(peer)
        assert session.statistics().events_published.get("interrupted") == 1


async def test_cancelled_update_is_not_half_applied(autojump_clock: trio.testing.MockClock) -> None:
    gateway = MemoryGateway()
    async with rt.open_session("m", gateway=gateway) as session:
        peer = gateway.last_peer
        assert peer is not None
        with trio.CancelScope() as scope:
            scope.cancel()
            await session.update(instructions="Be brief.")
        await session.update(instructions="Be brief.")
        await trio.testing.wait_all_tasks_blocked()
        updates = [f for f in peer.pending() if f["type"] == "session.update"]
        assert [u["session"].get("instructions") for u in updates] == ["Be brief."]


async def test_send_text_cancelled_after_the_message_does_not_wedge(
    autojump_clock: trio.testing.MockClock,
) -> None:
    """Once send_text queued its message, its response request goes out with it (not waiting,
    not cancellable half-way), so the wire and the response state agree."""
    gateway = MemoryGateway()
    config = rt.Config(modalities=["text"], turn_detection=None)
    async with rt.open_session("m", gateway=gateway, config=config) as session:
        peer = gateway.last_peer
        assert peer is not None
        await _block_the_writer(session, "control")
        while True:  # leave exactly one free slot in the control lane
            try:
                session.send_text_nowait("filler")
            except trio.WouldBlock:
                break
        await _drain_one_slot(session, peer)
        with trio.move_on_after(1):
            await session.send_text("hello")
        sent = await _drain(peer)
        assert sent.count("response.create") == 1
        assert sent.index("response.create") > sent.index("conversation.item.create")


async def _drain_one_slot(session: rt.RealtimeSession, peer: ScriptedPeer) -> None:
    """Let exactly one message leave the full control lane."""
    depth = session.statistics().control_queue
    await peer.receive()
    await trio.testing.wait_all_tasks_blocked()
    assert session.statistics().control_queue == depth - 1


# -- 6. clear_audio() drops a queued commit and its response.create ---------------------------


async def test_clear_audio_after_commit_does_not_wedge_responses(
    autojump_clock: trio.testing.MockClock,
) -> None:
    """clear_audio() keeps a queued commit and its response.create (it drops only the frames
    queued after them), and goes out after them."""
    gateway = MemoryGateway()
    async with rt.open_session("m", gateway=gateway, config=rt.Config(turn_detection=None)) as s:
        peer = gateway.last_peer
        assert peer is not None
        await _block_the_writer(s, "audio")
        await s.commit_audio()  # push-to-talk: commit + response.create, queued behind audio
        await s.send_audio_frame(b"\x00\x00" * 480)  # after the commit: cleared below
        await s.clear_audio()
        sent = await _drain(peer)
        tail = sent[sent.index("input_audio_buffer.commit") :]
        assert tail == ["input_audio_buffer.commit", "response.create", "input_audio_buffer.clear"]


# -- 7. control-lane commands overtake a commit / response.create queued in the audio lane ----


async def test_create_response_after_commit_goes_out_after_the_commit(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway()
    async with rt.open_session("m", gateway=gateway, config=rt.Config(turn_detection=None)) as s:
        peer = gateway.last_peer
        assert peer is not None
        await _block_the_writer(s, "audio")
        await s.commit_audio(respond=False)
        await s.create_response()  # the documented push-to-talk recipe, in two calls
        types = await _drain(peer)
        assert types.index("input_audio_buffer.commit") < types.index("response.create")


async def test_cancel_response_after_commit_audio_is_not_lost(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway()
    async with rt.open_session("m", gateway=gateway, config=rt.Config(turn_detection=None)) as s:
        peer = gateway.last_peer
        assert peer is not None
        await _block_the_writer(s, "audio")
        await s.commit_audio()  # requests a response: response.create waits in the audio lane
        await s.cancel_response()  # "never mind"
        types = await _drain(peer)
        if "response.create" in types:  # a cancel that reaches the server first is a no-op
            assert "response.cancel" in types[types.index("response.create") :]


# -- 8. server events for unknown / repeated response ids --------------------------------------


async def one_second() -> str:
    """Sleeps a second."""
    await trio.sleep(1)
    return "done"


async def test_repeated_response_created_does_not_crash_the_session(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway()
    rec = Recorder()
    cfg = rt.Config(modalities=["text"], tools=[one_second])
    async with rt.open_session("m", gateway=gateway, config=cfg) as session:
        peer = gateway.last_peer
        assert peer is not None
        async with trio.open_nursery() as nursery:
            nursery.start_soon(rec.events_from, session)
            await _tool_call(peer, "r", "c1", "one_second")
            await peer.send(response_created("r"))  # the server repeats itself
            await peer.send(response_done("r"))
            await trio.sleep(3)
            nursery.cancel_scope.cancel()
    assert [e.call_id for _, e in rec.kinds("tool_call_completed")] == ["c1"]


async def test_done_for_another_response_keeps_creates_queued(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway()
    async with rt.open_session("m", gateway=gateway) as session:
        peer = gateway.last_peer
        assert peer is not None
        await peer.send(response_created("resp_A"))
        await peer.send(response_done("resp_oob"))  # e.g. an out-of-band response ends
        await trio.testing.wait_all_tasks_blocked()
        await session.create_response()
        await trio.testing.wait_all_tasks_blocked()
        assert _types(peer) == []  # resp_A is still active: the create must wait
        await peer.send(response_done("resp_A"))
        await trio.testing.wait_all_tasks_blocked()
        assert _types(peer) == ["response.create"]


async def test_done_without_created_is_ignored_and_releases(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway()
    config = rt.Config(modalities=["text"], turn_detection=None)
    async with rt.open_session("m", gateway=gateway, config=config) as session:
        peer = gateway.last_peer
        assert peer is not None
        await session.create_response()
        await peer.expect("response.create")
        await peer.send(response_done("r_failed", "failed"))  # no response.created first
        kinds = []
        async for event in session.events():
            kinds.append(event.kind)
            if event.kind == "error":
                break
        assert "assistant_turn_completed" not in kinds  # never published as a turn
        assert session.statistics().ignored_events == 1
        await session.create_response()  # released: goes out at once
        await peer.expect("response.create")


# -- 9. per-response tools (ResponseOptions.tools) cannot be dispatched ------------------------


async def test_tools_given_for_one_response_are_dispatched(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway()
    rec = Recorder()
    async with rt.open_session("m", gateway=gateway, config=rt.Config(modalities=["text"])) as s:
        peer = gateway.last_peer
        assert peer is not None
        async with trio.open_nursery() as nursery:
            nursery.start_soon(rec.events_from, s)
            await s.create_response(rt.ResponseOptions(tools=[one_second]))
            create = await peer.expect("response.create")
            assert create["response"]["tools"][0]["name"] == "one_second"
            await _tool_call(peer, "r", "c1", "one_second")
            await peer.send(response_done("r"))
            await trio.sleep(2)
            nursery.cancel_scope.cancel()
    assert rec.kinds("tool_call_failed") == []
    assert [e.result for _, e in rec.kinds("tool_call_completed")] == ["done"]


# -- 10. a tool's own TooSlowError ------------------------------------------------------------


async def inner_timeout() -> str:
    """Uses its own deadline, which expires."""
    with trio.fail_after(0.5):
        await trio.sleep(1)
    return "unreachable"


async def test_a_tools_own_too_slow_error_is_a_tool_failure(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway()
    rec = Recorder()
    cfg = rt.Config(modalities=["text"], tools=[inner_timeout], tool_timeout=None)
    async with rt.open_session("m", gateway=gateway, config=cfg) as session:
        peer = gateway.last_peer
        assert peer is not None
        async with trio.open_nursery() as nursery:
            nursery.start_soon(rec.events_from, session)
            await _tool_call(peer, "r", "c1", "inner_timeout")
            await peer.send(response_done("r"))
            await trio.sleep(2)
            nursery.cancel_scope.cancel()
    failed = rec.kinds("tool_call_failed")
    assert len(failed) == 1 and "TooSlowError" in failed[0][1].error


async def test_a_tools_own_too_slow_error_is_not_the_session_timeout(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway()
    rec = Recorder()
    cfg = rt.Config(modalities=["text"], tools=[inner_timeout], tool_timeout=30)
    async with rt.open_session("m", gateway=gateway, config=cfg) as session:
        peer = gateway.last_peer
        assert peer is not None
        async with trio.open_nursery() as nursery:
            nursery.start_soon(rec.events_from, session)
            await _tool_call(peer, "r", "c1", "inner_timeout")
            await peer.send(response_done("r"))
            await trio.sleep(2)
            nursery.cancel_scope.cancel()
    failed = rec.kinds("tool_call_failed")
    assert len(failed) == 1 and "timed out after 30 s" not in failed[0][1].error


# -- 11. an internal put parked in a full control lane when the session closes ----------------


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
            await _tool_call(peer, "r", "c1", "one_second")
            await peer.send(response_done("r"))
            await trio.testing.wait_all_tasks_blocked()
            # the network stalls (the peer reads nothing) and the control lane fills up
            await _block_the_writer(session, "control", queued=256)
            await trio.sleep(2)  # the tool finished at t=1: its output waits for the lane
            if closer == "client":
                await session.aclose()
            else:
                await peer.transport.aclose(1011, "internal error")
                await trio.sleep(1)
    except Exception as exc:  # what leaves connect() is the point
        raised.append(exc)
    assert raised == []


# -- 12. frames the server sent before closing are lost when the writer notices first ---------


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


# -- 13. while closing, the reader appends to a full queue without bound ----------------------


async def test_queues_stay_bounded_while_the_session_closes(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway(close_timeout=2.0)
    broker = rt.Broker("m", gateway=gateway, config=rt.Config(modalities=["text"]), event_buffer=4)
    async with broker.connect() as session:
        peer = gateway.last_peer
        assert peer is not None
        await _block_the_writer(session, "control", queued=1)  # aclose() waits for a drain
        peak = 0
        async with trio.open_nursery() as nursery:
            nursery.start_soon(session.aclose)
            await trio.testing.wait_all_tasks_blocked()
            for i in range(200):  # the server keeps talking during the (bounded) close
                await peer.send(text_delta("r", "item_A", f"w{i}"))
                primary = session.statistics().primary
                assert primary is not None
                peak = max(peak, primary.buffered)
    assert peak <= 4 + 1  # the bound, plus the terminal session_closed


# -- 14. a malformed frame during the handshake fails connect() -------------------------------


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


# -- 15. aclose() from inside a tool waits for the tool itself ---------------------------------


async def hang_up(ctx: rt.ToolContext) -> str:
    """Ends the call."""
    start = trio.current_time()
    await ctx.session.aclose()
    _slow_end["aclose_took"] = trio.current_time() - start
    return "bye"


async def test_a_tool_can_close_the_session_promptly(
    autojump_clock: trio.testing.MockClock,
) -> None:
    _slow_end.clear()
    gateway = MemoryGateway(close_timeout=2.0)
    cfg = rt.Config(modalities=["text"], tools=[hang_up])
    async with rt.open_session("m", gateway=gateway, config=cfg) as session:
        peer = gateway.last_peer
        assert peer is not None
        await _tool_call(peer, "r", "c1", "hang_up")
        async for _ in session.events():
            pass
    assert _slow_end["aclose_took"] < 0.1


# -- 16. a response requested before a barge-in is sent right after it --------------------------


async def test_no_response_create_right_after_a_barge_in(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway()
    rec = Recorder()
    async with rt.open_session("m", gateway=gateway) as session:  # server VAD (the default)
        peer = gateway.last_peer
        assert peer is not None
        async with trio.open_nursery() as nursery:
            nursery.start_soon(rec.frames_from, peer)
            await peer.send(response_created("r"), message_added("r", "item_A"))
            await peer.send(audio_delta("r", "item_A", _pcm(1000)))
            await trio.testing.wait_all_tasks_blocked()
            await session.send_text("and also...")  # queued: r is active
            await trio.sleep(0.3)
            await peer.send(speech_started())  # the user talks over the assistant
            await peer.send(
                response_done("r", "cancelled", type="cancelled", reason="turn_detected")
            )
            await trio.sleep(1)
            nursery.cancel_scope.cancel()
    # the server's VAD answers the user's new turn; a create now races it
    assert rec.sent("response.create") == []


# -- 17. a finished call's report is cancellable by the interruption of its batch --------------


async def quick() -> str:
    """Half a second."""
    await trio.sleep(0.5)
    return "quick"


async def quick2() -> str:
    """0.6 s."""
    await trio.sleep(0.6)
    return "quick2"


async def test_a_lossless_subscriber_sees_every_outcome_across_an_interruption(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway()
    cfg = rt.Config(
        modalities=["text"], tools=[quick, quick2, slow_tool], on_interrupt="submit_completed_only"
    )
    async with rt.open_session("m", gateway=gateway, config=cfg) as session:
        peer = gateway.last_peer
        assert peer is not None
        async with trio.open_nursery() as nursery:
            nursery.start_soon(Recorder().events_from, session)
            with session.subscribe(
                kinds={"tool_call_completed", "tool_batch_submitted"}, buffer=1
            ) as sub:
                await peer.send(response_created("r"))
                for i, name in enumerate(["quick", "quick2", "slow_tool"]):
                    await peer.send(
                        call_added("r", name, name, i), call_done("r", name, name, "{}", i)
                    )
                await trio.sleep(1)  # quick's outcome fills `sub`; quick2's waits for room
                await session.interrupt()
                await trio.testing.wait_all_tasks_blocked()
                got: list[str] = []
                with trio.move_on_after(1):
                    while True:
                        event = await sub.receive()
                        got.append(f"{event.kind}:{getattr(event, 'call_id', '')}")
            nursery.cancel_scope.cancel()
    assert got == [
        "tool_call_completed:quick",
        "tool_call_completed:quick2",
        "tool_batch_submitted:",
    ]


# -- 18. the limiter wait counts against a call's timeout ---------------------------------------


async def test_queued_calls_get_their_full_timeout(autojump_clock: trio.testing.MockClock) -> None:
    gateway = MemoryGateway()
    rec = Recorder()
    cfg = rt.Config(
        modalities=["text"], tools=[one_second], tool_timeout=1.5, max_concurrent_tools=1
    )
    async with rt.open_session("m", gateway=gateway, config=cfg) as session:
        peer = gateway.last_peer
        assert peer is not None
        async with trio.open_nursery() as nursery:
            nursery.start_soon(rec.events_from, session)
            await peer.send(response_created("r"))
            for i in range(2):
                await peer.send(
                    call_added("r", f"c{i}", "one_second", i),
                    call_done("r", f"c{i}", "one_second", "{}", i),
                )
            await peer.send(response_done("r"))
            await trio.sleep(3)
            nursery.cancel_scope.cancel()
    assert rec.kinds("tool_call_failed") == []  # each call runs 1 s < its 1.5 s timeout


# -- 19. an event appended after the terminal session_closed ------------------------------------


async def test_nothing_follows_the_terminal_event() -> None:
    from trio_realtime._fanout import EventQueue

    queue = EventQueue(1)
    queue.push(rt.AssistantTurnStarted(turn_id="r0"))
    async with trio.open_nursery() as nursery:
        nursery.start_soon(queue.wait_room)  # the reader, parked on a full queue
        await trio.testing.wait_all_tasks_blocked()
        queue.release()  # _stop_tools()
        queue.finish(rt.SessionClosed(reason="server", code=1000, message=""))  # _finish()
    queue.push(rt.AssistantTurnStarted(turn_id="r1"))  # too late: dropped
    kinds = []
    with trio.move_on_after(1):
        while True:
            try:
                kinds.append((await queue.get()).kind)
            except trio.EndOfChannel:
                break
    assert kinds == ["assistant_turn_started", "session_closed"]


# -- 20. a failure while building the session leaves the transport open ----------------------


async def test_a_bad_session_option_leaves_nothing_open(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway(auto_handshake=False)  # no peer task: only the library's state
    async with trio.open_nursery() as nursery:
        with pytest.raises(ValueError, match="buffer"):
            await rt.connect_session(nursery, "m", gateway=gateway, event_buffer=0)
        # the options are checked before anything is opened
        assert gateway.last_peer is None


# -- pinned behaviour (passing) ------------------------------------------------------------------


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


@pytest.mark.parametrize("policy", ["drop", "submit"])
async def test_app_answered_calls_follow_the_interruption_policy(
    autojump_clock: trio.testing.MockClock, policy: str
) -> None:
    gateway = MemoryGateway()
    rec = Recorder()
    cfg = rt.Config(modalities=["text"], tools=[_app_tool()], on_interrupt=policy)
    async with rt.open_session("m", gateway=gateway, config=cfg) as session:
        peer = gateway.last_peer
        assert peer is not None
        async with trio.open_nursery() as nursery:
            nursery.start_soon(rec.frames_from, peer)
            nursery.start_soon(rec.events_from, session)
            t0 = trio.current_time()
            await _tool_call(peer, "r", "c1", "lookup")
            await trio.sleep(1)
            await peer.send(speech_started())
            await peer.send(
                response_done("r", "cancelled", type="cancelled", reason="turn_detected")
            )
            await trio.sleep(1)
            if policy == "drop":  # the call was cancelled at the barge-in: nothing to answer
                with pytest.raises(ValueError, match="no pending"):
                    await session.send_tool_result("c1", "late")
            else:  # the call still waits for the application
                await session.send_tool_result("c1", "late")
            await trio.sleep(1)
            nursery.cancel_scope.cancel()
    outputs = [f["item"]["output"] for _, f in rec.sent("conversation.item.create")]
    assert rec.sent("response.create") == []
    if policy == "drop":
        failed = rec.kinds("tool_call_failed")
        assert [e.call_id for _, e in failed] == ["c1"]
        assert failed[0][0] - t0 == pytest.approx(1.0)
        assert outputs == []
    else:
        assert [e.result for _, e in rec.kinds("tool_call_completed")] == ["late"]
        assert outputs == ["late"]


async def test_speech_after_the_audio_was_all_played_interrupts_nothing(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway()
    async with rt.open_session("m", gateway=gateway) as session:
        peer = gateway.last_peer
        assert peer is not None
        await peer.send(response_created("r"), message_added("r", "item_A"))
        await peer.send(audio_delta("r", "item_A", _pcm(500)), response_done("r"))
        await trio.sleep(0.6)  # all 500 ms heard (monotonic estimate): the turn is over
        await peer.send(speech_started())
        await trio.testing.wait_all_tasks_blocked()
        assert _types(peer) == []
        assert session.statistics().events_published.get("interrupted") is None
