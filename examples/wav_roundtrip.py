"""WAV round trip: stream a WAV file into a voice session and save the spoken answer as a WAV.

The file is resampled to the session's input rate (PCM16, 24 kHz) and sent in 20 ms frames, as
a microphone would deliver them, while the main task reads events. The server's voice activity
detection (VAD) hears where the question ends and answers; with ``--push-to-talk`` turn
detection is off and the example commits the audio itself (which also requests the answer).

    python examples/wav_roundtrip.py [question.wav] [--out DIR] [--push-to-talk] [--openai]

Without a WAV it generates one: speech-like sound (not real words) that the local server's
scripted transcriber "hears" as the question below. With --openai, pass a real recording.
"""

from __future__ import annotations

import argparse
import pathlib
import tempfile

import trio
from _common import open_gateway, parse_args, parser

import trio_realtime as rt
from trio_realtime.audio import FrameChunker, load_audio, write_wav
from trio_realtime.server import ScriptedTranscriber, synthesize

QUESTION = "What is the capital of France?"
FRAME_MS = 20


async def stream_audio(session: rt.RealtimeSession, pcm: bytes, push_to_talk: bool) -> None:
    """Send ``pcm`` in 20 ms frames, then a second of silence (so the VAD hears the end)."""
    chunker = FrameChunker(frame_ms=FRAME_MS, sample_rate=session.config.input_sample_rate)
    silence = bytes(chunker.frame_bytes * (1000 // FRAME_MS))
    for frame in [*chunker.push(pcm), chunker.flush(pad=True), *chunker.push(silence)]:
        # Waits while the session's bounded audio lane is full: a file goes as fast as the
        # connection takes it, with bounded memory. (A microphone paces itself at 20 ms.)
        await session.send_audio_frame(frame)
    if push_to_talk:
        await session.commit_audio()  # the turn ends here; also requests the response


async def listen(events: rt.EventStream) -> bytes:
    """Print the turn as it happens; return the answer's audio once it and the transcript of
    the question are complete."""
    answer = bytearray()
    heard = done = False
    async for event in events:
        if isinstance(event, (rt.UserSpeechStarted, rt.UserSpeechStopped)):
            print(f"  [{event.kind} at {event.at_ms} ms of input audio]")  # the server's VAD
        elif event.kind == "user_transcript":
            heard = True
            print(f"you (transcribed): {event.text}")
        elif event.kind == "assistant_audio_delta":
            answer += event.pcm  # PCM16 LE at event.sample_rate
        elif event.kind == "assistant_transcript":
            print(f"assistant: {event.text}")
        elif event.kind == "assistant_turn_completed":
            done = True
        elif event.kind == "error":  # e.g. transcription_failed: no transcript is coming
            print(f"  [error: {event.message}]")
            heard = heard or event.code == "transcription_failed"
        if heard and done:  # the transcript may come after the answer
            break
    return bytes(answer)


async def main(args: argparse.Namespace) -> None:
    out = pathlib.Path(args.out or tempfile.mkdtemp(prefix="trio-realtime-"))
    out.mkdir(parents=True, exist_ok=True)
    script: list[str] = []  # what the local server's transcriber "hears" (default: a description)
    if args.wav is None:  # generate the question, at 16 kHz to show the resampling
        args.wav, script = out / "question.wav", [QUESTION]
        speech = synthesize(QUESTION, voice="cedar", sample_rate=16_000)
        write_wav(args.wav, speech.pcm, sample_rate=16_000)
    config = rt.Config(
        modalities=["audio"],  # spoken answers (always with a transcript)
        voice="marin",
        turn_detection=None if args.push_to_talk else rt.ServerVad(silence_duration_ms=500),
        input_audio_transcription=True,  # user_transcript events for what we said
    )
    audio = load_audio(args.wav, target_rate=config.input_sample_rate)  # mono, resampled
    print(f"you: [{audio.duration_ms / 1000:.1f} s of audio from {args.wav}]")

    async with (
        open_gateway(args, transcriber=ScriptedTranscriber(script)) as gateway,
        rt.open_session(args.model, gateway=gateway, config=config) as session,
        trio.open_nursery() as nursery,  # the "microphone" runs beside the event loop
    ):
        nursery.start_soon(stream_audio, session, audio.pcm, args.push_to_talk)
        with trio.fail_after(30):
            answer = await listen(session.events())
        nursery.cancel_scope.cancel()  # stop the microphone if it is still sending

    path = out / "answer.wav"
    write_wav(path, answer, sample_rate=config.output_sample_rate)
    seconds = len(answer) / 2 / config.output_sample_rate
    print(f"wrote {path} ({seconds:.1f} s of assistant audio)")


if __name__ == "__main__":
    cli = parser(__doc__)
    cli.add_argument("wav", nargs="?", type=pathlib.Path, help="a WAV file (default: generated)")
    cli.add_argument("--out", type=pathlib.Path, help="output directory (default: a temp dir)")
    cli.add_argument("--push-to-talk", action="store_true", help="no VAD: commit by hand")
    trio.run(main, parse_args(cli))
