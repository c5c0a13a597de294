"""Reconnection: the connection drops mid-conversation and the session carries on.

The local server is told to drop the first connection (no close frame) after a few events. The
session, opened with ``reconnect=rt.Reconnect(...)``, publishes ``reconnecting``, opens a new
connection, replays the conversation into it (OpenAI: the new server session knows nothing),
publishes ``reconnected``, and the next question is answered with the earlier turns in context.

    python examples/reconnect.py            # the embedded local server: no key, no network
    python examples/reconnect.py --openai   # OpenAI's Realtime API (needs OPENAI_API_KEY)
"""

from __future__ import annotations

import argparse

import trio
from _common import open_gateway, parse_args, parser

import trio_realtime as rt
from trio_realtime.server import Faults

QUESTIONS = ["Hello!", "What is the capital of France?"]


async def main(args: argparse.Namespace) -> None:
    config = rt.Config(modalities=["text"], turn_detection=None)
    policy = rt.Reconnect(max_attempts=5, backoff=(0.2, 2.0), command_timeout=10.0)
    drop_first = Faults(drop_after=12, connections=1)  # (ignored with --openai)
    async with open_gateway(args, faults=drop_first) as gateway:
        broker = rt.Broker(args.model, gateway=gateway, config=config, reconnect=policy)
        async with broker.connect() as session:
            events = session.events()
            for question in QUESTIONS:
                print(f"you: {question}")
                await session.send_text(question)  # waits while a reconnect is under way
                with trio.fail_after(30):
                    async for event in events:
                        if event.kind == "assistant_text":
                            print(f"assistant: {event.text}")
                        elif event.kind == "reconnecting":
                            print(f"[connection lost; reconnect attempt {event.attempt}]")
                        elif event.kind == "reconnected":
                            print(f"[reconnected; conversation restored: {event.state_restored}]")
                        elif event.kind == "assistant_turn_completed":
                            if event.status == "completed":
                                break
                            print(f"[the answer was cut short: {event.status}]")
                            await session.create_response()  # ask again on the new connection
            print(f"reconnects: {session.statistics().reconnects}")
            print("the conversation as the session knows it:")
            for item in session.history().items:
                print(f"  {item.type}: {getattr(item, 'text', '')}")


if __name__ == "__main__":
    trio.run(main, parse_args(parser(__doc__)))
