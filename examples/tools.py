"""Tools: the model calls functions, the session runs them and sends the results back.

- ``get_weather`` is async: the session awaits it in its own nursery, so the two calls of
  "Paris and Rome" run concurrently (both finish after 0.3 s, not 0.6 s);
- ``local_time`` is sync and blocks: it runs in a worker thread (``trio.to_thread.run_sync``);
  an exception it raises becomes ``tool_call_failed`` and an error the model can read;
- ``view_cart`` is a bare definition (``rt.Tool`` without a function): the application answers
  it with ``session.send_tool_result`` when it sees ``tool_call_dispatched``.

Once every call of a turn has an outcome, the session sends all outputs, then asks for exactly
one follow-up response: the answer.

    python examples/tools.py [--openai]
"""

from __future__ import annotations

import argparse
import datetime
import time
from typing import Any

import trio
from _common import open_gateway, parse_args, parser

import trio_realtime as rt

QUESTIONS = [
    "What's the weather in Paris and Rome?",
    "What's the local time in Tokyo?",
    "What's the local time in Atlantis?",
    "What's in my cart?",
]
UTC_OFFSETS = {"Tokyo": 9, "Paris": 1, "Rome": 1, "New York": -5}
CART = ["2 apples", "1 loaf of bread"]


async def get_weather(city: str) -> dict[str, Any]:
    """Current weather for a city.

    Args:
        city: The city, e.g. "Oslo".
    """
    await trio.sleep(0.3)  # an HTTP request to a weather service, say
    return {"sky": "sunny", "temp_c": 21}


def local_time(city: str) -> str:
    """The local time in a city.

    Args:
        city: The city, e.g. "Tokyo".
    """
    time.sleep(0.2)  # a blocking library call: fine, sync tools run in a worker thread
    if city not in UTC_OFFSETS:
        raise ValueError(f"no time zone known for {city!r}")
    now = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=UTC_OFFSETS[city])
    return now.strftime("%H:%M")


view_cart = rt.Tool(  # no fn: the application answers this one itself
    name="view_cart",
    description="The items in the user's shopping cart.",
    parameters={"type": "object", "properties": {}},
)


async def ask(session: rt.RealtimeSession, events: rt.EventStream, question: str) -> None:
    """Ask ``question`` and print the tool events until the final answer is complete."""
    print(f"\nyou: {question}")
    start = trio.current_time()
    await session.send_text(question)
    tool_turns: set[str] = set()  # turns that called tools: their answer comes in a new turn
    async for event in events:
        t = f"{trio.current_time() - start:5.2f}s"
        if event.kind == "tool_call_dispatched":
            tool_turns.add(event.turn_id)
            print(f"  {t} dispatched {event.name}({', '.join(map(repr, event.args.values()))})")
            if event.name == "view_cart":  # ours to answer (the batch waits for it)
                await session.send_tool_result(event.call_id, CART)
        elif event.kind == "tool_call_completed":
            print(f"  {t} completed  {event.name} -> {event.result!r}")
        elif event.kind == "tool_call_failed":
            print(f"  {t} failed     {event.name}: {event.error}")
        elif event.kind == "tool_batch_submitted":
            print(f"  {t} sent {len(event.call_ids)} output(s); one response.create follows")
        elif event.kind == "assistant_text":
            print(f"assistant: {event.text}")
        elif event.kind == "assistant_turn_completed" and event.turn_id not in tool_turns:
            return


async def main(args: argparse.Namespace) -> None:
    config = rt.Config(
        modalities=["text"],
        turn_detection=None,
        tools=[get_weather, local_time, view_cart],  # schemas come from hints and docstrings
        tool_timeout=10,  # seconds per call (view_cart's answer included)
    )
    async with (
        open_gateway(args) as gateway,
        rt.open_session(args.model, gateway=gateway, config=config) as session,
    ):
        events = session.events()
        for question in QUESTIONS:
            with trio.fail_after(30):  # a deadline per question, tool round trips included
                await ask(session, events, question)


if __name__ == "__main__":
    trio.run(main, parse_args(parser(__doc__)))
