"""The offline speech engines for real (the ``speech`` extra; ``nox -s speech``).

Skipped when the extra is not installed. The models ship in the packages: no network. These run
on the real clock (inference happens in worker threads), each under a generous ``fail_after``.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import trio

import trio_realtime as rt
from trio_realtime import pipeline as vp
from trio_realtime import speech
from trio_realtime.audio import array_to_pcm16, pcm16_to_array, resample

pytestmark = pytest.mark.skipif(not speech.available(), reason="needs the speech extra")

SENTENCE = "What is the weather in Paris today?"


def words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9' ]", " ", text.lower()).split()


def word_error_rate(reference: str, hypothesis: str) -> float:
    ref, hyp = words(reference), words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (r != h))
    return row[-1] / max(1, len(ref))


def test_word_error_rate() -> None:
    assert word_error_rate("a b c d", "a x c") == 0.5
    assert word_error_rate("Hello, world!", "hello world") == 0


def with_noise(pcm: bytes, snr_db: float, seed: int = 0) -> bytes:
    samples = pcm16_to_array(pcm).astype(np.float64)
    level = np.sqrt(np.mean(samples[np.abs(samples) > 300] ** 2))
    noise = np.random.default_rng(seed).standard_normal(samples.size) * level / 10 ** (snr_db / 20)
    return array_to_pcm16(np.clip(np.rint(samples + noise), -32768, 32767).astype(np.int16))


@pytest.fixture(scope="module")
def engines() -> speech.SpeechServerOptions:
    from trio_realtime.speech.server import SpeechServerOptions

    options = SpeechServerOptions()
    trio.run(options.load)  # once for the module (real clock, worker threads)
    return options


async def say(tts: vp.HibariTTS, text: str) -> bytes:
    return b"".join([chunk async for chunk in tts.synthesize(text)])


async def test_hibari_speaks_and_whisper_understands(engines: speech.SpeechServerOptions) -> None:
    with trio.fail_after(60):
        pcm = await say(engines.tts, SENTENCE)
        assert len(pcm) / 2 / 24_000 > 1.0  # a couple of seconds of 24 kHz speech
        heard = await engines.stt.transcribe(pcm, 24_000)
        heard_16k = await engines.stt.transcribe(
            array_to_pcm16(resample(pcm16_to_array(pcm), 24_000, 16_000)), 16_000
        )
    assert word_error_rate(SENTENCE, heard) <= 0.2, heard
    assert word_error_rate(SENTENCE, heard_16k) <= 0.2, heard_16k


async def test_whisper_says_nothing_for_silence(engines: speech.SpeechServerOptions) -> None:
    assert await engines.stt.transcribe(bytes(2 * 24_000), 24_000) == ""
    assert await engines.stt.transcribe(b"", 24_000) == ""


async def test_silero_splits_two_utterances_in_noise(engines: speech.SpeechServerOptions) -> None:
    first, second = "Hello, can you hear me?", "Thanks, that is all for now."
    gap = bytes(2 * 24_000)  # 1 s
    audio = gap + await say(engines.tts, first) + gap + await say(engines.tts, second) + gap
    noisy = with_noise(audio, snr_db=10)
    assert vp.EnergyVAD(sample_rate=24_000).is_speech(noisy[: 2 * 768])  # noise fools it
    pipe = vp.VoicePipeline(
        workflow=vp.SimpleWorkflow(lambda text: f"You said {text}"),
        stt=engines.stt,
        tts=engines.tts,
    )
    source = vp.StreamedAudioInput(sample_rate=24_000)
    heard: list[str] = []
    spoken = 0
    with trio.fail_after(120):
        async with pipe.run_streamed(source, vad=vp.SileroVAD()) as result:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(push_then_close, source, noisy)
                async for event in result:
                    if isinstance(event, vp.VoiceStreamEventTranscript) and event.speaker == "user":
                        heard.append(event.text)
                    elif isinstance(event, vp.VoiceStreamEventAudio):
                        spoken += len(event.data)
                    elif isinstance(event, vp.VoiceStreamEventError):
                        raise AssertionError(event)
    assert len(heard) == 2, heard
    assert word_error_rate(first, heard[0]) <= 0.2 and word_error_rate(second, heard[1]) <= 0.2
    assert spoken > 2 * 24_000  # the answers were spoken (over a second of audio)


async def push_then_close(source: vp.StreamedAudioInput, pcm: bytes) -> None:
    step = 2 * 24_000 // 50
    for start in range(0, len(pcm), step):
        await source.push(pcm[start : start + step])
    await source.close()


async def test_serve_speech_answers_a_spoken_question(engines: speech.SpeechServerOptions) -> None:
    from trio_realtime.server import Pacing, serve_local_realtime

    question = await say(engines.tts, "What is the capital of France?")
    config = rt.Config(
        modalities=["audio"],
        turn_detection=rt.ServerVad(silence_duration_ms=500),
        input_audio_transcription=True,
    )
    user, assistant, audio = "", "", bytearray()
    with trio.fail_after(120):
        async with trio.open_nursery() as nursery:
            url = await nursery.start(
                lambda task_status: serve_local_realtime(
                    pacing=Pacing(audio_speed=50.0),
                    task_status=task_status,
                    **engines.server_kwargs(),
                )
            )
            broker = rt.Broker(
                "gpt-realtime", gateway=rt.OpenAIGateway(url=url, api_key="x"), config=config
            )
            async with broker.connect() as session:
                events = session.events()
                for start in range(0, len(question) + 2 * 24_000, 960):
                    frame = (question + bytes(2 * 24_000))[start : start + 960]
                    await session.send_audio_frame(frame)
                done = heard = False
                async for event in events:
                    if event.kind == "user_transcript":
                        user, heard = event.text, True
                    elif event.kind == "assistant_transcript":
                        assistant = event.text
                    elif event.kind == "assistant_audio_delta":
                        audio += event.pcm
                    elif event.kind == "assistant_turn_completed":
                        done = True
                    if done and heard:
                        break
            nursery.cancel_scope.cancel()
    assert word_error_rate("What is the capital of France?", user) <= 0.2, user
    assert assistant == "The capital of France is Paris."
    answer = await engines.stt.transcribe(bytes(audio), 24_000)  # real speech, not a tone
    assert word_error_rate(assistant, answer) <= 0.2, answer
