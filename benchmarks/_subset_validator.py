"""A small JSON Schema validator for tool arguments.

It covers the subset that :mod:`._schema` generates plus the keywords common in hand-written tool
schemas: ``type`` (a name or a list of names), ``properties``, ``required``,
``additionalProperties`` (bool or schema), ``items``, ``prefixItems``, ``enum``, ``const``,
``anyOf``, ``oneOf``, ``allOf``, ``minimum``, ``maximum``, ``exclusiveMinimum``,
``exclusiveMaximum``, ``minLength``, ``maxLength``, ``pattern``, ``minItems`` and ``maxItems``.
Other keywords (``$ref``, ``format``, ``not``, ...) are ignored, i.e. permissive, and so are
malformed keyword values: validation never raises, it returns messages.

JSON semantics are used throughout: ``true`` is not an integer or a number, ``1.0`` is an integer,
and ``enum``/``const`` compare by JSON value (``1 == 1.0``, ``true != 1``).

Messages name the offending location the way a model can act on: ``'city' is required``,
``'days' must be an integer, got "three"``, ``'options.units' must be one of ["c", "f"], got "k"``,
``unexpected argument 'foo'``.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["describe", "is_valid", "json_type", "validate"]

_MAX_ERRORS = 10

_ARTICLE = {
    "integer": "an integer",
    "number": "a number",
    "string": "a string",
    "boolean": "a boolean",
    "null": "null",
    "array": "an array",
    "object": "an object",
}

Path = tuple[str | int, ...]

_BOUNDS: tuple[tuple[str, Callable[[Any, Any], bool], str], ...] = (
    ("minimum", operator.ge, ">="),
    ("maximum", operator.le, "<="),
    ("exclusiveMinimum", operator.gt, ">"),
    ("exclusiveMaximum", operator.lt, "<"),
)


def validate(instance: Any, schema: Any) -> list[str]:
    """Return the problems of *instance* against *schema* (empty when valid; at most 10)."""
    errors: list[str] = []
    _check(instance, schema, (), errors, _MAX_ERRORS)
    return errors


def is_valid(instance: Any, schema: Any) -> bool:
    """Whether *instance* satisfies *schema* (stops at the first problem)."""
    errors: list[str] = []
    _check(instance, schema, (), errors, 1)
    return not errors


def json_type(value: Any) -> str:
    """The JSON type name of a Python value (``"integer"``, ``"array"``, ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def describe(schema: Any) -> str:
    """A short English description of what *schema* accepts (``"an integer or null"``)."""
    if schema is True or schema == {}:
        return "any value"
    if not isinstance(schema, Mapping):
        return "nothing" if schema is False else "a valid value"
    if "const" in schema:
        return _dump(schema["const"])
    enum = schema.get("enum")
    if isinstance(enum, list):
        return "one of " + _dump(enum)
    for key in ("anyOf", "oneOf"):
        members = schema.get(key)
        if isinstance(members, list) and members:
            return " or ".join(describe(m) for m in members)
    types = _types(schema)
    if types:
        return " or ".join(_ARTICLE.get(t, t) for t in types)
    return "a valid value"


def _dump(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def _show(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    text = _dump(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _where(path: Path) -> str:
    if not path:
        return "the arguments"
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return f"'{out}'"


def _types(schema: Mapping[str, Any]) -> list[str]:
    t = schema.get("type")
    if isinstance(t, str):
        return [t]
    if isinstance(t, list):
        return [x for x in t if isinstance(x, str)]
    return []


def _has_type(value: Any, name: str) -> bool:
    if name == "null":
        return value is None
    if name == "boolean":
        return isinstance(value, bool)
    if name == "integer":
        if isinstance(value, bool):
            return False
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if name == "string":
        return isinstance(value, str)
    if name == "array":
        return isinstance(value, list | tuple)
    if name == "object":
        return isinstance(value, Mapping)
    return True  # unknown type names are ignored


def _json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check(value: Any, schema: Any, path: Path, errors: list[str], limit: int) -> None:
    if len(errors) >= limit:
        return
    if schema is False:
        errors.append(f"{_where(path)} is not allowed")
        return
    if not isinstance(schema, Mapping):
        return
    types = _types(schema)
    if types and not any(_has_type(value, t) for t in types):
        errors.append(f"{_where(path)} must be {describe({'type': types})}, got {_show(value)}")
        return
    if "const" in schema and not _json_equal(value, schema["const"]):
        errors.append(f"{_where(path)} must be {_dump(schema['const'])}, got {_show(value)}")
        return
    enum = schema.get("enum")
    if isinstance(enum, list) and not any(_json_equal(value, e) for e in enum):
        errors.append(f"{_where(path)} must be one of {_dump(enum)}, got {_show(value)}")
        return
    _check_combinators(value, schema, path, errors, limit)
    if _number(value):
        _check_number(value, schema, path, errors)
    elif isinstance(value, str):
        _check_string(value, schema, path, errors)
    elif isinstance(value, list | tuple):
        _check_array(value, schema, path, errors, limit)
    elif isinstance(value, Mapping):
        _check_object(value, schema, path, errors, limit)


def _check_combinators(
    value: Any, schema: Mapping[str, Any], path: Path, errors: list[str], limit: int
) -> None:
    all_of = schema.get("allOf")
    if isinstance(all_of, list):
        for member in all_of:
            _check(value, member, path, errors, limit)
    for key in ("anyOf", "oneOf"):
        members = schema.get(key)
        if not isinstance(members, list) or not members:
            continue
        matching = sum(1 for m in members if is_valid(value, m))
        if matching == 0:
            # When exactly one member has the value's JSON type, its problems are the useful ones.
            typed = [m for m in members if _type_matches(value, m)]
            if len(typed) == 1:
                _check(value, typed[0], path, errors, limit)
            else:
                errors.append(f"{_where(path)} must be {describe(schema)}, got {_show(value)}")
        elif key == "oneOf" and matching > 1:
            errors.append(f"{_where(path)} matches more than one of the allowed alternatives")


def _type_matches(value: Any, schema: Any) -> bool:
    if not isinstance(schema, Mapping):
        return schema is True
    types = _types(schema)
    return not types or any(_has_type(value, t) for t in types)


def _check_number(value: float, schema: Mapping[str, Any], path: Path, errors: list[str]) -> None:
    for key, ok, op in _BOUNDS:
        bound = schema.get(key)
        if _number(bound) and not ok(value, bound):
            errors.append(f"{_where(path)} must be {op} {_dump(bound)}, got {_show(value)}")


def _check_string(value: str, schema: Mapping[str, Any], path: Path, errors: list[str]) -> None:
    lo, hi = schema.get("minLength"), schema.get("maxLength")
    if isinstance(lo, int) and len(value) < lo:
        errors.append(f"{_where(path)} must have at least {lo} characters")
    if isinstance(hi, int) and len(value) > hi:
        errors.append(f"{_where(path)} must have at most {hi} characters")
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        try:
            matched = re.search(pattern, value) is not None
        except re.error:
            return
        if not matched:
            errors.append(f"{_where(path)} must match the pattern {_dump(pattern)}")


def _check_array(
    value: Sequence[Any], schema: Mapping[str, Any], path: Path, errors: list[str], limit: int
) -> None:
    lo, hi = schema.get("minItems"), schema.get("maxItems")
    if isinstance(lo, int) and len(value) < lo:
        errors.append(f"{_where(path)} must have at least {lo} items, got {len(value)}")
    if isinstance(hi, int) and len(value) > hi:
        errors.append(f"{_where(path)} must have at most {hi} items, got {len(value)}")
    prefix = schema.get("prefixItems")
    start = 0
    if isinstance(prefix, list):
        for i, (item, sub) in enumerate(zip(value, prefix, strict=False)):
            _check(item, sub, (*path, i), errors, limit)
        start = len(prefix)
    items = schema.get("items")
    if isinstance(items, Mapping | bool):
        for i in range(start, len(value)):
            _check(value[i], items, (*path, i), errors, limit)


def _check_object(
    value: Mapping[str, Any], schema: Mapping[str, Any], path: Path, errors: list[str], limit: int
) -> None:
    required = schema.get("required")
    if isinstance(required, list):
        for key in required:
            if isinstance(key, str) and key not in value and len(errors) < limit:
                errors.append(f"{_where((*path, key))} is required")
    props = schema.get("properties")
    props = props if isinstance(props, Mapping) else {}
    extra = schema.get("additionalProperties", True)
    for key, item in value.items():
        if key in props:
            _check(item, props[key], (*path, key), errors, limit)
        elif extra is False:
            if len(errors) < limit:
                errors.append(
                    f"unexpected argument '{key}'"
                    if not path
                    else f"{_where(path)} has unexpected property '{key}'"
                )
        elif isinstance(extra, Mapping):
            _check(item, extra, (*path, key), errors, limit)
