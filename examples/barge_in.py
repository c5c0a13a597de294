"""Barge-in: the user talks over the assistant, and the session keeps the conversation honest.

1. A long spoken answer plays through a simulated real-time player, which tells the session
   what the listener heard with ``session.report_playback(item_id, played_ms)``. When the
   server's voice activity detection hears the user, the session publishes ``interrupted``,
   stops the answer, drops its late audio and cuts the server's copy of it to what was heard:
   the application only flushes its player.
2. The user interrupts while a slow tool runs. ``Config.on_interrupt`` decides its fate: "drop"
   (cancel it, send nothing), "submit_completed_only" (cancel it, send what already finished)
   or "submit" (let it finish and send its output, but ask for no new response).

    python examples/barge_in.py [--on-interrupt drop|submit_completed_only|submit] [--openai]

The user's voice is synthesized (speech-like sound); the local server's scripted transcriber
"hears" it as the phrases below. A real provider's VAD may not take it for speech.
"""

from __future__ import annotations

import argparse

import trio
from _common import open_gateway, parse_args, parser

import trio_realtime as rt
from trio_realtime.audio import FrameChunker
from trio_realtime.server import ScriptedTranscriber, synthesize

USER_SAYS = ["Stop, thanks!", "Never mind."]  # what the user says in each spoken turn
FRAME_MS = 20


async def find_hotel(city: str) -> str:
    """Search hotels in a city (slow: it asks many booking sites).

    Args:
        city: The city, e.g. "Oslo".
    """
    try:
        await trio.sleep(2.0)
    except trio.Cancelled:
        print("  (find_hotel was cancelled)")
        raise  # never swallow Cancelled
    return f"3 hotels in {city}"


async def speak(session: rt.RealtimeSession, text: str, delay: float) -> None:
    """After ``delay`` seconds, say ``text`` into the session at microphone pace."""
    await trio.sleep(delay)
    print(f"  you start talking: {text!r}")
    rate = session.config.input_sample_rate
    pcm = synthesize(text, voice="cedar", sample_rate=rate).pcm + bytes(rate)  # + 0.5 s quiet
    start = trio.current_time()
    for i, frame in enumerate(FrameChunker(frame_ms=FRAME_MS, sample_rate=rate).push(pcm)):
        await trio.sleep_until(start + i * FRAME_MS / 1000)  # one frame every 20 ms
        await session.send_audio_frame(frame)


class Player:
    """A stand-in for a sound card: plays chunks in real time and reports what was heard."""

    def __init__(self, session: rt.RealtimeSession) -> None:
        self.session = session
        # Bounded: if playback falls behind, play() waits, so the event loop stops reading,
        # the session's event stream fills and the session stops reading the socket.
        self._send, self._receive = trio.open_memory_channel[rt.AssistantAudioDelta](500)
        self.received: dict[str, float] = {}  # item_id -> ms of audio received
        self.heard: dict[str, float] = {}  # item_id -> ms played
        self._items: dict[str, str] = {}  # turn_id -> its audio item
        self._muted: set[str] = set()  # interrupted turns
        self._playing, self._turn = trio.CancelScope(), ""  # the chunk playing, and its turn

    async def play(self, chunk: rt.AssistantAudioDelta) -> None:
        """Queue ``chunk`` for playback (waits while the player's buffer is full)."""
        ms = 1000 * len(chunk.samples) / chunk.sample_rate
        self.received[chunk.item_id] = self.received.get(chunk.item_id, 0.0) + ms
        self._items[chunk.turn_id] = chunk.item_id
        await self._send.send(chunk)

    def flush(self, turn_id: str) -> str | None:
        """Stop playing ``turn_id`` now, drop its queued audio; return its audio item."""
        self._muted.add(turn_id)
        if self._turn == turn_id:
            self._playing.cancel()
        return self._items.get(turn_id)

    async def run(self) -> None:
        async for chunk in self._receive:
            if chunk.turn_id in self._muted:
                continue
            item, start = chunk.item_id, self.heard.get(chunk.item_id, 0.0)
            length = 1000 * len(chunk.samples) / chunk.sample_rate
            began, played, self._turn = trio.current_time(), 0.0, chunk.turn_id
            with trio.CancelScope() as self._playing:
                while played < length:
                    await trio.sleep(FRAME_MS / 1000)
                    played = min(length, 1000 * (trio.current_time() - began))
                    self.heard[item] = start + played
                    self.session.report_playback(item, start + played)  # cumulative ms


async def talk_over(
    session: rt.RealtimeSession, events: rt.EventStream, player: Player, prompt: str, says: str
) -> None:
    """Send ``prompt``; once the assistant is busy (speaking or running a tool) say ``says``
    over it; return when every tool call has ended and the user's turn has its answer."""
    print(f"\nyou: {prompt}")
    await session.send_text(prompt)
    spoke, interrupted = False, None  # did we talk over it yet; the turn we interrupted
    running: set[str] = set()  # tool calls without an outcome yet
    async with trio.open_nursery() as nursery:  # speak() runs beside this loop
        async for event in events:
            if event.kind == "assistant_audio_delta":
                await player.play(event)
                if not spoke:  # talk over it after a second of playback
                    spoke = True
                    nursery.start_soon(speak, session, says, 1.0)
            elif event.kind == "tool_call_dispatched":
                running.add(event.call_id)
                print(f"  {event.name}({event.args}) is running")
                if not spoke:
                    spoke = True
                    nursery.start_soon(speak, session, says, 0.5)
            elif event.kind == "interrupted":
                interrupted = event.turn_id
                item = player.flush(event.turn_id)
                print(f"  interrupted ({event.reason})")
                if item is not None:
                    heard, got = player.heard.get(item, 0.0), player.received[item]
                    print(f"  {heard / 1000:.2f} s of {got / 1000:.2f} s of audio were heard;")
                    print("  the session cuts the server's copy of that audio there")
            elif event.kind == "tool_call_completed":
                running.discard(event.call_id)
                print(f"  the tool finished anyway: {event.result!r}")
            elif event.kind == "tool_call_failed":
                running.discard(event.call_id)
                print(f"  the tool failed: {event.error}")
            elif event.kind == "tool_batch_submitted":
                print("  its output was sent, with no new response: the user has the floor")
            elif event.kind == "user_transcript":
                print(f"you (transcribed): {event.text}")
            elif event.kind == "assistant_transcript" and event.turn_id != interrupted:
                print(f"assistant: {event.text}")
            elif event.kind == "assistant_turn_completed":
                answered = interrupted not in (None, event.turn_id)  # a reply to the user
                if answered and not running:  # ... and no tool still running
                    break


async def main(args: argparse.Namespace) -> None:
    config = rt.Config(
        modalities=["audio"],
        voice="marin",
        turn_detection=rt.ServerVad(silence_duration_ms=300),  # barge-in needs the server's VAD
        input_audio_transcription=True,
        tools=[find_hotel],
        on_interrupt=args.on_interrupt,
    )
    print(f"on_interrupt={config.on_interrupt.value}")
    async with (
        open_gateway(args, transcriber=ScriptedTranscriber(USER_SAYS)) as gateway,
        rt.open_session(args.model, gateway=gateway, config=config) as session,
        trio.open_nursery() as nursery,
    ):
        events = session.events()
        player = Player(session)
        nursery.start_soon(player.run)
        with trio.fail_after(30):
            await talk_over(session, events, player, "Tell me a story.", USER_SAYS[0])
            await talk_over(session, events, player, "Find me a hotel in Oslo.", USER_SAYS[1])
        nursery.cancel_scope.cancel()  # stop the player


if __name__ == "__main__":
    cli = parser(__doc__)
    choices = [policy.value for policy in rt.InterruptPolicy]
    cli.add_argument("--on-interrupt", default="drop", choices=choices)
    trio.run(main, parse_args(cli))
