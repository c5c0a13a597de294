"""Each tool call is dispatched exactly once (DESIGN 4.2): regressions for two bugs the
stateful model tests found (a repeated ``ToolCallReady``, and a late ``output_item.done``
after the response was done)."""

from __future__ import annotations

import trio
import trio.testing

import trio_realtime as rt
from trio_realtime._turns import TurnMachine
from trio_realtime.config import Config
from trio_realtime.events import AssistantTurnCompleted, AssistantTurnStarted, ToolCallDispatched
from trio_realtime.protocol import OpenAIProtocol, ToolCallReady
from trio_realtime.testing import MemoryGateway, frames

ONCE = "each call is dispatched exactly once (DESIGN 4.2)"


def get_weather(city: str) -> str:
    """Weather in a city."""
    return f"Sunny in {city}"


def test_a_repeated_call_ready_is_not_dispatched_again() -> None:
    config = Config(modalities=["text"], turn_detection=None, tools=[get_weather])
    machine = TurnMachine(config, OpenAIProtocol(config))
    machine.apply(AssistantTurnStarted(turn_id="r1"), 0.0)
    ready = ToolCallReady(
        turn_id="r1", call_id="c1", name="get_weather", arguments='{"city": "Oslo"}'
    )
    first = machine.apply(ready, 0.0)
    assert any(isinstance(a, ToolCallDispatched) for a in first)
    machine.apply(AssistantTurnCompleted(turn_id="r1", status="completed"), 1.0)
    assert machine.apply(ready, 1.0) == []


async def test_a_late_output_item_done_does_not_run_the_tool_twice(
    autojump_clock: trio.testing.MockClock,
) -> None:
    ran: list[str] = []

    async def lookup(q: str) -> str:
        """Looks something up."""
        ran.append(q)
        await trio.sleep(1)
        return "found"

    gateway = MemoryGateway()
    config = rt.Config(modalities=["text"], turn_detection=None, tools=[lookup])
    async with rt.open_session("gpt-realtime", gateway=gateway, config=config) as session:
        peer = gateway.last_peer
        assert peer is not None
        done = frames.call_done("resp_1", "call_1", "lookup", '{"q": "x"}')
        late = {
            "type": "response.output_item.done",
            "event_id": "event_late",
            "response_id": "resp_1",
            "output_index": 0,
            "item": {
                "id": "item_call_1",
                "type": "function_call",
                "status": "completed",
                "name": "lookup",
                "call_id": "call_1",
                "arguments": '{"q": "x"}',
            },
        }
        await peer.send(
            frames.response_created("resp_1"),
            frames.call_added("resp_1", "call_1", "lookup"),
            done,
            frames.response_done("resp_1"),
            late,  # a server repeating itself after the response ended
        )
        dispatched = []
        with trio.move_on_after(5):
            async for event in session.events():
                if isinstance(event, rt.ToolCallDispatched):
                    dispatched.append(event.call_id)
        assert dispatched == ["call_1"]
        assert ran == ["x"]
