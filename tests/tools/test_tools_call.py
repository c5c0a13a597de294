"""Tool.bind: the call with converted arguments and the context, run the way the session does.

``run`` below is the session's batch runner in miniature (``trio_realtime/_batches.py``): an async
tool is awaited, a sync one runs in a worker thread that a cancellation abandons.
"""

import enum
import functools
import threading
from typing import Any

import attrs
import pytest
import trio
import trio.testing

from trio_realtime.tools import Tool, ToolArgumentsError, ToolContext


def make_ctx(name: str = "t") -> ToolContext:
    return ToolContext(call_id="call_1", turn_id="resp_1", name=name, interrupted=trio.Event())


async def run(tool: Tool, args: dict[str, Any], ctx: ToolContext) -> Any:
    bound = tool.bind(args, ctx)
    if tool.is_async:
        return await bound()
    return await trio.to_thread.run_sync(bound, abandon_on_cancel=True)


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


@attrs.frozen
class Order:
    item: str
    qty: int = attrs.field(validator=attrs.validators.ge(1))
    colors: tuple[Color, ...] = ()


async def test_async_tool_is_awaited_in_trio_thread() -> None:
    trio_thread = threading.get_ident()
    seen: list[int] = []

    async def add(a: int, b: int) -> int:
        await trio.lowlevel.checkpoint()
        seen.append(threading.get_ident())
        return a + b

    tool = Tool.from_callable(add)
    assert tool.is_async
    assert await run(tool, {"a": 2, "b": 3}, make_ctx()) == 5
    assert seen == [trio_thread]


async def test_sync_tool_runs_in_a_worker_thread() -> None:
    trio_thread = threading.get_ident()
    seen: list[int] = []

    def add(a: int, b: int) -> int:
        seen.append(threading.get_ident())
        return a + b

    tool = Tool.from_callable(add)
    assert not tool.is_async
    assert await run(tool, {"a": 2, "b": 3}, make_ctx()) == 5
    assert len(seen) == 1
    assert seen[0] != trio_thread


async def test_context_is_passed_under_its_parameter_name() -> None:
    got: list[ToolContext] = []

    async def a(x: int, info: ToolContext) -> int:
        got.append(info)
        return x

    def s(context: ToolContext, x: int) -> int:
        got.append(context)
        return x

    ctx = make_ctx()
    assert await run(Tool.from_callable(a), {"x": 1}, ctx) == 1
    assert await run(Tool.from_callable(s), {"x": 2}, ctx) == 2
    assert got == [ctx, ctx]


async def test_explicit_tool_detects_context_parameter_and_allows_opt_out() -> None:
    async def fn(q: str, ctx: ToolContext) -> str:
        return f"{q}:{ctx.call_id}"

    schema = {"type": "object", "properties": {"q": {"type": "string"}}}
    tool = Tool(name="lookup", parameters=schema, fn=fn)
    assert tool.context_param == "ctx"
    assert await run(tool, {"q": "x"}, make_ctx()) == "x:call_1"

    def plain(**kwargs: Any) -> dict[str, Any]:
        return kwargs

    ctx = make_ctx()
    explicit = Tool(name="plain", parameters=schema, fn=plain, context_param="c")
    assert await run(explicit, {"q": "x"}, ctx) == {"q": "x", "c": ctx}
    no_ctx = Tool(name="plain", parameters=schema, fn=plain, context_param=None)
    assert await run(no_ctx, {"q": "x"}, make_ctx()) == {"q": "x"}
    assert Tool(name="plain", parameters=schema, fn=plain).context_param is None


async def test_arguments_are_converted_to_parameter_types() -> None:
    def order(o: Order, color: Color, many: list[Color], ratio: float, n: int) -> dict[str, Any]:
        return {"o": o, "color": color, "many": many, "ratio": ratio, "n": n}

    tool = Tool.from_callable(order)
    args = tool.parse_arguments(
        '{"o": {"item": "tea", "qty": 2, "colors": ["blue"]}, "color": "red",'
        ' "many": ["red", "blue"], "ratio": 1, "n": 4.0}'
    )
    result = await run(tool, args, make_ctx())
    assert result == {
        "o": Order(item="tea", qty=2, colors=(Color.BLUE,)),
        "color": Color.RED,
        "many": [Color.RED, Color.BLUE],
        "ratio": 1.0,
        "n": 4,
    }
    assert type(result["ratio"]) is float
    assert type(result["n"]) is int


async def test_conversion_failure_is_an_arguments_error() -> None:
    called = False

    def order(o: Order) -> None:
        nonlocal called
        called = True

    tool = Tool.from_callable(order)
    args = tool.parse_arguments('{"o": {"item": "tea", "qty": 0}}')  # schema-valid
    with pytest.raises(ToolArgumentsError, match=r"invalid arguments for order: 'o': .*qty"):
        await run(tool, args, make_ctx())
    assert not called


def test_bind_converts_and_binds_without_calling() -> None:
    calls: list[Any] = []

    def order(o: Order, colors: list[Color], ctx: ToolContext) -> None:
        calls.append(o)

    tool = Tool.from_callable(order)
    ctx = make_ctx()
    bound = tool.bind(
        tool.parse_arguments('{"o": {"item": "tea", "qty": 1}, "colors": ["red"]}'), ctx
    )
    assert isinstance(bound, functools.partial)
    assert bound.func is order
    assert bound.args == ()
    assert bound.keywords == {"o": Order(item="tea", qty=1), "colors": [Color.RED], "ctx": ctx}
    assert calls == []
    assert bound() is None
    assert calls == [Order(item="tea", qty=1)]


def test_conversion_failures_name_the_nested_value() -> None:
    def orders(batch: list[Order], by_name: dict[str, Order], pair: tuple[int, Order]) -> None:
        raise AssertionError("not called")

    tool = Tool.from_callable(orders)
    args = tool.parse_arguments(
        '{"batch": [{"item": "a", "qty": 1}, {"item": "b", "qty": 0}],'
        ' "by_name": {"x": {"item": "c", "qty": -1}}, "pair": [1, {"item": "d", "qty": 0}]}'
    )
    with pytest.raises(ToolArgumentsError) as info:
        tool.bind(args, make_ctx())
    assert str(info.value) == (
        "invalid arguments for orders: 'batch[1]': 'qty' must be >= 1: 0; "
        "'by_name.x': 'qty' must be >= 1: -1; 'pair[1]': 'qty' must be >= 1: 0"
    )


def test_context_is_optional_unless_declared() -> None:
    def plain(a: int) -> int:
        return a

    def wants(a: int, ctx: ToolContext) -> int:
        return a

    assert Tool.from_callable(plain).bind({"a": 1})() == 1
    with pytest.raises(TypeError, match="tool 'wants' takes a ToolContext: pass context="):
        Tool.from_callable(wants).bind({"a": 1})


def test_any_interrupt_flag_will_do() -> None:
    class Flag:
        def __init__(self) -> None:
            self.flag = threading.Event()

        def is_set(self) -> bool:
            return self.flag.is_set()

        async def wait(self) -> None:
            raise NotImplementedError

    def poll(ctx: ToolContext) -> bool:
        return ctx.interrupted.is_set()

    flag = Flag()
    ctx = ToolContext(call_id="c", turn_id="r", name="poll", interrupted=flag)
    bound = Tool.from_callable(poll).bind({}, ctx)
    assert bound() is False
    flag.flag.set()
    assert bound() is True


async def test_union_conversion_picks_the_matching_member() -> None:
    def f(v: Order | Color | int) -> Any:
        return v

    tool = Tool.from_callable(f)
    ctx = make_ctx()
    assert await run(tool, tool.parse_arguments('{"v": {"item": "x", "qty": 1}}'), ctx) == Order(
        item="x", qty=1
    )
    assert await run(tool, tool.parse_arguments('{"v": "blue"}'), ctx) is Color.BLUE
    assert await run(tool, tool.parse_arguments('{"v": 3}'), ctx) == 3


async def test_exceptions_propagate_unchanged() -> None:
    class Boom(Exception):
        pass

    async def a() -> None:
        raise Boom("async")

    def s() -> None:
        raise Boom("sync")

    with pytest.raises(Boom, match="async"):
        await run(Tool.from_callable(a), {}, make_ctx())
    with pytest.raises(Boom, match="sync"):
        await run(Tool.from_callable(s), {}, make_ctx())


def test_application_answered_tool_cannot_be_bound() -> None:
    tool = Tool(name="ask_user", description="Ask the user.")
    assert tool.answered_by_app
    with pytest.raises(RuntimeError, match="answered by the application"):
        tool.bind({}, make_ctx())


async def test_sync_function_returning_a_coroutine_is_a_type_error() -> None:
    async def inner(x: int) -> int:
        return x * 2

    def wrapper(x: int) -> Any:  # an async function hidden behind a plain wrapper
        return inner(x)

    tool = Tool.from_callable(wrapper)
    assert not tool.is_async
    with pytest.raises(TypeError, match="expected a sync function"):
        await run(tool, {"x": 21}, make_ctx())


async def test_async_partial_and_async_callable_instance_detected() -> None:
    async def mul(a: int, b: int) -> int:
        return a * b

    class Doubler:
        async def __call__(self, a: int) -> int:
            return a * 2

    part = Tool.from_callable(functools.partial(mul, b=10))
    assert part.is_async
    assert await run(part, {"a": 3}, make_ctx()) == 30
    inst = Tool.from_callable(Doubler(), name="double")
    assert inst.is_async
    assert await run(inst, {"a": 4}, make_ctx()) == 8


async def test_cancelled_async_tool_raises_cancelled() -> None:
    started = trio.Event()
    outcome: list[str] = []

    async def slow() -> str:
        started.set()
        await trio.sleep_forever()

    async def attempt() -> None:
        try:
            outcome.append(await run(Tool.from_callable(slow), {}, make_ctx()))
        except trio.Cancelled:
            outcome.append("cancelled")
            raise

    with trio.CancelScope() as scope:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(attempt)
            await started.wait()
            scope.cancel()
    assert scope.cancelled_caught
    assert outcome == ["cancelled"]


async def test_cancelled_sync_tool_is_abandoned_and_can_poll_interrupted() -> None:
    release = threading.Event()
    done = threading.Event()
    observed: list[bool] = []
    outcome: list[str] = []

    def blocking(ctx: ToolContext) -> str:
        release.wait(10)
        observed.append(ctx.interrupted.is_set())
        done.set()
        return "late result"

    tool = Tool.from_callable(blocking)
    ctx = make_ctx()

    async def attempt() -> None:
        try:
            outcome.append(await run(tool, {}, ctx))
        except trio.Cancelled:
            outcome.append("cancelled")
            raise

    with trio.fail_after(10):
        with trio.CancelScope() as scope:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(attempt)
                await trio.testing.wait_all_tasks_blocked()
                ctx.interrupted.set()
                scope.cancel()
        # call() returned (with Cancelled) while the thread is still blocked.
        assert outcome == ["cancelled"]
        assert observed == []
        release.set()
        # The abandoned thread finishes on its own; its result goes nowhere.
        assert await trio.to_thread.run_sync(done.wait, 10)
    assert observed == [True]
    assert outcome == ["cancelled"]
