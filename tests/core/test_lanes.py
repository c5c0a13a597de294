"""The writer's two lanes on their own: priority, bounds, barriers, closing, cancellation."""

from __future__ import annotations

import pytest
import trio
import trio.testing

from trio_realtime._lanes import WriterLanes


async def take_all(lanes: WriterLanes) -> list[str | bytes]:
    out: list[str | bytes] = []
    while True:
        try:
            out.append(lanes.get_nowait())
        except trio.WouldBlock:
            return out


async def test_control_goes_before_audio_and_order_holds_within_a_lane() -> None:
    lanes = WriterLanes()
    await lanes.put("audio", "a1")
    await lanes.put("audio", "a2")
    await lanes.put("control", "c1")
    lanes.force("control", b"c2")
    assert await take_all(lanes) == ["c1", b"c2", "a1", "a2"]


async def test_put_waits_while_full_and_a_cancelled_put_queued_nothing(
    autojump_clock: trio.testing.MockClock,
) -> None:
    lanes = WriterLanes(audio_size=1)
    await lanes.put("audio", "a1")
    assert not lanes.has_room("audio")
    with trio.move_on_after(1):
        await lanes.put("audio", "a2")
    assert await take_all(lanes) == ["a1"]
    with pytest.raises(trio.WouldBlock):
        lanes.put_nowait("audio", "x")
        lanes.put_nowait("audio", "y")


async def test_drop_tail_keeps_everything_up_to_the_last_barrier() -> None:
    lanes = WriterLanes()
    for message in ("a1", "a2"):
        await lanes.put("audio", message)
    await lanes.put("audio", "commit", barrier=True)
    await lanes.put("audio", "a3")
    assert lanes.has_barrier("audio")
    assert lanes.drop_tail("audio") == 1
    assert await take_all(lanes) == ["a1", "a2", "commit"]
    assert not lanes.has_barrier("audio")


async def test_close_wakes_waiting_putters_and_keeps_queued_messages(
    autojump_clock: trio.testing.MockClock,
) -> None:
    lanes = WriterLanes(control_size=1)
    await lanes.put("control", "c1")
    errors: list[BaseException] = []

    async def putter() -> None:
        try:
            await lanes.put("control", "c2")
        except trio.ClosedResourceError as exc:
            errors.append(exc)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(putter)
        await trio.testing.wait_all_tasks_blocked()
        lanes.close(lambda: trio.ClosedResourceError("closed"))
    assert len(errors) == 1 and lanes.closed
    assert await take_all(lanes) == ["c1"]
    with pytest.raises(trio.ClosedResourceError):
        lanes.force("control", "late")


async def test_get_waits_and_is_cancel_safe(autojump_clock: trio.testing.MockClock) -> None:
    lanes = WriterLanes()
    with trio.move_on_after(1):
        await lanes.get()
    got: list[str | bytes] = []
    async with trio.open_nursery() as nursery:

        async def getter() -> None:
            got.append(await lanes.get())

        nursery.start_soon(getter)
        await trio.testing.wait_all_tasks_blocked()
        await lanes.put("audio", "a1")
    assert got == ["a1"]


async def test_put_and_get_are_checkpoints() -> None:
    lanes = WriterLanes()
    with trio.testing.assert_checkpoints():
        await lanes.put("control", "c1")
    with trio.testing.assert_checkpoints():
        await lanes.get()
