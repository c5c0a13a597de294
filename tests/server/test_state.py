"""The sans-I/O protocol state on its own: JSON in, events and commands out, no sockets."""

from __future__ import annotations

import base64
from typing import Any

import orjson

from trio_realtime.server import (
    ArmIdleTimer,
    Close,
    Faults,
    Pacing,
    RealtimeServerState,
    StartResponse,
    StopResponse,
    Transcribe,
    default_brain,
)

from .client import silence, speech
from .wire_validation import assert_valid_server_event


def send(state: RealtimeServerState, type_: str, **fields: Any) -> list[Any]:
    return state.receive(orjson.dumps({"type": type_, **fields}))


def run_response(state: RealtimeServerState, response_id: str) -> list[Any]:
    request = state.brain_request(response_id)
    assert request is not None
    out = state.set_reply(response_id, default_brain(request))
    while state.response_delay(response_id) is not None:
        out += state.advance(response_id)
    return out


def events(outputs: list[Any]) -> list[dict[str, Any]]:
    found = [o for o in outputs if isinstance(o, dict)]
    for event in found:
        assert_valid_server_event(event)
    return found


def append(state: RealtimeServerState, pcm: bytes) -> list[Any]:
    out = []
    for start in range(0, len(pcm), 4800):
        out += send(
            state,
            "input_audio_buffer.append",
            audio=base64.b64encode(pcm[start : start + 4800]).decode(),
        )
    return out


def test_text_turn_has_the_reference_sequence() -> None:
    state = RealtimeServerState(pacing=Pacing.instant())
    out = state.start()
    out += send(
        state, "session.update", session={"type": "realtime", "output_modalities": ["text"]}
    )
    item = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Hi"}]}
    out += send(state, "conversation.item.create", item=item)
    created = send(state, "response.create")
    start = next(o for o in created if isinstance(o, StartResponse))
    out += created + run_response(state, start.response_id)
    kinds = [e["type"] for e in events(out)]
    deltas = kinds.count("response.output_text.delta")
    assert deltas == len(["Hello!", "How", "can", "I", "help", "you", "today?"])
    assert kinds == [
        "session.created",
        "session.updated",
        "conversation.item.added",
        "conversation.item.done",
        "response.created",
        "response.output_item.added",
        "conversation.item.added",
        "response.content_part.added",
        *["response.output_text.delta"] * deltas,
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "conversation.item.done",
        "response.done",
        "rate_limits.updated",
    ]
    assert state.response_delay(start.response_id) is None
    assert state.advance(start.response_id) == []


def test_vad_turn_asks_for_transcription_and_a_response() -> None:
    state = RealtimeServerState()
    send(
        state,
        "session.update",
        session={"type": "realtime", "audio": {"input": {"transcription": {"model": "whisper-1"}}}},
    )
    out = append(state, silence(300) + speech() + silence(500))
    kinds = [o["type"] if isinstance(o, dict) else type(o).__name__ for o in out]
    assert kinds == [
        "input_audio_buffer.speech_started",
        "input_audio_buffer.speech_stopped",
        "input_audio_buffer.committed",
        "conversation.item.added",
        "conversation.item.done",
        "Transcribe",
        "response.created",
        "StartResponse",
    ]
    transcribe = out[5]
    assert isinstance(transcribe, Transcribe)
    assert transcribe.emit and transcribe.sample_rate == 24000
    stopped = out[1]["audio_end_ms"]
    begun = out[0]["audio_start_ms"]
    assert len(transcribe.pcm) == (stopped - begun) * 48
    item_id = out[2]["item_id"]
    state.set_heard(item_id, "What time is it?")
    request = state.brain_request(out[-1].response_id)
    assert request is not None
    assert request.last_user_text() == "What time is it?"
    said = events(state.transcription_events(item_id))
    assert [e["type"] for e in said][-1] == "conversation.item.input_audio_transcription.completed"
    assert said[-1]["transcript"] == "What time is it?"
    stored = state.conversation.get(item_id)
    assert stored is not None
    assert stored["content"][0]["transcript"] == "What time is it?"


def test_barge_in_emits_the_trailing_events_then_stops_the_task() -> None:
    state = RealtimeServerState()
    out = append(state, silence(300) + speech() + silence(500))
    start = out[-1]
    assert isinstance(start, StartResponse)
    request = state.brain_request(start.response_id)
    assert request is not None
    state.set_reply(start.response_id, default_brain(request))
    for _ in range(4):
        state.advance(start.response_id)
    barge = append(state, speech()[:24000])
    assert barge[0]["type"] == "input_audio_buffer.speech_started"
    assert isinstance(barge[-1], StopResponse)
    assert barge[-1].response_id == start.response_id
    done = next(e for e in events(barge) if e["type"] == "response.done")
    assert done["response"]["status_details"]["reason"] == "turn_detected"
    assert state.response_delay(start.response_id) is None
    assert state.advance(start.response_id) == []
    assert state.brain_request(start.response_id) is None


def test_idle_timer_generations_and_expiry() -> None:
    state = RealtimeServerState(faults=Faults(expire_after=120))
    detector = {"type": "server_vad", "idle_timeout_ms": 1500}
    session = {"type": "realtime", "audio": {"input": {"turn_detection": detector}}}
    out = send(state, "session.update", session=session)
    arm = out[-1]
    assert isinstance(arm, ArmIdleTimer)
    assert arm.delay == 1.5
    stale = send(state, "session.update", session=session)
    assert state.idle_timeout(arm.generation) == []
    rearmed = stale[-1]
    assert isinstance(rearmed, ArmIdleTimer)
    fired = state.idle_timeout(rearmed.generation)
    kinds = [o["type"] if isinstance(o, dict) else type(o).__name__ for o in fired]
    assert kinds == [
        "input_audio_buffer.timeout_triggered",
        "input_audio_buffer.committed",
        "conversation.item.added",
        "conversation.item.done",
        "response.created",
        "StartResponse",
    ]
    expired = state.expire()
    assert events(expired)[0]["error"]["code"] == "session_expired"
    assert expired[1] == Close(1001, "session expired")


def test_bad_frames_and_brain_failures() -> None:
    state = RealtimeServerState()
    assert events(state.receive(b"[1, 2]"))[0]["error"]["code"] == "invalid_type"
    assert events(state.receive(b"\xff"))[0]["error"]["type"] == "invalid_request_error"
    created = send(state, "response.create")
    start = created[-1]
    assert isinstance(start, StartResponse)
    failed = events(state.fail_response(start.response_id, "brain exploded"))
    assert failed[0]["response"]["status"] == "failed"
    assert failed[0]["response"]["status_details"]["error"] == {
        "type": "server_error",
        "code": "server_error",
        "message": "brain exploded",
    }
    assert failed[1]["type"] == "rate_limits.updated"
