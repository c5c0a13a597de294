"""Validation errors as messages a model can act on: which argument, what is wrong, what was
expected.

``jsonschema`` finds the problems; this module words them the way a model reads best::

    'city' is required
    'days' must be an integer, got "three"
    'options.units' must be one of ["c", "f"], got "k"
    'passengers[1].age' must be >= 0, got -3
    unexpected argument 'foo'

Rules: at most 10 messages; missing arguments first, then wrong values, then unexpected ones;
when a value has the wrong type (or is not the ``const``/one of the ``enum``), that is the only
message about it; for ``anyOf``/``oneOf``, the problems of the one alternative that has the
value's JSON type when there is exactly one, else what the alternatives accept. Keywords without
a dedicated wording fall back to ``jsonschema``'s own message, prefixed by the location.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ._refs import resolve_ref

if TYPE_CHECKING:  # jsonschema is imported when the first validator is compiled
    from jsonschema.exceptions import ValidationError

__all__ = ["MAX_MESSAGES", "describe", "json_type", "messages", "show", "where"]

MAX_MESSAGES = 10

_ARTICLE = {
    "integer": "an integer",
    "number": "a number",
    "string": "a string",
    "boolean": "a boolean",
    "null": "null",
    "array": "an array",
    "object": "an object",
}
_BOUNDS = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}
_STOPPERS = ("type", "const", "enum")  # a value failing one of these gets no other message
_RANK = {
    "required": 0,
    "dependentRequired": 0,
    "additionalProperties": 2,
    "unevaluatedProperties": 2,
}

Path = Sequence[str | int]


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


def where(path: Path) -> str:
    """``'a.b[2]'`` for a path into the arguments (``the arguments`` for the empty path)."""
    if not path:
        return "the arguments"
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return f"'{out}'"


def describe(schema: Any, root: Any = None) -> str:
    """A short English description of what *schema* accepts (``"an integer or null"``).

    Local ``$ref``s are followed within *root* (the whole schema).
    """
    return _describe(schema, root, 0)


def _describe(schema: Any, root: Any, depth: int) -> str:
    if schema is True or schema == {}:
        return "any value"
    if not isinstance(schema, Mapping):
        return "nothing" if schema is False else "a valid value"
    if schema.get("not") in ({}, True) and len(schema) == 1:
        return "nothing"
    ref = schema.get("$ref")
    if isinstance(ref, str) and depth < 8 and root is not None:
        target = resolve_ref(root, ref)
        if target is not None:
            return _describe(target, root, depth + 1)
    if "const" in schema:
        return _dump(schema["const"])
    enum = schema.get("enum")
    if isinstance(enum, list):
        return "one of " + _dump(enum)
    for key in ("anyOf", "oneOf"):
        members = schema.get(key)
        if isinstance(members, list) and members:
            return " or ".join(_describe(m, root, depth + 1) for m in members)
    types = _types(schema)
    if types:
        return " or ".join(_ARTICLE.get(t, t) for t in types)
    return "a valid value"


def _dump(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def show(value: Any) -> str:
    """*value* as short JSON for a message (``an array``/``an object`` for containers)."""
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    text = _dump(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _types(schema: Mapping[str, Any]) -> list[str]:
    t = schema.get("type")
    if isinstance(t, str):
        return [t]
    if isinstance(t, list):
        return [x for x in t if isinstance(x, str)]
    return []


def _has_type(value: Any, name: str) -> bool:
    actual = json_type(value)
    if name == "number":
        return actual in ("integer", "number")
    if name == "integer":
        return actual == "integer" or (isinstance(value, float) and value.is_integer())
    return actual == name


def _type_matches(value: Any, schema: Any, root: Any) -> bool:
    if isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str):
        target = resolve_ref(root, schema["$ref"])
        if target is not None and not _types(schema):
            return _type_matches(value, target, root)
    if not isinstance(schema, Mapping):
        return schema is True
    types = _types(schema)
    return not types or any(_has_type(value, t) for t in types)


def messages(errors: Iterable[ValidationError], root: Any) -> list[str]:
    """The messages for *errors* (from ``iter_errors``) of an instance of the schema *root*."""
    errors = list(errors)
    stopped: dict[tuple[Any, ...], str] = {}
    for stopper in _STOPPERS:
        for error in errors:
            path = tuple(error.absolute_path)
            if error.validator == stopper and path not in stopped:
                stopped[path] = stopper
    kept = [e for e in errors if _survives(e, stopped)]
    kept.sort(key=lambda e: _RANK.get(str(e.validator), 1))
    out: list[str] = []
    for error in kept:
        for text in _word(error, root):
            if text not in out:
                out.append(text)
    return out[:MAX_MESSAGES]


def _survives(error: ValidationError, stopped: Mapping[tuple[Any, ...], str]) -> bool:
    path = tuple(error.absolute_path)
    for depth in range(len(path) + 1):
        stopper = stopped.get(path[:depth])
        if stopper is not None and (depth < len(path) or error.validator != stopper):
            return False
    return True


def _word(error: ValidationError, root: Any) -> list[str]:
    path = list(error.absolute_path)
    at = where(path)
    keyword = str(error.validator)
    value, expected = error.instance, error.validator_value
    special = _SPECIAL.get(keyword)
    if special is not None:
        return special(error, root)
    if keyword in _BOUNDS:
        return [f"{at} must be {_BOUNDS[keyword]} {_dump(expected)}, got {show(value)}"]
    simple = _SIMPLE.get(keyword)
    if simple is not None:
        return [f"{at} {simple(value, expected)}"]
    return [f"{at}: {error.message}"]


def _required(error: ValidationError, root: Any) -> list[str]:
    path = list(error.absolute_path)
    present = error.instance if isinstance(error.instance, Mapping) else {}
    names = error.validator_value if isinstance(error.validator_value, list) else []
    return [f"{where([*path, n])} is required" for n in names if n not in present]


def _unexpected(error: ValidationError, root: Any) -> list[str]:
    path = list(error.absolute_path)
    value, schema = error.instance, error.schema
    if not isinstance(value, Mapping) or not isinstance(schema, Mapping):
        return [f"{where(path)}: {error.message}"]
    declared = schema.get("properties") or {}
    patterns = [p for p in schema.get("patternProperties") or {} if isinstance(p, str)]
    extra = [
        key for key in value if key not in declared and not any(re.search(p, key) for p in patterns)
    ]
    if not path:
        return [f"unexpected argument '{key}'" for key in extra]
    return [f"{where(path)} has unexpected property '{key}'" for key in extra]


def _dependent(error: ValidationError, root: Any) -> list[str]:
    path = list(error.absolute_path)
    value, rules = error.instance, error.validator_value
    if not isinstance(value, Mapping) or not isinstance(rules, Mapping):
        return [f"{where(path)}: {error.message}"]
    return [
        f"{where([*path, needed])} is required when {where([*path, key])} is given"
        for key, needs in rules.items()
        if key in value and isinstance(needs, list)
        for needed in needs
        if needed not in value
    ]


def _alternatives(error: ValidationError, root: Any) -> list[str]:
    path = list(error.absolute_path)
    value, members = error.instance, error.validator_value
    if not error.context:  # oneOf: more than one alternative matched
        return [f"{where(path)} matches more than one of the allowed alternatives"]
    if isinstance(members, list):
        typed = [i for i, m in enumerate(members) if _type_matches(value, m, root)]
        if len(typed) == 1:
            inner = [e for e in error.context if e.relative_schema_path[0] == typed[0]]
            found = messages(inner, root)
            if found:
                return found
    return [f"{where(path)} must be {describe(error.schema, root)}, got {show(value)}"]


def _negated(error: ValidationError, root: Any) -> list[str]:
    at = where(list(error.absolute_path))
    if error.validator_value in ({}, True):  # a `false` subschema, spelled out
        return [f"{at} is not allowed"]
    return [f"{at} must not be {describe(error.validator_value, root)}, got {show(error.instance)}"]


def _wrong_type(error: ValidationError, root: Any) -> list[str]:
    at = where(list(error.absolute_path))
    types = error.validator_value
    expected = describe({"type": types if isinstance(types, list) else [types]})
    return [f"{at} must be {expected}, got {show(error.instance)}"]


_SPECIAL: dict[str, Callable[[ValidationError, Any], list[str]]] = {
    "type": _wrong_type,
    "required": _required,
    "dependentRequired": _dependent,
    "additionalProperties": _unexpected,
    "anyOf": _alternatives,
    "oneOf": _alternatives,
    "not": _negated,
}

_SIMPLE: dict[str, Callable[[Any, Any], str]] = {
    "const": lambda v, e: f"must be {_dump(e)}, got {show(v)}",
    "enum": lambda v, e: f"must be one of {_dump(e)}, got {show(v)}",
    "minLength": lambda v, e: f"must have at least {e} characters",
    "maxLength": lambda v, e: f"must have at most {e} characters",
    "pattern": lambda v, e: f"must match the pattern {_dump(e)}",
    "format": lambda v, e: f"must be a valid {e}, got {show(v)}",
    "minItems": lambda v, e: f"must have at least {e} items, got {len(v)}",
    "maxItems": lambda v, e: f"must have at most {e} items, got {len(v)}",
    "uniqueItems": lambda v, e: "must not contain duplicate items",
    "minProperties": lambda v, e: f"must have at least {e} properties",
    "maxProperties": lambda v, e: f"must have at most {e} properties",
    "multipleOf": lambda v, e: f"must be a multiple of {_dump(e)}, got {show(v)}",
}
