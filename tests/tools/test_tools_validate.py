"""Argument parsing and validation: messages the model can act on; never any other exception."""

import contextlib
import enum
from typing import Any, Literal, TypedDict

import attrs
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from trio_realtime.tools import Tool, ToolArgumentsError
from trio_realtime.tools._messages import describe
from trio_realtime.tools._validation import ArgumentsValidator


def is_valid(value: Any, schema: dict[str, Any]) -> bool:
    return ArgumentsValidator(schema).is_valid(value)


class Units(enum.Enum):
    C = "c"
    F = "f"


@attrs.frozen
class Address:
    city: str
    zip: int | None = None


class Limits(TypedDict, total=False):
    max: float


def get_weather(
    city: str,
    days: int = 1,
    units: Units = Units.C,
    where: Address | None = None,
    tags: list[str] | None = None,
    pair: tuple[int, str] | None = None,
    scores: dict[str, float] | None = None,
    mode: Literal["brief", "full"] = "brief",
    limits: Limits | None = None,
    flag: bool = False,
) -> str:
    return city


TOOL = Tool.from_callable(get_weather)


def error_of(raw: str) -> str:
    with pytest.raises(ToolArgumentsError) as info:
        TOOL.parse_arguments(raw)
    return str(info.value)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{bad", "not valid JSON"),
        ('{"city": "x"', "not valid JSON"),
        ("NaN", "not valid JSON"),
        ("[1, 2]", "expected a JSON object, got array"),
        ('"Oslo"', "expected a JSON object, got string"),
        ("null", "expected a JSON object, got null"),
        ("{}", "'city' is required"),
        ('{"city": 1}', "'city' must be a string, got 1"),
        ('{"city": null}', "'city' must be a string, got null"),
        ('{"city": "x", "days": "3"}', "'days' must be an integer, got \"3\""),
        ('{"city": "x", "days": 1.5}', "'days' must be an integer, got 1.5"),
        ('{"city": "x", "days": true}', "'days' must be an integer, got true"),
        ('{"city": "x", "flag": 1}', "'flag' must be a boolean, got 1"),
        ('{"city": "x", "units": "k"}', '\'units\' must be one of ["c", "f"], got "k"'),
        ('{"city": "x", "mode": "long"}', '\'mode\' must be one of ["brief", "full"]'),
        ('{"city": "x", "where": {}}', "'where.city' is required"),
        ('{"city": "x", "where": {"city": 3}}', "'where.city' must be a string, got 3"),
        ('{"city": "x", "where": {"city": "a", "zip": "x"}}', "'where.zip' must be an integer"),
        ('{"city": "x", "where": {"city": "a", "z": 1}}', "'where' has unexpected property 'z'"),
        ('{"city": "x", "where": "Oslo"}', "'where' must be an object or null, got \"Oslo\""),
        ('{"city": "x", "tags": "a"}', "'tags' must be an array or null, got \"a\""),
        ('{"city": "x", "tags": ["a", 2]}', "'tags[1]' must be a string, got 2"),
        ('{"city": "x", "pair": [1]}', "'pair' must have at least 2 items, got 1"),
        ('{"city": "x", "pair": [1, "a", 3]}', "'pair' must have at most 2 items, got 3"),
        ('{"city": "x", "pair": ["a", "b"]}', "'pair[0]' must be an integer, got \"a\""),
        ('{"city": "x", "scores": {"a": "high"}}', "'scores.a' must be a number, got \"high\""),
        ('{"city": "x", "limits": {"max": "1"}}', "'limits.max' must be a number"),
        ('{"city": "x", "limits": {"min": 1}}', "'limits' has unexpected property 'min'"),
        ('{"city": "x", "color": "red"}', "unexpected argument 'color'"),
    ],
)
def test_validation_messages(raw: str, message: str) -> None:
    text = error_of(raw)
    assert text.startswith("invalid arguments for get_weather: ")
    assert message in text


def test_several_problems_are_reported_together() -> None:
    text = error_of('{"days": "x", "extra": 1}')
    assert text == (
        "invalid arguments for get_weather: 'city' is required; "
        "'days' must be an integer, got \"x\"; unexpected argument 'extra'"
    )


@pytest.mark.parametrize("raw", ["", "   ", "\n"])
def test_empty_arguments_mean_an_empty_object(raw: str) -> None:
    def ping() -> str:
        return "pong"

    assert Tool.from_callable(ping).parse_arguments(raw) == {}
    with pytest.raises(ToolArgumentsError, match="'city' is required"):
        TOOL.parse_arguments(raw)


def test_valid_arguments_are_returned_as_parsed_json() -> None:
    raw = (
        '{"city": "Oslo", "days": 2.0, "units": "f", "where": {"city": "a", "zip": null},'
        ' "tags": [], "pair": [1, "b"], "scores": {"x": 1}, "limits": {}, "flag": false}'
    )
    assert TOOL.parse_arguments(raw) == {
        "city": "Oslo",
        "days": 2.0,
        "units": "f",
        "where": {"city": "a", "zip": None},
        "tags": [],
        "pair": [1, "b"],
        "scores": {"x": 1},
        "limits": {},
        "flag": False,
    }


def test_hand_written_schema_keywords() -> None:
    schema = {
        "type": "object",
        "properties": {
            "n": {"type": "number", "minimum": 0, "exclusiveMaximum": 10},
            "s": {"type": "string", "minLength": 2, "maxLength": 3, "pattern": "^[a-z]+$"},
            "c": {"const": "fixed"},
            "one": {"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 5}]},
            "all": {"allOf": [{"type": "integer"}, {"maximum": 3}]},
            "items": {"type": "array", "items": {"type": "integer"}, "minItems": 1},
            "free": {"additionalProperties": {"type": "boolean"}},
            "nothing": False,
            "anything": True,
        },
    }
    tool = Tool(name="t", parameters=schema)
    ok = (
        '{"n": 0, "s": "ab", "c": "fixed", "one": 5.5, "all": 3, "items": [1], "free": {"a": true}}'
    )
    assert tool.parse_arguments(ok)["n"] == 0
    assert tool.parse_arguments('{"anything": [1, {"x": null}]}')["anything"] == [1, {"x": None}]
    cases = {
        '{"n": -1}': "'n' must be >= 0, got -1",
        '{"n": 10}': "'n' must be < 10, got 10",
        '{"s": "a"}': "'s' must have at least 2 characters",
        '{"s": "abcd"}': "'s' must have at most 3 characters",
        '{"s": "AB"}': "'s' must match the pattern \"^[a-z]+$\"",
        '{"c": "other"}': '\'c\' must be "fixed", got "other"',
        '{"one": 7}': "'one' matches more than one of the allowed alternatives",
        '{"one": "x"}': "'one' must be an integer or a number, got \"x\"",
        '{"all": 4}': "'all' must be <= 3, got 4",
        '{"items": []}': "'items' must have at least 1 items, got 0",
        '{"free": {"a": 1}}': "'free.a' must be a boolean, got 1",
        '{"nothing": 1}': "'nothing' is not allowed",
    }
    for raw, message in cases.items():
        with pytest.raises(ToolArgumentsError) as info:
            tool.parse_arguments(raw)
        assert str(info.value) == f"invalid arguments for t: {message}", raw


def test_json_equality_semantics() -> None:
    assert is_valid(1.0, {"enum": [1]})
    assert not is_valid(True, {"enum": [1]})
    assert not is_valid(1, {"enum": [True]})
    assert is_valid([1, {"a": None}], {"const": [1.0, {"a": None}]})
    assert not is_valid({"a": 1}, {"const": {"a": 1, "b": 2}})
    assert is_valid(3.0, {"type": "integer"})
    assert not is_valid(False, {"type": "number"})
    assert is_valid("x", {"type": ["integer", "string"]})


def test_describe() -> None:
    assert describe({"type": ["integer", "null"]}) == "an integer or null"
    assert (
        describe({"anyOf": [{"type": "string"}, {"enum": [1, 2]}]}) == "a string or one of [1, 2]"
    )
    assert describe({}) == "any value"
    assert describe(False) == "nothing"


def test_error_count_is_bounded() -> None:
    tool = Tool(name="t", parameters={"type": "object", "additionalProperties": False})
    with pytest.raises(ToolArgumentsError) as info:
        tool.parse_arguments(orjson.dumps({str(i): i for i in range(100)}).decode())
    assert str(info.value).count("unexpected argument") == 10


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)
field_names = st.sampled_from(
    ["city", "days", "units", "where", "tags", "pair", "scores", "mode", "limits", "flag", "x"]
)


ORACLE = Draft202012Validator(dict(TOOL.parameters))


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(field_names, json_values, max_size=6))
def test_arbitrary_json_objects_only_ever_raise_arguments_errors(value: dict[str, Any]) -> None:
    raw = orjson.dumps(value).decode()
    if not ORACLE.is_valid(value):  # jsonschema itself decides, our wording aside
        with pytest.raises(ToolArgumentsError, match=r"^invalid arguments for get_weather: "):
            TOOL.parse_arguments(raw)
    else:
        parsed = TOOL.parse_arguments(raw)
        assert parsed == value
        assert "city" in parsed
        TOOL.convert_arguments(parsed)  # a schema-valid value always converts


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40) | json_values.map(repr))
def test_arbitrary_text_only_ever_raises_arguments_errors(raw: str) -> None:
    with contextlib.suppress(ToolArgumentsError):
        TOOL.parse_arguments(raw)


def _mostly_valid(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(valid, valid, valid, json_values)


nearly_valid = st.fixed_dictionaries(
    {"city": _mostly_valid(st.text(max_size=5))},
    optional={
        "days": _mostly_valid(st.integers(-5, 5) | st.just(2.0)),
        "units": _mostly_valid(st.sampled_from(["c", "f"])),
        "where": _mostly_valid(
            st.none()
            | st.fixed_dictionaries(
                {"city": st.text(max_size=3)}, optional={"zip": st.none() | st.integers(0, 9)}
            )
        ),
        "tags": _mostly_valid(st.none() | st.lists(st.text(max_size=3), max_size=3)),
        "pair": _mostly_valid(st.none() | st.tuples(st.integers(0, 9), st.text(max_size=2))),
        "scores": _mostly_valid(st.dictionaries(st.text(max_size=2), st.integers(0, 9))),
        "mode": _mostly_valid(st.sampled_from(["brief", "full"])),
        "limits": _mostly_valid(st.fixed_dictionaries({}, optional={"max": st.floats(0, 1)})),
        "flag": _mostly_valid(st.booleans()),
    },
)


@settings(max_examples=200, deadline=None)
@given(nearly_valid)
def test_nearly_valid_arguments_validate_and_convert_or_fail_cleanly(value: dict[str, Any]) -> None:
    try:
        parsed = TOOL.parse_arguments(orjson.dumps(value).decode())
    except ToolArgumentsError:
        return
    converted = TOOL.convert_arguments(parsed)
    if isinstance(parsed.get("units"), str):
        assert converted["units"] is Units(parsed["units"])
    if isinstance(parsed.get("where"), dict):
        assert converted["where"] == Address(**parsed["where"])
    if parsed.get("pair") is not None:
        assert converted["pair"] == tuple(parsed["pair"])
