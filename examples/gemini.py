"""Gemini Live: the same session API and the same events as OpenAI, through GeminiGateway.

A text chat with a tool. Gemini's current models answer in audio only, so a text session reads
the spoken answer's transcript as its text; the codec resamples, synthesizes turn ids and
answers tool calls in one toolResponse, and the events are the usual 23 kinds.

    python examples/gemini.py            # the embedded local server's Gemini endpoint
    python examples/gemini.py --google   # Google's Gemini Live API (GOOGLE_API_KEY or
                                         # GEMINI_API_KEY)
"""

from __future__ import annotations

import argparse
import functools
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import trio

import trio_realtime as rt
from trio_realtime.server import serve_local_realtime

QUESTIONS = ["Hello!", "What's the weather in Oslo?"]


def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"Sunny and 21 degrees in {city}"


@asynccontextmanager
async def open_gateway(args: argparse.Namespace) -> AsyncIterator[rt.GeminiGateway]:
    """Google's endpoint (``--google``), or a local server running for this block."""
    if args.google:
        yield rt.GeminiGateway()  # the key from the environment, sent as x-goog-api-key
        return
    async with trio.open_nursery() as nursery:
        url = await nursery.start(functools.partial(serve_local_realtime, port=0))
        base = urlsplit(url)
        print(f"(local server at {base.netloc}; pass --google to use Google's Gemini Live API)")
        try:
            # A URL without a path gets Gemini's BidiGenerateContent path appended.
            yield rt.GeminiGateway(url=f"ws://{base.netloc}")
        finally:
            nursery.cancel_scope.cancel()


async def answer(events: rt.EventStream) -> None:
    """Print the answer to one question (a tool round trip is a turn of its own on Gemini)."""
    print("assistant: ", end="", flush=True)
    called = False
    async for event in events:
        if event.kind == "tool_call_dispatched":
            called = True
            print(f"[calling {event.name}({dict(event.args)})] ", end="", flush=True)
        elif event.kind == "assistant_text_delta":
            print(event.delta, end="", flush=True)
        elif event.kind == "assistant_turn_completed":
            if called:  # the model goes on by itself once it has the tool's result
                called = False
                continue
            tokens = f", {event.usage.total_tokens} tokens" if event.usage else ""
            print(f"\n[{event.turn_id} {event.status}{tokens}]")
            return
    raise RuntimeError("the session closed")


async def main(args: argparse.Namespace) -> None:
    config = rt.Config(
        modalities=["text"],
        turn_detection=None,  # no microphone: each text is a turn of its own
        instructions="You are a concise, friendly assistant.",
        tools=[get_weather],
    )
    async with open_gateway(args) as gateway:
        broker = rt.Broker(args.model, gateway=gateway, config=config)
        async with broker.connect() as session:
            print(f"connected: {session.provider} session {session.session_id}")
            events = session.events()
            for question in QUESTIONS:
                print(f"\nyou: {question}")
                await session.send_text(question)  # Gemini answers a text turn by itself
                with trio.fail_after(30):
                    await answer(events)
    print("\nbye")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--google", action="store_true", help="use Google's Gemini Live API")
    parser.add_argument("--model", default="gemini-3.8-live", help="model (default: %(default)s)")
    args = parser.parse_args()
    has_key = os.environ.get("GOOGLE_API_KEY") or os.environ.get("GEMINI_API_KEY")
    if args.google and not has_key:
        parser.exit(2, "error: --google needs GOOGLE_API_KEY or GEMINI_API_KEY\n")
    return args


if __name__ == "__main__":
    trio.run(main, parse_args())
