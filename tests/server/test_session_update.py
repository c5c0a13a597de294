"""session.update: the full effective config, and errors worded as the service words them."""

from __future__ import annotations

from typing import Any

import pytest
import trio

from .client import connect
from .test_flows import WEATHER

TD = "session.audio.input.turn_detection"
CASES: list[tuple[dict[str, Any], str, str | None, str]] = [
    (
        {"instructions": "hi"},
        "missing_required_parameter",
        "session.type",
        "Missing required parameter: 'session.type'.",
    ),
    (
        {"type": "realtime", "modalities": ["text"]},
        "unknown_parameter",
        "session.modalities",
        "Unknown parameter: 'session.modalities'.",
    ),
    (
        {"type": "realtime", "temperature": 0.8},
        "unknown_parameter",
        "session.temperature",
        "Unknown parameter: 'session.temperature'.",
    ),
    (
        {"type": "realtime", "voice": "alloy"},
        "unknown_parameter",
        "session.voice",
        "Unknown parameter: 'session.voice'.",
    ),
    (
        {"type": "realtime", "output_modalities": ["audio", "text"]},
        "invalid_value",
        "session.output_modalities",
        "Invalid modalities: ['audio', 'text']. "
        "Supported combinations are: ['text'] and ['audio'].",
    ),
    (
        {"type": "realtime", "output_modalities": ["video"]},
        "invalid_value",
        "session.output_modalities[0]",
        "Invalid value: 'video'. Supported values are: 'text' and 'audio'.",
    ),
    (
        {"type": "transcription"},
        "invalid_value",
        "session.type",
        "Invalid value: 'transcription'. Supported values are: 'realtime'.",
    ),
    (
        {"type": "realtime", "instructions": 5},
        "invalid_type",
        "session.instructions",
        "Invalid type for 'session.instructions': expected a string, but got an integer instead.",
    ),
    (
        {"type": "realtime", "max_output_tokens": 5000},
        "integer_above_max_value",
        "session.max_output_tokens",
        "Invalid 'session.max_output_tokens': integer above maximum value. "
        "Expected a value <= 4096, but got 5000 instead.",
    ),
    (
        {"type": "realtime", "audio": {"output": {"speed": 3.0}}},
        "decimal_above_max_value",
        "session.audio.output.speed",
        "Invalid 'session.audio.output.speed': decimal above maximum value. "
        "Expected a value <= 1.5, but got 3.0 instead.",
    ),
    (
        {"type": "realtime", "audio": {"input": {"format": {"type": "audio/pcm", "rate": 16000}}}},
        "invalid_value",
        "session.audio.input.format.rate",
        "Invalid value: 16000. Supported values are: 24000.",
    ),
    (
        {
            "type": "realtime",
            "audio": {"input": {"turn_detection": {"type": "server_vad", "threshold": 1.5}}},
        },
        "decimal_above_max_value",
        f"{TD}.threshold",
        f"Invalid '{TD}.threshold': decimal above maximum value. "
        "Expected a value <= 1.0, but got 1.5 instead.",
    ),
    (
        {"type": "realtime", "audio": {"input": {"turn_detection": {"threshold": 0.4}}}},
        "missing_required_parameter",
        f"{TD}.type",
        f"Missing required parameter: '{TD}.type'.",
    ),
    (
        {
            "type": "realtime",
            "audio": {
                "input": {"turn_detection": {"type": "semantic_vad", "silence_duration_ms": 5}}
            },
        },
        "unknown_parameter",
        f"{TD}.silence_duration_ms",
        f"Unknown parameter: '{TD}.silence_duration_ms'.",
    ),
    (
        {"type": "realtime", "tools": [{"type": "function", "function": {"name": "f"}}]},
        "unknown_parameter",
        "session.tools[0].function",
        "Unknown parameter: 'session.tools[0].function'.",
    ),
    (
        {"type": "realtime", "tools": [{"type": "function", "description": "x"}]},
        "missing_required_parameter",
        "session.tools[0].name",
        "Missing required parameter: 'session.tools[0].name'.",
    ),
    (
        {"type": "realtime", "tool_choice": "sometimes"},
        "invalid_value",
        "session.tool_choice",
        "Invalid value: 'sometimes'. Supported values are: 'auto', 'none', and 'required'.",
    ),
]


async def test_session_update_errors(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    url = await start_server()
    with trio.fail_after(60):
        async with connect(url) as client:
            before = client.received[0]["session"]
            errors = []
            for i, (session, *_) in enumerate(CASES):
                await client.send("session.update", event_id=f"cli_{i}", session=session)
                errors.append(await client.recv())
            await client.send("session.update", event_id="cli_none")
            missing = await client.recv()
            after = await client.update()
    for i, (event, (_, code, param, message)) in enumerate(zip(errors, CASES, strict=True)):
        assert event["type"] == "error"
        assert event["error"] == {
            "type": "invalid_request_error",
            "code": code,
            "message": message,
            "param": param,
            "event_id": f"cli_{i}",
        }
    assert missing["error"]["code"] == "missing_required_parameter"
    assert missing["error"]["param"] == "session"
    assert after["session"] == before, "rejected updates must not change anything"


async def test_session_update_reports_the_full_effective_config(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    url = await start_server()
    with trio.fail_after(60):
        async with connect(url, model="gpt-realtime-mini") as client:
            created = client.received[0]["session"]
            first = await client.update(
                audio={
                    "input": {
                        "format": {"type": "audio/pcmu"},
                        "turn_detection": {"type": "server_vad", "silence_duration_ms": 500},
                        "noise_reduction": {"type": "near_field"},
                    },
                    "output": {"voice": "marin"},
                },
                tools=[WEATHER],
                tool_choice={"type": "function", "name": "get_weather"},
                max_output_tokens=1024,
            )
            second = await client.update(
                audio={"input": {"turn_detection": {"type": "semantic_vad", "eagerness": "high"}}},
                instructions="",
            )
    session = first["session"]
    assert session["id"] == created["id"]
    assert session["model"] == "gpt-realtime-mini"
    assert set(session) == set(created)
    assert session["audio"]["input"]["format"] == {"type": "audio/pcmu"}
    assert session["audio"]["input"]["turn_detection"] == {
        "type": "server_vad",
        "threshold": 0.5,
        "prefix_padding_ms": 300,
        "silence_duration_ms": 500,
        "idle_timeout_ms": None,
        "create_response": True,
        "interrupt_response": True,
    }
    assert session["audio"]["input"]["noise_reduction"] == {"type": "near_field"}
    assert session["audio"]["output"] == {
        "format": {"type": "audio/pcm", "rate": 24000},
        "voice": "marin",
        "speed": 1.0,
    }
    assert session["tools"] == [WEATHER]
    assert session["tool_choice"] == {"type": "function", "name": "get_weather"}
    assert session["max_output_tokens"] == 1024
    kept = second["session"]
    assert kept["audio"]["input"]["turn_detection"] == {
        "type": "semantic_vad",
        "eagerness": "high",
        "create_response": True,
        "interrupt_response": True,
    }
    assert kept["audio"]["input"]["format"] == {"type": "audio/pcmu"}
    assert kept["audio"]["output"]["voice"] == "marin"
    assert kept["tools"] == [WEATHER]
    assert kept["instructions"] == ""


OVERRIDE_CASES = [
    ({"modalities": ["text"]}, "unknown_parameter", "response.modalities"),
    ({"output_modalities": ["text", "audio"]}, "invalid_value", "response.output_modalities"),
    ({"audio": {"output": {"speed": 1.0}}}, "unknown_parameter", "response.audio.output.speed"),
    ({"conversation": "other"}, "invalid_value", "response.conversation"),
    (
        {"metadata": {str(i): "v" for i in range(17)}},
        "object_above_max_length",
        "response.metadata",
    ),
    (
        {"input": [{"type": "item_reference", "id": "item_nope"}]},
        "invalid_value",
        "response.input[0].id",
    ),
    (
        {"input": [{"type": "function_call_output", "call_id": "call_x", "output": "1"}]},
        "invalid_value",
        "response.input[0].call_id",
    ),
]


@pytest.mark.parametrize(("response", "code", "param"), OVERRIDE_CASES)
async def test_response_create_override_errors(
    start_server: Any,
    autojump_clock: trio.testing.MockClock,
    response: dict[str, Any],
    code: str,
    param: str,
) -> None:
    url = await start_server()
    with trio.fail_after(60):
        async with connect(url) as client:
            await client.send("response.create", event_id="cli_r", response=response)
            event = await client.recv()
            assert await client.nothing_pending()
    assert event["type"] == "error"
    assert (event["error"]["code"], event["error"]["param"]) == (code, param)
    assert event["error"]["event_id"] == "cli_r"
