"""Callbacks: ``rt.RealtimeVoice`` calls your functions instead of you reading events.

1. ``connect()``: a typed question whose answer needs a tool that the application answers
   (``rt.ToolDefinition`` -> ``on_tool_call``); the answer streams to ``on_transcript`` and
   ``on_audio``. The simulated speaker fails on its first chunk: ``on_error`` hears about it
   and the session goes on.
2. A long answer is interrupted (``session.interrupt()``): ``on_interrupted`` flushes the
   speaker.
3. ``run()``: a spoken question from an audio source (as a microphone or a WAV reader gives
   it); the stream yields the words of both sides and the answer's audio, and ends once the
   answer is complete.

Callbacks may be sync (they run in a worker thread, so blocking is fine) or async; each kind
runs in its own task, so a slow one holds up nothing else.

    python examples/callbacks.py [--openai]

Without --openai the local server answers; it "hears" the synthesized question below.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator

import trio
from _common import open_gateway, parse_args, parser

import trio_realtime as rt
from trio_realtime.server import ScriptedTranscriber, synthesize

QUESTION = "What is the capital of France?"
ORDERS = {42: "Order 42 left the warehouse on Monday", 7: "Order 7 waits for stock"}

order_status = rt.ToolDefinition(  # no function: on_tool_call answers it
    "order_status",
    "The delivery status of one of the user's orders.",
    {
        "type": "object",
        "properties": {"order_id": {"type": "integer", "description": "The order number."}},
        "required": ["order_id"],
    },
)


class Speaker:
    """A stand-in for a sound card: counts what it plays (and fails once, to show on_error)."""

    def __init__(self) -> None:
        self.played_ms = 0.0
        self.ready = False

    def play(self, pcm: bytes) -> None:  # sync: a blocking device write is fine here
        if not self.ready:
            self.ready = True
            raise RuntimeError("audio device not ready")
        self.played_ms += len(pcm) / 48  # PCM16 at 24 kHz: 48 bytes per ms

    def flush(self) -> None:
        print("  [on_interrupted: speaker flushed]")


def make_voice(gateway: rt.OpenAIGateway, speaker: Speaker, config: rt.Config) -> rt.RealtimeVoice:
    voice = rt.RealtimeVoice(gateway=gateway, config=config)  # the gateway fixes the provider
    voice.on_audio(speaker.play)
    voice.on_interrupted(speaker.flush)

    @voice.on_transcript
    def show(text: str, is_final: bool) -> None:
        if is_final:
            print(f"assistant: {text}")

    @voice.on_tool_call
    async def lookup(request: rt.ToolCallRequest) -> str:
        order_id = request.arguments["order_id"]
        print(f"  [on_tool_call: {request.function_name}({order_id})]")
        return ORDERS.get(order_id, "unknown order")

    @voice.on_error
    async def report(error: rt.RealtimeError) -> None:
        print(f"  [on_error: {error}; the session goes on]")

    return voice


async def answer_complete(events: rt.Subscription) -> None:
    """Wait until an answer that is not a tool call is complete."""
    tool_turns = set()
    async for event in events:
        if event.kind == "tool_call_dispatched":
            tool_turns.add(event.turn_id)
        elif event.kind == "assistant_turn_completed" and event.turn_id not in tool_turns:
            return


async def microphone(pcm: bytes, frame_ms: int = 20) -> AsyncIterator[bytes]:
    """``pcm`` in 20 ms frames (a real microphone would also wait 20 ms between them)."""
    size = 24 * 2 * frame_ms
    for start in range(0, len(pcm), size):
        yield pcm[start : start + size]


async def main(args: argparse.Namespace) -> None:
    async with open_gateway(args, transcriber=ScriptedTranscriber([QUESTION])) as gateway:
        speaker = Speaker()
        config = rt.Config(voice="marin", tools=[order_status], turn_detection=None)
        voice = make_voice(gateway, speaker, config)
        print(f"provider {voice.provider}, model {voice.model}")

        kinds = {"assistant_turn_completed", "tool_call_dispatched", "assistant_audio_delta"}
        with trio.fail_after(30):
            async with voice.connect() as session:
                # The callbacks need no loop; this subscription only tells us when to go on.
                with session.subscribe(kinds=kinds) as events:
                    print("\nyou: Where is my order 42?")
                    await session.send_text("What is the status of my order 42?")
                    await answer_complete(events)
                    await trio.sleep(0.5)  # the speaker runs in its own task: let it finish
                    print(f"  (the speaker played {speaker.played_ms / 1000:.1f} s)")

                    print("\nyou: Tell me a story.")
                    await session.send_text("Tell me a story.")
                    while (await events.receive()).kind != "assistant_audio_delta":
                        pass  # the story has started
                    await trio.sleep(0.3)
                    await session.interrupt()
                    await answer_complete(events)

        print("\nrun(): a spoken question")
        config = rt.Config(voice="marin", turn_detection=rt.ServerVad(silence_duration_ms=500))
        voice = rt.RealtimeVoice(gateway=gateway, config=config)
        question = synthesize(QUESTION, voice="cedar", sample_rate=24_000).pcm
        heard_ms = 0.0
        with trio.fail_after(30):
            async with voice.run(microphone(question)) as stream:
                async for item in stream:
                    if isinstance(item, rt.AudioChunk):
                        heard_ms += item.duration_ms
                        if item.is_final:
                            print(f"  ({heard_ms / 1000:.1f} s of assistant audio, then the end)")
                    elif item.is_final:
                        who = "you (transcribed)" if item.speaker == "user" else "assistant"
                        print(f"{who}: {item.text}")
        print("the stream ended: the answer is complete")


if __name__ == "__main__":
    trio.run(main, parse_args(parser(__doc__)))
