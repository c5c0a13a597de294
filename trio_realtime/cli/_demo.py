"""``python -m trio_realtime demo``: a real voice session end to end, printed as a timeline.

Against the embedded local server by default (no key, no network): a text turn, a tool round
trip, an audio turn from a WAV with server VAD, and a barge-in. ``--provider gemini`` runs it on
the local server's Gemini Live path, ``openai``/``google`` against the real APIs (with a key).
Where Gemini behaves differently (a tool answer is a new turn, no truncation) the timeline shows
what Gemini does and says so. With the ``speech`` extra the questions are real speech
(:mod:`._voices`).
"""

from __future__ import annotations

import math
import pathlib
from typing import Any

import attrs
import trio

import trio_realtime as rt

from ..audio import FrameChunker, load_audio, write_wav
from ._target import Target
from ._timeline import Timeline, ms
from ._voices import TAIL_MS, DemoVoices, load_voices

__all__ = ["run_demo"]

FRAME_MS = 20
USER_QUESTION = "Tell me a joke."
USER_STOP = "Stop, that's enough."


async def get_weather(city: str) -> dict[str, Any]:
    """Current weather for a city.

    Args:
        city: The city, e.g. "Oslo".
    """
    await trio.sleep(0.05)  # pretend to call a weather service
    return {"city": city, "sky": "sunny", "temp_c": 21}


@attrs.frozen(kw_only=True)
class _Protocol:
    """What the timeline says where the two protocols differ."""

    voice: str
    text_done: str  # why a text turn completes when it does
    tool_turn_ended: str
    outputs_sent: str
    heard: str


_PROTOCOLS = {
    "openai": _Protocol(
        voice="marin",
        text_done="",
        tool_turn_ended="the model waits for the outputs",
        outputs_sent="then one response.create",
        heard="the server's copy is truncated to that",
    ),
    "gemini": _Protocol(
        voice="Kore",
        text_done="; Gemini: the text is the audio's transcript, the turn ends once the audio "
        "would have played",
        tool_turn_ended="Gemini: the answer comes in a new turn",
        outputs_sent="in one toolResponse; Gemini goes on by itself",
        heard="Gemini cut the turn itself and keeps what it sent (no truncation)",
    ),
}


class _Events:
    """Reads a session's primary stream."""

    def __init__(self, session: rt.RealtimeSession) -> None:
        self.stream = session.events()

    async def until(self, kind: str) -> rt.SessionEvent:
        async for event in self.stream:
            if event.kind == kind:
                return event
        raise rt.RealtimeError(f"the session ended before {kind}")


@attrs.frozen(kw_only=True)
class _Demo:
    broker: rt.Broker
    tl: Timeline
    notes: _Protocol
    voices: DemoVoices
    out_dir: pathlib.Path
    realtime: bool

    async def text_part(self) -> None:
        tl = self.tl
        async with self.broker.connect() as session:
            events = _Events(session)
            await events.until("session_updated")
            tl.line(
                "event", f"session {session.session_id} ready", "session_opened + session_updated"
            )

            tl.section("1. A text turn")
            question = "What is the capital of France?"
            tl.line("you", question)
            asked = trio.current_time()
            await session.send_text(question)
            first: float | None = None
            async for event in events.stream:
                if event.kind == "assistant_text_delta" and first is None:
                    first = trio.current_time() - asked
                elif event.kind == "assistant_text":
                    done = trio.current_time() - asked
                    note = f"first text {ms(first or done)}, complete {ms(done)}"
                    note += self.notes.text_done
                    tl.line("assistant", event.text, note)
                elif event.kind == "assistant_turn_completed":
                    break

            tl.section("2. A tool round trip")
            question = "What's the weather in Oslo?"
            tl.line("you", question)
            await session.send_text(question)
            await self._tool_round_trip(events)

    async def _tool_round_trip(self, events: _Events) -> None:
        tl = self.tl
        submitted = False
        started: dict[str, float] = {}
        async for event in events.stream:
            if event.kind == "tool_call_dispatched":
                started[event.call_id] = trio.current_time()
                args = ", ".join(f"{k}={v!r}" for k, v in event.args.items())
                note = "dispatched as soon as its arguments were complete"
                tl.line("tool", f"{event.name}({args})", note)
            elif event.kind == "tool_call_completed":
                took = trio.current_time() - started.get(event.call_id, trio.current_time())
                tl.line("tool", f"-> {event.result!r}", f"ran {ms(took)}")
            elif event.kind == "tool_call_failed":
                tl.line("bad", f"tool failed: {event.error}")
            elif event.kind == "tool_batch_submitted":
                submitted = True
                count = len(event.call_ids)
                tl.line("event", f"outputs sent for {count} call(s), {self.notes.outputs_sent}")
            elif event.kind == "assistant_text":
                tl.line("assistant", event.text)
            elif event.kind == "assistant_turn_completed":
                if submitted:
                    break
                tl.line("event", "turn ended with the call", self.notes.tool_turn_ended)

    async def audio_part(self) -> None:
        config = attrs.evolve(
            self.broker.config,
            modalities=["audio"],
            voice=self.notes.voice,
            turn_detection=rt.ServerVad(silence_duration_ms=500),
            input_audio_transcription=True,
        )
        async with self.broker.connect(config=config) as session:
            events = _Events(session)
            await events.until("session_updated")
            self.tl.section(
                "3. An audio turn: a WAV streamed in 20 ms frames, server VAD decides the turn"
            )
            await self._spoken_question(session, events)
            self.tl.section("4. Barge-in: the user talks over a long answer")
            await self._barge_in(session, events)
            stats = session.statistics()
            self.tl.info(
                f"{sum(stats.events_published.values())} events, {stats.wire.messages_received} "
                f"messages in, {stats.wire.messages_sent} out, "
                f"{stats.dropped_audio_deltas} late audio chunks dropped"
            )

    async def _spoken_question(self, session: rt.RealtimeSession, events: _Events) -> None:
        tl = self.tl
        wav = await self.voices.say(USER_QUESTION, self.out_dir / "you-question.wav")
        how = "spoken by Hibari" if self.voices.real else "speech-like audio generated locally"
        tl.line("you", f"[audio] {wav.name}", how)
        pcm = bytearray()
        spoken: list[float] = []  # when the end of the speech went out
        stopped_at: float | None = None
        first_audio: float | None = None
        transcript = ""
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_speak, session, wav, self.realtime, spoken)
            async for event in events.stream:
                if event.kind == "user_speech_started":
                    tl.line("event", f"speech started at {event.at_ms} ms of input", "server VAD")
                elif event.kind == "user_speech_stopped":
                    stopped_at = trio.current_time()
                    tl.line("event", f"speech stopped at {event.at_ms} ms of input", "server VAD")
                elif event.kind == "user_transcript":
                    tl.line("you", f'"{event.text}"', "input transcription")
                elif event.kind == "assistant_audio_delta":
                    if first_audio is None:
                        first_audio = trio.current_time()
                        waited = _waited(first_audio, stopped_at, spoken)
                        tl.line("assistant", "[first audio]", waited)
                    pcm += event.pcm
                elif event.kind == "assistant_transcript":
                    transcript = event.text
                elif event.kind == "assistant_turn_completed":
                    break
        rate = session.config.output_sample_rate
        tl.line("assistant", f'"{transcript}"', f"{len(pcm) / 2 / rate:.2f} s of audio")
        answer = self.out_dir / "assistant.wav"
        write_wav(answer, bytes(pcm), sample_rate=rate)
        tl.info(f"wrote {answer}")

    async def _barge_in(self, session: rt.RealtimeSession, events: _Events) -> None:
        tl = self.tl
        request = "Count to 20."
        tl.line("you", request)
        await session.send_text(request)
        stop_wav = await self.voices.say(USER_STOP, self.out_dir / "you-stop.wav")
        first_audio: float | None = None
        interrupted: str | None = None
        async with trio.open_nursery() as nursery:
            async for event in events.stream:
                if event.kind == "assistant_audio_delta" and first_audio is None:
                    first_audio = trio.current_time()
                    tl.line("assistant", "[speaking...]", "audio arrives faster than real time")
                    nursery.start_soon(self._talk_over, session, stop_wav, first_audio)
                elif event.kind == "interrupted":
                    interrupted = event.turn_id
                    heard = trio.current_time() - (first_audio or trio.current_time())
                    note = f"~{ms(heard)} heard; {self.notes.heard}"
                    tl.line("event", f"interrupted ({event.reason})", note)
                elif event.kind == "user_transcript":
                    tl.line("you", f'"{event.text}"', "input transcription")
                elif event.kind == "assistant_transcript" and event.turn_id != interrupted:
                    tl.line("assistant", f'"{event.text}"')
                elif event.kind == "assistant_turn_completed":
                    if interrupted is None:
                        note = "still playing on the listener's side"
                        tl.line("event", f"answer fully generated ({event.status})", note)
                    elif event.turn_id == interrupted:
                        reason = event.status_reason or ""
                        tl.line("event", f"interrupted turn ended: {event.status}", reason)
                    else:
                        break  # the reply to what the user said over it
            nursery.cancel_scope.cancel()

    async def _talk_over(
        self, session: rt.RealtimeSession, wav: pathlib.Path, start: float
    ) -> None:
        await trio.sleep_until(start + 1.0)  # after about a second of playback
        self.tl.line("you", f'[audio] "{USER_STOP}"', "the user starts talking")
        await _speak(session, wav, self.realtime)


def _waited(first_audio: float, stopped_at: float | None, spoken: list[float]) -> str:
    if stopped_at is not None:
        return f"{ms(first_audio - stopped_at)} after end of speech"
    if spoken:  # Gemini: its VAD ends a turn it is not cutting without a word
        return (
            f"{ms(first_audio - spoken[0])} after the end of speech was sent; "
            "Gemini sent no speech-stopped: its VAD ended the turn"
        )
    return "no speech-stopped arrived"


async def _speak(
    session: rt.RealtimeSession,
    path: pathlib.Path,
    realtime: bool,
    spoken: list[float] | None = None,
) -> None:
    """Stream a WAV from :meth:`DemoVoices.say` into the session in 20 ms frames (paced like a
    microphone when ``realtime``); when the speech (not the silence after it) has been sent,
    the time is appended to ``spoken``."""
    audio = load_audio(path, target_rate=session.config.input_sample_rate)
    chunker = FrameChunker(frame_ms=FRAME_MS, sample_rate=audio.sample_rate)
    speech_ends = audio.duration_ms - TAIL_MS
    start = trio.current_time()
    for index, frame in enumerate(chunker.push(audio.pcm)):
        if realtime:
            await trio.sleep_until(start + index * FRAME_MS / 1000)
        await session.send_audio_frame(frame)
        if spoken is not None and not spoken and (index + 1) * FRAME_MS >= speech_ends:
            spoken.append(trio.current_time())


async def run_demo(
    *, target: Target, out_dir: pathlib.Path, realtime: bool, speech: bool = True
) -> None:
    """Run the four parts against ``target`` (the local server by default). ``speech``: real
    speech when the ``speech`` extra is installed; ``realtime``: audio at microphone pace."""
    tl = Timeline()
    tl.title(f"trio-realtime demo — {target.describe()}")
    await trio.Path(out_dir).mkdir(parents=True, exist_ok=True)
    voices = await load_voices(
        speech=speech,
        local_server=target.embedded,
        scripted=[USER_QUESTION, USER_STOP],
        loading=tl.info,
    )
    tl.info(voices.summary)
    config = rt.Config(
        modalities=["text"],
        turn_detection=None,
        tools=[get_weather],
        instructions="You are a concise, friendly assistant.",
    )
    options = dict(voices.server_options)
    if target.embedded:
        from ..server import Pacing

        options["pacing"] = Pacing(audio_speed=4.0 if realtime else math.inf)
    async with target.open(**options) as gateway:
        if target.embedded and not isinstance(gateway, rt.AzureOpenAIGateway):
            tl.info(f"server: {gateway.url}")
        demo = _Demo(
            broker=rt.Broker(target.model, gateway=gateway, config=config),
            tl=tl,
            notes=_PROTOCOLS[target.protocol],
            voices=voices,
            out_dir=out_dir,
            realtime=realtime,
        )
        await demo.text_part()
        await demo.audio_part()
        tl.section("Done")
        tl.info(f"total {tl.elapsed():.2f} s; audio in {out_dir}/")
