"""Cancellation and telemetry of pipeline runs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import pytest
import trio
import trio.testing

from trio_realtime import pipeline as vp
from trio_realtime import telemetry

from .fakes import FakeSTT, FakeTTS, push_all, silence, summary, tone

AUDIO = vp.AudioInput(tone(500), sample_rate=24_000)


@pytest.fixture
def seen() -> Iterator[list[tuple[tuple[str, ...], dict[str, float], dict[str, Any]]]]:
    records: list[tuple[tuple[str, ...], dict[str, float], dict[str, Any]]] = []

    def handler(name: tuple[str, ...], m: Mapping[str, float], md: Mapping[str, Any]) -> None:
        records.append((name, dict(m), dict(md)))

    telemetry.attach("test-pipeline", telemetry.ALL, handler)
    yield records
    telemetry.detach("test-pipeline")


async def test_leaving_the_block_early_cancels_the_run(
    autojump_clock: trio.testing.MockClock, seen: list[Any]
) -> None:
    closed = trio.Event()

    async def endless(text: str) -> AsyncIterator[str]:
        try:
            while True:
                yield "More. "
                await trio.sleep(1)
        finally:
            closed.set()

    pipe = vp.VoicePipeline(workflow=vp.SimpleWorkflow(endless), stt=FakeSTT(["x"]), tts=FakeTTS())
    async with pipe.run(AUDIO) as result:
        async for event in result:
            if isinstance(event, vp.VoiceStreamEventAudio):
                break
    left_at = trio.current_time()
    assert closed.is_set()  # the workflow's generator was closed, not left to the GC
    assert left_at == pytest.approx(0.35)  # at once: nothing waited for the endless workflow
    [stop] = [r for r in seen if r[0] == telemetry.PIPELINE_STOP]
    assert stop[2]["status"] == "cancelled"


async def test_cancelling_the_block_from_outside(autojump_clock: trio.testing.MockClock) -> None:
    pipe = vp.VoicePipeline(
        workflow=vp.SimpleWorkflow(lambda t: "Hi."), stt=FakeSTT(["x"], delay=10), tts=FakeTTS()
    )
    with trio.move_on_after(2):
        async with pipe.run(AUDIO) as result:
            async for _ in result:
                pass
    assert trio.current_time() == 2  # the STT call in progress was cancelled


async def test_a_cancelled_receive_loses_no_event(autojump_clock: trio.testing.MockClock) -> None:
    pipe = vp.VoicePipeline(
        workflow=vp.SimpleWorkflow(lambda t: "One. Two."),
        stt=FakeSTT(["x"], delay=1),
        tts=FakeTTS(),
    )
    events = []
    async with pipe.run(AUDIO) as result:
        events.append(summary(await result.__anext__()))  # turn_started, at once
        with trio.move_on_after(0.5):
            await result.__anext__()  # the transcript only comes at t=1
        events.extend([summary(e) async for e in result])
    assert events[:2] == [("turn_started",), ("user", "x")]
    assert events[-1] == ("session_ended",)


async def test_streamed_input_stays_bounded_when_nobody_reads(
    autojump_clock: trio.testing.MockClock,
) -> None:
    pipe = vp.VoicePipeline(
        workflow=vp.SimpleWorkflow(lambda t: "Fine. " * 50),
        stt=FakeSTT(["a"] * 20),
        tts=FakeTTS(),
        config=vp.PipelineConfig(buffer_events=2),
    )
    source = vp.StreamedAudioInput(sample_rate=24_000, buffer_chunks=4)
    pushed = 0
    async with pipe.run_streamed(source):
        with trio.move_on_after(30):
            while True:  # the run pauses once its event buffer is full; then so does push
                await source.push(tone(300) + silence(700))
                pushed += 1
    assert 0 < pushed < 20


async def test_pipeline_telemetry(autojump_clock: trio.testing.MockClock, seen: list[Any]) -> None:
    config = vp.PipelineConfig(workflow_name="Assistant")
    pipe = vp.VoicePipeline(
        workflow=vp.SimpleWorkflow(lambda t: "Hello. Bye."),
        stt=FakeSTT(["secret words"]),
        tts=FakeTTS(),
        config=config,
    )
    async with pipe.run(AUDIO) as result:
        async for _ in result:
            pass
    names = [name for name, _, _ in seen]
    assert names == [
        telemetry.PIPELINE_START,
        telemetry.STT_START,
        telemetry.STT_COMPLETE,
        telemetry.TTS_START,
        telemetry.TTS_CHUNK,
        telemetry.TTS_CHUNK,
        telemetry.TTS_COMPLETE,
        telemetry.TTS_START,
        telemetry.TTS_CHUNK,
        telemetry.TTS_CHUNK,
        telemetry.TTS_COMPLETE,
        telemetry.PIPELINE_STOP,
    ]
    run_id = seen[0][2]["run_id"]
    assert all(md["run_id"] == run_id and md["workflow_name"] == "Assistant" for _, _, md in seen)
    stt_done = seen[2]
    assert stt_done[1] == {"duration_s": pytest.approx(0.25), "audio_ms": 500.0}
    assert stt_done[2]["turn_id"] == "turn_1"
    tts_done = seen[6][1]
    assert tts_done["first_chunk_s"] == pytest.approx(0.1)
    assert tts_done["duration_s"] == pytest.approx(0.2)
    stop = seen[-1]
    assert stop[1] == {"duration_s": pytest.approx(0.65), "turns": 1.0, "errors": 0.0}
    assert stop[2]["status"] == "completed"
    assert "secret words" not in repr(seen) and "Hello." not in repr(seen)  # no content


async def test_content_reaches_only_handlers_that_ask(
    autojump_clock: trio.testing.MockClock,
) -> None:
    texts: list[str] = []
    telemetry.attach(
        "content",
        [telemetry.STT_COMPLETE, telemetry.TTS_START],
        lambda name, m, md: texts.append(md["text"]),
        include_content=True,
    )
    try:
        pipe = vp.VoicePipeline(
            workflow=vp.SimpleWorkflow(lambda t: "Hello."), stt=FakeSTT(["hi"]), tts=FakeTTS()
        )
        source = vp.StreamedAudioInput()
        async with pipe.run_streamed(source) as result, trio.open_nursery() as nursery:
            nursery.start_soon(push_all, source, tone(300) + silence(700))
            async for _ in result:
                pass
    finally:
        telemetry.detach("content")
    assert texts == ["hi", "Hello."]
