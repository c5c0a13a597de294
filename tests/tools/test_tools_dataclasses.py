"""Dataclass parameters: nested object schemas, instances at call time, located errors."""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

import pytest

from trio_realtime.tools import Tool, ToolArgumentsError, ToolContext


class Cabin(enum.Enum):
    ECONOMY = "economy"
    BUSINESS = "business"


@dataclasses.dataclass(frozen=True)
class Passenger:
    """Someone on the flight.

    Attributes:
        name: Full name.
        age: Age in years.
    """

    name: str
    age: int = 30

    def __post_init__(self) -> None:
        if self.age < 0:
            raise ValueError(f"age must not be negative, got {self.age}")


@dataclasses.dataclass
class Flight:
    number: str
    cabin: Cabin = Cabin.ECONOMY
    meals: list[str] = dataclasses.field(default_factory=list)
    checked_in: bool = dataclasses.field(default=False, init=False)


@dataclasses.dataclass(kw_only=True)
class Booking:
    flight: Flight
    passengers: list[Passenger]
    seats: tuple[int, int] | None = None


def book(booking: Booking, ctx: ToolContext, note: str = "") -> Booking:
    """Book a flight."""
    return booking


PASSENGER = {
    "type": "object",
    "description": "Someone on the flight.",
    "properties": {
        "name": {"type": "string", "description": "Full name."},
        "age": {"type": "integer", "description": "Age in years.", "default": 30},
    },
    "required": ["name"],
    "additionalProperties": False,
}
FLIGHT = {
    "type": "object",
    "properties": {
        "number": {"type": "string"},
        "cabin": {"type": "string", "enum": ["economy", "business"], "default": "economy"},
        "meals": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["number"],
    "additionalProperties": False,
}


def test_schema_of_nested_dataclasses() -> None:
    tool = Tool.from_callable(book)
    assert tool.context_param == "ctx"
    assert tool.parameters == {
        "type": "object",
        "properties": {
            "booking": {
                "type": "object",
                "properties": {
                    "flight": FLIGHT,
                    "passengers": {"type": "array", "items": PASSENGER},
                    "seats": {
                        "anyOf": [
                            {
                                "type": "array",
                                "prefixItems": [{"type": "integer"}, {"type": "integer"}],
                                "minItems": 2,
                                "maxItems": 2,
                            },
                            {"type": "null"},
                        ],
                        "default": None,
                    },
                },
                "required": ["flight", "passengers"],
                "additionalProperties": False,
            },
            "note": {"type": "string", "default": ""},
        },
        "required": ["booking"],
        "additionalProperties": False,
    }


def test_function_receives_instances() -> None:
    tool = Tool.from_callable(book)
    args = tool.parse_arguments(
        '{"booking": {"flight": {"number": "LH 400", "cabin": "business"},'
        ' "passengers": [{"name": "Ada"}, {"name": "Alan", "age": 41}], "seats": [3, 4]}}'
    )
    result = tool.bind(args, _ctx())()
    assert result == Booking(
        flight=Flight(number="LH 400", cabin=Cabin.BUSINESS),
        passengers=[Passenger(name="Ada"), Passenger(name="Alan", age=41)],
        seats=(3, 4),
    )
    assert type(result.passengers[0]) is Passenger
    assert result.flight.meals == []  # the factory ran
    assert result.flight.checked_in is False  # init=False: not an argument


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ('{"booking": {"flight": {}, "passengers": []}}', "'booking.flight.number' is required"),
        (
            '{"booking": {"flight": {"number": "x", "checked_in": true}, "passengers": []}}',
            "'booking.flight' has unexpected property 'checked_in'",
        ),
        (
            '{"booking": {"flight": {"number": "x"}, "passengers": [{"name": 1}]}}',
            "'booking.passengers[0].name' must be a string, got 1",
        ),
    ],
)
def test_schema_errors_name_the_nested_field(raw: str, message: str) -> None:
    with pytest.raises(ToolArgumentsError) as info:
        Tool.from_callable(book).parse_arguments(raw)
    assert str(info.value) == f"invalid arguments for book: {message}"


def test_post_init_errors_are_arguments_errors_with_the_path() -> None:
    tool = Tool.from_callable(book)
    args = tool.parse_arguments(
        '{"booking": {"flight": {"number": "x"}, "passengers": [{"name": "a"}, {"name": "b",'
        ' "age": -2}]}}'
    )
    with pytest.raises(ToolArgumentsError) as info:
        tool.bind(args, _ctx())
    assert str(info.value) == (
        "invalid arguments for book: 'booking.passengers[1]': age must not be negative, got -2"
    )


def test_dataclass_without_docstring_has_no_description() -> None:
    # dataclasses put the signature into __doc__; it is not a description
    assert Flight.__doc__ is not None and Flight.__doc__.startswith("Flight(")

    def f(flight: Flight) -> None:
        pass

    assert "description" not in Tool.from_callable(f).parameters["properties"]["flight"]


def test_default_dataclass_instance_is_shown_as_json() -> None:
    def f(p: Passenger = Passenger("Ada", 36)) -> None:
        pass

    assert Tool.from_callable(f).parameters["properties"]["p"]["default"] == {
        "name": "Ada",
        "age": 36,
    }


@dataclasses.dataclass
class WithInitVar:
    a: int
    scale: dataclasses.InitVar[int]


@dataclasses.dataclass
class Loop:
    next: Loop | None = None


@dataclasses.dataclass
class WithBytes:
    data: bytes


@pytest.mark.parametrize(
    ("cls", "match"),
    [
        (WithInitVar, r"field WithInitVar\.scale: InitVar fields are not supported"),
        (Loop, r"recursive type Loop is not supported"),
        (WithBytes, r"field WithBytes\.data: unsupported type hint bytes"),
    ],
)
def test_unsupported_dataclasses_fail_at_construction(cls: type, match: str) -> None:
    def f(x):  # type: ignore[no-untyped-def]
        return x

    f.__annotations__ = {"x": cls}
    with pytest.raises(TypeError, match=match):
        Tool.from_callable(f)


def test_dataclass_results_are_json_encoded() -> None:
    from trio_realtime.tools import encode_result

    assert encode_result(Passenger("Ada")) == '{"name":"Ada","age":30}'


def _ctx() -> Any:
    class Flag:
        def is_set(self) -> bool:
            return False

        async def wait(self) -> None:
            raise NotImplementedError

    return ToolContext(call_id="c", turn_id="r", name="book", interrupted=Flag())
