"""Tool construction rules, as_tool, ToolRegistry and the package's exports."""

import math
from typing import Any

import pytest

import trio_realtime.tools as tools_pkg
from trio_realtime.tools import Tool, ToolRegistry, as_tool


def get_weather(city: str) -> str:
    """Current weather for a city."""
    return city


async def get_time(zone: str = "UTC") -> str:
    """Current time."""
    return zone


def test_exported_members() -> None:
    exported = {
        name
        for name in dir(tools_pkg)
        if name.isidentifier()  # (pytest's assertion rewriting adds "@py_builtins")
        and not name.startswith("_")
        and getattr(tools_pkg, name).__module__.startswith("trio_realtime.tools")
    }
    assert set(tools_pkg.__all__) == exported
    assert set(tools_pkg.__all__) == {
        "InterruptFlag",
        "Tool",
        "ToolArgumentsError",
        "ToolContext",
        "ToolRegistry",
        "ToolResultError",
        "ToolSession",
        "as_tool",
        "encode_error",
        "encode_result",
    }


@pytest.mark.parametrize("name", ["a", "get_weather", "A-b_9", "x" * 64])
def test_valid_names(name: str) -> None:
    assert Tool(name=name).name == name


@pytest.mark.parametrize(
    "name", ["", "x" * 65, "has space", "dot.name", "ümlaut", "trailing\n", "a/b", "<lambda>"]
)
def test_invalid_names(name: str) -> None:
    with pytest.raises(ValueError, match="invalid tool name"):
        Tool(name=name)


def test_non_str_name() -> None:
    with pytest.raises(TypeError, match="must be a str"):
        Tool(name=3)  # type: ignore[arg-type]


def test_explicit_definition_only_tool_is_application_answered() -> None:
    schema = {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}
    tool = Tool(name="ask_user", description="Ask the user.", parameters=schema)
    assert tool.answered_by_app
    assert tool.fn is None
    assert not tool.is_async
    assert tool.context_param is None
    assert tool.definition() == {
        "type": "function",
        "name": "ask_user",
        "description": "Ask the user.",
        "parameters": schema,
    }
    assert not Tool.from_callable(get_weather).answered_by_app


def test_default_parameters_and_description() -> None:
    tool = Tool(name="noop")
    assert tool.parameters == {"type": "object", "properties": {}}
    assert tool.definition() == {
        "type": "function",
        "name": "noop",
        "description": "",
        "parameters": {"type": "object", "properties": {}},
    }


def test_parameters_are_copied_in_and_out() -> None:
    schema: dict[str, Any] = {"type": "object", "properties": {"a": {"type": "integer"}}}
    tool = Tool(name="t", parameters=schema)
    schema["properties"]["a"]["type"] = "string"
    assert tool.parameters["properties"]["a"] == {"type": "integer"}
    definition = tool.definition()
    definition["parameters"]["properties"]["a"]["type"] = "boolean"
    assert tool.definition()["parameters"]["properties"]["a"] == {"type": "integer"}


@pytest.mark.parametrize(
    ("parameters", "error", "match"),
    [
        ({"type": "array"}, ValueError, "must be a JSON Schema with"),
        ({"properties": {}}, ValueError, "must be a JSON Schema with"),
        ({"type": "object", "default": b"x"}, ValueError, "not JSON-serializable"),
        ([1, 2], TypeError, "must be a JSON Schema mapping"),
    ],
)
def test_bad_parameters(parameters: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        Tool(name="t", parameters=parameters)


@pytest.mark.parametrize(
    ("timeout", "error"),
    [
        (0, ValueError),
        (-1.0, ValueError),
        (math.nan, ValueError),
        ("5", TypeError),
        (True, TypeError),
    ],
)
def test_bad_timeouts(timeout: Any, error: type[Exception]) -> None:
    with pytest.raises(error, match="timeout"):
        Tool(name="t", timeout=timeout)


def test_good_timeouts_and_bad_fn() -> None:
    assert Tool(name="t", timeout=3).timeout == 3
    assert Tool(name="t", timeout=math.inf).timeout == math.inf
    with pytest.raises(TypeError, match="fn must be callable"):
        Tool(name="t", fn="not callable")  # type: ignore[arg-type]


def test_tools_are_frozen_comparable_and_hashable() -> None:
    a = Tool.from_callable(get_weather)
    b = Tool.from_callable(get_weather)
    assert a == b
    assert hash(a) == hash(b)
    assert a != Tool.from_callable(get_weather, name="other")
    with pytest.raises(AttributeError):
        a.name = "x"  # type: ignore[misc]


def test_as_tool() -> None:
    tool = Tool(name="t")
    assert as_tool(tool) is tool
    made = as_tool(get_weather)
    assert made.name == "get_weather"
    assert made.fn is get_weather
    for bad in (42, "get_weather", None):
        with pytest.raises(TypeError, match="expected a Tool or a function"):
            as_tool(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="it is a class"):
        as_tool(Tool)


def test_registry() -> None:
    app = Tool(name="ask_user")
    reg = ToolRegistry([get_weather, get_time, app])
    assert len(reg) == 3
    assert reg.names == ("get_weather", "get_time", "ask_user")
    assert [t.name for t in reg] == list(reg.names)
    assert "get_time" in reg
    assert "nope" not in reg
    assert 3 not in reg
    assert reg.get("ask_user") is app
    assert reg["ask_user"] is app
    assert reg.get("nope") is None
    with pytest.raises(KeyError):
        reg["nope"]
    time_tool = reg.get("get_time")
    assert time_tool is not None
    assert time_tool.is_async
    assert reg.definitions() == [t.definition() for t in reg]
    assert [d["name"] for d in reg.definitions()] == ["get_weather", "get_time", "ask_user"]
    assert repr(reg) == "ToolRegistry(['get_weather', 'get_time', 'ask_user'])"
    assert len(ToolRegistry()) == 0


def test_registry_is_immutable() -> None:
    reg = ToolRegistry([get_weather])
    with pytest.raises(AttributeError):
        reg._tools = {}
    with pytest.raises(AttributeError):
        del reg._tools
    defs = reg.definitions()
    defs.clear()
    assert len(reg.definitions()) == 1


def test_registry_duplicate_names() -> None:
    with pytest.raises(ValueError, match=r"duplicate tool name 'get_weather'.*#1 and #3"):
        ToolRegistry([get_weather, get_time, Tool(name="get_weather")])


def test_registry_rejects_non_tools() -> None:
    with pytest.raises(TypeError, match="expected a Tool or a function"):
        ToolRegistry([get_weather, 5])  # type: ignore[list-item]
