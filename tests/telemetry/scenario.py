"""One scripted session touching every realtime telemetry point, on trio's virtual clock.

In order: an audio frame sent (100 ms), a spoken answer (50 ms of audio, with usage), a tool
turn with a tool that takes 0.5 s, a tool that fails and a handoff, a recoverable error, and
finally a dropped connection (no close frame).
"""

from __future__ import annotations

from typing import Any

import trio
import trio.testing

import trio_realtime as rt
from trio_realtime.testing import MemoryGateway
from trio_realtime.testing.frames import (
    audio_delta,
    call_added,
    call_done,
    error,
    message_added,
    response_created,
    response_done,
    transcript_delta,
)

USAGE = {
    "total_tokens": 130,
    "input_tokens": 100,
    "output_tokens": 30,
    "input_token_details": {"text_tokens": 60, "audio_tokens": 40, "cached_tokens": 20},
    "output_token_details": {"text_tokens": 10, "audio_tokens": 20},
}


async def lookup(city: str) -> str:
    """Look a city up (takes half a second)."""
    await trio.sleep(0.5)
    return f"{city}: sunny"


async def explode() -> str:
    """Always fails."""
    raise RuntimeError("kaboom")


SUPPORT = rt.Agent(name="Support", instructions="Support.")
GREETER = rt.Agent(name="Greeter", instructions="Greet.", tools=[lookup, explode]).with_handoff(
    SUPPORT, condition="support"
)


async def run_scenario(**broker_options: Any) -> list[rt.SessionEvent]:
    """Run the scenario (needs ``autojump_clock``); returns every event of the session."""
    gateway = MemoryGateway()
    config = rt.Config(modalities=["audio"], turn_detection=None)
    broker = rt.Broker(
        "gpt-realtime", gateway=gateway, config=config, agent=GREETER, **broker_options
    )
    events: list[rt.SessionEvent] = []
    async with broker.connect() as session:
        peer = gateway.last_peer
        assert peer is not None

        async def read() -> None:
            async for event in session.events():
                events.append(event)

        async with trio.open_nursery() as nursery:
            nursery.start_soon(read)
            await session.send_audio_frame(b"\x00\x00" * 2400)  # 100 ms at 24 kHz
            await trio.sleep(1)
            await peer.send(
                response_created("resp_1"),
                message_added("resp_1", "item_1"),
                audio_delta("resp_1", "item_1", b"\x01\x00" * 1200),  # 50 ms
                transcript_delta("resp_1", "item_1", "Hi"),
            )
            await trio.sleep(0.25)
            await peer.send(response_done("resp_1", usage=USAGE))
            await trio.sleep(1)
            await peer.send(
                response_created("resp_2"),
                call_added("resp_2", "call_a", "lookup", 0),
                call_done("resp_2", "call_a", "lookup", '{"city": "Oslo"}', 0),
                call_added("resp_2", "call_b", "explode", 1),
                call_done("resp_2", "call_b", "explode", "{}", 1),
                call_added("resp_2", "call_c", "transfer_to_support", 2),
                call_done("resp_2", "call_c", "transfer_to_support", "{}", 2),
                response_done("resp_2", usage=USAGE),
            )
            await trio.sleep(1)
            await peer.send(error("conversation_already_has_active_response", "busy"))
            await trio.sleep(1)
            await peer.send(response_created("resp_3"))  # cut by the drop
            await trio.sleep(0.5)
            peer.drop()
            await trio.testing.wait_all_tasks_blocked()
            nursery.cancel_scope.cancel()
    return events
