"""The decoder never raises: malformed, unknown and fuzzed frames (hypothesis)."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trio_realtime.config import Config
from trio_realtime.events import AssistantTextDelta, Error
from trio_realtime.protocol._openai_tables import KNOWN_FIELDS
from trio_realtime.protocol.openai import OpenAIProtocol

from . import flows
from .typecheck import problems

ALL_FRAMES = [frame for name in flows.FLOW_NAMES for frame in flows.load(name)]
HANDLED_TYPES = sorted(OpenAIProtocol(Config()).decoder.handled_types)
FIELD_NAMES = sorted(
    {"id", "status", "status_details", "reason", "code", "message", "usage", "audio", "input"}
    | {"turn_detection", "create_response", "interrupt_response", "remaining", "reset_seconds"}
    | {"input_tokens", "input_token_details", "text_tokens", "role", "content", "part"}
    | {field for fields in KNOWN_FIELDS.values() for field in fields}
)
LEAVES = ["function_call", "message", "completed", "failed", "cancelled", "incomplete"]
LEAVES += ["rate_limit_exceeded", "session_expired", "cli_1", "AAEC", "AAE", "{}", ""]


def json_values(keys: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    scalars = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=12)
        | st.sampled_from(LEAVES)
        | st.sampled_from([0, -1, 1.5, 10**30, 1e308])
    )
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=5)
        ),
        max_leaves=16,
    )


PLAUSIBLE_KEYS = st.sampled_from(FIELD_NAMES) | st.text(max_size=6)
PLAUSIBLE = json_values(PLAUSIBLE_KEYS)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_sound(codec: OpenAIProtocol, frame: str | bytes) -> list[Any]:
    out = codec.receive(frame)
    assert problems(out) == []
    return out


# -- explicit malformed frames ----------------------------------------------------------------


@pytest.mark.parametrize("frame", ['{"type": ', "{'type': 'error'}", "", b"\xff\xfe{}", "nul"])
def test_malformed_json_is_one_recoverable_error(frame: str | bytes) -> None:
    codec = OpenAIProtocol(Config())
    (error,) = codec.receive(frame)
    assert isinstance(error, Error)
    assert error.code == "invalid_json"
    assert error.recoverable is True
    assert codec.statistics().malformed_frames == 1


@pytest.mark.parametrize("frame", ["[1, 2]", '"session.created"', "5", "null", "true"])
def test_non_object_json_is_one_recoverable_error(frame: str) -> None:
    codec = OpenAIProtocol(Config())
    (error,) = codec.receive(frame)
    assert isinstance(error, Error)
    assert error.code == "invalid_event"
    assert error.recoverable is True
    assert "not a JSON object" in error.message


@pytest.mark.parametrize("frame", ["{}", '{"event_id": "e"}', '{"type": 5}', '{"type": null}'])
def test_missing_type_is_one_recoverable_error(frame: str) -> None:
    codec = OpenAIProtocol(Config())
    (error,) = codec.receive(frame)
    assert isinstance(error, Error)
    assert error.recoverable is True
    assert "'type'" in error.message


def test_unknown_types_are_ignored_and_counted() -> None:
    codec = OpenAIProtocol(Config())
    assert codec.receive('{"type": "future.event", "x": 1}') == []
    assert codec.receive('{"type": "future.event"}') == []
    assert codec.receive(b'{"type": "other.thing", "event_id": "e"}') == []
    stats = codec.statistics()
    assert stats.unknown_event_types == {"future.event": 2, "other.thing": 1}
    assert stats.malformed_frames == 0
    stats.unknown_event_types.clear()  # a snapshot: the codec's counters are unaffected
    assert codec.statistics().unknown_event_types == {"future.event": 2, "other.thing": 1}


@pytest.mark.parametrize("name", ["response.output_text.delta", "response.text.delta"])
def test_unknown_fields_are_counted_and_ignored(name: str) -> None:
    frame = next(f for f in ALL_FRAMES if f["type"] == "response.output_text.delta")
    plain = {**frame, "type": name}
    extra = {**plain, "zzz": {"nested": [1, 2]}, "partial": True}
    codec = OpenAIProtocol(Config())
    out = codec.receive(orjson.dumps(extra))
    assert out == [AssistantTextDelta(turn_id="resp_T1", item_id="item_A1", delta="The capital")]
    assert out == OpenAIProtocol(Config()).receive(orjson.dumps(plain))
    assert codec.statistics().unknown_fields == {f"{name}.zzz": 1, f"{name}.partial": 1}


def _without(event_type: str, field: str) -> dict[str, Any]:
    frame = dict(next(f for f in ALL_FRAMES if f["type"] == event_type))
    del frame[field]
    return frame


@pytest.mark.parametrize(
    ("event_type", "field"),
    [
        ("response.output_audio.delta", "delta"),
        ("response.output_audio.delta", "item_id"),
        ("response.created", "response"),
        ("response.done", "response"),
        ("session.created", "session"),
        ("error", "error"),
        ("input_audio_buffer.speech_started", "audio_start_ms"),
        ("response.function_call_arguments.done", "arguments"),
        ("conversation.item.input_audio_transcription.completed", "transcript"),
        ("rate_limits.updated", "rate_limits"),
    ],
)
def test_missing_required_field_is_one_error_naming_it(event_type: str, field: str) -> None:
    codec = OpenAIProtocol(Config())
    (error,) = codec.receive(orjson.dumps(_without(event_type, field)))
    assert isinstance(error, Error)
    assert error.recoverable is True
    assert error.code == "invalid_event"
    assert repr(event_type) in error.message
    assert repr(field) in error.message
    assert codec.statistics().malformed_frames == 1


@pytest.mark.parametrize(
    ("event_type", "field", "value", "named"),
    [
        ("response.output_audio.delta", "delta", 12, "delta"),
        ("response.output_audio.delta", "delta", "A", "delta"),  # bad base64 padding
        ("response.output_text.delta", "delta", ["a"], "delta"),
        ("input_audio_buffer.speech_started", "audio_start_ms", "1236", "audio_start_ms"),
        ("input_audio_buffer.speech_started", "audio_start_ms", True, "audio_start_ms"),
        ("response.created", "response", {"status": "in_progress"}, "response.id"),
        ("response.done", "response", {"id": "r", "status": "weird"}, "response.status"),
        ("response.output_item.added", "item", {"type": "function_call"}, "item.call_id"),
        ("rate_limits.updated", "rate_limits", [3], "rate_limits"),
    ],
)
def test_mistyped_field_is_one_error_naming_it(
    event_type: str, field: str, value: Any, named: str
) -> None:
    frame = {**next(f for f in ALL_FRAMES if f["type"] == event_type), field: value}
    codec = OpenAIProtocol(Config())
    (error,) = codec.receive(orjson.dumps(frame))
    assert isinstance(error, Error)
    assert error.recoverable is True
    assert repr(event_type) in error.message
    assert repr(named) in error.message


def test_malformed_usage_does_not_lose_the_completed_turn() -> None:
    frame = next(f for f in ALL_FRAMES if f["type"] == "response.done")
    frame = {**frame, "response": {**frame["response"], "usage": {"input_tokens": "many"}}}
    (done,) = OpenAIProtocol(Config()).receive(orjson.dumps(frame))
    assert done.kind == "assistant_turn_completed"
    assert done.usage is not None
    assert done.usage.input_tokens == 0


def test_huge_numbers_do_not_escape() -> None:
    codec = OpenAIProtocol(Config())
    frame = {
        "type": "rate_limits.updated",
        "rate_limits": [{"remaining": 0, "reset_seconds": 1e308}],
    }
    (event,) = assert_sound(codec, orjson.dumps(frame))
    assert event.reset_ms is None
    done = next(f for f in ALL_FRAMES if f["type"] == "response.done")
    huge = {**done, "response": {**done["response"], "usage": {"input_tokens": 10**30}}}
    assert_sound(codec, json.dumps(huge))


# -- hypothesis -------------------------------------------------------------------------------


@FAST
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    assert_sound(OpenAIProtocol(Config()), data)


@FAST
@given(st.text(max_size=200))
def test_arbitrary_text_never_raises(text: str) -> None:
    assert_sound(OpenAIProtocol(Config()), text)


@FAST
@given(json_values(st.text(max_size=8)))
def test_arbitrary_json_values_never_raise(value: Any) -> None:
    assert_sound(OpenAIProtocol(Config()), json.dumps(value))


@FAST
@given(
    st.sampled_from(HANDLED_TYPES),
    st.dictionaries(PLAUSIBLE_KEYS, PLAUSIBLE, max_size=8),
    st.sampled_from(["pcm16", "g711_ulaw", "g711_alaw"]),
)
def test_objects_with_a_known_type_never_raise(
    event_type: str, fields: dict[str, Any], fmt: str
) -> None:
    codec = OpenAIProtocol(Config(output_audio_format=fmt))  # type: ignore[arg-type]
    assert_sound(codec, json.dumps({**fields, "type": event_type}))


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            out += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            out += _paths(child, (*prefix, index))
    return out


@FAST
@given(st.data())
def test_valid_frames_with_one_field_replaced_never_raise(data: st.DataObject) -> None:
    frame = orjson.loads(orjson.dumps(data.draw(st.sampled_from(ALL_FRAMES))))
    path = data.draw(st.sampled_from(_paths(frame)))
    target = frame
    for key in path[:-1]:
        target = target[key]
    if data.draw(st.booleans()) and isinstance(target, dict):
        del target[path[-1]]
    else:
        target[path[-1]] = data.draw(PLAUSIBLE)
    assert_sound(OpenAIProtocol(Config()), json.dumps(frame))


EXTRA_KEYS = st.text(min_size=1, max_size=8).map(lambda s: "x_" + s)
EXTRAS = st.dictionaries(EXTRA_KEYS, json_values(st.text(max_size=6)), min_size=1, max_size=3)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(flows.FLOW_NAMES), EXTRAS, EXTRAS)
def test_valid_flows_with_extra_fields_decode_the_same(
    name: str, top: dict[str, Any], nested: dict[str, Any]
) -> None:
    plain_codec, extra_codec = OpenAIProtocol(Config()), OpenAIProtocol(Config())
    counted = 0
    for frame in flows.load(name):
        extra = {**frame, **top}
        for key in ("response", "item", "error", "part"):
            if isinstance(extra.get(key), dict):
                extra[key] = {**extra[key], **nested}
        if frame["type"] in KNOWN_FIELDS:
            counted += len(top)
        plain = plain_codec.receive(orjson.dumps(frame))
        assert extra_codec.receive(json.dumps(extra)) == plain
    assert sum(extra_codec.statistics().unknown_fields.values()) == counted
    assert extra_codec.statistics().malformed_frames == 0
