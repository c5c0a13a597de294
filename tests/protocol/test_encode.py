"""Every client event the encoder produces validates against the official ``openai`` types."""

from __future__ import annotations

import base64
import logging
from typing import Any

import attrs
import orjson
import pytest

from trio_realtime.config import (
    Config,
    ResponseOptions,
    SemanticVad,
    ServerVad,
    Transcription,
)
from trio_realtime.protocol.openai import OpenAIProtocol
from trio_realtime.tools import Tool

from . import flows
from .g711_reference import alaw_decode, ulaw_decode, ulaw_error_bound
from .wire import validate_client_event


def get_weather(city: str, unit: str = "celsius") -> str:
    """Current weather for a city.

    Longer explanation that is not part of the description.
    """
    return f"Sunny in {city}"


LOOKUP = Tool(
    name="lookup",
    description="Find a record by id.",
    parameters={"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]},
)


def wire(text: str) -> dict[str, Any]:
    """Validate ``text`` with the SDK and return it as JSON data."""
    validate_client_event(text)
    data: dict[str, Any] = orjson.loads(text)
    return data


def session_of(config: Config) -> dict[str, Any]:
    event = wire(OpenAIProtocol(config).session_update(config))
    assert event["type"] == "session.update"
    assert event["session"]["type"] == "realtime"
    return event["session"]  # type: ignore[no-any-return]


# -- session.update ---------------------------------------------------------------------------


def test_default_config_session() -> None:
    assert session_of(Config()) == {
        "type": "realtime",
        "output_modalities": ["audio"],
        "audio": {
            "input": {
                "format": {"type": "audio/pcm", "rate": 24000},
                "transcription": {"model": "gpt-4o-mini-transcribe"},
                "noise_reduction": None,
                "turn_detection": {
                    "type": "server_vad",
                    "create_response": True,
                    "interrupt_response": True,
                },
            },
            "output": {"format": {"type": "audio/pcm", "rate": 24000}},
        },
        "tools": [],
        "tool_choice": "auto",
        "max_output_tokens": "inf",
    }


@pytest.mark.parametrize(
    ("turn_detection", "expected"),
    [
        (None, None),
        (ServerVad(), {"type": "server_vad", "create_response": True, "interrupt_response": True}),
        (
            ServerVad(
                threshold=0.7,
                prefix_padding_ms=200,
                silence_duration_ms=650,
                idle_timeout_ms=6000,
                create_response=False,
                interrupt_response=False,
            ),
            {
                "type": "server_vad",
                "threshold": 0.7,
                "prefix_padding_ms": 200,
                "silence_duration_ms": 650,
                "idle_timeout_ms": 6000,
                "create_response": False,
                "interrupt_response": False,
            },
        ),
        (
            SemanticVad(),
            {"type": "semantic_vad", "create_response": True, "interrupt_response": True},
        ),
        (
            SemanticVad(eagerness="high", interrupt_response=False),
            {
                "type": "semantic_vad",
                "eagerness": "high",
                "create_response": True,
                "interrupt_response": False,
            },
        ),
    ],
)
def test_turn_detection(turn_detection: Any, expected: Any) -> None:
    session = session_of(Config(turn_detection=turn_detection))
    assert session["audio"]["input"]["turn_detection"] == expected


@pytest.mark.parametrize(
    ("transcription", "expected"),
    [
        (False, None),
        (None, None),
        (True, {"model": "gpt-4o-mini-transcribe"}),
        (
            Transcription(model="gpt-4o-transcribe", language="de", prompt="Fachbegriffe"),
            {"model": "gpt-4o-transcribe", "language": "de", "prompt": "Fachbegriffe"},
        ),
        (Transcription(model="whisper-1"), {"model": "whisper-1"}),
    ],
)
def test_transcription(transcription: Any, expected: Any) -> None:
    session = session_of(Config(input_audio_transcription=transcription))
    assert session["audio"]["input"]["transcription"] == expected


@pytest.mark.parametrize("noise", ["near_field", "far_field"])
def test_noise_reduction(noise: Any) -> None:
    session = session_of(Config(noise_reduction=noise))
    assert session["audio"]["input"]["noise_reduction"] == {"type": noise}


@pytest.mark.parametrize(
    ("fmt", "wire_format"),
    [
        ("pcm16", {"type": "audio/pcm", "rate": 24000}),
        ("g711_ulaw", {"type": "audio/pcmu"}),
        ("g711_alaw", {"type": "audio/pcma"}),
    ],
)
def test_audio_formats(fmt: Any, wire_format: dict[str, Any]) -> None:
    session = session_of(Config(input_audio_format=fmt, output_audio_format=fmt))
    assert session["audio"]["input"]["format"] == wire_format
    assert session["audio"]["output"]["format"] == wire_format


def test_text_modality_voice_speed_instructions_tokens() -> None:
    session = session_of(
        Config(
            modalities=["text"],
            instructions="Be brief.",
            voice="marin",
            speed=1.25,
            max_output_tokens=512,
        )
    )
    assert session["output_modalities"] == ["text"]
    assert session["instructions"] == "Be brief."
    assert session["audio"]["output"]["voice"] == "marin"
    assert session["audio"]["output"]["speed"] == 1.25
    assert session["max_output_tokens"] == 512


def test_tools_are_flat_function_definitions() -> None:
    session = session_of(Config(tools=[get_weather, LOOKUP]))
    weather, lookup = session["tools"]
    assert set(weather) == {"type", "name", "description", "parameters"}  # no nested "function"
    assert weather["type"] == "function"
    assert weather["name"] == "get_weather"
    assert weather["description"] == "Current weather for a city."
    assert weather["parameters"]["type"] == "object"
    assert set(weather["parameters"]["properties"]) == {"city", "unit"}
    assert weather["parameters"]["required"] == ["city"]
    assert lookup == {
        "type": "function",
        "name": "lookup",
        "description": "Find a record by id.",
        "parameters": {
            "type": "object",
            "properties": {"id": {"type": "integer"}},
            "required": ["id"],
        },
    }


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("auto", "auto"),
        ("none", "none"),
        ("required", "required"),
        ("lookup", {"type": "function", "name": "lookup"}),
        ("get_weather", {"type": "function", "name": "get_weather"}),
    ],
)
def test_tool_choice(choice: str, expected: Any) -> None:
    session = session_of(Config(tools=[get_weather, LOOKUP], tool_choice=choice))
    assert session["tool_choice"] == expected


def test_provider_extras_are_deep_merged() -> None:
    extras = {
        "truncation": {"type": "retention_ratio", "retention_ratio": 0.8},
        "tracing": "auto",
        "include": ["item.input_audio_transcription.logprobs"],
        "audio": {
            "output": {"voice": "cedar"},
            "input": {"noise_reduction": {"type": "far_field", "strength": 0.5}},
        },
    }
    session = session_of(Config(voice="alloy", provider_extras=extras))
    assert session["truncation"] == extras["truncation"]
    assert session["tracing"] == "auto"
    assert session["include"] == ["item.input_audio_transcription.logprobs"]
    assert session["audio"]["output"] == {
        "format": {"type": "audio/pcm", "rate": 24000},
        "voice": "cedar",
    }
    assert session["audio"]["input"]["noise_reduction"] == {"type": "far_field", "strength": 0.5}
    assert session["audio"]["input"]["turn_detection"]["type"] == "server_vad"


def test_temperature_is_dropped_with_one_warning_per_codec(
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = Config(temperature=0.7)
    caplog.set_level(logging.WARNING, logger="trio_realtime.protocol")
    codec = OpenAIProtocol(config)
    texts = [codec.session_update(config), codec.session_update(attrs.evolve(config, voice="ash"))]
    texts.append(codec.session_update(config, previous=Config()))
    for text in texts:
        wire(text)
        assert b"temperature" not in text.encode()
    warnings = [r for r in caplog.records if "temperature" in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    OpenAIProtocol(config).session_update(config)  # a new connection warns again
    assert len([r for r in caplog.records if "temperature" in r.getMessage()]) == 2


def test_no_warning_without_temperature(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    OpenAIProtocol(Config()).session_update(Config())
    assert not [r for r in caplog.records if "temperature" in r.getMessage()]


# -- the other commands -----------------------------------------------------------------------


def test_append_audio_pcm16() -> None:
    pcm = flows.tone(20)
    event = wire(OpenAIProtocol(Config()).append_audio(pcm))
    assert event == {"type": "input_audio_buffer.append", "audio": flows.b64(pcm)}


@pytest.mark.parametrize(
    ("fmt", "decode"), [("g711_ulaw", ulaw_decode), ("g711_alaw", alaw_decode)]
)
def test_append_audio_g711(fmt: Any, decode: Any) -> None:
    config = Config(input_audio_format=fmt)
    assert config.input_sample_rate == 8000
    pcm = flows.tone(20, rate=8000, amp=20000) + b"\x00\x00\xff\x7f\x00\x80"  # + 0, max, min
    event = wire(OpenAIProtocol(config).append_audio(pcm))
    codes = base64.b64decode(event["audio"])
    assert len(codes) == len(pcm) // 2
    original = [
        int.from_bytes(pcm[i : i + 2], "little", signed=True) for i in range(0, len(pcm), 2)
    ]
    for code, sample in zip(codes, original, strict=True):
        assert abs(decode(code) - sample) <= ulaw_error_bound(sample) * (2 if "alaw" in fmt else 1)
    if fmt == "g711_ulaw":
        assert codes[-3:] == bytes([0xFF, 0x80, 0x00])  # μ-law of 0, +max, -max


def test_event_ids_are_unique_and_sequential() -> None:
    codec = OpenAIProtocol(Config())
    texts = [
        codec.session_update(Config()),
        codec.commit_audio(),
        codec.clear_audio(),
        codec.user_text("hi"),
        codec.create_response(),
        codec.cancel_response(),
    ]
    assert [orjson.loads(t)["event_id"] for t in texts] == [f"cli_{i}" for i in range(1, 7)]


def test_simple_commands() -> None:
    codec = OpenAIProtocol(Config())
    assert wire(codec.commit_audio()) == {"type": "input_audio_buffer.commit", "event_id": "cli_1"}
    assert wire(codec.clear_audio()) == {"type": "input_audio_buffer.clear", "event_id": "cli_2"}
    assert wire(codec.user_text("What's the weather in Oslo? ☀️")) == {
        "type": "conversation.item.create",
        "event_id": "cli_3",
        "item": {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "What's the weather in Oslo? ☀️"}],
        },
    }
    assert wire(codec.tool_output("call_1", '{"temp_c":18}')) == {
        "type": "conversation.item.create",
        "event_id": "cli_4",
        "item": {"type": "function_call_output", "call_id": "call_1", "output": '{"temp_c":18}'},
    }
    assert wire(codec.truncate("item_A5", 1840)) == {
        "type": "conversation.item.truncate",
        "event_id": "cli_5",
        "item_id": "item_A5",
        "content_index": 0,
        "audio_end_ms": 1840,
    }
    assert wire(codec.delete_item("item_A5")) == {
        "type": "conversation.item.delete",
        "event_id": "cli_6",
        "item_id": "item_A5",
    }
    assert wire(codec.cancel_response()) == {"type": "response.cancel", "event_id": "cli_7"}
    assert wire(codec.cancel_response("resp_B1")) == {
        "type": "response.cancel",
        "event_id": "cli_8",
        "response_id": "resp_B1",
    }


def test_truncate_sends_whole_milliseconds() -> None:
    event = wire(OpenAIProtocol(Config()).truncate("item_A5", 1840.9))  # type: ignore[arg-type]
    assert event["audio_end_ms"] == 1840


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (None, None),
        (ResponseOptions(), None),
        (ResponseOptions(instructions="Answer in French."), {"instructions": "Answer in French."}),
        (ResponseOptions(modalities=["text"]), {"output_modalities": ["text"]}),
        (ResponseOptions(modalities=["audio"]), {"output_modalities": ["audio"]}),
        (ResponseOptions(voice="verse"), {"audio": {"output": {"voice": "verse"}}}),
        (ResponseOptions(tools=[LOOKUP]), {"tools": [LOOKUP.definition()]}),
        (ResponseOptions(tools=[]), {"tools": []}),
        (ResponseOptions(tool_choice="none"), {"tool_choice": "none"}),
        (
            ResponseOptions(tool_choice="lookup"),
            {"tool_choice": {"type": "function", "name": "lookup"}},
        ),
        (ResponseOptions(max_output_tokens=4096), {"max_output_tokens": 4096}),
        (ResponseOptions(metadata={"purpose": "summary"}), {"metadata": {"purpose": "summary"}}),
        (ResponseOptions(out_of_band=True), {"conversation": "none"}),
    ],
)
def test_create_response(options: ResponseOptions | None, expected: Any) -> None:
    event = wire(OpenAIProtocol(Config()).create_response(options))
    assert event.get("response") == expected
    assert set(event) == {"type", "event_id"} | ({"response"} if expected else set())


def test_create_response_with_every_option() -> None:
    options = ResponseOptions(
        instructions="Summarize.",
        modalities=["text"],
        voice="sage",
        tools=[get_weather],
        tool_choice="get_weather",
        max_output_tokens=64,
        metadata={"topic": "weather"},
        out_of_band=True,
    )
    event = wire(OpenAIProtocol(Config()).create_response(options))
    assert event["response"] == {
        "instructions": "Summarize.",
        "output_modalities": ["text"],
        "audio": {"output": {"voice": "sage"}},
        "tools": [Tool.from_callable(get_weather).definition()],
        "tool_choice": {"type": "function", "name": "get_weather"},
        "max_output_tokens": 64,
        "metadata": {"topic": "weather"},
        "conversation": "none",
    }
