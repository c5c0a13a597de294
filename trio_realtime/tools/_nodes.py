"""The building blocks of hint compilation: compiled nodes and conversion errors with paths."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import attrs

from ._encode import to_json_value
from ._errors import ToolResultError

__all__ = [
    "ConversionError",
    "Converter",
    "HintError",
    "Node",
    "convert_at",
    "json_default",
    "with_description",
]

Converter = Callable[[Any], Any]
Path = tuple[str | int, ...]


class HintError(TypeError):
    """A type hint cannot be expressed as a tool parameter schema."""


@attrs.frozen
class Node:
    """A compiled hint: its JSON Schema and how to convert a valid JSON value (None: as is)."""

    schema: dict[str, Any]
    convert: Converter | None = None


class ConversionError(Exception):
    """Validated JSON could not be converted to the annotated types.

    ``problems`` holds ``(path, message)`` pairs; the path is relative to the value being
    converted and grows as the error travels out through :func:`convert_at`.
    """

    def __init__(self, problems: Sequence[tuple[Path, str]]) -> None:
        super().__init__(problems)
        self.problems: list[tuple[Path, str]] = list(problems)


def convert_at(key: str | int, convert: Converter, value: Any) -> Any:
    """``convert(value)`` for the item *key* of a container, failures located under *key*.

    Any exception of *convert* (an attrs validator, a dataclass ``__post_init__``, a class
    constructor ...) becomes a :class:`ConversionError` at *key*; a ``ConversionError`` gets
    *key* prefixed to its paths.
    """
    try:
        return convert(value)
    except ConversionError as exc:
        exc.problems = [((key, *path), text) for path, text in exc.problems]
        raise
    except Exception as exc:
        raise ConversionError([((key,), str(exc) or type(exc).__name__)]) from exc


def with_description(node: Node, description: str | None) -> Node:
    """*node* with ``description`` set (unchanged when *description* is empty)."""
    if not description:
        return node
    return Node({**node.schema, "description": description}, node.convert)


def json_default(value: Any) -> tuple[bool, Any]:
    """``(True, json_value)`` when a default can be shown in a schema, else ``(False, None)``."""
    try:
        return True, to_json_value(value)
    except ToolResultError:
        return False, None
