"""The SDK validator in ``wire.py`` accepts what the reference accepts and rejects what it must."""

from __future__ import annotations

from typing import Any

import pytest

from . import flows
from .wire import validate_client_event, validate_server_event

REFERENCE_CLIENT_EVENTS = [
    '{"type":"session.update","event_id":"cli_1","session":{"type":"realtime",'
    '"output_modalities":["text"],"instructions":"You are a concise assistant.",'
    '"audio":{"input":{"turn_detection":null}}}}',
    '{"type":"input_audio_buffer.append","audio":"AAABAP//"}',
    '{"type":"conversation.item.truncate","event_id":"cli_40","item_id":"item_A5",'
    '"content_index":0,"audio_end_ms":1840}',
    '{"type":"response.create","event_id":"cli_3"}',
]


@pytest.mark.parametrize("text", REFERENCE_CLIENT_EVENTS)
def test_reference_client_events_validate(text: str) -> None:
    validate_client_event(text)


@pytest.mark.parametrize(
    ("event", "why"),
    [
        ({"type": "session.update", "session": {"instructions": "x"}}, "no session.type"),
        (
            {"type": "session.update", "session": {"type": "realtime", "modalities": ["text"]}},
            "beta",
        ),
        (
            {"type": "session.update", "session": {"type": "realtime", "temperature": 0.8}},
            "removed",
        ),
        (
            {"type": "session.update", "session": {"type": "realtime", "voice": "alloy"}},
            "beta voice",
        ),
        (
            {
                "type": "session.update",
                "session": {
                    "type": "realtime",
                    "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}],
                },
            },
            "nested tool",
        ),
        ({"type": "session.update", "session": {"type": "transcription"}}, "not realtime"),
        ({"type": "response.create", "response": {"modalities": ["text"]}}, "beta response"),
        ({"type": "conversation.item.truncate", "item_id": "i", "content_index": 0}, "missing"),
        ({"type": "input_audio_buffer.append"}, "no audio"),
        ({"type": "response.cancel", "typo": 1}, "undeclared"),
        ({"type": "no.such.event"}, "unknown type"),
    ],
)
def test_invalid_client_events_are_rejected(event: dict[str, Any], why: str) -> None:
    with pytest.raises(AssertionError):
        validate_client_event(event)


@pytest.mark.parametrize("name", flows.FLOW_NAMES)
def test_flow_frames_are_valid_sdk_server_events(name: str) -> None:
    for frame in flows.load(name):
        validate_server_event(frame)
    for frame in (flows.error_frame("session_expired", "Your session hit the maximum duration."),):
        validate_server_event(frame)


def test_server_validator_rejects_undeclared_fields() -> None:
    frame = flows.load("text_turn")[-1]
    with pytest.raises(AssertionError, match="undeclared"):
        validate_server_event({**frame, "surprise": 1})
