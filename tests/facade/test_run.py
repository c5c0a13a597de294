"""``RealtimeVoice.run()``: a finite audio source against the local server, and its edge cases
(timeouts, closes, failures, cancellation) against a scripted peer on the virtual clock."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Iterable
from typing import Any

import pytest
import trio
import trio.testing

import trio_realtime as rt
from trio_realtime.facade import AnswerTimeoutError
from trio_realtime.server import Pacing, ScriptedTranscriber, synthesize
from trio_realtime.testing import MemoryGateway, ScriptedBrain, calls, frames, start_local_server

from .conftest import LOOKUP, PROVIDERS, Calls, gateway_for
from .test_callbacks import PCM, audio_answer, peer_of

QUESTION = "What is the capital of France?"
ANSWER = "The capital of France is Paris."
FRAME = 960 * 2  # 20 ms at 24 kHz


async def frames_of(pcm: bytes, size: int = FRAME) -> AsyncIterator[bytes]:
    """``pcm`` in 20 ms frames, as a microphone (or a WAV reader) would give them."""
    for start in range(0, len(pcm), size):
        yield pcm[start : start + size]
        await trio.lowlevel.checkpoint()


def spoken(text: str = QUESTION) -> bytes:
    return synthesize(text, voice="cedar", sample_rate=24_000).pcm


async def collect(
    provider: str, config: rt.Config, source: AsyncIterator[bytes], **server: Any
) -> tuple[list[rt.AudioChunk | rt.TranscriptDelta], rt.RealtimeSession]:
    server.setdefault("pacing", Pacing.instant())
    server.setdefault("transcriber", ScriptedTranscriber([QUESTION]))
    items: list[rt.AudioChunk | rt.TranscriptDelta] = []
    with trio.fail_after(30):
        async with trio.open_nursery() as nursery:
            local = await start_local_server(nursery, **server)
            voice = rt.RealtimeVoice(provider, gateway=gateway_for(local, provider), config=config)
            async with voice.run(source) as stream:
                async for item in stream:
                    items.append(item)
            nursery.cancel_scope.cancel()
    return items, stream.session


def texts(items: Iterable[object], speaker: str, final: bool) -> list[str]:
    return [
        i.text
        for i in items
        if isinstance(i, rt.TranscriptDelta) and i.speaker == speaker and i.is_final == final
    ]


def audio(items: Iterable[object]) -> list[rt.AudioChunk]:
    return [i for i in items if isinstance(i, rt.AudioChunk)]


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_spoken_question_with_server_vad(provider: str) -> None:
    config = rt.Config(turn_detection=rt.ServerVad(silence_duration_ms=300))
    items, session = await collect(provider, config, frames_of(spoken()))
    assert texts(items, "user", True) == [QUESTION]
    assert "".join(texts(items, "user", False)) == QUESTION
    assert texts(items, "assistant", True) == [ANSWER]
    assert "".join(texts(items, "assistant", False)) == ANSWER
    chunks = audio(items)
    assert [c.is_final for c in chunks].count(True) == 1 and chunks[-1].is_final
    assert chunks[-1].data == b""
    assert sum(c.duration_ms for c in chunks) > 1000
    assert all(c.duration_ms == len(c.data) / 48 for c in chunks)
    assert session.closed  # the block is over: so is the session


async def test_without_input_transcription_no_user_items() -> None:
    config = rt.Config(
        turn_detection=rt.ServerVad(silence_duration_ms=300), input_audio_transcription=False
    )
    items, _ = await collect("openai", config, frames_of(spoken()))
    assert [i for i in items if isinstance(i, rt.TranscriptDelta) and i.speaker == "user"] == []
    assert texts(items, "assistant", True) == [ANSWER]  # the server still heard the question


async def test_push_to_talk_commits_at_the_end() -> None:
    config = rt.Config(turn_detection=None)
    items, session = await collect("openai", config, frames_of(spoken()))
    assert texts(items, "user", True) == [QUESTION]
    assert texts(items, "assistant", True) == [ANSWER]
    assert audio(items)[-1].is_final
    assert session.closed


async def test_a_tool_round_trip_inside_run() -> None:
    brain = ScriptedBrain([calls(("lookup", {"q": "France"})), "Found it: Paris."])
    config = rt.Config(turn_detection=rt.ServerVad(silence_duration_ms=300), tools=[LOOKUP])
    log = Calls()
    items: list[object] = []
    with trio.fail_after(30):
        async with trio.open_nursery() as nursery:
            local = await start_local_server(
                nursery,
                brain=brain,
                pacing=Pacing.instant(),
                transcriber=ScriptedTranscriber([QUESTION]),
            )
            voice = rt.RealtimeVoice(gateway=local.gateway(), config=config)
            log.register(voice, tool_result=lambda request: "Paris")
            async with voice.run(frames_of(spoken())) as stream:
                async for item in stream:
                    items.append(item)
            nursery.cancel_scope.cancel()
    assert [args[0].arguments for args in log.of("on_tool_call")] == [{"q": "France"}]
    assert texts(items, "assistant", True) == ["Found it: Paris."]  # the follow-up answer


# -- the edge cases, scripted --------------------------------------------------------------------


async def one_frame() -> AsyncIterator[bytes]:
    yield bytes(FRAME)


def scripted_voice(**config: Any) -> tuple[rt.RealtimeVoice, MemoryGateway]:
    gateway = MemoryGateway()
    return rt.RealtimeVoice(gateway=gateway, config=rt.Config(**config)), gateway


async def test_the_end_of_the_source_is_made_audible(
    autojump_clock: trio.testing.MockClock,
) -> None:
    voice, gateway = scripted_voice(
        turn_detection=rt.ServerVad(silence_duration_ms=700), input_audio_transcription=False
    )
    async with voice.run(frames_of(bytes(FRAME * 10))) as stream:
        async for _ in stream:
            pass
    appended = [f for f in peer_of(gateway).pending() if f["type"] == "input_audio_buffer.append"]
    total = sum(len(base64.b64decode(f["audio"])) for f in appended)
    assert total == FRAME * 10 + (700 + 500) * 48  # 200 ms of speech + 1.2 s of silence


async def test_no_answer_times_out(autojump_clock: trio.testing.MockClock) -> None:
    voice, gateway = scripted_voice(input_audio_transcription=False)
    with pytest.raises(AnswerTimeoutError) as caught:
        async with voice.run(one_frame(), answer_timeout=5) as stream:
            await peer_of(gateway).send(frames.speech_started())  # then silence, forever
            t0 = trio.current_time()
            async for _ in stream:
                pass
    assert trio.current_time() - t0 == pytest.approx(5)
    assert caught.value.waiting_for == "an answer" and caught.value.timeout == 5
    assert str(caught.value) == (
        "the audio source ended, then nothing happened for 5 s while waiting for an answer"
    )


async def test_the_stream_waits_for_the_answer_then_ends(
    autojump_clock: trio.testing.MockClock,
) -> None:
    voice, gateway = scripted_voice(input_audio_transcription=False)
    items: list[object] = []
    async with voice.run(one_frame()) as stream:
        peer = peer_of(gateway)
        await peer.send(frames.speech_started(), frames.speech_stopped())
        await trio.sleep(3)  # the answer takes its time: not counted against anything
        t0 = trio.current_time()
        await peer.send(*audio_answer("resp_1", ["Hi", "."], PCM[:2]))
        async for item in stream:
            items.append(item)
        assert trio.current_time() == t0  # it ended at the answer's end
    assert items == [
        rt.AudioChunk(PCM[0], 20.0, False),
        rt.TranscriptDelta("Hi", False, "assistant"),
        rt.AudioChunk(PCM[1], 20.0, False),
        rt.TranscriptDelta(".", False, "assistant"),
        rt.TranscriptDelta("Hi.", True, "assistant"),
        rt.AudioChunk(b"", 0.0, True),
    ]


async def test_a_late_user_transcript_is_awaited_briefly(
    autojump_clock: trio.testing.MockClock,
) -> None:
    voice, gateway = scripted_voice()  # input transcription on
    items: list[object] = []
    async with voice.run(one_frame(), transcript_timeout=2) as stream:
        peer = peer_of(gateway)
        await peer.send(frames.speech_started("u1"), frames.speech_stopped("u1"))
        await peer.send(*frames.text_turn("resp_1", "item_1", "Answer."))
        t0 = trio.current_time()
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_send_later, peer, 1, frames.user_transcript("u1", "Question?"))
            async for item in stream:
                items.append((trio.current_time() - t0, item))
    assert items[-1] == (pytest.approx(1), rt.TranscriptDelta("Question?", True, "user"))
    # and a transcript that never comes ends the wait quietly after transcript_timeout
    async with voice.run(one_frame(), transcript_timeout=2) as stream:
        peer = peer_of(gateway)
        await peer.send(frames.speech_started("u2"), frames.speech_stopped("u2"))
        await peer.send(*frames.text_turn("resp_2", "item_2", "Answer."))
        async for _ in stream:
            t_end = trio.current_time()
        t_done = trio.current_time()
    assert t_done - t_end == pytest.approx(2)


async def _send_later(peer: Any, delay: float, frame: dict[str, Any]) -> None:
    await trio.sleep(delay)
    await peer.send(frame)


async def test_a_server_close_raises_from_the_iteration(
    autojump_clock: trio.testing.MockClock,
) -> None:
    voice, gateway = scripted_voice()
    with pytest.raises(rt.SessionClosedError) as caught:
        async with voice.run(frames_of(bytes(FRAME * 50))) as stream:
            await peer_of(gateway).close(1011, "overloaded")
            async for _ in stream:
                pass
    assert (caught.value.code, caught.value.reason) == (1011, "overloaded")


async def test_a_failing_source_raises_bare(autojump_clock: trio.testing.MockClock) -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield bytes(FRAME)
        raise OSError("microphone unplugged")

    voice, _ = scripted_voice()
    with pytest.raises(OSError, match="microphone unplugged"):
        async with voice.run(broken()) as stream:
            async for _ in stream:
                pass


async def test_invalid_audio_is_a_value_error(autojump_clock: trio.testing.MockClock) -> None:
    async def odd() -> AsyncIterator[bytes]:
        yield b"\x00\x01\x02"

    voice, _ = scripted_voice()
    with pytest.raises(ValueError, match="even number of bytes"):
        async with voice.run(odd()) as stream:
            async for _ in stream:
                pass


async def test_arguments_are_checked() -> None:
    voice, _ = scripted_voice()
    with pytest.raises(TypeError, match="async iterable of PCM16 bytes, not list"):
        async with voice.run([b"\x00\x00"]):  # type: ignore[arg-type]
            pass
    with pytest.raises(ValueError, match="answer_timeout must be > 0"):
        async with voice.run(one_frame(), answer_timeout=0):
            pass
    with pytest.raises(ValueError, match="trailing_silence_ms must be >= 0"):
        async with voice.run(one_frame(), trailing_silence_ms=-1):
            pass


async def test_an_empty_source_ends_at_once(autojump_clock: trio.testing.MockClock) -> None:
    async def nothing() -> AsyncIterator[bytes]:
        return
        yield b""  # pragma: no cover

    voice, gateway = scripted_voice()
    async with voice.run(nothing()) as stream:
        assert [item async for item in stream] == []
        assert peer_of(gateway).pending() == []  # no silence, no commit


async def test_leaving_early_stops_the_feeding_and_closes(
    autojump_clock: trio.testing.MockClock,
) -> None:
    fed: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        while True:
            fed.append(len(fed))
            yield bytes(FRAME)
            await trio.sleep(0.02)

    voice, gateway = scripted_voice()
    async with voice.run(endless()) as stream:
        await peer_of(gateway).send(*audio_answer("resp_1", ["Hi"], PCM[:1]))
        async for item in stream:
            assert isinstance(item, rt.AudioChunk)
            break
        count = len(fed)
    await trio.sleep(1)
    assert len(fed) == count  # no task outlived the block
    assert stream.session.closed
    with pytest.raises(trio.ClosedResourceError):
        await stream.receive()


async def test_a_cancelled_receive_loses_nothing(autojump_clock: trio.testing.MockClock) -> None:
    voice, gateway = scripted_voice(input_audio_transcription=False)
    async with voice.run(one_frame(), settle_time=5) as stream:
        peer = peer_of(gateway)
        with trio.move_on_after(1) as waited:
            await stream.receive()  # nothing comes: cancelled while waiting
        assert waited.cancelled_caught
        await peer.send(frames.speech_started(), frames.speech_stopped())
        await peer.send(*frames.text_turn("resp_1", "item_1", "Kept."))
        await trio.testing.wait_all_tasks_blocked()
        with trio.CancelScope() as scope:
            scope.cancel()
            await stream.receive()  # cancelled with the items ready: takes none
        assert [item async for item in stream] == [
            rt.TranscriptDelta("Kept.", False, "assistant"),
            rt.TranscriptDelta("Kept.", True, "assistant"),
        ]


async def test_cancelling_run_from_outside(autojump_clock: trio.testing.MockClock) -> None:
    async def endless() -> AsyncIterator[bytes]:
        while True:
            yield bytes(FRAME)
            await trio.sleep(0.02)

    voice, _ = scripted_voice()
    t0 = trio.current_time()
    with trio.move_on_after(2) as scope:
        async with voice.run(endless()) as stream:
            async for _ in stream:
                pass
    assert scope.cancelled_caught
    assert stream.session.closed
    assert trio.current_time() - t0 < 2 + 2.0  # plus at most the session's close timeout


async def test_callbacks_run_beside_the_stream(autojump_clock: trio.testing.MockClock) -> None:
    voice, gateway = scripted_voice(input_audio_transcription=False)
    log = Calls()
    log.register(voice)
    async with voice.run(one_frame()) as stream:
        peer = peer_of(gateway)
        await peer.send(frames.speech_started(), frames.speech_stopped())
        await peer.send(*audio_answer("resp_1", ["Hi"], PCM[:1]))
        items = [item async for item in stream]
    assert len(items) == 4
    assert log.of("on_audio") == [(PCM[0],)]
    assert log.transcript() == ("Hi", ["Hi"])
