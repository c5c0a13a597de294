"""Hand-written (MCP-style) schemas: checked at construction, validated completely."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from trio_realtime.tools import Tool, ToolArgumentsError
from trio_realtime.tools._refs import (
    inline_definitions,
    rename_definitions,
    resolve_ref,
    unresolvable_refs,
)

MCP_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "$defs": {
        "address": {
            "type": "object",
            "properties": {
                "street": {"type": "string", "minLength": 1},
                "zip": {"type": "string", "pattern": "^[0-9]{5}$"},
            },
            "required": ["street"],
            "additionalProperties": False,
        },
        "person": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "email": {"type": "string", "format": "email"},
                "home": {"$ref": "#/$defs/address"},
                "friends": {"type": "array", "items": {"$ref": "#/$defs/person"}},
            },
            "required": ["name"],
        },
    },
    "properties": {
        "owner": {"$ref": "#/$defs/person"},
        "ship_to": {"anyOf": [{"$ref": "#/$defs/address"}, {"type": "null"}]},
        "when": {"type": "string", "format": "date"},
        "id": {"type": "string", "format": "uuid"},
    },
    "required": ["owner"],
    "additionalProperties": False,
}

TOOL = Tool(name="ship", description="Ship a parcel.", parameters=MCP_SCHEMA)


def error_of(tool: Tool, raw: str) -> str:
    with pytest.raises(ToolArgumentsError) as info:
        tool.parse_arguments(raw)
    prefix = f"invalid arguments for {tool.name}: "
    assert str(info.value).startswith(prefix)
    return str(info.value)[len(prefix) :]


def test_valid_arguments_pass_unchanged() -> None:
    raw = (
        '{"owner": {"name": "Ada", "email": "ada@example.org", "home": {"street": "Main 1"},'
        ' "friends": [{"name": "Alan", "friends": [{"name": "Kurt"}]}]},'
        ' "ship_to": null, "when": "2025-05-01", "id": "0b5d3c7e-95a0-4f0c-9d43-3d3c8f3e2a11"}'
    )
    assert TOOL.parse_arguments(raw)["owner"]["friends"][0]["friends"] == [{"name": "Kurt"}]
    assert TOOL.definition()["parameters"] == MCP_SCHEMA  # sent as written


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ('{"owner": {}}', "'owner.name' is required"),
        (
            '{"owner": {"name": "a", "home": {"street": ""}}}',
            "'owner.home.street' must have at least 1 characters",
        ),
        (
            '{"owner": {"name": "a", "home": {"street": "x", "zip": "1"}}}',
            "'owner.home.zip' must match the pattern \"^[0-9]{5}$\"",
        ),
        (
            '{"owner": {"name": "a", "friends": [{"name": "b", "friends": [{"name": 1}]}]}}',
            "'owner.friends[0].friends[0].name' must be a string, got 1",
        ),
        ('{"owner": {"name": "a"}, "ship_to": {"zip": "12345"}}', "'ship_to.street' is required"),
        ('{"owner": {"name": "a"}, "ship_to": 3}', "'ship_to' must be an object or null, got 3"),
        (
            '{"owner": {"name": "a", "email": "nobody"}}',
            "'owner.email' must be a valid email, got \"nobody\"",
        ),
        (
            '{"owner": {"name": "a"}, "when": "2025-13-45"}',
            "'when' must be a valid date, got \"2025-13-45\"",
        ),
        ('{"owner": {"name": "a"}, "id": "nope"}', "'id' must be a valid uuid, got \"nope\""),
    ],
)
def test_nested_refs_and_formats_are_validated(raw: str, message: str) -> None:
    assert error_of(TOOL, raw) == message


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.sampled_from(["", "a", "12345", "a@b"]),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["name", "email", "home", "friends", "street", "zip", "x"]),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)
ORACLE = Draft202012Validator(MCP_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "owner": json_values,
            "ship_to": json_values,
            "when": json_values | st.just("2025-01-02"),
            "x": json_values,
        },
    )
)
def test_arbitrary_arguments_agree_with_jsonschema(value: dict[str, Any]) -> None:
    raw = orjson.dumps(value).decode()
    if ORACLE.is_valid(value):
        assert TOOL.parse_arguments(raw) == value
    else:
        text = error_of(TOOL, raw)
        assert text  # every rejection names at least one problem
        assert len(text.split("; ")) <= 10


def test_more_keywords() -> None:
    schema = {
        "type": "object",
        "properties": {
            "mode": {"not": {"const": "off"}},
            "tags": {"type": "array", "uniqueItems": True},
            "step": {"type": "number", "multipleOf": 0.5},
            "opts": {"type": "object", "minProperties": 1},
            "card": {"type": "string"},
            "kind": {"enum": ["a", "b"]},
        },
        "dependentRequired": {"card": ["cvc"]},
        "if": {"properties": {"kind": {"const": "b"}}, "required": ["kind"]},
        "then": {"required": ["step"]},
        "unevaluatedProperties": False,
    }
    tool = Tool(name="t", parameters=schema)
    assert tool.parse_arguments('{"mode": "on", "kind": "b", "step": 1.5}') == {
        "mode": "on",
        "kind": "b",
        "step": 1.5,
    }
    cases = {
        '{"mode": "off"}': '\'mode\' must not be "off", got "off"',
        '{"tags": [1, 1]}': "'tags' must not contain duplicate items",
        '{"step": 0.3}': "'step' must be a multiple of 0.5, got 0.3",
        '{"opts": {}}': "'opts' must have at least 1 properties",
        '{"kind": "b"}': "'step' is required",
        '{"card": "4111"}': "'cvc' is required when 'card' is given",
        '{"zzz": 1}': (
            "the arguments: Unevaluated properties are not allowed ('zzz' was unexpected)"
        ),
    }
    for raw, message in cases.items():
        assert error_of(tool, raw) == message, raw


def test_declared_dialect_is_honoured() -> None:
    draft7 = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
            "pair": {"type": "array", "items": [{"type": "integer"}, {"type": "string"}]}
        },
    }
    tool = Tool(name="t", parameters=draft7)
    assert tool.parse_arguments('{"pair": [1, "a"]}') == {"pair": [1, "a"]}
    assert error_of(tool, '{"pair": ["a", "b"]}') == "'pair[0]' must be an integer, got \"a\""
    # The same `items` array is not a valid 2020-12 schema (the default dialect).
    del draft7["$schema"]
    with pytest.raises(ValueError, match=r"at \$\.properties\.pair\.items"):
        Tool(name="t", parameters=draft7)


@pytest.mark.parametrize(
    ("prop", "match"),
    [
        ({"type": 3}, r"not a valid JSON Schema at \$\.properties\.x\.type: 3 is not valid"),
        (
            {"type": "string", "pattern": "("},
            r"at \$\.properties\.x\.pattern: '\(' is not a 'regex'",
        ),
        ({"type": "integer", "minimum": "0"}, r"at \$\.properties\.x\.minimum: '0' is not of type"),
        ({"required": "x"}, r"at \$\.properties\.x\.required"),
        (
            {"$ref": "#/$defs/missing"},
            r"\$ref '#/\$defs/missing' does not resolve inside the schema",
        ),
        ({"$ref": "https://example.com/s.json"}, r"\$ref 'https://example\.com/s\.json' does not"),
    ],
)
def test_broken_schemas_fail_at_construction(prop: dict[str, Any], match: str) -> None:
    schema = {"type": "object", "properties": {"x": prop}}
    with pytest.raises(ValueError, match=r"^parameters of tool 'bad': ") as info:
        Tool(name="bad", parameters=schema)
    assert info.match(match)


def test_refs_by_anchor_and_escaped_pointer() -> None:
    schema = {
        "type": "object",
        "$defs": {"a/b": {"type": "integer"}, "c": {"$anchor": "num", "type": "number"}},
        "properties": {"p": {"$ref": "#/$defs/a~1b"}, "q": {"$ref": "#num"}},
    }
    tool = Tool(name="t", parameters=schema)
    assert error_of(tool, '{"p": "x"}') == "'p' must be an integer, got \"x\""
    assert error_of(tool, '{"q": "x"}') == "'q' must be a number, got \"x\""


def test_resolve_ref() -> None:
    root = {"$defs": {"a": {"type": "string"}, "l": [{"x": 1}]}, "items": {"$anchor": "it"}}
    assert resolve_ref(root, "#") is root
    assert resolve_ref(root, "#/$defs/a") == {"type": "string"}
    assert resolve_ref(root, "#/$defs/l/0") == {"x": 1}
    assert resolve_ref(root, "#it") == {"$anchor": "it"}
    for bad in ("#/$defs/b", "#/$defs/l/1", "#/$defs/a/type/x", "#nope", "other.json#/a"):
        assert resolve_ref(root, bad) is None, bad
    assert unresolvable_refs({"a": {"$ref": "#/x"}, "enum": [{"$ref": "#/y"}]}) == ["#/x"]


def test_inline_definitions() -> None:
    defs = {
        "A": {"type": "object", "properties": {"b": {"$ref": "#/$defs/B"}}},
        "B": {"type": "string", "description": "bee"},
        "T": {"type": "object", "properties": {"kids": {"items": {"$ref": "#/$defs/T"}}}},
    }
    schema = {
        "properties": {
            "a": {"$ref": "#/$defs/A", "description": "an a"},
            "b": {"$ref": "#/$defs/B", "maxLength": 3},
            "c": {"$ref": "#/$defs/B", "type": "integer"},
            "t": {"$ref": "#/$defs/T"},
            "z": {"$ref": "#/$defs/Missing"},
            "d": {"default": {"$ref": "#/$defs/B"}},
        }
    }
    inlined, kept = inline_definitions(schema, defs)
    props = inlined["properties"]
    assert props["a"] == {
        "type": "object",
        "properties": {"b": {"type": "string", "description": "bee"}},
        "description": "an a",
    }
    assert props["b"] == {"type": "string", "description": "bee", "maxLength": 3}
    assert props["c"] == {"allOf": [{"type": "string", "description": "bee"}], "type": "integer"}
    assert props["t"] == {"$ref": "#/$defs/T"}
    assert props["z"] == {"$ref": "#/$defs/Missing"}
    assert props["d"] == {"default": {"$ref": "#/$defs/B"}}  # data, not a schema
    assert kept == {"T": defs["T"]}
    root, _ = inline_definitions({"allOf": [{"$ref": "#/$defs/T"}]}, defs)  # older pydantic
    assert root == {"$ref": "#/$defs/T"}
    renamed = rename_definitions(inlined, {"T": "Tree/2"})
    assert renamed["properties"]["t"] == {"$ref": "#/$defs/Tree~12"}
    assert renamed["properties"]["z"] == {"$ref": "#/$defs/Missing"}
