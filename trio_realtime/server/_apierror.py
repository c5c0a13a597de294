"""Client-caused errors, worded the way the OpenAI Realtime service words them.

The sans-I/O core raises :class:`ApiError`; the state machine turns it into one ``error`` event that
echoes the offending client ``event_id``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "ApiError",
    "describe_type",
    "invalid_type",
    "invalid_value",
    "missing_parameter",
    "out_of_range",
    "unknown_parameter",
]


class ApiError(Exception):
    """One ``error`` event's payload: ``type``, ``code``, ``message``, ``param``."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        type: str = "invalid_request_error",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.param = param
        self.type = type

    def payload(self, event_id: str | None) -> dict[str, Any]:
        """The ``error`` object of the wire event (``event_id`` = the client's)."""
        return {
            "type": self.type,
            "code": self.code,
            "message": self.message,
            "param": self.param,
            "event_id": event_id,
        }


def describe_type(value: object) -> str:
    """How OpenAI names a JSON value's type in messages ("an integer", "a string", ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _quote(value: object) -> str:
    return f"'{value}'" if isinstance(value, str) else repr(value)


def _join(values: Sequence[object]) -> str:
    quoted = [_quote(v) for v in values]
    if len(quoted) <= 2:
        return " and ".join(quoted)
    return ", ".join(quoted[:-1]) + ", and " + quoted[-1]


def unknown_parameter(path: str) -> ApiError:
    return ApiError(f"Unknown parameter: '{path}'.", code="unknown_parameter", param=path)


def missing_parameter(path: str) -> ApiError:
    return ApiError(
        f"Missing required parameter: '{path}'.", code="missing_required_parameter", param=path
    )


def invalid_type(path: str, expected: str, value: object) -> ApiError:
    return ApiError(
        f"Invalid type for '{path}': expected {expected}, but got {describe_type(value)} instead.",
        code="invalid_type",
        param=path,
    )


def invalid_value(path: str, value: object, supported: Sequence[object] | None = None) -> ApiError:
    message = f"Invalid value: {_quote(value)}."
    if supported:
        message += f" Supported values are: {_join(supported)}."
    return ApiError(message, code="invalid_value", param=path)


def out_of_range(path: str, value: float, low: float | None, high: float | None) -> ApiError:
    kind = "integer" if isinstance(value, int) else "decimal"
    if high is not None and value > high:
        return ApiError(
            f"Invalid '{path}': {kind} above maximum value. "
            f"Expected a value <= {high}, but got {value} instead.",
            code=f"{kind}_above_max_value",
            param=path,
        )
    return ApiError(
        f"Invalid '{path}': {kind} below minimum value. "
        f"Expected a value >= {low}, but got {value} instead.",
        code=f"{kind}_below_min_value",
        param=path,
    )
