"""JSON Schema generation from type hints (exact expected schemas) and from_callable's rules."""

import enum
import functools
import typing
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal, NewType, Optional, TypedDict, Union

import attrs
import pytest
import typing_extensions

from trio_realtime.tools import Tool, ToolContext


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Mixed(enum.Enum):
    A = "a"
    ONE = 1


@attrs.frozen
class Point:
    """A point on the plane.

    Attributes:
        x: Horizontal position.
        y: Vertical position.
    """

    x: float
    y: float = 0.0


@attrs.define
class Box:
    label: str
    tags: list[str] = attrs.field(factory=list)
    _secret: int = 7
    computed: int = attrs.field(init=False, default=0)


class Filters(TypedDict, total=False):
    """Search filters."""

    color: Color
    limit: int


class Req(typing_extensions.TypedDict):  # NotRequired needs typing_extensions on 3.10
    name: str
    size: typing_extensions.NotRequired[int]


UserId = NewType("UserId", int)

OBJ_POINT = {
    "type": "object",
    "description": "A point on the plane.",
    "properties": {
        "x": {"type": "number", "description": "Horizontal position."},
        "y": {"type": "number", "description": "Vertical position.", "default": 0.0},
    },
    "required": ["x"],
    "additionalProperties": False,
}

SCHEMAS: list[tuple[Any, dict[str, Any]]] = [
    (str, {"type": "string"}),
    (int, {"type": "integer"}),
    (float, {"type": "number"}),
    (bool, {"type": "boolean"}),
    (None, {"type": "null"}),
    (type(None), {"type": "null"}),
    (Any, {}),
    (list[int], {"type": "array", "items": {"type": "integer"}}),
    (typing.List[str], {"type": "array", "items": {"type": "string"}}),  # noqa: UP006
    (list, {"type": "array"}),
    (Sequence[bool], {"type": "array", "items": {"type": "boolean"}}),
    (tuple[int, ...], {"type": "array", "items": {"type": "integer"}}),
    (
        tuple[int, str],
        {
            "type": "array",
            "prefixItems": [{"type": "integer"}, {"type": "string"}],
            "minItems": 2,
            "maxItems": 2,
        },
    ),
    (tuple, {"type": "array"}),
    (dict[str, int], {"type": "object", "additionalProperties": {"type": "integer"}}),
    (dict, {"type": "object"}),
    (typing.Dict[str, Any], {"type": "object"}),  # noqa: UP006
    (Mapping[str, float], {"type": "object", "additionalProperties": {"type": "number"}}),
    (
        dict[str, list[int]],
        {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "integer"}}},
    ),
    (Literal["a", "b"], {"type": "string", "enum": ["a", "b"]}),
    (Literal[1, 2], {"type": "integer", "enum": [1, 2]}),
    (Literal[True], {"type": "boolean", "enum": [True]}),
    (Literal["a", 1, None], {"type": ["string", "integer", "null"], "enum": ["a", 1, None]}),
    (Color, {"type": "string", "enum": ["red", "green"]}),
    (Level, {"type": "integer", "enum": [1, 2]}),
    (Mixed, {"type": ["string", "integer"], "enum": ["a", 1]}),
    (Optional[int], {"type": ["integer", "null"]}),  # noqa: UP045
    (int | None, {"type": ["integer", "null"]}),
    (Union[int, str], {"type": ["integer", "string"]}),  # noqa: UP007
    (
        str | list[str],
        {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
    ),
    (
        Color | None,
        {"anyOf": [{"type": "string", "enum": ["red", "green"]}, {"type": "null"}]},
    ),
    (list[int | None], {"type": "array", "items": {"type": ["integer", "null"]}}),
    (Annotated[int, "How many."], {"type": "integer", "description": "How many."}),
    (
        Annotated[int | None, "Maybe."],
        {"type": ["integer", "null"], "description": "Maybe."},
    ),
    (
        Annotated[str, 42, "first str wins", "second"],
        {"type": "string", "description": "first str wins"},
    ),
    (UserId, {"type": "integer"}),
    (Point, OBJ_POINT),
    (list[Point], {"type": "array", "items": OBJ_POINT}),
    (Point | None, {"anyOf": [OBJ_POINT, {"type": "null"}]}),
    (
        Box,
        {
            "type": "object",
            "properties": {
                "label": {"type": "string"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "_secret": {"type": "integer", "default": 7},
            },
            "required": ["label"],
            "additionalProperties": False,
        },
    ),
    (
        Filters,
        {
            "type": "object",
            "description": "Search filters.",
            "properties": {
                "color": {"type": "string", "enum": ["red", "green"]},
                "limit": {"type": "integer"},
            },
            "additionalProperties": False,
        },
    ),
    (
        Req,
        {
            "type": "object",
            "properties": {"name": {"type": "string"}, "size": {"type": "integer"}},
            "required": ["name"],
            "additionalProperties": False,
        },
    ),
]


def _tool_for(hint: Any) -> Tool:
    """A tool from a function with one parameter `x` annotated with *hint*."""

    def fn(x):  # type: ignore[no-untyped-def]
        return x

    fn.__annotations__ = {"x": hint}
    return Tool.from_callable(fn)


@pytest.mark.parametrize(("hint", "expected"), SCHEMAS, ids=[repr(h) for h, _ in SCHEMAS])
def test_hint_schema(hint: Any, expected: dict[str, Any]) -> None:
    params = _tool_for(hint).parameters
    assert params == {
        "type": "object",
        "properties": {"x": expected},
        "required": ["x"],
        "additionalProperties": False,
    }


class Node:
    pass


@attrs.frozen
class Tree:
    children: "list[Tree]"


class EmptyEnum(enum.Enum):
    pass


class TupleEnum(enum.Enum):
    A = (1, 2)


UNSUPPORTED: list[tuple[Any, str]] = [
    (set[int], "unsupported type hint"),
    (bytes, "unsupported type hint bytes"),
    (Node, "unsupported type hint"),
    (object, "unsupported type hint object"),
    (dict[int, str], "use str keys"),
    (list[bytes], "unsupported type hint bytes"),
    (Tree, "recursive type Tree"),
    (EmptyEnum, "has no members"),
    (TupleEnum, "enum TupleEnum"),
    (Literal[b"x"], "not a JSON string"),
    (typing.Callable[[], int], "unsupported type hint"),
]


@pytest.mark.parametrize(("hint", "match"), UNSUPPORTED, ids=[repr(h) for h, _ in UNSUPPORTED])
def test_unsupported_hint_is_a_type_error_naming_function_and_parameter(
    hint: Any, match: str
) -> None:
    with pytest.raises(TypeError) as info:
        _tool_for(hint)
    message = str(info.value)
    assert "'fn'" in message or "fn" in message.split(":")[0]
    assert "parameter 'x'" in message
    assert match in message


@attrs.frozen
class WithBytes:
    data: bytes


def test_nested_unsupported_field_is_named() -> None:
    with pytest.raises(TypeError, match=r"parameter 'x': field WithBytes\.data: unsupported"):
        _tool_for(list[WithBytes])


def test_defaults_and_required() -> None:
    def search(
        query: str,
        limit: int = 10,
        color: Color = Color.RED,
        point: Point | None = None,
        box: Box = Box("a"),  # noqa: B008
        strange: Any = object(),  # noqa: B008 - not JSON-encodable: no "default" shown
        maybe: int | None = None,
        *,
        exact: bool,
        tags: tuple[str, ...] = ("x",),
    ) -> str:
        return query

    assert Tool.from_callable(search).parameters == {
        "type": "object",
        "properties": {
            "query": {"type": "string"},
            "limit": {"type": "integer", "default": 10},
            "color": {"type": "string", "enum": ["red", "green"], "default": "red"},
            "point": {"anyOf": [OBJ_POINT, {"type": "null"}], "default": None},
            "box": {
                "type": "object",
                "properties": {
                    "label": {"type": "string"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "_secret": {"type": "integer", "default": 7},
                },
                "required": ["label"],
                "additionalProperties": False,
                "default": {"label": "a", "tags": [], "_secret": 7},
            },
            "strange": {},
            "maybe": {"type": ["integer", "null"], "default": None},
            "exact": {"type": "boolean"},
            "tags": {"type": "array", "items": {"type": "string"}, "default": ["x"]},
        },
        "required": ["query", "exact"],
        "additionalProperties": False,
    }


def test_optional_without_default_is_required() -> None:
    def f(a: int | None, b: int | None = None) -> None:
        pass

    params = Tool.from_callable(f).parameters
    assert params["required"] == ["a"]
    assert "default" not in params["properties"]["a"]


def test_no_parameters() -> None:
    def ping() -> str:
        """Ping."""
        return "pong"

    tool = Tool.from_callable(ping)
    assert tool.parameters == {"type": "object", "properties": {}, "additionalProperties": False}
    assert tool.description == "Ping."
    assert tool.name == "ping"


def test_context_parameter_is_excluded_under_any_name() -> None:
    def a(city: str, ctx: ToolContext) -> str:
        return city

    def b(info: ToolContext, city: str = "x") -> str:
        return city

    def c(city: str, context: ToolContext | None = None) -> str:
        return city

    def d(city: str, context: Annotated[ToolContext, "ctx"]) -> str:
        return city

    for fn, name in ((a, "ctx"), (b, "info"), (c, "context"), (d, "context")):
        tool = Tool.from_callable(fn)
        assert tool.context_param == name
        assert list(tool.parameters["properties"]) == ["city"]
        assert name not in tool.parameters.get("required", [])
    assert Tool.from_callable(lambda_free_plain).context_param is None


def lambda_free_plain(city: str) -> str:
    return city


def test_two_context_parameters_rejected() -> None:
    def f(a: ToolContext, b: ToolContext) -> None:
        pass

    with pytest.raises(TypeError, match=r"parameter 'b': only one ToolContext"):
        Tool.from_callable(f)


def test_annotated_description_beats_docstring() -> None:
    def f(a: Annotated[int, "from Annotated"], b: int) -> None:
        """Do it.

        Args:
            a: from the docstring
            b: b from the docstring
        """

    props = Tool.from_callable(f).parameters["properties"]
    assert props["a"] == {"type": "integer", "description": "from Annotated"}
    assert props["b"] == {"type": "integer", "description": "b from the docstring"}


def test_bad_signatures_are_type_errors_naming_function_and_parameter() -> None:
    def star(a: int, *args: int) -> None:
        pass

    def kw(a: int, **kwargs: int) -> None:
        pass

    def posonly(a: int, /, b: int) -> None:
        pass

    def bare(a: int, b) -> None:  # type: ignore[no-untyped-def]
        pass

    def unresolved(a: "NoSuchType") -> None:  # type: ignore[name-defined]  # noqa: F821
        pass

    cases: list[tuple[Any, str]] = [
        (star, r"'.*star'.*parameter 'args': \*args is not supported"),
        (kw, r"'.*kw'.*parameter 'kwargs': \*\*kwargs is not supported"),
        (posonly, r"'.*posonly'.*parameter 'a': positional-only"),
        (bare, r"'.*bare'.*parameter 'b': missing type annotation"),
        (unresolved, r"'.*unresolved'.*cannot resolve its type hints.*NoSuchType"),
    ]
    for fn, pattern in cases:
        with pytest.raises(TypeError, match=pattern):
            Tool.from_callable(fn)


def test_classes_and_non_callables_rejected() -> None:
    with pytest.raises(TypeError, match="it is a class"):
        Tool.from_callable(Point)
    with pytest.raises(TypeError, match="not callable"):
        Tool.from_callable(42)  # type: ignore[arg-type]


def test_names() -> None:
    def f(a: int) -> int:
        return a

    assert Tool.from_callable(f, name="other-name_2").name == "other-name_2"
    with pytest.raises(ValueError, match=r"invalid tool name '<lambda>'.*pass name="):
        Tool.from_callable(lambda: None)
    with pytest.raises(ValueError, match="invalid tool name 'bad name'"):
        Tool.from_callable(f, name="bad name")
    partial = functools.partial(f, a=1)
    tool = Tool.from_callable(partial)
    assert tool.name == "f"
    assert tool.parameters["properties"] == {"a": {"type": "integer", "default": 1}}


def test_explicit_description_and_timeout() -> None:
    def f() -> None:
        """Docstring summary."""

    tool = Tool.from_callable(f, description="Override.", timeout=2.5)
    assert tool.description == "Override."
    assert tool.timeout == 2.5
    assert Tool.from_callable(f, description="").description == ""


class Greeter:
    """Greets people."""

    def __init__(self, greeting: str) -> None:
        self.greeting = greeting

    def greet(self, who: str) -> str:
        """Greet someone.

        :param who: The person.
        """
        return f"{self.greeting}, {who}"

    def __call__(self, who: str) -> str:
        return self.greet(who)


def test_bound_methods_and_callable_instances() -> None:
    tool = Tool.from_callable(Greeter("hi").greet)
    assert tool.name == "greet"
    assert tool.description == "Greet someone."
    assert tool.parameters["properties"] == {
        "who": {"type": "string", "description": "The person."}
    }
    with pytest.raises(TypeError, match="has no __name__; pass name="):
        Tool.from_callable(Greeter("hi"))
    instance_tool = Tool.from_callable(Greeter("hi"), name="greeter")
    assert instance_tool.description == "Greets people."
    assert list(instance_tool.parameters["properties"]) == ["who"]
