"""Tool batches inside a session: per-response tools, timeouts, app-answered calls, closing
from a tool.

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
    call_added,
    call_done,
    response_created,
    response_done,
    speech_started,
)
from .review_helpers import (
    app_tool,
    hang_up,
    inner_timeout,
    one_second,
    slow_end,
    tool_call,
)
from .test_interruption import Recorder


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
            await tool_call(peer, "r", "c1", "one_second")
            await peer.send(response_done("r"))
            await trio.sleep(2)
            nursery.cancel_scope.cancel()
    assert rec.kinds("tool_call_failed") == []
    assert [e.result for _, e in rec.kinds("tool_call_completed")] == ["done"]


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
            await tool_call(peer, "r", "c1", "inner_timeout")
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
            await tool_call(peer, "r", "c1", "inner_timeout")
            await peer.send(response_done("r"))
            await trio.sleep(2)
            nursery.cancel_scope.cancel()
    failed = rec.kinds("tool_call_failed")
    assert len(failed) == 1 and "timed out after 30 s" not in failed[0][1].error


async def test_a_tool_can_close_the_session_promptly(
    autojump_clock: trio.testing.MockClock,
) -> None:
    slow_end.clear()
    gateway = MemoryGateway(close_timeout=2.0)
    cfg = rt.Config(modalities=["text"], tools=[hang_up])
    async with rt.open_session("m", gateway=gateway, config=cfg) as session:
        peer = gateway.last_peer
        assert peer is not None
        await tool_call(peer, "r", "c1", "hang_up")
        async for _ in session.events():
            pass
    assert slow_end["aclose_took"] < 0.1


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


@pytest.mark.parametrize("policy", ["drop", "submit"])
async def test_app_answered_calls_follow_the_interruption_policy(
    autojump_clock: trio.testing.MockClock, policy: str
) -> None:
    gateway = MemoryGateway()
    rec = Recorder()
    cfg = rt.Config(modalities=["text"], tools=[app_tool()], on_interrupt=policy)
    async with rt.open_session("m", gateway=gateway, config=cfg) as session:
        peer = gateway.last_peer
        assert peer is not None
        async with trio.open_nursery() as nursery:
            nursery.start_soon(rec.frames_from, peer)
            nursery.start_soon(rec.events_from, session)
            t0 = trio.current_time()
            await tool_call(peer, "r", "c1", "lookup")
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
