"""Tiny JSON validators that raise OpenAI-worded :class:`ApiError` s naming the failing path."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from ._apierror import (
    invalid_type,
    invalid_value,
    missing_parameter,
    out_of_range,
    unknown_parameter,
)

__all__ = [
    "as_bool",
    "as_enum",
    "as_int",
    "as_list",
    "as_number",
    "as_object",
    "as_str",
    "check_keys",
    "required",
]


def as_object(value: object, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid_type(path, "an object", value)
    return value


def as_list(value: object, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise invalid_type(path, "an array", value)
    return value


def as_str(value: object, path: str) -> str:
    if not isinstance(value, str):
        raise invalid_type(path, "a string", value)
    return value


def as_bool(value: object, path: str) -> bool:
    if not isinstance(value, bool):
        raise invalid_type(path, "a boolean", value)
    return value


def as_int(value: object, path: str, low: int | None = None, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid_type(path, "an integer", value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise out_of_range(path, value, low, high)
    return value


def as_number(
    value: object, path: str, low: float | None = None, high: float | None = None
) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise invalid_type(path, "a number", value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise out_of_range(path, float(value), low, high)
    return float(value)


def as_enum(value: object, path: str, allowed: Sequence[str]) -> str:
    if not isinstance(value, str):
        raise invalid_type(path, "a string", value)
    if value not in allowed:
        raise invalid_value(path, value, allowed)
    return value


def check_keys(obj: dict[str, Any], allowed: Collection[str], path: str) -> None:
    """Reject the first key not in ``allowed`` as ``unknown_parameter`` (``path.key``)."""
    for key in obj:
        if key not in allowed:
            raise unknown_parameter(f"{path}.{key}" if path else key)


def required(obj: dict[str, Any], key: str, path: str) -> Any:
    if key not in obj:
        raise missing_parameter(f"{path}.{key}" if path else key)
    return obj[key]
