"""EventQueue and Fanout on their own: bounds, policies, fairness, cancellation."""

from __future__ import annotations

import pytest
import trio
import trio.testing

from trio_realtime._fanout import FAIRNESS, SLACK, EventQueue, Fanout, SubscriberOverflowError
from trio_realtime.events import AssistantTurnStarted, SessionClosed


def turn(i: int) -> AssistantTurnStarted:
    return AssistantTurnStarted(turn_id=f"r{i}")


CLOSED = SessionClosed(reason="server", code=1000, message="")


async def drain(queue: EventQueue) -> list[str]:
    out = []
    while True:
        try:
            event = await queue.get()
        except trio.EndOfChannel:
            return out
        out.append(getattr(event, "turn_id", event.kind))


@pytest.mark.parametrize(
    ("overflow", "kept", "dropped"),
    [("block", [0, 1, 2, 3, 4], 0), ("drop_oldest", [2, 3, 4], 2)],
)
async def test_push_never_waits_and_applies_the_policy(
    overflow: str, kept: list[int], dropped: int
) -> None:
    queue = EventQueue(3, overflow)  # type: ignore[arg-type]
    for i in range(5):
        queue.push(turn(i))
    queue.finish(CLOSED)
    assert await drain(queue) == [f"r{i}" for i in kept] + ["session_closed"]
    assert queue.statistics().dropped == dropped


async def test_close_policy_ends_with_an_overflow_error_after_what_was_kept() -> None:
    queue = EventQueue(2, "close")
    for i in range(3):
        queue.push(turn(i))
    assert [(await queue.get()).turn_id for _ in range(2)] == ["r0", "r1"]  # type: ignore[union-attr]
    with pytest.raises(SubscriberOverflowError):
        await queue.get()


async def test_a_block_queue_has_a_hard_backstop() -> None:
    queue = EventQueue(1)
    for i in range(1 + SLACK + 5):
        queue.push(turn(i))
    stats = queue.statistics()
    assert stats.buffered == 1 + SLACK and stats.dropped == 5


async def test_wait_room_returns_at_half_the_bound(autojump_clock: trio.testing.MockClock) -> None:
    queue = EventQueue(4)
    for i in range(4):
        queue.push(turn(i))
    assert queue.full
    resumed_at: list[int] = []

    async def producer() -> None:
        await queue.wait_room()
        resumed_at.append(queue.statistics().buffered)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(producer)
        await trio.testing.wait_all_tasks_blocked()
        await queue.get()
        await trio.testing.wait_all_tasks_blocked()
        assert resumed_at == []  # 3 left: still above the low-water mark
        await queue.get()
    assert resumed_at == [2]


async def test_wait_room_without_a_full_queue_does_not_wait() -> None:
    queue = EventQueue(4)
    queue.push(turn(0))
    with trio.testing.assert_no_checkpoints():
        await queue.wait_room()


async def test_get_is_a_cancel_point_and_loses_nothing_when_cancelled() -> None:
    queue = EventQueue(8)
    queue.push(turn(0))
    with trio.CancelScope() as scope:
        scope.cancel()
        await queue.get()
    assert scope.cancelled_caught
    assert (await queue.get()).turn_id == "r0"  # type: ignore[union-attr]


async def test_get_makes_a_schedule_point_at_least_every_fairness_events() -> None:
    queue = EventQueue(8 * FAIRNESS)
    for i in range(6 * FAIRNESS):
        queue.push(turn(i))
    other_ran = 0

    async def other() -> None:
        nonlocal other_ran
        while True:
            other_ran += 1
            await trio.lowlevel.checkpoint()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(other)
        await trio.lowlevel.checkpoint()
        before = other_ran
        for _ in range(6 * FAIRNESS):
            await queue.get()
        # it yielded about once per FAIRNESS events: fair, and not once per event
        assert 3 <= other_ran - before <= 8
        nursery.cancel_scope.cancel()


async def test_waiting_get_wakes_on_push_and_on_finish(
    autojump_clock: trio.testing.MockClock,
) -> None:
    queue = EventQueue(2)
    got: list[str] = []

    async def consumer() -> None:
        got.extend(await drain(queue))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(consumer)
        await trio.testing.wait_all_tasks_blocked()
        queue.push(turn(1))
        await trio.testing.wait_all_tasks_blocked()
        assert got == []  # (drain collects until the end)
        queue.finish(CLOSED)
    assert got == ["r1", "session_closed"]


async def test_a_closed_stream_raises_closed_resource_error() -> None:
    queue = EventQueue(2)
    queue.push(turn(0))
    queue.close()
    with pytest.raises(trio.ClosedResourceError):
        await queue.get()
    queue.push(turn(1))  # the producer is never held by a closed consumer
    assert not queue.full


async def test_fanout_filters_counts_and_unsubscribes() -> None:
    fanout = Fanout(buffer=8, primary=True)
    with fanout.subscribe({"session_closed"}, 8, "block") as sub:
        fanout.publish(turn(0))
        fanout.finish(CLOSED)
        assert [e.kind async for e in sub] == ["session_closed"]
    stream = fanout.primary_stream()
    assert [e.kind async for e in stream] == ["assistant_turn_started", "session_closed"]
    assert fanout.counts == {"assistant_turn_started": 1, "session_closed": 1}
    with pytest.raises(RuntimeError, match="subscribe"):
        fanout.primary_stream()


async def test_fanout_waits_for_every_blocking_consumer(
    autojump_clock: trio.testing.MockClock,
) -> None:
    fanout = Fanout(buffer=1, primary=False)
    slow = fanout.subscribe(None, 1, "block")
    fast = fanout.subscribe(None, 1, "drop_oldest")
    fanout.publish(turn(0))
    assert fanout.full
    async with trio.open_nursery() as nursery:
        nursery.start_soon(fanout.wait_room)
        await trio.testing.wait_all_tasks_blocked()
        await fast.receive()
        await trio.testing.wait_all_tasks_blocked()
        assert fanout.full  # the blocking subscriber still holds the reader
        await slow.receive()
    assert not fanout.full
