"""Tool results and errors as function_call_output strings."""

import dataclasses
import datetime
import enum
import types
import uuid
from typing import Any

import attrs
import numpy as np
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trio_realtime.tools import ToolResultError, encode_error, encode_result


class Color(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


class Shade(str, enum.Enum):
    DARK = "dark"


@attrs.frozen
class Weather:
    city: str
    temp: float
    color: Color = Color.RED
    tags: frozenset[str] = frozenset()


@dataclasses.dataclass
class Point:
    x: int
    y: int


def test_str_passes_through_unchanged() -> None:
    assert encode_result("Sunny in Oslo") == "Sunny in Oslo"
    assert encode_result("") == ""
    assert encode_result('{"already": "json"}') == '{"already": "json"}'

    class Sub(str):
        def __str__(self) -> str:
            return "overridden"

    out = encode_result(Sub("plain"))
    assert out == "plain"
    assert type(out) is str


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"a": 1, "b": [1, 2]}, '{"a":1,"b":[1,2]}'),
        ([1, "x", None, True], '[1,"x",null,true]'),
        ((1, 2), "[1,2]"),
        (None, "null"),
        (42, "42"),
        (1.5, "1.5"),
        (False, "false"),
        (Color.RED, '"red"'),
        (Level.HIGH, "3"),
        (Shade.DARK, '"dark"'),
        ({1: "one"}, '{"1":"one"}'),
        ({"s": {3}}, '{"s":[3]}'),
        (types.MappingProxyType({"a": 1}), '{"a":1}'),
        (Weather("Oslo", 3.5), '{"city":"Oslo","temp":3.5,"color":"red","tags":[]}'),
        (
            [Weather("A", 1.0, tags=frozenset({"x"}))],
            '[{"city":"A","temp":1.0,"color":"red","tags":["x"]}]',
        ),
        (Point(1, 2), '{"x":1,"y":2}'),
        (datetime.date(2024, 5, 1), '"2024-05-01"'),
        (uuid.UUID(int=1), '"00000000-0000-0000-0000-000000000001"'),
        (np.array([1, 2], dtype=np.int16), "[1,2]"),
        (np.float32(0.5), "0.5"),
        ({"é": "ü"}, '{"é":"ü"}'),
    ],
    ids=repr,
)
def test_non_str_is_compact_json(value: Any, expected: str) -> None:
    assert encode_result(value) == expected


class Opaque:
    pass


@pytest.mark.parametrize(
    ("value", "type_name"),
    [
        (b"raw", "bytes"),
        ({"data": bytearray(b"x")}, "bytearray"),
        (Opaque(), "Opaque"),
        ([1, {"k": Opaque()}], "Opaque"),
        (2**70, "64-bit"),
        (object(), "object"),
    ],
    ids=["bytes", "nested-bytearray", "opaque", "nested-opaque", "int-over-64-bits", "object"],
)
def test_unserializable_raises_tool_result_error_naming_the_type(
    value: Any, type_name: str
) -> None:
    with pytest.raises(ToolResultError, match=type_name) as info:
        encode_result(value)
    assert isinstance(info.value, TypeError)
    assert f"of type {type(value).__qualname__}" in str(info.value)


def test_cycle_is_a_tool_result_error() -> None:
    value: list[Any] = []
    value.append(value)
    with pytest.raises(ToolResultError):
        encode_result(value)


def test_encode_error() -> None:
    assert encode_error("boom") == '{"error":"boom"}'
    assert orjson.loads(encode_error('quote " and \n newline')) == {
        "error": 'quote " and \n newline'
    }
    assert orjson.loads(encode_error("bad \ud800 surrogate")) == {"error": "bad ? surrogate"}


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(exclude_categories=["Cs"])),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values.filter(lambda v: not isinstance(v, str)))
def test_json_values_round_trip(value: Any) -> None:
    assert orjson.loads(encode_result(value)) == value
