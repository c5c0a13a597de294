"""The facade's pinned names (DESIGN 7.2), exactly as written."""

from __future__ import annotations

import inspect

import attrs
import pytest

import trio_realtime as rt


def test_exported() -> None:
    for name in (
        "RealtimeVoice",
        "AudioChunk",
        "TranscriptDelta",
        "ToolCallRequest",
        "ToolDefinition",
    ):
        assert name in rt.__all__
        assert getattr(rt, name) is getattr(rt.facade, name)


def test_realtime_voice_signature() -> None:
    params = inspect.signature(rt.RealtimeVoice).parameters
    assert list(params)[:4] == ["provider", "config", "model", "gateway"]
    assert params["provider"].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    for name in ("provider", "config", "model", "gateway"):
        assert params[name].default is None
    for name in ("on_audio", "on_transcript", "on_tool_call", "on_error", "on_interrupted"):
        assert callable(getattr(rt.RealtimeVoice, name))
    for name in ("connect", "run", "available_providers", "configured_providers"):
        assert callable(getattr(rt.RealtimeVoice, name))
    run = inspect.signature(rt.RealtimeVoice.run).parameters
    assert list(run)[:2] == ["self", "audio_source"]


def test_data_model_fields() -> None:
    def fields(cls: type) -> list[str]:
        return [f.name for f in attrs.fields(cls)]

    assert fields(rt.AudioChunk)[:3] == ["data", "duration_ms", "is_final"]
    assert fields(rt.TranscriptDelta) == ["text", "is_final", "speaker"]
    assert fields(rt.ToolCallRequest) == ["call_id", "function_name", "arguments"]
    assert fields(rt.ToolDefinition) == ["name", "description", "parameters"]
    values = [
        rt.AudioChunk(b"", 0.0, True),
        rt.TranscriptDelta("Hi", True, "user"),
        rt.ToolCallRequest("c", "f", {}),
        rt.ToolDefinition("f"),
    ]
    for value in values:
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            value.name = "x"  # type: ignore[union-attr]


def test_the_session_has_send_audio() -> None:
    assert callable(rt.RealtimeSession.send_audio)
