"""Every tool definition we produce is a valid OpenAI Realtime GA function tool.

Checked against the official ``openai`` package's pydantic types, inside a client
``session.update`` event, with no fields the SDK does not declare.
"""

import dataclasses
import enum
from typing import Annotated, Any, Literal, TypedDict

import attrs
import pydantic
import pytest
from openai.types.realtime import RealtimeClientEvent
from pydantic import Field, TypeAdapter

from trio_realtime.tools import Tool, ToolContext, ToolRegistry

CLIENT_EVENT: TypeAdapter[Any] = TypeAdapter(
    Annotated[RealtimeClientEvent, Field(discriminator="type")]
)


def undeclared_fields(obj: Any, path: str = "$") -> list[str]:
    """Fields present on SDK models that the models do not declare (they allow extras)."""
    found: list[str] = []
    if isinstance(obj, pydantic.BaseModel):
        found += [f"{path}.{key}" for key in (obj.__pydantic_extra__ or {})]
        for name in type(obj).model_fields:
            found += undeclared_fields(getattr(obj, name), f"{path}.{name}")
    elif isinstance(obj, list | tuple):
        for i, item in enumerate(obj):
            found += undeclared_fields(item, f"{path}[{i}]")
    return found


class Unit(enum.Enum):
    C = "c"
    F = "f"


@attrs.frozen
class Place:
    """A place.

    Attributes:
        city: City name.
    """

    city: str
    country: str | None = None


class Window(TypedDict, total=False):
    days: int


def get_weather(
    place: Place,
    unit: Unit = Unit.C,
    window: Window | None = None,
    tags: list[str] | None = None,
    pair: tuple[int, str] = (1, "a"),
    mode: Literal["brief", "full"] = "brief",
    ctx: ToolContext | None = None,
) -> str:
    """Current weather for a place.

    Args:
        place: Where.
        unit: Temperature unit.
    """
    return "sunny"


async def ping() -> str:
    return "pong"


@dataclasses.dataclass
class Passenger:
    """A traveller.

    Attributes:
        name: Full name.
    """

    name: str
    age: int = 30


class Leg(pydantic.BaseModel):
    number: str = pydantic.Field(pattern=r"^[A-Z]{2}\d+$")
    passengers: list[Passenger] = []


class Route(pydantic.BaseModel):
    """Legs in order; a leg may continue into further routes."""

    legs: list[Leg]
    onward: list["Route"] = []


def book(route: Route, lead: Passenger, extra: list[Leg] | None = None) -> str:
    """Book a route."""
    return "ok"


TOOLS = [
    Tool.from_callable(get_weather),
    Tool.from_callable(ping),
    Tool.from_callable(book),
    Tool(name="ask_user", description="Ask the user something."),
    Tool(
        name="lookup",
        parameters={"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]},
        timeout=3,
    ),
]


def session_update(tools: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "session.update", "session": {"type": "realtime", "tools": tools}}


@pytest.mark.parametrize("tool", TOOLS, ids=[t.name for t in TOOLS])
def test_definition_validates_against_openai_types(tool: Tool) -> None:
    definition = tool.definition()
    assert set(definition) == {"type", "name", "description", "parameters"}
    event = CLIENT_EVENT.validate_python(session_update([definition]))
    assert undeclared_fields(event) == []
    sdk_tool = event.session.tools[0]
    assert type(sdk_tool).__name__ == "RealtimeFunctionTool"
    assert sdk_tool.model_dump(exclude_none=True) == definition


def test_registry_definitions_validate_together() -> None:
    event = CLIENT_EVENT.validate_python(session_update(ToolRegistry(TOOLS).definitions()))
    assert undeclared_fields(event) == []
    assert [t.name for t in event.session.tools] == [
        "get_weather",
        "ping",
        "book",
        "ask_user",
        "lookup",
    ]


def test_chat_completions_shape_is_rejected_by_the_checker() -> None:
    # Guard: the check above can fail. The nested Chat-Completions shape is not a realtime tool.
    nested = {"type": "function", "function": TOOLS[1].definition()}
    try:
        event = CLIENT_EVENT.validate_python(session_update([nested]))
    except pydantic.ValidationError:
        return
    assert undeclared_fields(event) != []
