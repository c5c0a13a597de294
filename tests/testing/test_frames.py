"""Every frame the testing kit builds is a server event the official ``openai`` SDK accepts."""

from __future__ import annotations

from typing import Any

import pytest

from tests.server.wire_validation import server_event_problems
from trio_realtime.testing import frames

FRAMES: dict[str, Any] = {
    "session_created": frames.session_created(),
    "session_updated": frames.session_updated(frames.default_session()),
    "response_created": frames.response_created("r1"),
    "response_done": frames.response_done("r1"),
    "response_done_cancelled": frames.response_done(
        "r1", "cancelled", type="cancelled", reason="turn_detected"
    ),
    "message_added": frames.message_added("r1", "i1"),
    "text_delta": frames.text_delta("r1", "i1", "Hi"),
    "text_done": frames.text_done("r1", "i1", "Hi"),
    "transcript_delta": frames.transcript_delta("r1", "i1", "Hi"),
    "transcript_done": frames.transcript_done("r1", "i1", "Hi"),
    "audio_delta": frames.audio_delta("r1", "i1", b"\x01\x00" * 480),
    "call_added": frames.call_added("r1", "c1", "get_weather"),
    "args_delta": frames.args_delta("r1", "c1", '{"city"'),
    "call_done": frames.call_done("r1", "c1", "get_weather", '{"city": "Oslo"}'),
    "speech_started": frames.speech_started(),
    "speech_stopped": frames.speech_stopped(),
    "user_transcript": frames.user_transcript("i9", "Hello"),
    "error": frames.error("invalid_value", event_id="cli_3"),
    "rate_limits": frames.rate_limits(remaining=0),
}


@pytest.mark.parametrize("name", list(FRAMES))
def test_each_builder_makes_a_valid_server_event(name: str) -> None:
    assert server_event_problems(FRAMES[name]) == []


def test_the_turn_builders_are_made_of_valid_events() -> None:
    for frame in [
        *frames.text_turn("r1", "i1", "Hi"),
        *frames.tool_turn("r2", {"c1": ("a", "{}"), "c2": ("b", '{"x": 1}')}),
    ]:
        assert server_event_problems(frame) == [], frame
