"""The voice pipeline end to end with test-defined models: event order, timing, errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import trio
import trio.testing

import trio_realtime as rt
from trio_realtime import pipeline as vp
from trio_realtime.audio import wav_bytes

from .fakes import FakeSTT, FakeTTS, push_all, silence, spoken, summary, tone

ECHO = vp.SimpleWorkflow(lambda text: [f"I understood: {text}."])


async def collect(result: vp.VoiceStreamResult) -> list[tuple[Any, ...]]:
    return [summary(event) async for event in result]


async def run_single(pipe: vp.VoicePipeline, audio: vp.AudioInput) -> list[tuple[Any, ...]]:
    async with pipe.run(audio) as result:
        return await collect(result)


AUDIO = vp.AudioInput(tone(500), sample_rate=24_000)


async def test_single_turn_event_order(autojump_clock: trio.testing.MockClock) -> None:
    stt, tts = FakeSTT(["hello world"]), FakeTTS()
    pipe = vp.VoicePipeline(workflow=ECHO, stt=stt, tts=tts)
    events = await run_single(pipe, AUDIO)
    assert events == [
        ("turn_started",),
        ("user", "hello world"),
        *spoken("I understood: hello world."),
        ("turn_ended",),
        ("session_ended",),
    ]
    assert stt.heard == [(24_000, 24_000)]


async def test_single_run_takes_a_wav_and_several_sentences(
    autojump_clock: trio.testing.MockClock,
) -> None:
    stt, tts = FakeSTT(["  two sentences please  "]), FakeTTS()
    workflow = vp.SimpleWorkflow(lambda text: "First one. Second one? Third…  ")
    pipe = vp.VoicePipeline(workflow=workflow, stt=stt, tts=tts)
    events = await run_single(pipe, vp.AudioInput(wav_bytes(tone(300, 16_000), sample_rate=16_000)))
    assert events == [
        ("turn_started",),
        ("user", "two sentences please"),  # stripped
        *spoken("First one."),
        *spoken("Second one?"),
        *spoken("Third…"),
        ("turn_ended",),
        ("session_ended",),
    ]
    assert stt.heard == [(2 * 4800, 16_000)]  # the WAV's own rate
    assert tts.spoken == ["First one.", "Second one?", "Third…"]


async def test_tts_starts_at_the_first_sentence_before_the_workflow_ends(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async def slow(text: str) -> AsyncIterator[str]:
        yield "Hello there"
        yield ". How"  # the first sentence is complete once whitespace follows the period
        await trio.sleep(5)
        yield " are you?"

    stt, tts = FakeSTT(["hi"], delay=0.25), FakeTTS(delay=0.1)
    pipe = vp.VoicePipeline(workflow=vp.SimpleWorkflow(slow), stt=stt, tts=tts)
    timeline = []
    async with pipe.run(AUDIO) as result:
        async for event in result:
            timeline.append((trio.current_time(), summary(event)))
    first_audio = next(t for t, e in timeline if e[0] == "audio")
    assert tts.started_at == [pytest.approx(0.25), pytest.approx(5.25)]
    assert first_audio == pytest.approx(0.35)  # STT 0.25 s + first chunk 0.1 s, not after 5 s
    assert [e for _, e in timeline] == [
        ("turn_started",),
        ("user", "hi"),
        *spoken("Hello there."),
        *spoken("How are you?"),
        ("turn_ended",),
        ("session_ended",),
    ]


async def test_empty_audio_and_empty_transcripts(autojump_clock: trio.testing.MockClock) -> None:
    stt = FakeSTT(["   "])
    pipe = vp.VoicePipeline(workflow=ECHO, stt=stt, tts=FakeTTS())
    assert await run_single(pipe, vp.AudioInput(b"", sample_rate=24_000)) == [("session_ended",)]
    assert stt.heard == []  # no STT call for no audio
    assert await run_single(pipe, AUDIO) == [("turn_started",), ("turn_ended",), ("session_ended",)]


async def test_workflow_shapes(autojump_clock: trio.testing.MockClock) -> None:
    async def coroutine(text: str) -> str:
        await trio.sleep(0)
        return f"Async {text}."

    async def generator(text: str) -> AsyncIterator[str]:
        for word in ("Gen", "erated", "."):
            yield word

    cases = [
        (vp.SimpleWorkflow(coroutine), "Async x."),
        (vp.SimpleWorkflow(generator), "Generated."),
        (vp.SimpleWorkflow(lambda text: (c for c in ["Iter", "able."])), "Iterable."),
    ]
    for workflow, expected in cases:
        pipe = vp.VoicePipeline(workflow=workflow, stt=FakeSTT(["x"]), tts=FakeTTS())
        events = await run_single(pipe, AUDIO)
        assert events[2:5] == spoken(expected)


async def test_streamed_multi_turn_with_greeting(autojump_clock: trio.testing.MockClock) -> None:
    stt, tts = FakeSTT(["first question", "second question"]), FakeTTS()
    workflow = vp.SimpleWorkflow(
        lambda text: f"Answer to {text}.", greeting="Hello! I'm listening."
    )
    pipe = vp.VoicePipeline(workflow=workflow, stt=stt, tts=tts)
    source = vp.StreamedAudioInput(sample_rate=24_000)
    audio = tone(600) + silence(800) + tone(400) + silence(800)
    async with pipe.run_streamed(source) as result, trio.open_nursery() as nursery:
        nursery.start_soon(push_all, source, audio)
        events = await collect(result)
    assert events == [
        ("turn_started",),
        *spoken("Hello!"),
        *spoken("I'm listening."),
        ("turn_ended",),
        ("turn_started",),
        ("user", "first question"),
        *spoken("Answer to first question."),
        ("turn_ended",),
        ("turn_started",),
        ("user", "second question"),
        *spoken("Answer to second question."),
        ("turn_ended",),
        ("session_ended",),
    ]
    # Each turn's audio: the tone plus the padding before it and the silence that ended it.
    assert [rate for _, rate in stt.heard] == [24_000, 24_000]
    first, second = (n / 2 / 24 for n, _ in stt.heard)  # ms
    assert 600 + 500 <= first <= 600 + 500 + 64 + 32
    assert 400 + 256 + 500 - 32 <= second <= 400 + 256 + 500 + 64


async def test_streamed_turn_in_progress_is_answered_at_close(
    autojump_clock: trio.testing.MockClock,
) -> None:
    stt = FakeSTT(["cut short"])
    pipe = vp.VoicePipeline(workflow=ECHO, stt=stt, tts=FakeTTS())
    source = vp.StreamedAudioInput(sample_rate=16_000)
    async with pipe.run_streamed(source) as result, trio.open_nursery() as nursery:
        nursery.start_soon(push_all, source, tone(500, 16_000))  # no silence after it
        events = await collect(result)
    assert events[:2] == [("turn_started",), ("user", "cut short")]
    assert stt.heard == [
        (2 * (8000 - 64 * 16 + 64 * 16), 16_000)
    ]  # all of it (padding covers the onset)


async def test_streamed_silence_makes_no_turns(autojump_clock: trio.testing.MockClock) -> None:
    pipe = vp.VoicePipeline(workflow=ECHO, stt=FakeSTT([]), tts=FakeTTS())
    source = vp.StreamedAudioInput(sample_rate=24_000)
    async with pipe.run_streamed(source) as result, trio.open_nursery() as nursery:
        nursery.start_soon(push_all, source, silence(3000))
        assert await collect(result) == [("session_ended",)]


# -- errors -------------------------------------------------------------------------------------


async def test_stt_error_ends_only_that_turn(autojump_clock: trio.testing.MockClock) -> None:
    stt = FakeSTT([RuntimeError("mic exploded"), "still here", 42])
    pipe = vp.VoicePipeline(workflow=ECHO, stt=stt, tts=FakeTTS())
    source = vp.StreamedAudioInput(sample_rate=24_000)
    audio = (tone(300) + silence(700)) * 3
    async with pipe.run_streamed(source) as result, trio.open_nursery() as nursery:
        nursery.start_soon(push_all, source, audio)
        events = await collect(result)
    assert events == [
        ("turn_started",),
        ("error", "stt", "RuntimeError: mic exploded"),
        ("turn_ended",),
        ("turn_started",),
        ("user", "still here"),
        *spoken("I understood: still here."),
        ("turn_ended",),
        ("turn_started",),
        ("error", "stt", "TypeError: transcribe() returned int, not str"),
        ("turn_ended",),
        ("session_ended",),
    ]


async def test_workflow_error_midway_keeps_the_text_before_it(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async def flaky(text: str) -> AsyncIterator[str]:
        yield "Partial sentence. and then"
        raise ValueError("upstream down")

    pipe = vp.VoicePipeline(workflow=vp.SimpleWorkflow(flaky), stt=FakeSTT(["x"]), tts=FakeTTS())
    assert await run_single(pipe, AUDIO) == [
        ("turn_started",),
        ("user", "x"),
        *spoken("Partial sentence."),
        *spoken("and then"),
        ("error", "workflow", "ValueError: upstream down"),
        ("turn_ended",),
        ("session_ended",),
    ]


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (lambda text: 1 / 0, "ZeroDivisionError: division by zero"),
        (lambda text: 42, "TypeError: a workflow must return a str, an iterable or an async"),
        (lambda text: ["ok", 3], "TypeError: a workflow yielded int, not str: 3"),
    ],
)
async def test_workflow_errors(
    fn: Any, message: str, autojump_clock: trio.testing.MockClock
) -> None:
    pipe = vp.VoicePipeline(workflow=vp.SimpleWorkflow(fn), stt=FakeSTT(["x"]), tts=FakeTTS())
    events = await run_single(pipe, AUDIO)
    [error] = [e for e in events if e[0] == "error"]
    assert error[:2] == ("error", "workflow") and error[2].startswith(message)
    assert events[-2:] == [("turn_ended",), ("session_ended",)]


async def test_tts_error_shows_the_rest_as_text_and_recovers_next_turn(
    autojump_clock: trio.testing.MockClock,
) -> None:
    tts = FakeTTS(fail={"Two.": OSError("speaker unplugged")}, midway=True)
    workflow = vp.SimpleWorkflow(lambda text: "One. Two. Three.")
    pipe = vp.VoicePipeline(workflow=workflow, stt=FakeSTT(["a", "b"]), tts=tts)
    events = await run_single(pipe, AUDIO)
    half = spoken("Two.")[1]
    assert events == [
        ("turn_started",),
        ("user", "a"),
        *spoken("One."),
        ("assistant", "Two."),
        half,  # the chunk that came before the failure
        ("error", "tts", "OSError: speaker unplugged"),
        ("assistant", "Three."),  # shown, not spoken: TTS is off for the rest of this turn
        ("turn_ended",),
        ("session_ended",),
    ]
    tts.fail.clear()
    assert (await run_single(pipe, AUDIO))[2:5] == spoken("One.")  # the next run speaks again


async def test_greeting_errors_and_greeting_only_in_streamed_runs(
    autojump_clock: trio.testing.MockClock,
) -> None:
    class Broken:
        def greeting(self) -> str | None:
            raise LookupError("no greeting today")

        def run(self, text: str) -> str:
            return "Fine."

    pipe = vp.VoicePipeline(workflow=Broken(), stt=FakeSTT(["x"]), tts=FakeTTS())
    source = vp.StreamedAudioInput()
    async with pipe.run_streamed(source) as result:
        await source.close()
        assert await collect(result) == [
            ("turn_started",),
            ("error", "workflow", "LookupError: no greeting today"),
            ("turn_ended",),
            ("session_ended",),
        ]
    greeter = vp.SimpleWorkflow(lambda text: "Fine.", greeting="Hi.")
    pipe = vp.VoicePipeline(workflow=greeter, stt=FakeSTT(["x"]), tts=FakeTTS())
    assert ("assistant", "Hi.") not in await run_single(pipe, AUDIO)


async def test_vad_failure_is_an_stt_error_and_ends_the_input(
    autojump_clock: trio.testing.MockClock,
) -> None:
    class BadVAD:
        sample_rate = 16_000
        blocking = False

        def is_speech(self, frame: bytes) -> bool:
            raise RuntimeError("vad broke")

    pipe = vp.VoicePipeline(workflow=ECHO, stt=FakeSTT([]), tts=FakeTTS())
    source = vp.StreamedAudioInput()
    async with pipe.run_streamed(source, vad=BadVAD()) as result:
        await source.push(tone(100))
        assert await collect(result) == [
            ("error", "stt", "voice activity detection failed: RuntimeError: vad broke"),
            ("session_ended",),
        ]
    with pytest.raises(trio.BrokenResourceError):
        await source.push(tone(20))


async def test_a_bug_propagates_bare_out_of_the_block(
    autojump_clock: trio.testing.MockClock,
) -> None:
    class Bug(BaseException):
        pass

    stt = FakeSTT([Bug()])  # not an Exception: not turned into an event
    pipe = vp.VoicePipeline(workflow=ECHO, stt=stt, tts=FakeTTS())
    with pytest.raises(Bug):
        await run_single(pipe, AUDIO)


# -- models -------------------------------------------------------------------------------------


async def test_no_model_raises_before_any_event(
    monkeypatch: pytest.MonkeyPatch, autojump_clock: trio.testing.MockClock
) -> None:
    from trio_realtime import speech

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setattr(speech, "stt_available", lambda: False)
    pipe = vp.VoicePipeline(workflow=ECHO, tts=FakeTTS())
    with pytest.raises(rt.RealtimeError, match=r"OPENAI_API_KEY.*trio-realtime\[speech\]") as info:
        async with pipe.run(AUDIO):
            raise AssertionError("not reached")
    assert "stt=" in str(info.value)


def test_default_models(monkeypatch: pytest.MonkeyPatch) -> None:
    from trio_realtime import speech

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-key-123")
    pipe = vp.VoicePipeline(workflow=ECHO)
    stt, tts, owned = pipe._models()
    assert isinstance(stt, vp.OpenAISTT) and isinstance(tts, vp.OpenAITTS)
    assert owned == [stt, tts]  # the run closes what it created
    assert "sk-test" not in repr(stt) + repr(tts)
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.setattr(speech, "stt_available", lambda: True)
    monkeypatch.setattr(speech, "tts_available", lambda: True)
    stt, tts, owned = pipe._models()
    assert isinstance(stt, vp.WhisperSTT) and isinstance(tts, vp.HibariTTS) and owned == []
    assert pipe._models()[:2] == (stt, tts)  # loaded once per pipeline


def test_bad_arguments() -> None:
    with pytest.raises(TypeError, match="SimpleWorkflow"):
        vp.VoicePipeline(workflow=lambda text: text)  # type: ignore[arg-type]
    pipe = vp.VoicePipeline(workflow=ECHO, stt=FakeSTT([]), tts=FakeTTS())
    with pytest.raises(TypeError, match="AudioInput"):
        pipe.run(b"raw")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="StreamedAudioInput"):
        pipe.run_streamed(AUDIO)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="is_speech"):
        pipe.run_streamed(vp.StreamedAudioInput(), vad=object())  # type: ignore[arg-type]
