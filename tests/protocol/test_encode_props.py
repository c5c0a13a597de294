"""Properties: any valid ``Config`` encodes to a valid ``session.update``; diffs are exact."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from trio_realtime.config import Config, ResponseOptions, SemanticVad, ServerVad, Transcription
from trio_realtime.protocol._openai_session import session_payload
from trio_realtime.protocol.openai import OpenAIProtocol
from trio_realtime.tools import Tool

from .wire import validate_client_event


def _tool(name: str) -> Tool:
    schema = {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}
    return Tool(name=name, description=f"The {name} tool.", parameters=schema)


def add(a: int, b: int = 2) -> int:
    """Add two numbers."""
    return a + b


TOOLS = [_tool("search"), _tool("lookup"), _tool("book-table"), add]
NAMES = ["search", "lookup", "book-table", "add"]

opt = st.none().__or__
server_vad = st.builds(
    ServerVad,
    threshold=opt(st.floats(0.0, 1.0)),
    prefix_padding_ms=opt(st.integers(0, 2000)),
    silence_duration_ms=opt(st.integers(0, 5000)),
    create_response=st.booleans(),
    interrupt_response=st.booleans(),
    idle_timeout_ms=opt(st.integers(5000, 30000)),
)
semantic_vad = st.builds(
    SemanticVad,
    eagerness=opt(st.sampled_from(["low", "medium", "high", "auto"])),
    create_response=st.booleans(),
    interrupt_response=st.booleans(),
)
transcription = st.booleans() | st.builds(
    Transcription,
    model=st.sampled_from(["whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe"]),
    language=opt(st.sampled_from(["en", "de", "ja"])),
    prompt=opt(st.text(max_size=20)),
)
EXTRAS = st.fixed_dictionaries(
    {},
    optional={
        "truncation": st.sampled_from(["auto", "disabled"]),
        "tracing": st.sampled_from(["auto", None]),
        "include": st.just(["item.input_audio_transcription.logprobs"]),
        "parallel_tool_calls": st.booleans(),
        "reasoning": st.sampled_from([{"effort": "low"}, {"effort": "high"}]),
    },
)
FORMAT = st.sampled_from(["pcm16", "g711_ulaw", "g711_alaw"])


@st.composite
def configs(draw: st.DrawFn, *, extras: bool = True) -> Config:
    tools = draw(st.lists(st.sampled_from(range(len(TOOLS))), unique=True, max_size=4))
    choices = ["auto", "none", "required", *(NAMES[i] for i in tools)]
    return Config(
        modalities=draw(st.sampled_from([["text"], ["audio"]])),
        instructions=draw(opt(st.text(max_size=40))),
        voice=draw(opt(st.sampled_from(["alloy", "marin", "cedar", "my-custom-voice"]))),
        turn_detection=draw(st.none() | server_vad | semantic_vad),
        input_audio_transcription=draw(transcription),
        noise_reduction=draw(opt(st.sampled_from(["near_field", "far_field"]))),
        input_audio_format=draw(FORMAT),
        output_audio_format=draw(FORMAT),
        tools=[TOOLS[i] for i in tools],
        tool_choice=draw(st.sampled_from(choices)),
        max_output_tokens=draw(opt(st.integers(1, 4096))),
        speed=draw(opt(st.floats(0.25, 1.5))),
        temperature=draw(opt(st.floats(0.0, 2.0))),
        provider_extras=draw(EXTRAS) if extras else {},
    )


PROPS = settings(max_examples=120, deadline=None)
MERGED = {(), ("audio",), ("audio", "input"), ("audio", "output")}


def apply_update(
    session: dict[str, Any], update: dict[str, Any], path: tuple[str, ...] = ()
) -> Any:
    """What the server does with a partial ``session`` update: the session and its ``audio``,
    ``audio.input`` and ``audio.output`` objects are updated field by field; any other value
    (a format, the turn detection, the tools...) is replaced as a whole."""
    out = dict(session)
    for key, value in update.items():
        if (*path, key) in MERGED and isinstance(out.get(key), dict):
            out[key] = apply_update(out[key], value, (*path, key))
        else:
            out[key] = value
    return out


@PROPS
@given(configs())
def test_any_config_encodes_to_a_valid_session_update(config: Config) -> None:
    text = OpenAIProtocol(config).session_update(config)
    validate_client_event(text)
    session = orjson.loads(text)["session"]
    assert session["type"] == "realtime"
    assert session["output_modalities"] == list(config.modalities)
    assert "temperature" not in text


@PROPS
@given(configs(extras=False), configs(extras=False))
def test_a_diff_applied_to_the_old_session_gives_the_new_one(old: Config, new: Config) -> None:
    text = OpenAIProtocol(old).session_update(new, previous=old)
    validate_client_event(text)
    diff = orjson.loads(text)["session"]
    before, after = session_payload(old), session_payload(new)
    merged = apply_update(before, diff)
    # What the GA API cannot unset stays as it was: a voice/speed that went back to None.
    for key in ("voice", "speed"):
        if key not in after["audio"]["output"]:
            merged["audio"]["output"].pop(key, None)
    if "instructions" not in after and "instructions" in before:
        assert merged.pop("instructions") == ""  # cleared the GA way
    assert merged == after
    for key, value in diff.items():  # nothing unchanged is resent at the top level
        assert key == "type" or before.get(key) != value or isinstance(value, dict)


@PROPS
@given(
    st.builds(
        ResponseOptions,
        instructions=opt(st.text(max_size=20)),
        modalities=opt(st.sampled_from([["text"], ["audio"]])),
        voice=opt(st.sampled_from(["alloy", "verse"])),
        tools=opt(st.lists(st.sampled_from(TOOLS[:3]), unique=True, max_size=3)),
        tool_choice=opt(st.sampled_from(["auto", "none", "required", "search"])),
        max_output_tokens=opt(st.integers(1, 4096)),
        metadata=opt(st.dictionaries(st.text(max_size=10), st.text(max_size=10), max_size=3)),
        out_of_band=st.booleans(),
    )
)
def test_any_response_options_encode_to_a_valid_response_create(options: ResponseOptions) -> None:
    validate_client_event(OpenAIProtocol(Config()).create_response(options))


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400).map(lambda b: b[: len(b) // 2 * 2]), FORMAT)
def test_any_pcm_appends_validly(pcm: bytes, fmt: Any) -> None:
    codec = OpenAIProtocol(Config(input_audio_format=fmt))
    validate_client_event(codec.append_audio(pcm))
