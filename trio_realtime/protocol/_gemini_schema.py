"""Our tools' JSON Schema -> the schema Gemini Live accepts for function parameters.

Gemini Live takes a function's parameters only as ``parameters``, an OpenAPI-3.0 subset with
upper-case types (``parametersJsonSchema`` is accepted by ``generateContent`` but Live models
ignore it and call the function with empty arguments). The model only needs a faithful guide:
the session validates every call against the tool's full JSON Schema before running it, so a
construct Gemini cannot express is loosened here, never tightened:

======================================  =====================================================
JSON Schema                             Gemini schema
======================================  =====================================================
``"type": "string"`` (etc.)             ``"type": "STRING"`` (upper case)
``"type": ["string", "null"]``          ``"type": "STRING", "nullable": true``
``"type": ["string", "integer"]``       ``"anyOf"`` of one schema per type
``anyOf`` / ``oneOf`` with ``null``     the other branch, ``nullable``; else ``anyOf``
``allOf`` of one schema                 that schema (longer ones: merged, first wins)
``$ref`` into ``$defs``/definitions     inlined; a recursive reference becomes a bare OBJECT
``prefixItems`` (tuples)                ``items`` (the one item schema, or ``anyOf`` of them)
                                        with ``minItems``/``maxItems``, described
``additionalProperties: false``         dropped (the session still rejects extra keys)
``additionalProperties: {schema}``      an OBJECT described as a map of that schema
``const`` / ``enum`` of strings         ``enum`` (STRING)
``enum`` of other values                the values' type, the values listed in the description
``{}`` (any value)                      STRING described as "any JSON value"
``format`` Gemini does not know         dropped, named in the description
``title``, ``default``, ``examples``,   dropped
``not``, ``if``, ``pattern...``
======================================  =====================================================

Kept as they are: ``description``, ``properties`` (with ``propertyOrdering`` in declaration
order), ``required``, ``items``, ``minItems``/``maxItems``, ``minLength``/``maxLength``,
``pattern``, ``minimum``/``maximum``, ``minProperties``/``maxProperties``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from ..tools import Tool

__all__ = ["function_declaration", "gemini_schema"]

_TYPES = {
    "string": "STRING",
    "number": "NUMBER",
    "integer": "INTEGER",
    "boolean": "BOOLEAN",
    "array": "ARRAY",
    "object": "OBJECT",
}
_FORMATS = {
    "STRING": {"enum", "date-time"},
    "INTEGER": {"int32", "int64"},
    "NUMBER": {"float", "double"},
}
_KEPT = (
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "minProperties",
    "maxProperties",
)
_MAX_DEPTH = 32


def function_declaration(tool: Tool) -> dict[str, Any]:
    """The ``functionDeclarations`` entry of ``tool`` (blocking: the model waits for results)."""
    declaration: dict[str, Any] = {"name": tool.name, "behavior": "BLOCKING"}
    if tool.description:
        declaration["description"] = tool.description
    parameters = gemini_schema(tool.parameters)
    if parameters.get("properties"):
        declaration["parameters"] = parameters
    return declaration


def gemini_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """``schema`` (JSON Schema) converted as the module docstring says (a new dict)."""
    defs: dict[str, Any] = {}
    for key in ("$defs", "definitions"):
        found = schema.get(key)
        if isinstance(found, Mapping):
            defs.update({f"#/{key}/{name}": value for name, value in found.items()})
    return _Converter(defs).convert(schema, (), 0)


class _Converter:
    def __init__(self, defs: Mapping[str, Any]) -> None:
        self._defs = defs

    def convert(self, node: Any, refs: tuple[str, ...], depth: int) -> dict[str, Any]:
        if not isinstance(node, Mapping) or depth > _MAX_DEPTH:
            return _any()
        ref = node.get("$ref")
        if isinstance(ref, str):
            target = self._defs.get(ref)
            if ref in refs or not isinstance(target, Mapping):  # recursive or dangling
                out: dict[str, Any] = {"type": "OBJECT"}
                _describe(out, node.get("description"))
                _describe(out, f"An object shaped like {ref.rsplit('/', 1)[-1]}.")
                return out
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            return self.convert({**target, **siblings}, (*refs, ref), depth + 1)
        branches = _branches(node)
        if branches is not None:
            return self._union(node, branches, refs, depth)
        all_of = node.get("allOf")
        if isinstance(all_of, list) and all_of:
            merged: dict[str, Any] = {}
            for part in reversed(all_of):  # the first part wins on conflicts
                merged.update(self._deref(part, refs))
            rest = {k: v for k, v in node.items() if k != "allOf"}
            return self.convert({**merged, **rest}, refs, depth + 1)
        return self._typed(node, refs, depth)

    def _deref(self, part: Any, refs: tuple[str, ...]) -> Mapping[str, Any]:
        """``part`` with one level of ``$ref`` resolved (``{}`` when it cannot be)."""
        if not isinstance(part, Mapping):
            return {}
        ref = part.get("$ref")
        if not isinstance(ref, str):
            return part
        target = self._defs.get(ref)
        if ref in refs or not isinstance(target, Mapping):
            return {}
        return {**target, **{k: v for k, v in part.items() if k != "$ref"}}

    def _union(
        self, node: Mapping[str, Any], branches: list[Any], refs: tuple[str, ...], depth: int
    ) -> dict[str, Any]:
        nullable = any(_is_null(b) for b in branches)
        others = [b for b in branches if not _is_null(b)]
        base = {k: v for k, v in node.items() if k not in ("anyOf", "oneOf", "type")}
        if len(others) == 1:
            branch = others[0] if isinstance(others[0], Mapping) else {}
            out = self.convert({**base, **branch}, refs, depth + 1)
        elif not others:
            out = _any()
        else:
            out = {"anyOf": [self.convert(b, refs, depth + 1) for b in others]}
            _describe(out, node.get("description"))
        if nullable:
            out["nullable"] = True
        return out

    def _typed(self, node: Mapping[str, Any], refs: tuple[str, ...], depth: int) -> dict[str, Any]:
        kind = _type_of(node)
        if kind is None:
            anything = _any()
            _describe(anything, node.get("description"), first=True)
            return anything
        out: dict[str, Any] = {"type": kind}
        _describe(out, node.get("description"))
        values = _enum_values(node)
        if values is not None:
            if kind == "STRING" and all(isinstance(v, str) for v in values):
                out["enum"] = list(values)
            else:
                listed = ", ".join(_json_text(v) for v in values)
                _describe(out, f"One of: {listed}.")
        fmt = node.get("format")
        if isinstance(fmt, str):
            if fmt in _FORMATS.get(kind, ()):
                out["format"] = fmt
            else:
                _describe(out, f"Format: {fmt}.")
        for key in _KEPT:
            value = node.get(key)
            if isinstance(value, (int, float, str)) and not isinstance(value, bool):
                out[key] = value
        if kind == "OBJECT":
            self._object(node, out, refs, depth)
        elif kind == "ARRAY":
            self._array(node, out, refs, depth)
        return out

    def _object(
        self, node: Mapping[str, Any], out: dict[str, Any], refs: tuple[str, ...], depth: int
    ) -> None:
        properties = node.get("properties")
        if isinstance(properties, Mapping) and properties:
            out["properties"] = {
                str(name): self.convert(value, refs, depth + 1)
                for name, value in properties.items()
            }
            out["propertyOrdering"] = list(out["properties"])
            required = node.get("required")
            if isinstance(required, list):
                names = [r for r in required if isinstance(r, str) and r in out["properties"]]
                if names:
                    out["required"] = names
        extra = node.get("additionalProperties")
        if isinstance(extra, Mapping) and not out.get("properties"):
            value = self.convert(extra, refs, depth + 1)
            _describe(out, f"A map from names to values of type {_summary(value)}.")

    def _array(
        self, node: Mapping[str, Any], out: dict[str, Any], refs: tuple[str, ...], depth: int
    ) -> None:
        prefix = node.get("prefixItems")
        items = node.get("items")
        if isinstance(prefix, list) and prefix:
            converted = [self.convert(p, refs, depth + 1) for p in prefix]
            unique = [c for i, c in enumerate(converted) if c not in converted[:i]]
            out["items"] = unique[0] if len(unique) == 1 else {"anyOf": unique}
            shapes = ", ".join(_summary(c) for c in converted)
            _describe(out, f"Items in this order: ({shapes}).")
            if items is False:
                out.setdefault("maxItems", len(prefix))
        elif isinstance(items, Mapping):
            out["items"] = self.convert(items, refs, depth + 1)
        else:
            out["items"] = _any()


def _branches(node: Mapping[str, Any]) -> list[Any] | None:
    for key in ("anyOf", "oneOf"):
        value = node.get(key)
        if isinstance(value, list) and value:
            return value
    kinds = node.get("type")
    if isinstance(kinds, list):
        rest = {k: v for k, v in node.items() if k != "type"}
        return [{**rest, "type": k} for k in kinds if isinstance(k, str)] or None
    return None


def _is_null(branch: Any) -> bool:
    return isinstance(branch, Mapping) and branch.get("type") == "null"


def _type_of(node: Mapping[str, Any]) -> str | None:
    kind = node.get("type")
    if isinstance(kind, str) and kind in _TYPES:
        return _TYPES[kind]
    if "properties" in node or "additionalProperties" in node:
        return "OBJECT"
    if "items" in node or "prefixItems" in node:
        return "ARRAY"
    values = _enum_values(node)
    if values:
        kinds = {_TYPES.get(_json_kind(v)) for v in values}
        if len(kinds) == 1:
            return kinds.pop()
    return None


def _enum_values(node: Mapping[str, Any]) -> list[Any] | None:
    if "const" in node:
        return [node["const"]]
    values = node.get("enum")
    return list(values) if isinstance(values, list) and values else None


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "null"


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def _any() -> dict[str, Any]:
    return {"type": "STRING", "description": "Any JSON value, written as JSON text."}


def _summary(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, str):
        return kind.lower()
    return " or ".join(_summary(b) for b in schema.get("anyOf", ())) or "any"


def _describe(out: dict[str, Any], text: object, *, first: bool = False) -> None:
    if not isinstance(text, str) or not text:
        return
    current = out.get("description")
    if not current:
        out["description"] = text
    elif first:
        out["description"] = f"{text} {current}"
    else:
        out["description"] = f"{current} {text}"
