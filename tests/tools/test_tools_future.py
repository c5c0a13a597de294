"""String annotations (``from __future__ import annotations``) resolve like real ones."""

from __future__ import annotations

import enum
from typing import Annotated, Literal, TypedDict

import attrs
import trio

from trio_realtime.tools import Tool, ToolContext


class Unit(enum.Enum):
    C = "c"
    F = "f"


@attrs.frozen
class Place:
    city: str
    unit: Unit = Unit.C


class Window(TypedDict):
    start: int
    unit: Unit


def forecast(
    place: Place,
    days: Annotated[int, "Days ahead."],
    window: Window | None,
    ctx: ToolContext,
    mode: Literal["brief", "full"] = "brief",
    extra: list[Place] | None = None,
) -> dict[str, object]:
    """Forecast for a place."""
    return {
        "place": place,
        "days": days,
        "window": window,
        "call": ctx.call_id,
        "mode": mode,
        "extra": extra,
    }


PLACE = {
    "type": "object",
    "properties": {
        "city": {"type": "string"},
        "unit": {"type": "string", "enum": ["c", "f"], "default": "c"},
    },
    "required": ["city"],
    "additionalProperties": False,
}


def test_string_hints_schema() -> None:
    tool = Tool.from_callable(forecast)
    assert tool.context_param == "ctx"
    assert tool.description == "Forecast for a place."
    assert tool.parameters == {
        "type": "object",
        "properties": {
            "place": PLACE,
            "days": {"type": "integer", "description": "Days ahead."},
            "window": {
                "anyOf": [
                    {
                        "type": "object",
                        "properties": {
                            "start": {"type": "integer"},
                            "unit": {"type": "string", "enum": ["c", "f"]},
                        },
                        "required": ["start", "unit"],
                        "additionalProperties": False,
                    },
                    {"type": "null"},
                ]
            },
            "mode": {"type": "string", "enum": ["brief", "full"], "default": "brief"},
            "extra": {
                "anyOf": [{"type": "array", "items": PLACE}, {"type": "null"}],
                "default": None,
            },
        },
        "required": ["place", "days", "window"],
        "additionalProperties": False,
    }


async def test_string_hints_convert_on_call() -> None:
    tool = Tool.from_callable(forecast)
    args = tool.parse_arguments(
        '{"place": {"city": "Oslo", "unit": "f"}, "days": 2.0,'
        ' "window": {"start": 3, "unit": "c"}, "extra": [{"city": "Bergen"}]}'
    )
    ctx = ToolContext(call_id="call_1", turn_id="resp_1", name="forecast", interrupted=trio.Event())
    result = tool.bind(args, ctx)()  # a sync tool: the session runs this in a thread
    assert result == {
        "place": Place(city="Oslo", unit=Unit.F),
        "days": 2,
        "window": {"start": 3, "unit": Unit.C},
        "call": "call_1",
        "mode": "brief",
        "extra": [Place(city="Bergen", unit=Unit.C)],
    }
    assert type(result["days"]) is int
