"""Gemini Live wire conventions: close codes with Google's reasons, field names, durations.

There is no in-band error on Gemini Live: the service closes the WebSocket with a code and a
human-readable reason (at most 123 bytes, cut where longer). Client messages are proto3 JSON:
field names are accepted in lowerCamelCase or snake_case (the SDK sends both); an unknown name
or a value of the wrong type closes the connection with 1007 and the parser's message.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

import orjson

__all__ = [
    "DEADLINE_EXPIRED",
    "INTERNAL",
    "INVALID_ARGUMENT",
    "NOT_IMPLEMENTED",
    "GeminiClose",
    "as_bool",
    "as_enum",
    "as_int",
    "as_list",
    "as_number",
    "as_object",
    "as_str",
    "camel",
    "duration",
    "fields",
    "invalid_argument",
    "invalid_value",
    "reason_text",
]

INVALID_ARGUMENT = "Request contains an invalid argument."
INTERNAL = "Internal error occurred."
DEADLINE_EXPIRED = "Deadline expired before operation could complete."
NOT_IMPLEMENTED = "Operation is not implemented, or supported, or enabled."
MAX_REASON_BYTES = 123  # a close frame's payload is at most 125 bytes, 2 of them the code


class GeminiClose(Exception):
    """End the connection with close ``code`` and ``reason`` (raised by the sans-I/O parsers)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"{code} {reason}")
        self.code = code
        self.reason = reason_text(reason)


def reason_text(reason: str) -> str:
    """``reason`` cut to what fits in a close frame (whole UTF-8 characters)."""
    data = reason.encode()
    if len(data) <= MAX_REASON_BYTES:
        return reason
    return data[:MAX_REASON_BYTES].decode(errors="ignore")


def invalid_argument() -> GeminiClose:
    return GeminiClose(1007, INVALID_ARGUMENT)


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def camel(name: str) -> str:
    """``response_modalities`` or ``responseModalities`` -> ``responseModalities``."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _shown(value: object) -> str:
    return orjson.dumps(value).decode() if not isinstance(value, (dict, list)) else "{...}"


def invalid_value(path: str, kind: str, value: object) -> GeminiClose:
    """Google's message for a value of the wrong type or outside an enum."""
    return GeminiClose(1007, f"Invalid value at '{_path(path)}' ({kind}), {_shown(value)}")


def _path(path: str) -> str:
    return ".".join(_snake(part) for part in path.split("."))


def fields(obj: object, known: Collection[str], path: str) -> dict[str, Any]:
    """``obj``'s fields under their camelCase names; an unknown name closes with 1007."""
    mapping = as_object(obj, path)
    out: dict[str, Any] = {}
    for key, value in mapping.items():
        name = camel(key) if isinstance(key, str) else key
        if name not in known:
            where = f" at '{_path(path)}'" if path else ""
            raise GeminiClose(
                1007,
                f'Invalid JSON payload received. Unknown name "{key}"{where}: Cannot find field.',
            )
        out[name] = value
    return out


def as_object(value: object, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid_value(path, "TYPE_MESSAGE", value)
    return value


def as_list(value: object, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise invalid_value(path, "TYPE_REPEATED", value)
    return value


def as_str(value: object, path: str) -> str:
    if not isinstance(value, str):
        raise invalid_value(path, "TYPE_STRING", value)
    return value


def as_bool(value: object, path: str) -> bool:
    if not isinstance(value, bool):
        raise invalid_value(path, "TYPE_BOOL", value)
    return value


def as_int(value: object, path: str) -> int:
    """An int32/int64 (proto3 JSON also allows it as a decimal string)."""
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid_value(path, "TYPE_INT32", value)
    return value


def as_number(value: object, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise invalid_value(path, "TYPE_FLOAT", value)
    return float(value)


def as_enum(value: object, path: str, allowed: Collection[str]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise invalid_value(path, "TYPE_ENUM", value)
    return value


def duration(seconds: float) -> str:
    """A protobuf Duration in JSON: ``"50s"``, ``"0.250s"``."""
    if seconds == int(seconds):
        return f"{int(seconds)}s"
    return f"{seconds:.3f}s"
