"""The 23 pinned event kinds: names, payload fields, immutability, audio view, serialization."""

from __future__ import annotations

import typing
from typing import Any

import attrs
import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trio_realtime import events
from trio_realtime.events import (
    EVENT_CLASSES,
    AssistantAudioDelta,
    Error,
    RealtimeEvent,
    SessionClosed,
    Usage,
    event_from_dict,
    event_to_dict,
)

#: kind -> pinned payload fields (DESIGN.md section 2).
PINNED: dict[str, set[str]] = {
    "session_opened": {"session_id"},
    "session_updated": {"config"},
    "session_closed": {"reason", "code", "message"},
    "user_speech_started": {"at_ms", "item_id"},
    "user_speech_stopped": {"at_ms", "item_id"},
    "user_transcript_delta": {"item_id", "delta"},
    "user_transcript": {"item_id", "text"},
    "assistant_turn_started": {"turn_id"},
    "assistant_text_delta": {"turn_id", "item_id", "delta"},
    "assistant_text": {"turn_id", "item_id", "text"},
    "assistant_transcript_delta": {"turn_id", "item_id", "delta"},
    "assistant_transcript": {"turn_id", "item_id", "text"},
    "assistant_audio_delta": {"turn_id", "item_id", "pcm", "sample_rate"},
    "assistant_turn_completed": {"turn_id", "status", "usage"},
    "tool_call_started": {"turn_id", "call_id", "name"},
    "tool_call_args_delta": {"turn_id", "call_id", "delta"},
    "tool_call_dispatched": {"turn_id", "call_id", "name", "args"},
    "tool_call_completed": {"turn_id", "call_id", "name", "result"},
    "tool_call_failed": {"turn_id", "call_id", "name", "error"},
    "tool_batch_submitted": {"turn_id", "call_ids"},
    "interrupted": {"turn_id", "reason"},
    "rate_limited": {"reset_ms", "details"},
    "error": {"code", "message", "recoverable"},
}
#: Documented fields beyond the pinned ones.
EXTRA_FIELDS: dict[str, set[str]] = {
    "assistant_turn_started": {"out_of_band", "metadata"},
    "assistant_turn_completed": {"status_reason", "out_of_band", "metadata"},
}

CLASS_NAMES = {
    "session_opened": "SessionOpened",
    "session_updated": "SessionUpdated",
    "session_closed": "SessionClosed",
    "user_speech_started": "UserSpeechStarted",
    "user_speech_stopped": "UserSpeechStopped",
    "user_transcript_delta": "UserTranscriptDelta",
    "user_transcript": "UserTranscript",
    "assistant_turn_started": "AssistantTurnStarted",
    "assistant_text_delta": "AssistantTextDelta",
    "assistant_text": "AssistantText",
    "assistant_transcript_delta": "AssistantTranscriptDelta",
    "assistant_transcript": "AssistantTranscript",
    "assistant_audio_delta": "AssistantAudioDelta",
    "assistant_turn_completed": "AssistantTurnCompleted",
    "tool_call_started": "ToolCallStarted",
    "tool_call_args_delta": "ToolCallArgsDelta",
    "tool_call_dispatched": "ToolCallDispatched",
    "tool_call_completed": "ToolCallCompleted",
    "tool_call_failed": "ToolCallFailed",
    "tool_batch_submitted": "ToolBatchSubmitted",
    "interrupted": "Interrupted",
    "rate_limited": "RateLimited",
    "error": "Error",
}


def test_there_are_exactly_the_23_pinned_kinds() -> None:
    assert len(PINNED) == 23
    assert set(EVENT_CLASSES) == set(PINNED)
    assert set(typing.get_args(events.EventKind)) == set(PINNED)
    assert len(typing.get_args(RealtimeEvent)) == 23


@pytest.mark.parametrize("kind", sorted(PINNED))
def test_kind_and_payload_fields(kind: str) -> None:
    cls = getattr(events, CLASS_NAMES[kind])
    assert cls.kind == kind
    assert EVENT_CLASSES[kind] is cls
    fields = {f.name for f in attrs.fields(cls)}
    assert fields == PINNED[kind] | EXTRA_FIELDS.get(kind, set())
    assert all(f.kw_only for f in attrs.fields(cls))
    assert "kind" not in fields  # a class attribute, not a payload field


EXAMPLES: dict[str, Any] = {
    "session_opened": events.SessionOpened(session_id="sess_1"),
    "session_updated": events.SessionUpdated(config={"type": "realtime", "voice": "alloy"}),
    "session_closed": SessionClosed(reason="server", code=1000, message="bye"),
    "user_speech_started": events.UserSpeechStarted(at_ms=1236, item_id="item_U2"),
    "user_speech_stopped": events.UserSpeechStopped(at_ms=3808, item_id="item_U2"),
    "user_transcript_delta": events.UserTranscriptDelta(item_id="item_U2", delta="Tell"),
    "user_transcript": events.UserTranscript(item_id="item_U2", text="Tell me a joke."),
    "assistant_turn_started": events.AssistantTurnStarted(turn_id="resp_1"),
    "assistant_text_delta": events.AssistantTextDelta(turn_id="r", item_id="i", delta="Hi"),
    "assistant_text": events.AssistantText(turn_id="r", item_id="i", text="Hi there"),
    "assistant_transcript_delta": events.AssistantTranscriptDelta(
        turn_id="r", item_id="i", delta="Hi"
    ),
    "assistant_transcript": events.AssistantTranscript(turn_id="r", item_id="i", text="Hi"),
    "assistant_audio_delta": AssistantAudioDelta(
        turn_id="r", item_id="i", pcm=b"\x01\x00\xff\xff", sample_rate=24000
    ),
    "assistant_turn_completed": events.AssistantTurnCompleted(
        turn_id="r", status="completed", usage=Usage(input_tokens=3, output_tokens=4)
    ),
    "tool_call_started": events.ToolCallStarted(turn_id="r", call_id="c", name="f"),
    "tool_call_args_delta": events.ToolCallArgsDelta(turn_id="r", call_id="c", delta="{"),
    "tool_call_dispatched": events.ToolCallDispatched(
        turn_id="r", call_id="c", name="f", args={"city": "Oslo"}
    ),
    "tool_call_completed": events.ToolCallCompleted(
        turn_id="r", call_id="c", name="f", result={"temp_c": 18}
    ),
    "tool_call_failed": events.ToolCallFailed(turn_id="r", call_id="c", name="f", error="boom"),
    "tool_batch_submitted": events.ToolBatchSubmitted(turn_id="r", call_ids=("c1", "c2")),
    "interrupted": events.Interrupted(turn_id="r", reason="barge_in"),
    "rate_limited": events.RateLimited(reset_ms=3282, details={"code": "rate_limit_exceeded"}),
    "error": Error(code="invalid_json", message="bad frame", recoverable=True),
}


@pytest.mark.parametrize("kind", sorted(PINNED))
def test_events_are_frozen(kind: str) -> None:
    event = EXAMPLES[kind]
    assert event.kind == kind
    name = next(iter(PINNED[kind]))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        setattr(event, name, None)
    with pytest.raises(TypeError):
        type(event)(*[getattr(event, f.name) for f in attrs.fields(type(event))])  # kw-only


def test_audio_samples_is_a_read_only_int16_view() -> None:
    values = [0, 1, -1, 32767, -32768, 1234]
    pcm = np.array(values, dtype="<i2").tobytes()
    event = AssistantAudioDelta(turn_id="r", item_id="i", pcm=pcm, sample_rate=24000)
    samples = event.samples
    assert samples.dtype == np.dtype("<i2")
    assert samples.tolist() == values
    assert samples.flags.writeable is False
    with pytest.raises(ValueError, match="read-only"):
        samples[0] = 5
    assert np.shares_memory(samples, np.frombuffer(event.pcm, dtype="<i2"))  # a view, no copy
    assert event.duration_ms == pytest.approx(6 / 24)


def test_audio_repr_does_not_contain_the_audio() -> None:
    pcm = b"SECRETAUDIO!" * 100
    event = AssistantAudioDelta(turn_id="resp_1", item_id="item_1", pcm=pcm, sample_rate=24000)
    text = repr(event)
    assert "SECRETAUDIO" not in text
    assert "U0VDUkVU" not in text  # nor its base64
    assert "1200 bytes" in text
    assert "resp_1" in text
    assert "24000" in text


# -- serialization ----------------------------------------------------------------------------

ids = st.text(min_size=1, max_size=12)
text = st.text(max_size=30)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=10,
)
json_objects = st.dictionaries(st.text(max_size=6), json_values, max_size=4)
usage = st.builds(Usage, **{f.name: st.integers(0, 10**9) for f in attrs.fields(Usage)})

STRATEGIES: dict[str, st.SearchStrategy[Any]] = {
    "session_opened": st.builds(events.SessionOpened, session_id=ids),
    "session_updated": st.builds(events.SessionUpdated, config=json_objects),
    "session_closed": st.builds(
        SessionClosed,
        reason=st.sampled_from(["client", "server", "error"]),
        code=st.none() | st.integers(1000, 4999),
        message=text,
    ),
    "user_speech_started": st.builds(
        events.UserSpeechStarted, at_ms=st.integers(0, 10**9), item_id=ids
    ),
    "user_speech_stopped": st.builds(
        events.UserSpeechStopped, at_ms=st.integers(0, 10**9), item_id=ids
    ),
    "user_transcript_delta": st.builds(events.UserTranscriptDelta, item_id=ids, delta=text),
    "user_transcript": st.builds(events.UserTranscript, item_id=ids, text=text),
    "assistant_turn_started": st.builds(events.AssistantTurnStarted, turn_id=ids),
    "assistant_text_delta": st.builds(
        events.AssistantTextDelta, turn_id=ids, item_id=ids, delta=text
    ),
    "assistant_text": st.builds(events.AssistantText, turn_id=ids, item_id=ids, text=text),
    "assistant_transcript_delta": st.builds(
        events.AssistantTranscriptDelta, turn_id=ids, item_id=ids, delta=text
    ),
    "assistant_transcript": st.builds(
        events.AssistantTranscript, turn_id=ids, item_id=ids, text=text
    ),
    "assistant_audio_delta": st.builds(
        AssistantAudioDelta,
        turn_id=ids,
        item_id=ids,
        pcm=st.binary(max_size=64).map(lambda b: b[: len(b) // 2 * 2]),
        sample_rate=st.sampled_from([8000, 16000, 24000]),
    ),
    "assistant_turn_completed": st.builds(
        events.AssistantTurnCompleted,
        turn_id=ids,
        status=st.sampled_from(["completed", "cancelled", "failed", "incomplete"]),
        usage=st.none() | usage,
        status_reason=st.none() | st.sampled_from(["turn_detected", "client_cancelled"]),
    ),
    "tool_call_started": st.builds(events.ToolCallStarted, turn_id=ids, call_id=ids, name=ids),
    "tool_call_args_delta": st.builds(
        events.ToolCallArgsDelta, turn_id=ids, call_id=ids, delta=text
    ),
    "tool_call_dispatched": st.builds(
        events.ToolCallDispatched, turn_id=ids, call_id=ids, name=ids, args=json_objects
    ),
    "tool_call_completed": st.builds(
        events.ToolCallCompleted, turn_id=ids, call_id=ids, name=ids, result=json_values
    ),
    "tool_call_failed": st.builds(
        events.ToolCallFailed, turn_id=ids, call_id=ids, name=ids, error=text
    ),
    "tool_batch_submitted": st.builds(
        events.ToolBatchSubmitted, turn_id=ids, call_ids=st.lists(ids, max_size=4).map(tuple)
    ),
    "interrupted": st.builds(
        events.Interrupted, turn_id=ids, reason=st.sampled_from(["barge_in", "manual", "error"])
    ),
    "rate_limited": st.builds(
        events.RateLimited, reset_ms=st.none() | st.integers(0, 10**7), details=json_objects
    ),
    "error": st.builds(Error, code=st.none() | ids, message=text, recoverable=st.booleans()),
}


def test_every_kind_has_a_strategy() -> None:
    assert set(STRATEGIES) == set(PINNED)


@pytest.mark.parametrize("kind", sorted(PINNED))
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_round_trip_through_json(kind: str, data: st.DataObject) -> None:
    event = data.draw(STRATEGIES[kind])
    as_dict = event_to_dict(event)
    assert as_dict["kind"] == kind
    restored = event_from_dict(orjson.loads(orjson.dumps(as_dict)))
    assert type(restored) is type(event)
    assert restored == event


def test_audio_is_base64_in_the_dict() -> None:
    as_dict = event_to_dict(EXAMPLES["assistant_audio_delta"])
    assert as_dict == {
        "kind": "assistant_audio_delta",
        "turn_id": "r",
        "item_id": "i",
        "pcm": "AQD//w==",
        "sample_rate": 24000,
    }


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "no_such_kind"},
        {"kind": None},
        {"kind": 3},
        {},
        {"turn_id": "r"},
    ],
)
def test_unknown_kind_is_a_value_error(data: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="unknown event kind"):
        event_from_dict(data)


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "assistant_turn_started"},  # a missing field
        {"kind": "session_closed", "reason": "bored", "code": None, "message": ""},
        {"kind": "user_speech_started", "at_ms": "soon", "item_id": "i"},
    ],
)
def test_invalid_event_data_is_a_value_error(data: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="invalid"):
        event_from_dict(data)
