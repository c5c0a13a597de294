"""BatchRunner on its own: a turn machine, a nursery, and the actions it applies."""

from __future__ import annotations

from typing import Any

import pytest
import trio
import trio.testing

from trio_realtime._actions import Action, StartCall
from trio_realtime._batches import BatchRunner
from trio_realtime._turns import TurnMachine
from trio_realtime.config import Config
from trio_realtime.events import AssistantTurnStarted, ToolCallCompleted, ToolCallFailed
from trio_realtime.protocol import OpenAIProtocol, ToolCallReady
from trio_realtime.tools import Tool

ran: list[str] = []


async def wait(seconds: float) -> str:
    """Sleep, then answer."""
    ran.append(f"wait {seconds}")
    await trio.sleep(seconds)
    return f"waited {seconds}"


def sync_add(a: int, b: int) -> int:
    """Add in a worker thread."""
    return a + b


APP = Tool(name="lookup", description="Answered by the app.", parameters={"type": "object"})


class Harness:
    def __init__(self, nursery: trio.Nursery, **config: Any) -> None:
        cfg = Config(
            modalities=["text"], turn_detection=None, tools=[wait, sync_add, APP], **config
        )
        self.machine = TurnMachine(cfg, OpenAIProtocol(cfg))
        self.applied: list[Action] = []
        self.runner = BatchRunner(
            nursery,
            machine=self.machine,
            apply=self.applied.extend,
            default_timeout=cfg.tool_timeout,
            max_concurrent=cfg.max_concurrent_tools,
        )
        self.machine.apply(AssistantTurnStarted(turn_id="r1"), 0.0)

    def start(self, call_id: str, name: str, arguments: str = "{}") -> None:
        ready = ToolCallReady(turn_id="r1", call_id=call_id, name=name, arguments=arguments)
        for action in self.machine.apply(ready, 0.0):
            if isinstance(action, StartCall):
                self.runner.start(action)

    def outcomes(self) -> dict[str, tuple[str, Any]]:
        out: dict[str, tuple[str, Any]] = {}
        for action in self.applied:
            if isinstance(action, ToolCallCompleted):
                assert action.call_id not in out
                out[action.call_id] = ("completed", action.result)
            elif isinstance(action, ToolCallFailed):
                assert action.call_id not in out
                out[action.call_id] = ("failed", action.error)
        return out


async def test_calls_run_concurrently_and_report_once(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with trio.open_nursery() as nursery:
        h = Harness(nursery)
        start = trio.current_time()
        h.start("c1", "wait", '{"seconds": 1}')
        h.start("c2", "wait", '{"seconds": 1}')
        h.runner.seal("r1")
        await h.runner.wait_idle()
        assert trio.current_time() - start == 1.0
    assert h.outcomes() == {
        "c1": ("completed", "waited 1.0"),
        "c2": ("completed", "waited 1.0"),
    }


async def test_sync_tools_run_in_a_worker_thread() -> None:
    async with trio.open_nursery() as nursery:
        h = Harness(nursery)
        h.start("c1", "sync_add", '{"a": 2, "b": 3}')
        h.runner.seal("r1")
        with trio.fail_after(10):
            await h.runner.wait_idle()
    assert h.outcomes() == {"c1": ("completed", 5)}


async def test_a_batch_cancelled_before_it_runs_reports_every_call_and_runs_none(
    autojump_clock: trio.testing.MockClock,
) -> None:
    ran.clear()
    async with trio.open_nursery() as nursery:
        h = Harness(nursery)
        h.start("c1", "wait", '{"seconds": 1}')
        h.start("c2", "wait", '{"seconds": 2}')
        h.runner.cancel("r1")  # synchronously, before the batch task ran
        await h.runner.wait_idle()
    assert ran == []
    assert {c: kind for c, (kind, _) in h.outcomes().items()} == {"c1": "failed", "c2": "failed"}


async def test_a_withdrawn_call_is_cancelled_alone(autojump_clock: trio.testing.MockClock) -> None:
    async with trio.open_nursery() as nursery:
        h = Harness(nursery)
        h.start("c1", "wait", '{"seconds": 1}')
        h.start("c2", "wait", '{"seconds": 5}')
        await trio.sleep(0.5)
        h.runner.cancel_calls("r1", ["c2"])
        h.runner.seal("r1")
        await h.runner.wait_idle()
    outcomes = h.outcomes()
    assert outcomes["c1"] == ("completed", "waited 1.0")
    assert outcomes["c2"][0] == "failed" and "withdrew" in outcomes["c2"][1]


async def test_timeouts_and_the_limiter(autojump_clock: trio.testing.MockClock) -> None:
    async with trio.open_nursery() as nursery:
        h = Harness(nursery, tool_timeout=2.0, max_concurrent_tools=1)
        start = trio.current_time()
        h.start("c1", "wait", '{"seconds": 1.5}')
        h.start("c2", "wait", '{"seconds": 1.5}')  # waits for c1: its timeout starts later
        h.start("c3", "wait", '{"seconds": 9}')
        h.runner.seal("r1")
        await h.runner.wait_idle()
        assert trio.current_time() - start == 1.5 + 1.5 + 2.0
    outcomes = h.outcomes()
    assert outcomes["c1"][0] == outcomes["c2"][0] == "completed"
    assert outcomes["c3"] == ("failed", "tool 'wait' timed out after 2 s")


async def test_application_answers(autojump_clock: trio.testing.MockClock) -> None:
    async with trio.open_nursery() as nursery:
        h = Harness(nursery)
        h.start("c1", "lookup")
        h.start("c2", "lookup")
        with pytest.raises(ValueError, match="no pending application-answered"):
            h.runner.answer("c9", result=1)
        await trio.testing.wait_all_tasks_blocked()
        h.runner.answer("c1", result={"hits": 3})
        h.runner.answer("c2", error="not found")
        with pytest.raises(ValueError, match="already answered"):
            h.runner.answer("c1", result=2)
        h.runner.seal("r1")
        await h.runner.wait_idle()
    assert h.outcomes() == {"c1": ("completed", {"hits": 3}), "c2": ("failed", "not found")}
