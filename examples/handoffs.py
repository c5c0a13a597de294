"""Agents and handoffs: a greeter routes the caller to tech support or billing, and back.

Each agent has its own instructions and tools; a handoff is a tool the model calls
(``transfer_to_tech_support``...). The session answers it by itself: one ``session.update``
with the target's instructions and tools (audio formats and, once audio was produced, the voice
kept), an ``agent_handoff`` event, and the follow-up response comes from the target.
``session.handoff(agent)`` does the same by hand.

Offline, the local server's *brain* plays the model: it routes on keywords, under whichever
instructions are in effect, so you can watch the instructions change.

    python examples/handoffs.py [--openai]
"""

from __future__ import annotations

from typing import Any

import trio
from _common import open_gateway, parse_args, parser

import trio_realtime as rt
from trio_realtime.server import BrainReply, BrainRequest, ToolCallSpec


def reset_router(model: str) -> str:
    """Reset the customer's router remotely.

    Args:
        model: The router model, e.g. "TR-100".
    """
    return f"{model} was reset"


def refund(amount_eur: int) -> str:
    """Refund the customer.

    Args:
        amount_eur: How much, in euros.
    """
    return f"refunded {amount_eur} EUR"


support = rt.Agent(
    name="Tech Support",
    instructions="You are tech support. Fix technical problems, then hand back.",
    tools=[reset_router],
).with_handoff(rt.AgentRef("Greeter"), condition="the problem is solved or not technical")
billing = rt.Agent(name="Billing", instructions="You handle refunds and invoices.", tools=[refund])
greeter = (
    rt.Agent(name="Greeter", instructions="Greet the caller and route them.")
    .with_handoff(support, condition="technical issues")
    .with_handoff(billing, condition="refunds, invoices, payments")
)

ROUTES = [  # (keyword, tool, arguments): what the offline "model" does
    ("router", "transfer_to_tech_support", {}),
    ("reset", "reset_router", {"model": "TR-100"}),
    ("thanks", "transfer_to_greeter", {}),
    ("refund", "transfer_to_billing", {}),
    ("money back", "refund", {"amount_eur": 20}),
]


def brain(request: BrainRequest) -> str | BrainReply:
    """The local server's stand-in for a model: keywords -> tool calls, else a short reply."""
    who = request.instructions.split(".")[0]
    outputs = request.tool_outputs()
    if outputs:
        output = outputs[-1]["output"]
        if output.startswith("Transferred"):  # just handed over: introduce yourself
            return f"({who}) Hello, I'm taking over. How can I help?"
        return f"({who}) Done: {output}."
    text = (request.last_user_text() or "").lower()
    offered = {tool["name"] for tool in request.tools}
    for keyword, tool, arguments in ROUTES:
        if keyword in text and tool in offered:
            return BrainReply(tool_calls=(ToolCallSpec(name=tool, arguments=arguments),))
    return f"({who}) How can I help?"


async def say(session: rt.RealtimeSession, events: rt.EventStream, text: str) -> None:
    print(f"\nyou: {text}")
    await session.send_text(text)
    async for event in events:
        if event.kind == "agent_handoff":
            print(f"  [handoff] {event.from_agent} -> {event.to_agent}")
        elif event.kind == "tool_call_completed" and not event.name.startswith("transfer_to_"):
            print(f"  [tool] {event.name} -> {event.result!r}")
        elif event.kind == "assistant_text":
            print(f"  {session.agent.name if session.agent else '?'}: {event.text}")
            return


async def main(args: Any) -> None:
    async with open_gateway(args, brain=brain) as gateway:
        config = rt.Config(modalities=["text"], turn_detection=None)
        broker = rt.Broker(args.model, gateway=gateway, config=config, agent=greeter)
        async with broker.connect() as session:
            events = session.events()
            print(f"speaking: {session.agent.name if session.agent else None}")
            for text in [
                "Hi! My router keeps dropping the connection.",
                "Please reset it.",
                "Works now, thanks!",
                "Also, I want a refund for last month.",
                "Yes, 20 euros money back please.",
            ]:
                await say(session, events, text)
            print("\n(by hand) session.handoff(greeter)")
            await session.handoff(greeter, respond=False)
            print(f"speaking: {session.agent.name if session.agent else None}")
            print(f"handoffs: {session.metrics().handoffs}")


if __name__ == "__main__":
    trio.run(main, parse_args(parser(__doc__)))
