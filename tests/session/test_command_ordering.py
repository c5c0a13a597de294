"""Commands and the wire order: cancellation, commits, lanes, barge-in.

Found in review of the session core; all on trio's virtual clock, over the in-memory transport
with the scripted peer.
"""

from __future__ import annotations

import trio
import trio.testing

import trio_realtime as rt

from .peer import (
    MemoryGateway,
    audio_delta,
    message_added,
    response_created,
    response_done,
    speech_started,
)
from .review_helpers import (
    block_the_writer,
    client_types,
    drain,
    drain_one_slot,
    pcm,
)
from .test_interruption import Recorder


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
        assert client_types(peer) == ["response.create"]


async def test_cancelled_interrupt_can_be_retried(autojump_clock: trio.testing.MockClock) -> None:
    gateway = MemoryGateway()
    async with rt.open_session("m", gateway=gateway) as session:
        peer = gateway.last_peer
        assert peer is not None
        await peer.send(response_created("r"), message_added("r", "item_A"))
        await peer.send(audio_delta("r", "item_A", pcm(500)))
        await trio.testing.wait_all_tasks_blocked()
        with trio.CancelScope() as scope:
            scope.cancel()
            await session.interrupt()
        await trio.sleep(0.2)
        await session.interrupt()  # the retry must do the work
        await trio.testing.wait_all_tasks_blocked()
        assert "response.cancel" in client_types(peer)
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
        await block_the_writer(session, "control")
        while True:  # leave exactly one free slot in the control lane
            try:
                session.send_text_nowait("filler")
            except trio.WouldBlock:
                break
        await drain_one_slot(session, peer)
        with trio.move_on_after(1):
            await session.send_text("hello")
        sent = await drain(peer)
        assert sent.count("response.create") == 1
        assert sent.index("response.create") > sent.index("conversation.item.create")


async def test_clear_audio_after_commit_does_not_wedge_responses(
    autojump_clock: trio.testing.MockClock,
) -> None:
    """clear_audio() keeps a queued commit and its response.create (it drops only the frames
    queued after them), and goes out after them."""
    gateway = MemoryGateway()
    async with rt.open_session("m", gateway=gateway, config=rt.Config(turn_detection=None)) as s:
        peer = gateway.last_peer
        assert peer is not None
        await block_the_writer(s, "audio")
        await s.commit_audio()  # push-to-talk: commit + response.create, queued behind audio
        await s.send_audio_frame(b"\x00\x00" * 480)  # after the commit: cleared below
        await s.clear_audio()
        sent = await drain(peer)
        tail = sent[sent.index("input_audio_buffer.commit") :]
        assert tail == ["input_audio_buffer.commit", "response.create", "input_audio_buffer.clear"]


async def test_create_response_after_commit_goes_out_after_the_commit(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway()
    async with rt.open_session("m", gateway=gateway, config=rt.Config(turn_detection=None)) as s:
        peer = gateway.last_peer
        assert peer is not None
        await block_the_writer(s, "audio")
        await s.commit_audio(respond=False)
        await s.create_response()  # the documented push-to-talk recipe, in two calls
        types = await drain(peer)
        assert types.index("input_audio_buffer.commit") < types.index("response.create")


async def test_cancel_response_after_commit_audio_is_not_lost(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway()
    async with rt.open_session("m", gateway=gateway, config=rt.Config(turn_detection=None)) as s:
        peer = gateway.last_peer
        assert peer is not None
        await block_the_writer(s, "audio")
        await s.commit_audio()  # requests a response: response.create waits in the audio lane
        await s.cancel_response()  # "never mind"
        types = await drain(peer)
        if "response.create" in types:  # a cancel that reaches the server first is a no-op
            assert "response.cancel" in types[types.index("response.create") :]


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
            await peer.send(audio_delta("r", "item_A", pcm(1000)))
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
