"""Text chat: a few turns, printing the assistant's text as it streams in.

Shows the primary event stream (lossless and bounded, read by one task in as many loops as you
like), a deadline per turn with a trio cancel scope, and stopping a long answer half way.

    python examples/text_chat.py            # the embedded local server: no key, no network
    python examples/text_chat.py --openai   # OpenAI's Realtime API (needs OPENAI_API_KEY)
"""

from __future__ import annotations

import argparse

import trio
from _common import open_gateway, parse_args, parser

import trio_realtime as rt

QUESTIONS = ["Hello!", "What is the capital of France?", "Tell me a joke."]


async def print_answer(events: rt.EventStream) -> rt.AssistantTurnCompleted:
    """Print the assistant's text deltas as they arrive, until its turn completes."""
    print("assistant: ", end="", flush=True)
    async for event in events:
        if event.kind == "assistant_text_delta":
            print(event.delta, end="", flush=True)
        elif event.kind == "error":
            print(f"\n[error] {event.message}")
        elif event.kind == "assistant_turn_completed":
            print()
            return event
    raise RuntimeError("the session closed")  # iteration ends only after session_closed


async def main(args: argparse.Namespace) -> None:
    config = rt.Config(
        modalities=["text"],  # answer in text (the default is audio)
        turn_detection=None,  # no microphone, so no voice activity detection
        instructions="You are a concise, friendly assistant.",
    )
    async with open_gateway(args) as gateway:
        broker = rt.Broker(args.model, gateway=gateway, config=config)
        async with broker.connect() as session:  # the session's tasks run inside this block
            events = session.events()  # the one primary stream, from the session's start
            for question in QUESTIONS:
                print(f"\nyou: {question}")
                await session.send_text(question)  # returns once queued; requests a response
                with trio.fail_after(30):  # a deadline for the whole turn (TooSlowError)
                    done = await print_answer(events)
                tokens = f", {done.usage.total_tokens} tokens" if done.usage else ""
                print(f"[turn {done.status}{tokens}]")

            # A long answer we stop reading after half a second. Cancelling the loop loses no
            # event: what it did not read stays queued in `events` for the next loop.
            print("\nyou: Tell me a story.")
            await session.send_text("Tell me a story.")
            with trio.move_on_after(0.5) as reading:
                await print_answer(events)
            if reading.cancelled_caught:
                print(" ... [enough: cancelling the response]")
                await session.cancel_response()
                late = 0
                async for event in events:
                    if event.kind == "assistant_text_delta":
                        late += 1  # sent by the server before it saw our cancel
                    elif event.kind == "assistant_turn_completed":
                        print(f"[turn {event.status}; {late} deltas came after we stopped reading]")
                        break
        # Leaving connect() closed the session: a close frame, bounded by close_timeout.
    print("\nbye")


if __name__ == "__main__":
    trio.run(main, parse_args(parser(__doc__)))
