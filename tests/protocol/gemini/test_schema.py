"""Our JSON Schema -> Gemini's parameters schema, checked with google-genai's ``Schema``."""

from __future__ import annotations

import dataclasses
import enum
from typing import Any, Literal

import hypothesis.strategies as st
import pydantic
from hypothesis import given, settings

from trio_realtime.protocol._gemini_schema import function_declaration, gemini_schema
from trio_realtime.tools import Tool

from .genai_wire import types


def _valid(schema: dict[str, Any]) -> dict[str, Any]:
    types.Schema.model_validate(schema)  # strict: an unknown key fails
    return schema


def _typed_everywhere(schema: Any) -> None:
    """Every node has a type or is an ``anyOf`` (Live models mis-handle untyped nodes)."""
    assert isinstance(schema, dict)
    assert "type" in schema or "anyOf" in schema, schema
    for branch in schema.get("anyOf", []):
        _typed_everywhere(branch)
    for value in schema.get("properties", {}).values():
        _typed_everywhere(value)
    if "items" in schema:
        _typed_everywhere(schema["items"])


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


@dataclasses.dataclass
class Address:
    """A postal address.

    Attributes:
        street: Street and number.
    """

    street: str
    zip_code: int | None = None


class Node(pydantic.BaseModel):
    name: str
    children: list[Node] = []


def plan(
    point: tuple[int, str],
    scores: dict[str, float],
    level: Literal[1, 2, 3],
    color: Color,
    anything: Any,
    address: Address,
    choice: int | str | None = None,
    tree: Node | None = None,
) -> None:
    """Plan something."""


def test_type_hints_convert_to_a_schema_gemini_accepts() -> None:
    declaration = function_declaration(Tool.from_callable(plan))
    types.FunctionDeclaration.model_validate(declaration)
    parameters = declaration["parameters"]
    _typed_everywhere(parameters)
    props = parameters["properties"]
    assert props["point"] == {
        "type": "ARRAY",
        "minItems": 2,
        "maxItems": 2,
        "items": {"anyOf": [{"type": "INTEGER"}, {"type": "STRING"}]},
        "description": "Items in this order: (integer, string).",
    }
    assert props["scores"] == {
        "type": "OBJECT",
        "description": "A map from names to values of type number.",
    }
    assert props["level"] == {"type": "INTEGER", "description": "One of: 1, 2, 3."}
    assert props["color"] == {"type": "STRING", "enum": ["red", "blue"]}
    assert props["anything"]["type"] == "STRING"
    address = props["address"]
    assert "additionalProperties" not in address  # false: dropped (the session still checks)
    assert address["properties"]["zip_code"] == {"type": "INTEGER", "nullable": True}
    assert address["required"] == ["street"]
    assert props["choice"] == {
        "anyOf": [{"type": "INTEGER"}, {"type": "STRING"}],
        "nullable": True,
    }
    tree = props["tree"]
    assert tree["nullable"] is True
    assert tree["properties"]["children"]["items"]["type"] == "OBJECT"  # the recursion, cut
    assert parameters["required"] == ["point", "scores", "level", "color", "anything", "address"]
    assert parameters["propertyOrdering"] == list(props)


def test_refs_all_of_one_of_const_and_formats() -> None:
    schema = {
        "type": "object",
        "$defs": {"Day": {"type": "string", "format": "date", "description": "A day."}},
        "properties": {
            "when": {"$ref": "#/$defs/Day", "description": "When to go."},
            "mode": {"const": "fast"},
            "stamp": {"type": "string", "format": "date-time"},
            "count": {"allOf": [{"type": "integer", "minimum": 1}, {"maximum": 9}]},
            "either": {"oneOf": [{"type": "string", "maxLength": 3}, {"type": "null"}]},
            "flags": {"type": "array", "items": {"type": "boolean"}, "uniqueItems": True},
            "dangling": {"$ref": "#/$defs/Missing"},
        },
    }
    out = _valid(gemini_schema(schema))
    props = out["properties"]
    assert props["when"] == {"type": "STRING", "description": "When to go. Format: date."}
    assert props["mode"] == {"type": "STRING", "enum": ["fast"]}
    assert props["stamp"] == {"type": "STRING", "format": "date-time"}
    assert props["count"] == {"type": "INTEGER", "minimum": 1, "maximum": 9}
    assert props["either"] == {"type": "STRING", "maxLength": 3, "nullable": True}
    assert props["flags"] == {"type": "ARRAY", "items": {"type": "BOOLEAN"}}
    assert props["dangling"]["type"] == "OBJECT"


def test_a_tool_without_parameters_declares_none() -> None:
    assert function_declaration(Tool(name="ping")) == {"name": "ping", "behavior": "BLOCKING"}


_LEAF = st.sampled_from(
    [
        {},
        {"type": "string"},
        {"type": "integer", "minimum": 0},
        {"type": "number"},
        {"type": "boolean"},
        {"type": "null"},
        {"type": ["string", "null"]},
        {"type": ["integer", "string"]},
        {"enum": [1, "a", None]},
        {"const": True},
        {"type": "string", "format": "uuid"},
        {"$ref": "#/$defs/Thing"},
        {"$ref": "#/$defs/Nope"},
    ]
)


def _extend(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    names = st.text("abcxyz", min_size=1, max_size=3)
    return st.one_of(
        st.builds(lambda items: {"type": "array", "items": items}, children),
        st.builds(
            lambda items: {"type": "array", "prefixItems": items}, st.lists(children, max_size=3)
        ),
        st.builds(
            lambda props, extra: {
                "type": "object",
                "properties": props,
                "additionalProperties": extra,
            },
            st.dictionaries(names, children, max_size=3),
            st.one_of(st.booleans(), children),
        ),
        st.builds(lambda xs: {"anyOf": xs}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda xs: {"oneOf": xs}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda xs: {"allOf": xs}, st.lists(children, min_size=1, max_size=2)),
        st.builds(lambda x: {**x, "description": "d", "title": "t", "default": 1}, children),
    )


SCHEMAS = st.recursive(_LEAF, _extend, max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(SCHEMAS)
def test_any_json_schema_converts_to_a_valid_typed_gemini_schema(node: dict[str, Any]) -> None:
    schema = {
        "type": "object",
        "properties": {"x": node},
        "$defs": {"Thing": {"type": "object", "properties": {"self": {"$ref": "#/$defs/Thing"}}}},
    }
    out = _valid(gemini_schema(schema))
    _typed_everywhere(out)
