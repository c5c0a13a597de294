"""Voice pipeline, several turns from a live stream, with a greeting, memory and telemetry.

    python examples/voice_multi_turn.py [--silero]

A "microphone" task pushes audio into a StreamedAudioInput while the main task reads the
pipeline's events. A voice activity detector cuts the stream into turns; each turn is
transcribed, answered by a workflow that remembers the conversation, and spoken. Telemetry
handlers see the speech-to-text and text-to-speech timings. With the `speech` extra the voices
are real (Hibari, Whisper) and --silero uses the Silero VAD (robust to noise).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

import trio
from _common import models, user_says

from trio_realtime import pipeline as vp
from trio_realtime import telemetry

LINES = ["Hello, can you hear me?", "What is the weather in Paris today?", "Thanks, that is all."]


class Notes:
    """A workflow with memory: it counts the questions and recalls the first one."""

    def __init__(self) -> None:
        self.heard: list[str] = []

    def greeting(self) -> str:
        return "Hi! I'm listening."

    def run(self, text: str) -> list[str]:
        self.heard.append(text)
        if len(self.heard) == 1:
            return ["Loud and clear. ", "What can I do for you?"]
        return [f"That is question number {len(self.heard)}. ", f"You first said: {self.heard[0]}"]


def timings(name: tuple[str, ...], measured: Mapping[str, float], meta: Mapping[str, Any]) -> None:
    if name == telemetry.STT_COMPLETE:
        print(
            f"    [stt: {measured['duration_s'] * 1000:.0f} ms for {measured['audio_ms']:.0f} ms]"
        )
    elif name == telemetry.TTS_COMPLETE:
        print(f"    [tts: first audio after {measured['first_chunk_s'] * 1000:.0f} ms]")


async def microphone(source: vp.StreamedAudioInput, real: bool) -> None:
    """Speak each line with a pause after it, as 20 ms frames (faster than real time)."""
    pause = bytes(2 * source.sample_rate)  # 1 s
    step = 2 * source.sample_rate // 50
    for line in LINES:
        audio = await user_says(line, real) + pause
        for start in range(0, len(audio), step):
            await source.push(audio[start : start + step])  # waits when the pipeline is behind
    await source.close()  # the last turn is answered, then the run ends


async def main(args: argparse.Namespace) -> None:
    stt, tts, real = models(LINES)
    vad = vp.SileroVAD() if args.silero and real else None  # None: the built-in energy VAD
    pipe = vp.VoicePipeline(workflow=Notes(), stt=stt, tts=tts)
    source = vp.StreamedAudioInput(sample_rate=24_000)
    telemetry.attach("example-timings", [telemetry.STT_COMPLETE, telemetry.TTS_COMPLETE], timings)
    try:
        async with pipe.run_streamed(source, vad=vad) as result, trio.open_nursery() as nursery:
            nursery.start_soon(microphone, source, real)
            async for event in result:
                if isinstance(event, vp.VoiceStreamEventTranscript):
                    print(f"{event.speaker}: {event.text}")
                elif isinstance(event, vp.VoiceStreamEventLifecycle):
                    print(f"[{event.event}]")
                elif isinstance(event, vp.VoiceStreamEventError):
                    print(f"[{event.stage} error: {event.error}]")
    finally:
        telemetry.detach("example-timings")


if __name__ == "__main__":
    cli = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    cli.add_argument("--silero", action="store_true", help="Silero VAD (needs the speech extra)")
    trio.run(main, cli.parse_args())
