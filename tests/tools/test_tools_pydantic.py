"""Pydantic models and dataclasses as parameters: pydantic's schema, model_validate, errors."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Annotated, Any

import pytest

pydantic = pytest.importorskip("pydantic")

from jsonschema import Draft202012Validator  # noqa: E402
from pydantic import BaseModel, ConfigDict, Field, field_validator  # noqa: E402

from trio_realtime.tools import Tool, ToolArgumentsError, ToolContext, encode_result  # noqa: E402


class Passenger(BaseModel):
    """Someone on the flight."""

    name: str = Field(min_length=1)
    age: int = Field(ge=0, description="Age in years.")

    @field_validator("name")
    @classmethod
    def _not_placeholder(cls, value: str) -> str:
        if value.lower() == "tbd":
            raise ValueError("a real name is needed")
        return value


class Flight(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: str = Field(pattern=r"^[A-Z]{2} ?\d{1,4}$")
    departs: datetime.date
    crew: list[Passenger] = []


class Category(BaseModel):
    """A node of a category tree."""

    name: str
    children: list[Category] = []


@pydantic.dataclasses.dataclass
class Seat:
    row: Annotated[int, Field(ge=1, le=60)]
    letter: str = "A"


def book(flight: Flight, passengers: list[Passenger], seat: Seat | None = None) -> str:
    """Book a flight.

    Args:
        flight: Which flight.
        passengers: Who flies.
    """
    return f"{flight.number}: {len(passengers)}"


TOOL = Tool.from_callable(book)
GOOD = (
    '{"flight": {"number": "LH 400", "departs": "2025-05-01",'
    ' "crew": [{"name": "Kim", "age": 40}]},'
    ' "passengers": [{"name": "Ada", "age": 36}], "seat": {"row": 3}}'
)


def _walk(node: Any) -> list[Any]:
    found = [node]
    if isinstance(node, dict):
        for value in node.values():
            found += _walk(value)
    elif isinstance(node, list):
        for value in node:
            found += _walk(value)
    return found


def test_schema_is_pydantics_own_with_definitions_inlined() -> None:
    params = TOOL.parameters
    assert "$defs" not in params
    assert not any(isinstance(n, dict) and "$ref" in n for n in _walk(params))
    flight = params["properties"]["flight"]
    expected = Flight.model_json_schema()
    passenger = expected["$defs"]["Passenger"]
    assert flight["description"] == "Which flight."  # the docstring's parameter text wins
    assert flight["additionalProperties"] is False  # extra="forbid"
    assert flight["properties"]["number"] == expected["properties"]["number"]
    assert flight["properties"]["departs"] == {
        "format": "date",
        "title": "Departs",
        "type": "string",
    }
    assert flight["properties"]["crew"]["items"] == passenger
    assert params["properties"]["passengers"] == {
        "type": "array",
        "items": Passenger.model_json_schema(),
        "description": "Who flies.",
    }
    seat = params["properties"]["seat"]
    assert seat["anyOf"][0]["properties"]["row"] == {
        "maximum": 60,
        "minimum": 1,
        "title": "Row",
        "type": "integer",
    }
    assert params["required"] == ["flight", "passengers"]
    Draft202012Validator.check_schema(params)


def test_function_receives_model_instances() -> None:
    got: list[Any] = []

    def keep(flight: Flight, passengers: list[Passenger], seat: Seat | None = None) -> None:
        got.extend([flight, passengers, seat])

    tool = Tool.from_callable(keep)
    tool.bind(tool.parse_arguments(GOOD), _ctx())()
    flight, passengers, seat = got
    assert isinstance(flight, Flight)
    assert flight.departs == datetime.date(2025, 5, 1)  # pydantic converted the string
    assert flight.crew == [Passenger(name="Kim", age=40)]
    assert passengers == [Passenger(name="Ada", age=36)]
    assert type(passengers[0]) is Passenger
    assert isinstance(seat, Seat)
    assert (seat.row, seat.letter) == (3, "A")
    assert TOOL.bind(TOOL.parse_arguments(GOOD), _ctx())() == "LH 400: 1"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            '"passengers": [{"name": "Ada", "age": -1}]',
            "'passengers[0].age' must be >= 0, got -1",
        ),
        ('"passengers": [{"name": "", "age": 1}]', "'passengers[0].name' must have at least 1"),
        ('"passengers": [{"age": 1}]', "'passengers[0].name' is required"),
        (
            '"flight": {"number": "LH 400", "departs": "2025-05-01", "meal": "veg"}',
            "'flight' has unexpected property 'meal'",
        ),
        (
            '"flight": {"number": "flight 9", "departs": "2025-05-01"}',
            "'flight.number' must match the pattern",
        ),
        (
            '"flight": {"number": "LH 1", "departs": "next tuesday"}',
            "'flight.departs' must be a valid date, got \"next tuesday\"",
        ),
        ('"seat": {"row": 99}', "'seat.row' must be <= 60, got 99"),
    ],
)
def test_schema_violations_are_reported_before_the_call(change: str, message: str) -> None:
    args = _merge(GOOD, change)
    with pytest.raises(ToolArgumentsError) as info:
        TOOL.parse_arguments(args)
    assert str(info.value).startswith("invalid arguments for book: ")
    assert message in str(info.value)


def test_pydantic_validator_errors_become_located_arguments_errors() -> None:
    args = TOOL.parse_arguments(
        _merge(GOOD, '"passengers": [{"name": "Ada", "age": 1}, {"name": "TBD", "age": 2}]')
    )
    with pytest.raises(ToolArgumentsError) as info:
        TOOL.bind(args, _ctx())
    assert str(info.value) == (
        "invalid arguments for book: 'passengers[1].name': "
        'Value error, a real name is needed, got "TBD"'
    )


def test_recursive_model_keeps_root_definitions() -> None:
    def file(category: Category, also: Category | None = None) -> Category:
        """File something."""
        return category

    tool = Tool.from_callable(file)
    params = tool.parameters
    assert list(params["$defs"]) == ["Category"]
    assert params["properties"]["category"] == {"$ref": "#/$defs/Category"}
    assert params["properties"]["also"]["anyOf"] == [{"$ref": "#/$defs/Category"}, {"type": "null"}]
    assert params["$defs"]["Category"]["properties"]["children"]["items"] == {
        "$ref": "#/$defs/Category"
    }
    Draft202012Validator.check_schema(params)
    args = tool.parse_arguments(
        '{"category": {"name": "a", "children": [{"name": "b", "children": [{"name": "c"}]}]},'
        ' "also": {"name": "z"}}'
    )
    tree = tool.bind(args, _ctx())()
    assert tree.children[0].children[0] == Category(name="c")
    with pytest.raises(ToolArgumentsError) as info:
        tool.parse_arguments('{"category": {"name": "a", "children": [{"children": []}]}}')
    assert str(info.value) == "invalid arguments for file: 'category.children[0].name' is required"


class Node(BaseModel):
    label: str
    kids: list[Node] = []


NodeA = Node


class Node(BaseModel):  # type: ignore[no-redef]  # another model, same name
    weight: float
    kids: list[Node] = []


NodeB = Node


def test_same_name_recursive_models_are_kept_apart() -> None:
    assert NodeA.__name__ == NodeB.__name__ == "Node"

    def f(a: NodeA, b: NodeB, c: list[NodeA]) -> None:
        pass

    tool = Tool.from_callable(f)
    params = tool.parameters
    assert sorted(params["$defs"]) == ["Node", "Node2"]
    assert params["properties"]["a"] == {"$ref": "#/$defs/Node"}
    assert params["properties"]["b"] == {"$ref": "#/$defs/Node2"}
    assert params["properties"]["c"] == {"type": "array", "items": {"$ref": "#/$defs/Node"}}
    assert params["$defs"]["Node"]["properties"]["kids"]["items"] == {"$ref": "#/$defs/Node"}
    assert params["$defs"]["Node2"]["properties"]["kids"]["items"] == {"$ref": "#/$defs/Node2"}
    assert "label" in params["$defs"]["Node"]["properties"]
    assert "weight" in params["$defs"]["Node2"]["properties"]
    args = tool.parse_arguments(
        '{"a": {"label": "x", "kids": [{"label": "y"}]}, "b": {"weight": 1, "kids": []}, "c": []}'
    )
    bound = tool.bind(args, _ctx())
    assert bound.keywords["a"] == NodeA(label="x", kids=[NodeA(label="y")])
    assert bound.keywords["b"] == NodeB(weight=1.0)
    with pytest.raises(ToolArgumentsError, match=r"'b.kids\[0\].weight' is required"):
        tool.parse_arguments('{"a": {"label": "x"}, "b": {"weight": 1, "kids": [{}]}, "c": []}')


def test_model_results_and_defaults_are_json() -> None:
    assert encode_result(Passenger(name="Ada", age=36)) == '{"name":"Ada","age":36}'
    assert encode_result({"when": Flight(number="LH 1", departs=datetime.date(2025, 1, 2))}) == (
        '{"when":{"number":"LH 1","departs":"2025-01-02","crew":[]}}'
    )

    def f(p: Passenger = Passenger(name="Ada", age=36)) -> None:  # noqa: B008
        pass

    assert Tool.from_callable(f).parameters["properties"]["p"]["default"] == {
        "name": "Ada",
        "age": 36,
    }


class Loose(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    handler: Any = None
    thing: object


class Weird(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    callback: Callable[[], int]


def test_models_pydantic_cannot_describe_fail_at_construction() -> None:
    def f(w: Weird) -> None:
        pass

    def g(o: Loose) -> None:
        pass

    Tool.from_callable(g)  # `object` and `Any` are just "any value" for pydantic
    with pytest.raises(TypeError, match=r"parameter 'w': pydantic cannot describe Weird"):
        Tool.from_callable(f)


def _merge(base: str, change: str) -> str:
    import json

    return json.dumps({**json.loads(base), **json.loads("{" + change + "}")})


def _ctx() -> ToolContext:
    class Flag:
        def is_set(self) -> bool:
            return False

        async def wait(self) -> None:
            raise NotImplementedError

    return ToolContext(call_id="c", turn_id="r", name="book", interrupted=Flag())
