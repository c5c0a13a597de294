"""``Config``: defaults, validation (also through ``attrs.evolve``), policies, sample rates."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from trio_realtime.config import (
    Config,
    InterruptPolicy,
    ResponseOptions,
    SemanticVad,
    ServerVad,
    Transcription,
)
from trio_realtime.tools import Tool


def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"Sunny in {city}"


def other_weather(city: str) -> str:
    """Another weather tool."""
    return city


def test_defaults() -> None:
    config = Config()
    assert config.modalities == ("audio",)
    assert config.audio_output is True
    assert config.instructions is None
    assert config.voice is None
    assert config.turn_detection == ServerVad()
    assert config.input_audio_transcription == Transcription()
    assert config.noise_reduction is None
    assert config.input_audio_format == "pcm16"
    assert config.output_audio_format == "pcm16"
    assert config.tools == ()
    assert config.tool_choice == "auto"
    assert config.max_output_tokens is None
    assert config.speed is None
    assert config.temperature is None
    assert config.on_interrupt is InterruptPolicy.DROP
    assert config.tool_timeout == 30.0
    assert config.max_concurrent_tools == 8
    assert config.provider_extras == {}
    assert config.input_sample_rate == 24_000
    assert config.output_sample_rate == 24_000


def test_vad_defaults_leave_everything_to_the_provider() -> None:
    vad = ServerVad()
    assert (vad.threshold, vad.prefix_padding_ms, vad.silence_duration_ms) == (None, None, None)
    assert vad.idle_timeout_ms is None
    assert (vad.create_response, vad.interrupt_response) == (True, True)
    semantic = SemanticVad()
    assert semantic.eagerness is None
    assert (semantic.create_response, semantic.interrupt_response) == (True, True)


def test_config_is_frozen_and_keyword_only() -> None:
    config = Config()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        config.voice = "marin"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Config(("text",))  # type: ignore[misc]


@pytest.mark.parametrize("modalities", [["text"], ["audio"], ("text",), "text"])
def test_single_modalities_are_accepted(modalities: Any) -> None:
    config = Config(modalities=modalities)
    assert len(config.modalities) == 1
    assert config.audio_output is (config.modalities == ("audio",))


@pytest.mark.parametrize(
    "modalities", [["text", "audio"], ["audio", "text"], [], ["video"], ["text", "text"]]
)
def test_invalid_modalities(modalities: Any) -> None:
    with pytest.raises(ValueError, match="modalities"):
        Config(modalities=modalities)


@pytest.mark.parametrize("speed", [0.25, 1.0, 1.5])
def test_speed_in_range(speed: float) -> None:
    assert Config(speed=speed).speed == speed


@pytest.mark.parametrize("speed", [0.24, 0.0, 1.51, 4.0, -1.0])
def test_speed_out_of_range(speed: float) -> None:
    with pytest.raises(ValueError, match="speed"):
        Config(speed=speed)


@pytest.mark.parametrize(
    ("value", "policy"),
    [
        ("drop", InterruptPolicy.DROP),
        ("submit_completed_only", InterruptPolicy.SUBMIT_COMPLETED_ONLY),
        ("submit", InterruptPolicy.SUBMIT),
        (InterruptPolicy.DROP, InterruptPolicy.DROP),
        (InterruptPolicy.SUBMIT_COMPLETED_ONLY, InterruptPolicy.SUBMIT_COMPLETED_ONLY),
        (InterruptPolicy.SUBMIT, InterruptPolicy.SUBMIT),
    ],
)
def test_interrupt_policies(value: Any, policy: InterruptPolicy) -> None:
    config = Config(on_interrupt=value)
    assert config.on_interrupt is policy
    assert config.on_interrupt == policy.value  # a str enum: compares equal to its string


@pytest.mark.parametrize("value", ["cancel", "DROP", "", None, 3])
def test_unknown_policy(value: Any) -> None:
    with pytest.raises(ValueError, match="on_interrupt"):
        Config(on_interrupt=value)


@pytest.mark.parametrize(
    "value", ["server_vad", {"type": "server_vad"}, True, Transcription(), ServerVad]
)
def test_bad_turn_detection(value: Any) -> None:
    with pytest.raises(ValueError, match="turn_detection"):
        Config(turn_detection=value)


@pytest.mark.parametrize("value", [None, ServerVad(threshold=0.2), SemanticVad(eagerness="low")])
def test_turn_detection_kinds(value: Any) -> None:
    assert Config(turn_detection=value).turn_detection == value


@pytest.mark.parametrize("field", ["input_audio_format", "output_audio_format"])
@pytest.mark.parametrize("fmt", ["pcm", "pcm24", "mp3", "g711", "", "PCM16"])
def test_bad_audio_format(field: str, fmt: str) -> None:
    with pytest.raises(ValueError, match=field):
        Config(**{field: fmt})


@pytest.mark.parametrize(
    ("input_format", "output_format", "rates"),
    [
        ("pcm16", "pcm16", (24_000, 24_000)),
        ("g711_ulaw", "g711_ulaw", (8_000, 8_000)),
        ("g711_alaw", "g711_alaw", (8_000, 8_000)),
        ("pcm16", "g711_ulaw", (24_000, 8_000)),
        ("g711_alaw", "pcm16", (8_000, 24_000)),
    ],
)
def test_sample_rates_per_format(input_format: Any, output_format: Any, rates: Any) -> None:
    config = Config(input_audio_format=input_format, output_audio_format=output_format)
    assert (config.input_sample_rate, config.output_sample_rate) == rates


def test_tool_choice_must_name_a_tool() -> None:
    with pytest.raises(ValueError, match="tool_choice"):
        Config(tool_choice="get_weather")
    with pytest.raises(ValueError, match="tool_choice"):
        Config(tools=[get_weather], tool_choice="other_weather")
    config = Config(tools=[get_weather], tool_choice="get_weather")
    assert config.tool_choice == "get_weather"
    for choice in ("auto", "none", "required"):
        assert Config(tool_choice=choice).tool_choice == choice


def test_tools_from_callables_and_definitions() -> None:
    lookup = Tool(name="lookup", description="Find a record.", parameters={"type": "object"})
    config = Config(tools=[get_weather, lookup])
    assert [tool.name for tool in config.tools] == ["get_weather", "lookup"]
    assert all(isinstance(tool, Tool) for tool in config.tools)
    assert config.tools[0].fn is get_weather
    assert config.tools[1].answered_by_app
    assert config.tool_registry().names == ("get_weather", "lookup")


@pytest.mark.parametrize(
    "tools",
    [
        [get_weather, get_weather],
        [get_weather, Tool(name="get_weather", description="Again.")],
        [Tool.from_callable(other_weather, name="get_weather"), get_weather],
    ],
)
def test_duplicate_tool_names(tools: list[Any]) -> None:
    with pytest.raises(ValueError, match="get_weather"):
        Config(tools=tools)


def test_not_a_tool() -> None:
    with pytest.raises(TypeError):
        Config(tools=["get_weather"])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_output_tokens", 0),
        ("max_output_tokens", 4097),
        ("temperature", 2.5),
        ("temperature", -0.1),
        ("tool_timeout", -1.0),
        ("max_concurrent_tools", 0),
        ("noise_reduction", "studio"),
        ("input_audio_transcription", "yes"),
    ],
)
def test_other_validation_errors(field: str, value: Any) -> None:
    with pytest.raises(ValueError, match=field):
        Config(**{field: value})


@pytest.mark.parametrize(
    ("cls", "kwargs"),
    [
        (ServerVad, {"threshold": 1.5}),
        (ServerVad, {"threshold": -0.1}),
        (ServerVad, {"idle_timeout_ms": 100}),
        (ServerVad, {"silence_duration_ms": -5}),
        (SemanticVad, {"eagerness": "eager"}),
    ],
)
def test_vad_validation(cls: Any, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        cls(**kwargs)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, Transcription()),
        (False, None),
        (None, None),
        (Transcription(model="whisper-1"), Transcription(model="whisper-1")),
    ],
)
def test_transcription_forms(value: Any, expected: Any) -> None:
    assert Config(input_audio_transcription=value).input_audio_transcription == expected


@pytest.mark.parametrize(
    "changes",
    [
        {"speed": 3.0},
        {"modalities": ["text", "audio"]},
        {"on_interrupt": "later"},
        {"turn_detection": "semantic_vad"},
        {"output_audio_format": "opus"},
        {"tool_choice": "missing_tool"},
        {"tools": [get_weather, get_weather]},
    ],
)
def test_evolve_revalidates(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        attrs.evolve(Config(), **changes)


def test_evolve_converts() -> None:
    config = attrs.evolve(
        Config(), on_interrupt="submit", modalities=["text"], input_audio_transcription=False
    )
    assert config.on_interrupt is InterruptPolicy.SUBMIT
    assert config.modalities == ("text",)
    assert config.input_audio_transcription is None
    # removing the tool a tool_choice names is caught as well
    with_tool = Config(tools=[get_weather], tool_choice="get_weather")
    with pytest.raises(ValueError, match="tool_choice"):
        attrs.evolve(with_tool, tools=[])


def test_provider_extras_are_copied() -> None:
    extras = {"truncation": "disabled"}
    config = Config(provider_extras=extras)
    extras["truncation"] = "auto"
    assert config.provider_extras == {"truncation": "disabled"}


def test_response_options() -> None:
    options = ResponseOptions(modalities="text", tools=[get_weather])
    assert options.modalities == ("text",)
    assert options.tools is not None
    assert options.tools[0].name == "get_weather"
    assert ResponseOptions().modalities is None
    with pytest.raises(ValueError, match="modalities"):
        ResponseOptions(modalities=["text", "audio"])
    with pytest.raises(ValueError, match="max_output_tokens"):
        ResponseOptions(max_output_tokens=0)
