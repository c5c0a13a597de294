"""The facade's data models (pinned fields) and ToolDefinition in a Config."""

from __future__ import annotations

import attrs
import pytest

import trio_realtime as rt


def test_audio_chunk() -> None:
    chunk = rt.AudioChunk(b"\x01\x00" * 240, 10.0, False)
    assert (chunk.data, chunk.duration_ms, chunk.is_final) == (b"\x01\x00" * 240, 10.0, False)
    assert chunk == rt.AudioChunk(data=b"\x01\x00" * 240, duration_ms=10.0, is_final=False)
    assert chunk.sample_rate == 24_000
    assert "bytes" in repr(chunk) and "\\x01" not in repr(chunk)  # no audio in a repr
    assert rt.AudioChunk.from_pcm(bytes(48_000), 24_000).duration_ms == 1000.0
    assert rt.AudioChunk.from_pcm(bytes(320), 16_000, is_final=True) == rt.AudioChunk(
        bytes(320), 10.0, True, 16_000
    )
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        chunk.is_final = True  # type: ignore[misc]


def test_transcript_delta() -> None:
    delta = rt.TranscriptDelta("Hello", False, "assistant")
    assert (delta.text, delta.is_final, delta.speaker) == ("Hello", False, "assistant")
    assert rt.TranscriptDelta(text="Hi", is_final=True, speaker="user").speaker == "user"
    with pytest.raises(ValueError, match='speaker must be "assistant" or "user"'):
        rt.TranscriptDelta("x", True, "model")  # type: ignore[arg-type]


def test_tool_call_request() -> None:
    request = rt.ToolCallRequest("call_1", "lookup", {"q": "Oslo"})
    assert (request.call_id, request.function_name, request.arguments) == (
        "call_1",
        "lookup",
        {"q": "Oslo"},
    )
    assert rt.ToolCallRequest(call_id="c", function_name="f").arguments == {}


def test_tool_definition_in_a_config_is_answered_by_the_application() -> None:
    schema = {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}
    definition = rt.ToolDefinition("lookup", "Look it up.", schema)
    assert (definition.name, definition.description, definition.parameters) == (
        "lookup",
        "Look it up.",
        schema,
    )
    schema["required"] = []  # copied on construction
    assert definition.parameters["required"] == ["q"]

    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    config = rt.Config(tools=[add, definition])
    lookup = config.tool_registry()["lookup"]
    assert isinstance(lookup, rt.Tool) and lookup.fn is None and lookup.answered_by_app
    assert lookup.definition() == {
        "type": "function",
        "name": "lookup",
        "description": "Look it up.",
        "parameters": {
            "type": "object",
            "properties": {"q": {"type": "string"}},
            "required": ["q"],
        },
    }
    assert config.tools[0].fn is add
    options = rt.ResponseOptions(tools=[definition])
    assert options.tools is not None and options.tools[0].answered_by_app
    assert rt.ToolDefinition("ping").to_tool().parameters == {"type": "object", "properties": {}}


def test_an_invalid_tool_definition_fails_in_the_config() -> None:
    with pytest.raises(ValueError, match="invalid tool name 'look up'"):
        rt.Config(tools=[rt.ToolDefinition("look up")])
    with pytest.raises(ValueError, match='must be a JSON Schema with "type": "object"'):
        rt.Config(tools=[rt.ToolDefinition("lookup", "", {"type": "string"})])
    with pytest.raises(TypeError, match="parameters must be a JSON Schema mapping"):
        rt.ToolDefinition("lookup", "", ["q"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="duplicate tool name 'lookup'"):
        rt.Config(tools=[rt.ToolDefinition("lookup"), rt.ToolDefinition("lookup")])
    with pytest.raises(TypeError, match="expected a Tool or a function"):
        rt.Config(tools=[42])  # type: ignore[list-item]


def test_a_to_tool_that_returns_no_tool_is_refused() -> None:
    class Wrong:
        def to_tool(self) -> object:
            return "lookup"

    with pytest.raises(TypeError, match=r"Wrong.to_tool\(\) returned 'lookup', not a Tool"):
        rt.Config(tools=[Wrong()])  # type: ignore[list-item]
