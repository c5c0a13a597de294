"""Server events for unknown or repeated responses.

Found in review of the session core; all on trio's virtual clock, over the in-memory transport
with the scripted peer.
"""

from __future__ import annotations

import trio
import trio.testing

import trio_realtime as rt

from .peer import (
    MemoryGateway,
    response_created,
    response_done,
)
from .review_helpers import (
    client_types,
    one_second,
    tool_call,
)
from .test_interruption import Recorder


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
            await tool_call(peer, "r", "c1", "one_second")
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
        assert client_types(peer) == []  # resp_A is still active: the create must wait
        await peer.send(response_done("resp_A"))
        await trio.testing.wait_all_tasks_blocked()
        assert client_types(peer) == ["response.create"]


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
