"""Consumers and backpressure: nothing waits on the caller's own queue; effects happen when a
frame is read.

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
    audio_delta,
    call_added,
    call_done,
    message_added,
    response_created,
    response_done,
    speech_started,
    text_delta,
)
from .review_helpers import (
    block_the_writer,
    pcm,
    quick,
    quick2,
    slow_end,
    slow_tool,
    tool_call,
)
from .test_interruption import Recorder


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
            await peer.send(audio_delta("r", "item_A", pcm(100)))
        await trio.testing.wait_all_tasks_blocked()
        with trio.move_on_after(5) as stuck:
            async for event in session.events():
                await trio.sleep(0.02)  # e.g. writing the audio to a sound device
                if event.kind == "assistant_audio_delta":  # e.g. local VAD heard the user
                    await session.interrupt()
                    break
        assert not stuck.cancelled_caught


async def test_barge_in_cancels_tools_when_the_frame_is_read(
    autojump_clock: trio.testing.MockClock,
) -> None:
    slow_end.clear()
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
            await tool_call(peer, "r", "c1", "slow_tool")
            await trio.sleep(1)
            await peer.send(speech_started())
            await trio.sleep(5)
            nursery.cancel_scope.cancel()
    # "barge-in happens when the frame is read, not when a consumer gets to it"
    assert slow_end.get("cancelled", -1) - t0 == pytest.approx(1.0)


async def test_queues_stay_bounded_while_the_session_closes(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway(close_timeout=2.0)
    broker = rt.Broker("m", gateway=gateway, config=rt.Config(modalities=["text"]), event_buffer=4)
    async with broker.connect() as session:
        peer = gateway.last_peer
        assert peer is not None
        await block_the_writer(session, "control", queued=1)  # aclose() waits for a drain
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
