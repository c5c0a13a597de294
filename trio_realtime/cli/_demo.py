"""``python -m trio_realtime demo``: a real voice session end to end, printed as a timeline.

Against the embedded local server by default (no key, no network): a text turn, a tool round
trip, an audio turn from a generated WAV with server VAD, and a barge-in. ``--provider openai``
runs the same script against the real API (``OPENAI_API_KEY``).
"""

from __future__ import annotations

import functools
import math
import pathlib
from typing import Any

import attrs
import numpy as np
import trio

import trio_realtime as rt

from ..audio import FrameChunker, load_audio, write_wav
from ._timeline import Timeline, ms

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


class _Events:
    """Reads a session's primary stream, printing as it goes."""

    def __init__(self, session: rt.RealtimeSession, timeline: Timeline) -> None:
        self.stream = session.events()
        self.timeline = timeline

    async def until(self, kind: str) -> rt.SessionEvent:
        async for event in self.stream:
            if event.kind == kind:
                return event
        raise RuntimeError(f"the session ended before {kind}")


async def _text_part(broker: rt.Broker, tl: Timeline) -> None:
    async with broker.connect() as session:
        events = _Events(session, tl)
        await events.until("session_updated")
        tl.line("event", f"session {session.session_id} ready", "session_opened + session_updated")

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
                tl.line(
                    "assistant", event.text, f"first text {ms(first or done)}, complete {ms(done)}"
                )
            elif event.kind == "assistant_turn_completed":
                break

        tl.section("2. A tool round trip")
        question = "What's the weather in Oslo?"
        tl.line("you", question)
        await session.send_text(question)
        submitted = False
        started: dict[str, float] = {}
        async for event in events.stream:
            if event.kind == "tool_call_dispatched":
                started[event.call_id] = trio.current_time()
                args = ", ".join(f"{k}={v!r}" for k, v in event.args.items())
                tl.line(
                    "tool",
                    f"{event.name}({args})",
                    "dispatched as soon as its arguments were complete",
                )
            elif event.kind == "tool_call_completed":
                took = trio.current_time() - started.get(event.call_id, trio.current_time())
                tl.line("tool", f"-> {event.result!r}", f"ran {ms(took)}")
            elif event.kind == "tool_call_failed":
                tl.line("bad", f"tool failed: {event.error}")
            elif event.kind == "tool_batch_submitted":
                submitted = True
                tl.line(
                    "event",
                    f"outputs sent for {len(event.call_ids)} call(s), then one response.create",
                )
            elif event.kind == "assistant_text":
                tl.line("assistant", event.text)
            elif event.kind == "assistant_turn_completed" and submitted:
                break


def _user_speech(text: str, out_dir: pathlib.Path) -> pathlib.Path:
    """A WAV of speech-like audio for ``text`` (what the "user" says)."""
    from ..server import synthesize

    speech = synthesize(text, voice="cedar", sample_rate=24_000)
    lead = np.zeros(24_000 * 300 // 1000, dtype=np.int16)
    tail = np.zeros(24_000 * 800 // 1000, dtype=np.int16)  # lets server VAD hear the end
    path = out_dir / f"you-{len(text)}.wav"
    samples = np.frombuffer(speech.pcm, dtype="<i2")
    write_wav(path, np.concatenate([lead, samples, tail]), sample_rate=24_000)
    return path


async def _speak(session: rt.RealtimeSession, path: pathlib.Path, *, realtime: bool) -> float:
    """Stream a WAV into the session in 20 ms frames (paced like a microphone unless fast)."""
    audio = load_audio(path, target_rate=session.config.input_sample_rate)
    chunker = FrameChunker(frame_ms=FRAME_MS, sample_rate=audio.sample_rate)
    start = trio.current_time()
    for index, frame in enumerate(chunker.push(audio.pcm)):
        if realtime:
            await trio.sleep_until(start + index * FRAME_MS / 1000)
        await session.send_audio_frame(frame)
    return audio.duration_ms / 1000


async def _audio_part(
    broker: rt.Broker, tl: Timeline, out_dir: pathlib.Path, *, realtime: bool
) -> None:
    config = attrs.evolve(
        broker.config,
        modalities=["audio"],
        voice="marin",
        turn_detection=rt.ServerVad(silence_duration_ms=500),
        input_audio_transcription=True,
    )
    async with broker.connect(config=config) as session:
        events = _Events(session, tl)
        await events.until("session_updated")

        tl.section("3. An audio turn: a WAV streamed in 20 ms frames, server VAD decides the turn")
        wav = _user_speech(USER_QUESTION, out_dir)
        tl.line("you", f"[audio] {wav.name}", "speech-like audio generated locally")
        async with trio.open_nursery() as nursery:
            nursery.start_soon(functools.partial(_speak, session, wav, realtime=realtime))
            pcm = bytearray()
            stopped_at: float | None = None
            first_audio: float | None = None
            transcript = ""
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
                        wait = first_audio - (stopped_at or first_audio)
                        tl.line("assistant", "[first audio]", f"{ms(wait)} after end of speech")
                    pcm += event.pcm
                elif event.kind == "assistant_transcript":
                    transcript = event.text
                elif event.kind == "assistant_turn_completed":
                    break
        seconds = len(pcm) / 2 / session.config.output_sample_rate
        tl.line("assistant", f'"{transcript}"', f"{seconds:.2f} s of audio")
        answer = out_dir / "assistant.wav"
        write_wav(answer, bytes(pcm), sample_rate=session.config.output_sample_rate)
        tl.info(f"wrote {answer}")

        tl.section("4. Barge-in: the user talks over a long answer")
        request = "Count to 20."
        tl.line("you", request)
        await session.send_text(request)
        stop_wav = _user_speech(USER_STOP, out_dir)
        first_audio = None
        interrupted: str | None = None
        async with trio.open_nursery() as nursery:
            async for event in events.stream:
                if event.kind == "assistant_audio_delta" and first_audio is None:
                    first_audio = trio.current_time()
                    tl.line("assistant", "[speaking...]", "audio arrives faster than real time")
                    nursery.start_soon(_talk_over, session, stop_wav, first_audio, tl, realtime)
                elif event.kind == "interrupted":
                    interrupted = event.turn_id
                    heard = trio.current_time() - (first_audio or trio.current_time())
                    tl.line(
                        "event",
                        f"interrupted ({event.reason})",
                        f"~{ms(heard)} heard; the server's copy is truncated to that",
                    )
                elif event.kind == "user_transcript":
                    tl.line("you", f'"{event.text}"', "input transcription")
                elif event.kind == "assistant_transcript" and event.turn_id != interrupted:
                    tl.line("assistant", f'"{event.text}"')
                elif event.kind == "assistant_turn_completed":
                    if interrupted is None:
                        tl.line(
                            "event",
                            f"answer fully generated ({event.status})",
                            "still playing on the listener's side",
                        )
                    elif event.turn_id == interrupted:
                        tl.line(
                            "event",
                            f"interrupted turn ended: {event.status}",
                            event.status_reason or "",
                        )
                    else:
                        break  # the reply to what the user said over it
            nursery.cancel_scope.cancel()
        stats = session.statistics()
        tl.info(
            f"{sum(stats.events_published.values())} events, {stats.wire.messages_received} "
            f"messages in, {stats.wire.messages_sent} out, "
            f"{stats.dropped_audio_deltas} late audio chunks dropped"
        )


async def _talk_over(
    session: rt.RealtimeSession, wav: pathlib.Path, start: float, tl: Timeline, realtime: bool
) -> None:
    await trio.sleep_until(start + 1.0)  # after about a second of playback
    tl.line("you", f'[audio] "{USER_STOP}"', "the user starts talking")
    await _speak(session, wav, realtime=realtime)


async def run_demo(
    *, provider: str, model: str, out_dir: pathlib.Path, realtime: bool, url: str | None = None
) -> None:
    """Run the four parts against the local server, ``url``, or the real provider."""
    tl = Timeline()
    await trio.Path(out_dir).mkdir(parents=True, exist_ok=True)
    config = rt.Config(
        modalities=["text"],
        turn_detection=None,
        tools=[get_weather],
        instructions="You are a concise, friendly assistant.",
    )
    async with trio.open_nursery() as nursery:
        if url is not None:
            gateway = rt.OpenAIGateway(url=url)
            tl.title(f"trio-realtime demo — {url}")
        elif provider == "local":
            from ..server import Pacing, ScriptedTranscriber, serve_local_realtime

            url = await nursery.start(
                functools.partial(
                    serve_local_realtime,
                    transcriber=ScriptedTranscriber([USER_QUESTION, USER_STOP]),
                    pacing=Pacing(audio_speed=4.0 if realtime else math.inf),
                )
            )
            gateway = rt.OpenAIGateway(url=url)
            tl.title("trio-realtime demo — embedded local server (no API key, no network)")
            tl.info(f"server: {url}")
        else:
            gateway = rt.OpenAIGateway()
            tl.title(f"trio-realtime demo — OpenAI Realtime ({model})")
        broker = rt.Broker(model, gateway=gateway, config=config)
        await _text_part(broker, tl)
        await _audio_part(broker, tl, out_dir, realtime=realtime)
        tl.section("Done")
        tl.info(f"total {tl.elapsed():.2f} s; audio in {out_dir}/")
        nursery.cancel_scope.cancel()
