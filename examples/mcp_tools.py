"""A remote MCP server as a tool, approvals, and a response beside the conversation.

- The provider (here the local server, as OpenAI does) connects to the MCP server itself,
  lists its tools and calls them: ``lookup_order`` runs at once, ``cancel_order`` waits for the
  application's approval (``require_approval=["cancel_order"]``), which this example asks the
  "user" for on the console (``--deny`` refuses);
- an out-of-band response (``ResponseOptions(out_of_band=True)``) runs beside the conversation
  to classify the request through a function tool, without adding anything to it.

By default an MCP stub serving two functions runs on loopback; ``--mcp-url`` names your own
MCP server (with ``--openai`` it must be reachable from OpenAI).

    python examples/mcp_tools.py [--deny] [--mcp-url URL] [--openai]
"""

from __future__ import annotations

import functools

import trio
from _common import open_gateway, parse_args, parser

import trio_realtime as rt
from trio_realtime.server import serve_mcp_stub

QUESTIONS = ["Where is order 42?", "Please cancel order 42."]


def lookup_order(order_id: int) -> str:
    """Look up an order by its number."""
    return f"Order {order_id}: shipped"


def cancel_order(order_id: int) -> str:
    """Cancel an order by its number."""
    return f"Order {order_id}: cancelled"


def record_intent(request: str) -> str:
    """Record the user's request, to classify it."""
    return "noted"


async def ask(
    session: rt.RealtimeSession, events: rt.EventStream, question: str, deny: bool
) -> None:
    print(f"you: {question}")
    await session.send_text(question)
    async for event in events:
        if event.kind == "mcp_call_started":
            print(f"  [calling {event.name} on {event.server_label}]")
        elif event.kind == "mcp_call_completed":
            print(f"  [called {event.name} -> {event.output}]")
        elif event.kind == "mcp_call_failed":
            print(f"  [{event.name} failed: {event.error}]")
        elif event.kind == "mcp_approval_requested":
            print(f"  [approval asked: {event.name} {event.arguments}]")
            if deny:
                print("  [denied]")
                await session.reject_mcp_call(event.approval_id, reason="the user said no")
            else:
                print("  [approved]")
                await session.approve_mcp_call(event.approval_id)
        elif event.kind == "assistant_text":
            print(f"assistant: {event.text}")
            return


async def classify(session: rt.RealtimeSession, events: rt.EventStream, question: str) -> None:
    """An out-of-band response: a function call as structured output, nothing added to the
    conversation (its call is dispatched but its output is never submitted)."""
    user = {
        "type": "message",
        "role": "user",
        "content": [{"type": "input_text", "text": question}],
    }
    await session.create_response(
        rt.ResponseOptions(
            out_of_band=True,
            metadata={"purpose": "intent"},
            modalities=["text"],
            input=[rt.SystemMessage("Record the user's request."), user],
            tools=[record_intent],
            mcp_servers=[],
            tool_choice="record_intent",
        )
    )
    async for event in events:
        if event.kind == "tool_call_dispatched":
            print(f"  [out of band: record_intent({dict(event.args)})]")
        elif event.kind == "assistant_turn_completed" and event.out_of_band:
            print(f"  [out of band ({event.metadata['purpose']}) done: {event.status}]")
            return


async def main() -> None:
    cli = parser(__doc__)
    cli.add_argument("--deny", action="store_true", help="refuse the approval request")
    cli.add_argument("--mcp-url", help="your MCP server (default: a stub on loopback)")
    args = parse_args(cli)
    async with trio.open_nursery() as nursery:
        url = args.mcp_url
        if url is None:
            stub = await nursery.start(
                functools.partial(serve_mcp_stub, [lookup_order, cancel_order])
            )
            url = stub.url
        orders = rt.McpServer("orders", url, require_approval=["cancel_order"])
        config = rt.Config(
            modalities=["text"],
            turn_detection=None,
            input_audio_transcription=False,
            tools=[orders],
        )
        async with open_gateway(args) as gateway:
            broker = rt.Broker(args.model, gateway=gateway, config=config)
            async with broker.connect() as session:
                events = session.events()
                async for event in events:
                    if event.kind == "mcp_tools_listed":
                        print(f"mcp tools of {event.server_label}: {', '.join(event.tools)}")
                        break
                    if event.kind == "error":
                        raise SystemExit(f"error: {event.message}")
                for question in QUESTIONS:
                    await ask(session, events, question, args.deny)
                await classify(session, events, QUESTIONS[-1])
        nursery.cancel_scope.cancel()


if __name__ == "__main__":
    trio.run(main)
