"""``Config`` -> the OpenAI Realtime GA ``session`` object (and response overrides).

GA rules (see the wire reference): ``session.type = "realtime"`` on every update,
``output_modalities`` with exactly one entry, formats, transcription, noise reduction and turn
detection nested under ``audio.input``, voice and speed under ``audio.output``, flat function
tools, and no ``temperature``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..config import Config, ResponseOptions, SemanticVad, ServerVad, Transcription
from ._openai_items import response_input
from ._openai_tools import response_tools, session_tools, tool_choice, voice

__all__ = ["deep_merge", "response_payload", "session_diff", "session_payload"]

_FORMATS: Mapping[str, dict[str, Any]] = {
    "pcm16": {"type": "audio/pcm", "rate": 24000},
    "g711_ulaw": {"type": "audio/pcmu"},
    "g711_alaw": {"type": "audio/pcma"},
}

# Paths into the session object whose children are diffed field by field; anything else
# (turn_detection, format, transcription, tools...) is replaced as a whole.
_MERGEABLE = {(), ("audio",), ("audio", "input"), ("audio", "output")}


def _turn_detection(td: ServerVad | SemanticVad | None) -> dict[str, Any] | None:
    if td is None:
        return None
    if isinstance(td, ServerVad):
        out: dict[str, Any] = {"type": "server_vad"}
        for name in ("threshold", "prefix_padding_ms", "silence_duration_ms", "idle_timeout_ms"):
            value = getattr(td, name)
            if value is not None:
                out[name] = value
    else:
        out = {"type": "semantic_vad"}
        if td.eagerness is not None:
            out["eagerness"] = td.eagerness
    out["create_response"] = td.create_response
    out["interrupt_response"] = td.interrupt_response
    return out


def _transcription(t: Transcription) -> dict[str, Any]:
    out: dict[str, Any] = {"model": t.model}
    for name in ("language", "prompt", "delay"):
        value = getattr(t, name)
        if value is not None:
            out[name] = value
    for name in ("languages", "keywords"):
        value = getattr(t, name)
        if value is not None:
            out[name] = list(value)
    return out


def _optional_settings(config: Config, session: dict[str, Any]) -> None:
    """The settings only sent when set (the server's defaults apply otherwise)."""
    if config.instructions is not None:
        session["instructions"] = config.instructions
    if config.parallel_tool_calls is not None:
        session["parallel_tool_calls"] = config.parallel_tool_calls
    if config.reasoning_effort is not None:
        session["reasoning"] = {"effort": config.reasoning_effort}
    truncation = config.truncation
    if truncation is not None:
        session["truncation"] = truncation if isinstance(truncation, str) else truncation.payload()
    tracing = config.tracing
    if tracing is not None:
        session["tracing"] = tracing if isinstance(tracing, str) else tracing.payload()
    if config.prompt is not None:
        session["prompt"] = config.prompt.payload()
    if config.transcription_logprobs:
        session["include"] = ["item.input_audio_transcription.logprobs"]


def deep_merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``extra`` merged in recursively (``extra`` wins on conflicts)."""
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def session_payload(config: Config) -> dict[str, Any]:
    """The full GA ``session`` object for ``config`` (what the first ``session.update`` sends)."""
    audio_input: dict[str, Any] = {
        "format": dict(_FORMATS[config.input_audio_format]),
        "transcription": None,
        "noise_reduction": None,
        "turn_detection": _turn_detection(config.turn_detection),
    }
    if config.input_audio_transcription is not None:
        audio_input["transcription"] = _transcription(config.input_audio_transcription)
    noise = config.noise_reduction
    if noise is not None:
        reduction = {"type": noise} if isinstance(noise, str) else noise.payload()
        audio_input["noise_reduction"] = reduction
    audio_output: dict[str, Any] = {"format": dict(_FORMATS[config.output_audio_format])}
    if config.voice is not None:
        audio_output["voice"] = voice(config.voice)
    if config.speed is not None:
        audio_output["speed"] = config.speed
    session: dict[str, Any] = {
        "type": "realtime",
        "output_modalities": list(config.modalities),
        "audio": {"input": audio_input, "output": audio_output},
        "tools": session_tools(config),
        "tool_choice": tool_choice(config.tool_choice),
        "max_output_tokens": config.max_output_tokens or "inf",
    }
    _optional_settings(config, session)
    if config.provider_extras:
        session = deep_merge(session, config.provider_extras)
    return session


def _diff(old: Mapping[str, Any], new: Mapping[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in new.items():
        if key not in old:
            out[key] = value
            continue
        before = old[key]
        if (*path, key) in _MERGEABLE and isinstance(value, dict) and isinstance(before, dict):
            nested = _diff(before, value, (*path, key))
            if nested:
                out[key] = nested
        elif before != value:
            out[key] = value
    if "instructions" in old and "instructions" not in new and old["instructions"] != "":
        out["instructions"] = ""  # the GA way to clear instructions
    return out


def session_diff(old: Config, new: Config) -> dict[str, Any]:
    """Only what changed from ``old`` to ``new``, plus ``type`` (GA requires it every time).

    Unchanged fields are left out, so an update never resets a setting it did not mean to touch
    (audio formats stay as they were; the voice is not re-sent after the first audio).
    """
    diff = _diff(session_payload(old), session_payload(new), ())
    diff["type"] = "realtime"
    return diff


def response_payload(options: ResponseOptions, config: Config) -> dict[str, Any]:
    """The ``response`` object of a ``response.create`` carrying per-response overrides.

    ``config`` is the session's: per-response ``tools`` or ``mcp_servers`` replace the
    session's tool list for this response, each keeping the session's other kind.
    """
    out: dict[str, Any] = {}
    if options.instructions is not None:
        out["instructions"] = options.instructions
    if options.modalities is not None:
        out["output_modalities"] = list(options.modalities)
    if options.voice is not None:
        out["audio"] = {"output": {"voice": voice(options.voice)}}
    tools = response_tools(options, config)
    if tools is not None:
        out["tools"] = tools
    if options.tool_choice is not None:
        out["tool_choice"] = tool_choice(options.tool_choice)
    if options.parallel_tool_calls is not None:
        out["parallel_tool_calls"] = options.parallel_tool_calls
    if options.reasoning_effort is not None:
        out["reasoning"] = {"effort": options.reasoning_effort}
    if options.max_output_tokens is not None:
        out["max_output_tokens"] = options.max_output_tokens
    if options.metadata is not None:
        out["metadata"] = dict(options.metadata)
    if options.out_of_band:
        out["conversation"] = "none"
    if options.input is not None:
        out["input"] = response_input(options.input)
    return out
