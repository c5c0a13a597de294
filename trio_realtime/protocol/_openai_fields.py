"""Typed access to the fields of decoded server frames, and small value decoders.

The ``req_*`` accessors raise :class:`BadField` naming the (dotted) field when it is missing or
has the wrong JSON type; the decoder turns that into one recoverable ``Error`` event. The
``opt_*`` accessors return a neutral value instead, for optional or informational parts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from ..events import Usage
from .signals import SessionSettings

__all__ = [
    "BadField",
    "count",
    "json_type",
    "opt_obj",
    "opt_str",
    "req",
    "req_int",
    "req_obj",
    "req_str",
    "retry_after_ms",
    "seconds_to_ms",
    "session_settings",
    "usage_of",
]

_RETRY_RE = re.compile(r"try again in (?:(\d+(?:\.\d+)?)m(?!s))?\s*(?:(\d+(?:\.\d+)?)(ms|s))?")


class BadField(Exception):
    """A required field is missing or has the wrong JSON type."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(field, problem)
        self.field = field
        self.problem = problem


def json_type(value: object) -> str:
    """How to name ``value``'s JSON type in an error message."""
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), "null" if value is None else "a number"
    )


def req(obj: Mapping[str, Any], key: str, path: str) -> Any:
    """``obj[key]``; ``path`` prefixes the field name in the error (e.g. ``"response."``)."""
    try:
        return obj[key]
    except KeyError:
        raise BadField(path + key, "is missing") from None


def req_str(obj: Mapping[str, Any], key: str, path: str = "") -> str:
    """``obj[key]``, which must be a string."""
    value = req(obj, key, path)
    if not isinstance(value, str):
        raise BadField(path + key, f"must be a string, not {json_type(value)}")
    return value


def req_int(obj: Mapping[str, Any], key: str, path: str = "") -> int:
    """``obj[key]``, which must be a finite number (truncated to an int)."""
    value = req(obj, key, path)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise BadField(path + key, f"must be a number, not {json_type(value)}")
    return int(value)


def req_obj(obj: Mapping[str, Any], key: str, path: str = "") -> dict[str, Any]:
    """``obj[key]``, which must be an object."""
    value = req(obj, key, path)
    if not isinstance(value, dict):
        raise BadField(path + key, f"must be an object, not {json_type(value)}")
    return value


def opt_obj(obj: Mapping[str, Any], key: str) -> dict[str, Any]:
    """``obj[key]`` when it is an object, else ``{}`` (for optional, informational parts)."""
    value = obj.get(key)
    return value if isinstance(value, dict) else {}


def opt_str(obj: Mapping[str, Any], key: str) -> str | None:
    """``obj[key]`` when it is a string, else None."""
    value = obj.get(key)
    return value if isinstance(value, str) else None


def count(obj: Mapping[str, Any], key: str) -> int:
    """``obj[key]`` when it is an integer, else 0 (token counts)."""
    value = obj.get(key)
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else 0


def usage_of(raw: object) -> Usage | None:
    """A response's ``usage`` object as :class:`Usage` (None when absent; lenient)."""
    if not isinstance(raw, dict) or not raw:
        return None
    inp, out = opt_obj(raw, "input_token_details"), opt_obj(raw, "output_token_details")
    cached = opt_obj(inp, "cached_tokens_details")
    return Usage(
        input_tokens=count(raw, "input_tokens"),
        output_tokens=count(raw, "output_tokens"),
        total_tokens=count(raw, "total_tokens"),
        input_text_tokens=count(inp, "text_tokens"),
        input_audio_tokens=count(inp, "audio_tokens"),
        input_image_tokens=count(inp, "image_tokens"),
        cached_tokens=count(inp, "cached_tokens"),
        output_text_tokens=count(out, "text_tokens"),
        output_audio_tokens=count(out, "audio_tokens"),
        cached_text_tokens=count(cached, "text_tokens"),
        cached_audio_tokens=count(cached, "audio_tokens"),
        cached_image_tokens=count(cached, "image_tokens"),
    )


def seconds_to_ms(seconds: float) -> int | None:
    """Whole milliseconds, or None for a negative or non-finite (or boolean) value."""
    if isinstance(seconds, bool):
        return None
    ms = seconds * 1000
    return round(ms) if math.isfinite(ms) and ms >= 0 else None


def retry_after_ms(message: str) -> int | None:
    """Milliseconds from a "Please try again in 3.282s" / "in 1m2s" / "in 20ms" message."""
    match = _RETRY_RE.search(message)
    if match is None or not any(match.groups()):
        return None
    minutes, number, unit = match.groups()
    seconds = float(minutes or 0) * 60
    if number is not None:
        seconds += float(number) / (1000 if unit == "ms" else 1)
    return seconds_to_ms(seconds)


def session_settings(session: Mapping[str, Any]) -> SessionSettings:
    """Turn-taking facts from a GA (or beta) session object."""
    audio_input = opt_obj(opt_obj(session, "audio"), "input")
    td = audio_input.get("turn_detection")
    if td is None and "turn_detection" in session:  # beta shape
        td = session["turn_detection"]
    if not td:
        return SessionSettings(
            turn_detection=False, create_response=False, interrupt_response=False
        )
    if not isinstance(td, dict):
        raise BadField("session.audio.input.turn_detection", "must be an object or null")
    return SessionSettings(
        turn_detection=True,
        create_response=td.get("create_response") is not False,
        interrupt_response=td.get("interrupt_response") is not False,
    )
