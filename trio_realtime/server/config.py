"""The effective session config: defaults, ``session.update`` and ``response.create`` overrides.

Pure functions over plain dicts in the GA wire shape. A ``session.update`` is validated as a whole
and either applies completely or raises :class:`~._apierror.ApiError` (nothing changes), as the
real service does. Update semantics: only the fields present change; objects under ``audio`` merge
key by key, while ``turn_detection``, ``transcription``, ``noise_reduction``, ``tools``,
``tracing``, ``truncation`` and ``prompt`` are replaced whole (``turn_detection`` and
``transcription`` get the service defaults for fields left out).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import attrs

from ._apierror import ApiError, invalid_value, missing_parameter, unknown_parameter
from ._check import (
    as_bool,
    as_enum,
    as_int,
    as_list,
    as_number,
    as_object,
    as_str,
    check_keys,
    required,
)
from ._tools_config import tool_choice as _tool_choice
from ._tools_config import tools as _tools

__all__ = [
    "DEFAULT_INSTRUCTIONS",
    "ResponseConfig",
    "apply_session_update",
    "default_session",
    "resolve_response",
    "server_vad_defaults",
]

DEFAULT_INSTRUCTIONS = (
    "You are a helpful, concise voice assistant running on a local test server. "
    "Answer briefly and call a tool when the user asks for something it provides."
)
_FORMATS = ("audio/pcm", "audio/pcmu", "audio/pcma")
_SERVER_VAD = {
    "type": "server_vad",
    "threshold": 0.5,
    "prefix_padding_ms": 300,
    "silence_duration_ms": 200,
    "idle_timeout_ms": None,
    "create_response": True,
    "interrupt_response": True,
}
_SEMANTIC_VAD = {
    "type": "semantic_vad",
    "eagerness": "auto",
    "create_response": True,
    "interrupt_response": True,
}


def server_vad_defaults() -> dict[str, Any]:
    """The ``server_vad`` turn detection of a fresh session (observed service defaults)."""
    return dict(_SERVER_VAD)


def default_session(*, session_id: str, model: str, expires_at: int) -> dict[str, Any]:
    """The full config of a new session, as sent in ``session.created``."""
    pcm = {"type": "audio/pcm", "rate": 24000}
    return {
        "type": "realtime",
        "object": "realtime.session",
        "id": session_id,
        "model": model,
        "output_modalities": ["audio"],
        "instructions": DEFAULT_INSTRUCTIONS,
        "tools": [],
        "tool_choice": "auto",
        "max_output_tokens": "inf",
        "tracing": None,
        "truncation": "auto",
        "prompt": None,
        "expires_at": expires_at,
        "audio": {
            "input": {
                "format": dict(pcm),
                "transcription": None,
                "noise_reduction": None,
                "turn_detection": server_vad_defaults(),
            },
            "output": {"format": dict(pcm), "voice": "alloy", "speed": 1.0},
        },
        "include": None,
    }


# -- field validators: (value, path) -> normalized value ---------------------------------------


def _modalities(value: object, path: str) -> list[str]:
    items = as_list(value, path)
    for i, item in enumerate(items):
        as_enum(item, f"{path}[{i}]", ("text", "audio"))
    if len(set(items)) != 1:
        raise ApiError(
            f"Invalid modalities: {items!r}. Supported combinations are: ['text'] and ['audio'].",
            code="invalid_value",
            param=path,
        )
    return [items[0]]


def _format(value: object, path: str) -> dict[str, Any]:
    obj = as_object(value, path)
    check_keys(obj, ("type", "rate"), path)
    kind = as_enum(required(obj, "type", path), f"{path}.type", _FORMATS)
    if kind != "audio/pcm":
        if "rate" in obj:
            raise unknown_parameter(f"{path}.rate")
        return {"type": kind}
    rate = obj.get("rate", 24000)
    if rate != 24000:
        raise invalid_value(f"{path}.rate", rate, (24000,))
    return {"type": kind, "rate": 24000}


def _transcription(value: object, path: str) -> dict[str, Any] | None:
    if value is None:
        return None
    obj = as_object(value, path)
    check_keys(obj, ("model", "language", "prompt", "delay", "keywords", "languages"), path)
    out: dict[str, Any] = {
        "model": as_str(obj.get("model", "whisper-1"), f"{path}.model"),
        "language": None,
        "prompt": None,
    }
    for key in ("language", "prompt"):
        if obj.get(key) is not None:
            out[key] = as_str(obj[key], f"{path}.{key}")
    if "delay" in obj:
        delays = ("minimal", "low", "medium", "high", "xhigh")
        out["delay"] = as_enum(obj["delay"], f"{path}.delay", delays)
    for key in ("keywords", "languages"):
        if key in obj:
            out[key] = [
                as_str(v, f"{path}.{key}[{i}]") for i, v in enumerate(as_list(obj[key], path))
            ]
    return out


def _noise_reduction(value: object, path: str) -> dict[str, Any] | None:
    if value is None:
        return None
    obj = as_object(value, path)
    check_keys(obj, ("type", "strength"), path)
    out: dict[str, Any] = {}
    if "type" in obj:
        out["type"] = as_enum(obj["type"], f"{path}.type", ("near_field", "far_field"))
    if "strength" in obj:
        out["strength"] = as_number(obj["strength"], f"{path}.strength", 0.0, 1.0)
    return out


def _turn_detection(value: object, path: str) -> dict[str, Any] | None:
    if value is None:
        return None
    obj = as_object(value, path)
    kind = as_enum(required(obj, "type", path), f"{path}.type", ("server_vad", "semantic_vad"))
    out = dict(_SERVER_VAD if kind == "server_vad" else _SEMANTIC_VAD)
    check_keys(obj, out.keys(), path)
    for key, given in obj.items():
        where = f"{path}.{key}"
        if key == "threshold":
            out[key] = as_number(given, where, 0.0, 1.0)
        elif key in ("prefix_padding_ms", "silence_duration_ms"):
            out[key] = as_int(given, where, 0, 10_000)
        elif key == "idle_timeout_ms":
            out[key] = None if given is None else as_int(given, where, 1, 600_000)
        elif key in ("create_response", "interrupt_response"):
            out[key] = as_bool(given, where)
        elif key == "eagerness":
            out[key] = as_enum(given, where, ("low", "medium", "high", "auto"))
    return out


def _voice(value: object, path: str) -> str | dict[str, Any]:
    if isinstance(value, dict):
        check_keys(value, ("id",), path)
        return {"id": as_str(required(value, "id", path), f"{path}.id")}
    return as_str(value, path)


def _audio_in(value: object, path: str, current: dict[str, Any]) -> None:
    obj = as_object(value, path)
    fields: dict[str, Callable[[Any, str], Any]] = {
        "format": _format,
        "transcription": _transcription,
        "noise_reduction": _noise_reduction,
        "turn_detection": _turn_detection,
    }
    check_keys(obj, fields, path)
    for key, given in obj.items():
        current[key] = fields[key](given, f"{path}.{key}")


def _audio_out(value: object, path: str, current: dict[str, Any], *, speed: bool) -> None:
    obj = as_object(value, path)
    check_keys(obj, ("format", "voice", "speed") if speed else ("format", "voice"), path)
    for key, given in obj.items():
        where = f"{path}.{key}"
        if key == "format":
            current[key] = _format(given, where)
        elif key == "voice":
            current[key] = _voice(given, where)
        else:
            current[key] = as_number(given, where, 0.25, 1.5)


def _audio(value: object, path: str, session: dict[str, Any]) -> None:
    obj = as_object(value, path)
    check_keys(obj, ("input", "output"), path)
    if "input" in obj:
        _audio_in(obj["input"], f"{path}.input", session["audio"]["input"])
    if "output" in obj:
        _audio_out(obj["output"], f"{path}.output", session["audio"]["output"], speed=True)


def _max_tokens(value: object, path: str) -> int | str:
    if value == "inf":
        return "inf"
    return as_int(value, path, 1, 4096)


def _simple(kind: str) -> Callable[[Any, str], Any]:
    def check(value: Any, path: str) -> Any:
        return as_str(value, path) if kind == "str" else as_bool(value, path)

    return check


def _tracing(value: object, path: str) -> Any:
    if value is None or value == "auto":
        return value
    obj = as_object(value, path)
    check_keys(obj, ("workflow_name", "group_id", "metadata"), path)
    return copy.deepcopy(obj)


def _truncation(value: object, path: str) -> Any:
    if isinstance(value, str):
        return as_enum(value, path, ("auto", "disabled"))
    obj = as_object(value, path)
    check_keys(obj, ("type", "retention_ratio", "token_limits"), path)
    as_enum(required(obj, "type", path), f"{path}.type", ("retention_ratio",))
    as_number(required(obj, "retention_ratio", path), f"{path}.retention_ratio", 0.0, 1.0)
    return copy.deepcopy(obj)


def _prompt(value: object, path: str) -> Any:
    if value is None:
        return None
    obj = as_object(value, path)
    check_keys(obj, ("id", "version", "variables"), path)
    as_str(required(obj, "id", path), f"{path}.id")
    return copy.deepcopy(obj)


def _include(value: object, path: str) -> Any:
    if value is None:
        return None
    items = as_list(value, path)
    for i, item in enumerate(items):
        as_enum(item, f"{path}[{i}]", ("item.input_audio_transcription.logprobs",))
    return list(items)


def _reasoning(value: object, path: str) -> Any:
    obj = as_object(value, path)
    check_keys(obj, ("effort",), path)
    if "effort" in obj:
        efforts = ("minimal", "low", "medium", "high", "xhigh")
        as_enum(obj["effort"], f"{path}.effort", efforts)
    return dict(obj)


_SESSION_FIELDS: dict[str, Callable[[Any, str], Any]] = {
    "model": _simple("str"),
    "output_modalities": _modalities,
    "instructions": _simple("str"),
    "tools": _tools,
    "tool_choice": _tool_choice,
    "max_output_tokens": _max_tokens,
    "tracing": _tracing,
    "truncation": _truncation,
    "prompt": _prompt,
    "include": _include,
    "parallel_tool_calls": _simple("bool"),
    "reasoning": _reasoning,
}


def apply_session_update(current: dict[str, Any], update: object) -> dict[str, Any]:
    """The new effective config after ``session.update`` (``update`` = its ``session`` value).

    Raises :class:`ApiError` for the first invalid field; ``current`` is never modified.
    """
    if update is None:
        raise missing_parameter("session")
    session = as_object(update, "session")
    if "type" not in session:
        raise missing_parameter("session.type")
    as_enum(session["type"], "session.type", ("realtime",))
    check_keys(session, (*_SESSION_FIELDS, "type", "audio"), "session")
    new = copy.deepcopy(current)
    for key, value in session.items():
        if key == "type":
            continue
        path = f"session.{key}"
        if key == "audio":
            _audio(value, path, new)
        elif key == "model":
            as_str(value, path)  # the URL decides the model; echo it unchanged
        else:
            new[key] = _SESSION_FIELDS[key](value, path)
    return new


@attrs.frozen(kw_only=True)
class ResponseConfig:
    """What one response uses: the session config with the ``response.create`` overrides."""

    conversation: str
    output_modalities: tuple[str, ...]
    instructions: str
    tools: tuple[dict[str, Any], ...]
    tool_choice: Any
    max_output_tokens: int | str
    output_format: dict[str, Any]
    voice: Any
    speed: float
    metadata: dict[str, str] | None
    parallel_tool_calls: bool | None
    input: list[Any] | None
    overrides: dict[str, Any]


def _metadata(value: object, path: str) -> dict[str, str] | None:
    if value is None:
        return None
    obj = as_object(value, path)
    if len(obj) > 16:
        raise ApiError(
            f"Invalid '{path}': too many keys. Expected at most 16 keys, but got {len(obj)}.",
            code="object_above_max_length",
            param=path,
        )
    return {str(k): as_str(v, f"{path}.{k}") for k, v in obj.items()}


_RESPONSE_KEYS = (
    "conversation",
    "input",
    "instructions",
    "tools",
    "tool_choice",
    "output_modalities",
    "audio",
    "max_output_tokens",
    "metadata",
    "prompt",
    "parallel_tool_calls",
    "reasoning",
)


def resolve_response(session: dict[str, Any], overrides: object) -> ResponseConfig:
    """Validate a ``response.create`` ``response`` object against ``session``; raise ApiError."""
    obj = {} if overrides is None else as_object(overrides, "response")
    check_keys(obj, _RESPONSE_KEYS, "response")
    out_audio = dict(session["audio"]["output"])
    fields: dict[str, Any] = {}
    for key, value in obj.items():
        path = f"response.{key}"
        if key == "conversation":
            fields[key] = as_enum(value, path, ("auto", "none"))
        elif key == "input":
            fields[key] = as_list(value, path)
        elif key == "audio":
            audio = as_object(value, path)
            check_keys(audio, ("output",), path)
            if "output" in audio:
                _audio_out(audio["output"], f"{path}.output", out_audio, speed=False)
        elif key == "metadata":
            fields[key] = _metadata(value, path)
        elif key == "prompt":
            _prompt(value, path)
        else:
            fields[key] = _SESSION_FIELDS[key](value, path)
    return ResponseConfig(
        conversation=fields.get("conversation", "auto"),
        output_modalities=tuple(fields.get("output_modalities", session["output_modalities"])),
        instructions=fields.get("instructions", session["instructions"]),
        tools=tuple(fields.get("tools", session["tools"])),
        tool_choice=fields.get("tool_choice", session["tool_choice"]),
        max_output_tokens=fields.get("max_output_tokens", session["max_output_tokens"]),
        output_format=out_audio["format"],
        voice=out_audio["voice"],
        speed=float(out_audio.get("speed", 1.0)),
        metadata=fields.get("metadata"),
        parallel_tool_calls=fields.get("parallel_tool_calls", session.get("parallel_tool_calls")),
        input=fields.get("input"),
        overrides=copy.deepcopy(obj),
    )
