"""Interruption edge cases found in review.

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
    client_types,
    pcm,
)


async def test_speech_after_the_audio_was_all_played_interrupts_nothing(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway()
    async with rt.open_session("m", gateway=gateway) as session:
        peer = gateway.last_peer
        assert peer is not None
        await peer.send(response_created("r"), message_added("r", "item_A"))
        await peer.send(audio_delta("r", "item_A", pcm(500)), response_done("r"))
        await trio.sleep(0.6)  # all 500 ms heard (monotonic estimate): the turn is over
        await peer.send(speech_started())
        await trio.testing.wait_all_tasks_blocked()
        assert client_types(peer) == []
        assert session.statistics().events_published.get("interrupted") is None
