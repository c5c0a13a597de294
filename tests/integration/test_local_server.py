"""Our client (Broker + OpenAIGateway over real trio-websocket) against the embedded local server.

Every flow of the wire reference, plus each fault the server can inject, asserting the events
the library publishes. Real sockets on loopback, so the real clock with instant pacing.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import numpy as np
import pytest
import trio

import trio_realtime as rt
from trio_realtime.server import (
    Faults,
    Pacing,
    ScriptedTranscriber,
    serve_local_realtime,
    synthesize,
)

pytestmark = pytest.mark.filterwarnings("ignore::trio.TrioDeprecationWarning")


def get_weather(city: str) -> dict[str, Any]:
    """Get the current weather for a city."""
    return {"city": city, "temp_c": 18 if city == "Paris" else 24}


@asynccontextmanager
async def local_session(
    *,
    faults: Faults | None = None,
    transcripts: list[str] | None = None,
    key: str | None = None,
    server_key: str | None = None,
    timeout: float = 10,
    **config: Any,
) -> AsyncIterator[rt.RealtimeSession]:
    with trio.fail_after(timeout):
        async with trio.open_nursery() as nursery:
            url = await nursery.start(
                functools.partial(
                    serve_local_realtime,
                    faults=faults,
                    pacing=Pacing.instant(),
                    transcriber=ScriptedTranscriber(transcripts or ["hello"]),
                    require_api_key=server_key,
                )
            )
            gateway = rt.OpenAIGateway(url=url, api_key=key, connect_timeout=5)
            async with rt.open_session(
                "gpt-realtime", gateway=gateway, config=rt.Config(**config)
            ) as s:
                yield s
            nursery.cancel_scope.cancel()


_streams: weakref.WeakKeyDictionary[rt.RealtimeSession, rt.EventStream] = (
    weakref.WeakKeyDictionary()
)


def events_of(session: rt.RealtimeSession) -> rt.EventStream:
    """The session's primary stream (events() may be taken only once)."""
    if session not in _streams:
        _streams[session] = session.events()
    return _streams[session]


async def collect(
    session: rt.RealtimeSession, until: str, *, count: int = 1
) -> list[rt.RealtimeEvent]:
    out: list[rt.RealtimeEvent] = []
    async for event in events_of(session):
        out.append(event)
        if event.kind == until:
            count -= 1
            if count == 0:
                break
    return out


def kinds(events: list[rt.RealtimeEvent]) -> list[str]:
    return [e.kind for e in events]


def speech(text: str) -> bytes:
    voice = np.frombuffer(synthesize(text, voice="cedar").pcm, dtype="<i2")
    silence = np.zeros(24_000, dtype=np.int16)
    return np.concatenate([silence[:7200], voice, silence]).astype("<i2").tobytes()


async def stream(session: rt.RealtimeSession, pcm: bytes, frame: int = 960) -> None:
    for start in range(0, len(pcm), frame):
        await session.send_audio_frame(pcm[start : start + frame])


async def test_text_turn() -> None:
    async with local_session(modalities=["text"], turn_detection=None) as session:
        await session.send_text("What is the capital of France?")
        events = await collect(session, "assistant_turn_completed")
    assert kinds(events)[:3] == ["session_opened", "session_updated", "assistant_turn_started"]
    assert set(kinds(events)[3:-2]) == {"assistant_text_delta"}
    text = events[-2]
    assert isinstance(text, rt.AssistantText) and text.text == "The capital of France is Paris."
    assert "".join(e.delta for e in events if isinstance(e, rt.AssistantTextDelta)) == text.text
    done = events[-1]
    assert isinstance(done, rt.AssistantTurnCompleted) and done.status == "completed"
    assert done.usage is not None and done.usage.output_tokens > 0
    assert isinstance(events[0], rt.SessionOpened) and events[0].session_id.startswith("sess_")


async def test_audio_turn_with_server_vad_and_transcription() -> None:
    async with local_session(transcripts=["Tell me a joke."], voice="marin") as session:
        await stream(session, speech("Tell me a joke."))
        events = await collect(session, "assistant_turn_completed")
    names = kinds(events)
    assert names.index("user_speech_started") < names.index("user_speech_stopped")
    assert names.index("user_speech_stopped") < names.index("assistant_turn_started")
    [user] = [e for e in events if isinstance(e, rt.UserTranscript)]
    assert user.text == "Tell me a joke."
    audio = [e for e in events if isinstance(e, rt.AssistantAudioDelta)]
    assert audio and {a.sample_rate for a in audio} == {24_000}
    assert np.abs(np.concatenate([a.samples for a in audio])).max() > 1000  # not silence
    [transcript] = [e for e in events if isinstance(e, rt.AssistantTranscript)]
    assert "scarecrow" in transcript.text


async def test_tool_round_trip() -> None:
    async with local_session(
        modalities=["text"], turn_detection=None, tools=[get_weather]
    ) as session:
        await session.send_text("What's the weather in Paris?")
        events = await collect(session, "assistant_turn_completed", count=2)
    [dispatched] = [e for e in events if isinstance(e, rt.ToolCallDispatched)]
    assert dispatched.name == "get_weather" and dispatched.args == {"city": "Paris"}
    [completed] = [e for e in events if isinstance(e, rt.ToolCallCompleted)]
    assert completed.result == {"city": "Paris", "temp_c": 18}
    [batch] = [e for e in events if isinstance(e, rt.ToolBatchSubmitted)]
    assert batch.call_ids == (dispatched.call_id,)
    answer = [e for e in events if isinstance(e, rt.AssistantText)][-1]
    assert "18" in answer.text


async def test_parallel_tool_calls_one_follow_up() -> None:
    async with local_session(
        modalities=["text"], turn_detection=None, tools=[get_weather]
    ) as session:
        await session.send_text("What's the weather in Paris and Rome?")
        events = await collect(session, "assistant_turn_completed", count=2)
    dispatched = [e for e in events if isinstance(e, rt.ToolCallDispatched)]
    assert sorted(e.args["city"] for e in dispatched) == ["Paris", "Rome"]
    [batch] = [e for e in events if isinstance(e, rt.ToolBatchSubmitted)]
    assert set(batch.call_ids) == {e.call_id for e in dispatched}
    assert kinds(events).count("assistant_turn_started") == 2  # exactly one follow-up response


async def test_barge_in_cancels_the_response() -> None:
    async with local_session(transcripts=["Count to 100.", "Stop."], timeout=20) as session:
        await session.send_text("Count to 100.")
        async for event in events_of(session):
            if event.kind == "assistant_audio_delta":
                break
        await stream(session, speech("Stop."))
        events = await collect(session, "interrupted")
        events += await collect(session, "assistant_turn_completed")
    interrupted = (
        events[-2]
        if events[-2].kind == "interrupted"
        else next(e for e in events if isinstance(e, rt.Interrupted))
    )
    assert isinstance(interrupted, rt.Interrupted) and interrupted.reason == "barge_in"
    done = events[-1]
    assert isinstance(done, rt.AssistantTurnCompleted)
    assert (done.status, done.status_reason) == ("cancelled", "turn_detected")


async def test_empty_commit_is_a_recoverable_error() -> None:
    async with local_session(modalities=["text"], turn_detection=None) as session:
        await session.commit_audio(respond=False)
        events = await collect(session, "error")
    error = events[-1]
    assert isinstance(error, rt.Error)
    assert (error.code, error.recoverable) == ("input_audio_buffer_commit_empty", True)


async def test_rate_limited_response() -> None:
    faults = Faults(fail_responses=(1,))
    async with local_session(faults=faults, modalities=["text"], turn_detection=None) as session:
        await session.send_text("hi")
        events = await collect(session, "assistant_turn_completed")
        await session.send_text("again")
        events += await collect(session, "assistant_turn_completed")
    limited = [e for e in events if isinstance(e, rt.RateLimited)]
    assert [e.reset_ms for e in limited] == [3282]
    completed = [e for e in events if isinstance(e, rt.AssistantTurnCompleted)]
    assert [e.status for e in completed] == ["failed", "completed"]
    assert not any(isinstance(e, rt.Error) for e in events)


async def test_g711_output_is_decoded_to_pcm16() -> None:
    async with local_session(output_audio_format="g711_ulaw", input_audio_format="g711_ulaw") as s:
        await s.send_text("Tell me a joke.")
        events = await collect(s, "assistant_turn_completed")
    audio = [e for e in events if isinstance(e, rt.AssistantAudioDelta)]
    assert audio and {a.sample_rate for a in audio} == {8000}
    assert np.abs(np.concatenate([a.samples for a in audio])).max() > 1000


@pytest.mark.parametrize(
    ("faults", "reason", "code"),
    [
        (Faults(drop_after=2), "error", None),
        (Faults(close_after=2, close_code=1011, close_reason="injected fault"), "server", 1011),
    ],
)
async def test_transport_faults_end_the_session(
    faults: Faults, reason: str, code: int | None
) -> None:
    async with local_session(faults=faults) as session:
        events = [e async for e in events_of(session)]
        with pytest.raises(rt.SessionClosedError):
            await session.send_text("anyone?")
    closed = events[-1]
    assert isinstance(closed, rt.SessionClosed)
    assert (closed.reason, closed.code) == (reason, code)


async def test_injected_error_is_recoverable() -> None:
    async with local_session(faults=Faults(error_after=2)) as session:
        events = await collect(session, "error")
        await session.send_text("still fine?")
        events += await collect(session, "assistant_turn_completed")
    error = next(e for e in events if isinstance(e, rt.Error))
    assert (error.code, error.recoverable) == ("server_error", True)


async def test_session_expiry_is_fatal_and_closes() -> None:
    async with local_session(faults=Faults(expire_after=0.5)) as session:
        events = [e async for e in events_of(session)]
        with pytest.raises(rt.SessionClosedError) as info:
            await session.send_text("late")
    error = next(e for e in events if isinstance(e, rt.Error))
    assert (error.code, error.recoverable) == ("session_expired", False)
    assert events[-1] == rt.SessionClosed(reason="server", code=1001, message=events[-1].message)  # type: ignore[union-attr]
    assert isinstance(info.value.__cause__, rt.ProviderError)


async def test_stalled_server_still_closes_in_bounded_time() -> None:
    async with local_session(faults=Faults(stall_after=2), modalities=["text"]) as session:
        await session.send_text("hello?")
        with trio.move_on_after(0.5):
            await collect(session, "assistant_turn_started")
            pytest.fail("a stalled server sends nothing")
        start = trio.current_time()
        await session.aclose()
        assert trio.current_time() - start < 3


async def test_wrong_key_is_refused_with_401() -> None:
    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            url = await nursery.start(
                functools.partial(serve_local_realtime, require_api_key="sk-right-key")
            )
            gateway = rt.OpenAIGateway(url=url, api_key="sk-wrong-key")
            with pytest.raises(rt.RealtimeConnectionError) as info:
                async with rt.open_session("gpt-realtime", gateway=gateway):
                    pytest.fail("must not connect")
            nursery.cancel_scope.cancel()
    assert info.value.status == 401
    assert b"invalid_api_key" in (info.value.body or b"")
    assert "sk-wrong-key" not in str(info.value) and "sk-right-key" not in str(info.value)
