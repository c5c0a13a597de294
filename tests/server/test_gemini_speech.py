"""``serve --speech`` on the Gemini path: Silero detects the turn, Whisper hears it, Hibari
speaks the answer (the ``speech`` extra; skipped without it; real clock, worker threads)."""

from __future__ import annotations

import functools
import re
from typing import Any

import pytest
import trio

from trio_realtime import speech
from trio_realtime.audio import array_to_pcm16, pcm16_to_array, resample
from trio_realtime.server import Pacing, serve_local_realtime, synthesize

from .gemini_client import connect_gemini, pcm16k, setup_message
from .test_gemini_flows import audio_of, transcript

pytestmark = pytest.mark.skipif(not speech.available(), reason="needs the speech extra")


def _words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9 ]", " ", text.lower()).split()


async def test_a_spoken_question_gets_a_spoken_answer(nursery: trio.Nursery) -> None:
    from trio_realtime.speech.server import SpeechServerOptions

    engines = SpeechServerOptions()
    with trio.fail_after(180):
        await engines.load()
        spoken = b"".join(
            [c async for c in engines.tts.synthesize("What is the capital of France?")]
        )
        question = array_to_pcm16(resample(pcm16_to_array(spoken), engines.tts.sample_rate, 16000))
        serve = functools.partial(
            serve_local_realtime, pacing=Pacing(audio_speed=50.0), **engines.server_kwargs()
        )
        url: str = await nursery.start(serve)
        setup = setup_message(
            realtimeInputConfig={"automaticActivityDetection": {"silenceDurationMs": 500}},
            inputAudioTranscription={},
            outputAudioTranscription={},
        )
        turn: list[dict[str, Any]] = []
        async with connect_gemini(url, setup=setup) as client:
            await client.audio(pcm16k(500) + question + pcm16k(1500))
            turn = await client.turn()
    assert _words(transcript(turn, "inputTranscription")) == _words(
        "What is the capital of France?"
    )
    answer = "The capital of France is Paris."
    assert transcript(turn) == answer
    audio = audio_of(turn)
    assert len(audio) > 2 * 24000  # over a second of speech
    assert audio != synthesize(answer, voice="Puck", sample_rate=24000).pcm  # Hibari's voice
