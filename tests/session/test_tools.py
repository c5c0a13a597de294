"""Tool dispatch in a live session: parallelism, threads, timeouts, failures, app answers."""

from __future__ import annotations

import threading
from typing import Any

import orjson
import pytest
import trio
import trio.testing

import trio_realtime as rt

from .peer import MemoryGateway, call_added, call_done, response_created, response_done
from .test_interruption import Recorder


async def one_second(tag: str) -> str:
    """Sleeps a second."""
    await trio.sleep(1)
    return f"done {tag}"


def blocking(x: int) -> dict[str, Any]:
    """A sync tool: runs in a worker thread."""
    return {"x": x, "thread": threading.current_thread().name, "main": threading.main_thread().name}


async def hangs() -> str:
    """Never returns."""
    await trio.sleep_forever()
    return "unreachable"


async def raises(n: int) -> int:
    """Always fails."""
    await trio.sleep(0.1)
    raise RuntimeError(f"broken {n}")


def app_answers() -> rt.Tool:
    return rt.Tool(
        name="lookup",
        description="Answered by the app.",
        parameters={"type": "object", "properties": {}},
    )


TOOLS = [one_second, blocking, hangs, raises, app_answers()]


async def _tool_response(peer: Any, rid: str, calls: list[tuple[str, str, str]]) -> None:
    await peer.send(response_created(rid))
    for index, (call_id, name, args) in enumerate(calls):
        await peer.send(
            call_added(rid, call_id, name, index), call_done(rid, call_id, name, args, index)
        )
    await peer.send(response_done(rid))


async def _run(
    calls: list[tuple[str, str, str]], *, wait: float = 10, answer: Any = None, **config: Any
) -> tuple[Recorder, float]:
    gateway = MemoryGateway()
    rec = Recorder()
    cfg = rt.Config(modalities=["text"], tools=TOOLS, **config)
    async with rt.open_session("m", gateway=gateway, config=cfg) as session:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(rec.frames_from, gateway.last_peer)
            nursery.start_soon(rec.events_from, session)
            t0 = trio.current_time()
            await _tool_response(gateway.last_peer, "resp_T", calls)
            if answer is not None:
                await trio.testing.wait_all_tasks_blocked()
                await answer(session)
            await trio.sleep(wait)
            nursery.cancel_scope.cancel()
    return rec, t0


async def test_parallel_calls_run_concurrently(autojump_clock: trio.testing.MockClock) -> None:
    rec, t0 = await _run([("c1", "one_second", '{"tag":"a"}'), ("c2", "one_second", '{"tag":"b"}')])
    completed = rec.kinds("tool_call_completed")
    assert sorted((t - t0, e.call_id, e.result) for t, e in completed) == [
        (pytest.approx(1.0), "c1", "done a"),
        (pytest.approx(1.0), "c2", "done b"),
    ]
    outputs = [(t - t0, f["item"]) for t, f in rec.sent("conversation.item.create")]
    assert [(t, i["call_id"], i["output"]) for t, i in outputs] == [
        (pytest.approx(1.0), "c1", "done a"),
        (pytest.approx(1.0), "c2", "done b"),
    ]
    creates = rec.sent("response.create")
    assert len(creates) == 1 and creates[0][0] - t0 == pytest.approx(1.0)
    # the create comes after both outputs
    types = [f["type"] for _, f in rec.frames]
    assert types == ["conversation.item.create", "conversation.item.create", "response.create"]
    submitted = rec.kinds("tool_batch_submitted")
    assert [e.call_ids for _, e in submitted] == [("c1", "c2")]
    dispatched = rec.kinds("tool_call_dispatched")
    assert [e.args for _, e in dispatched] == [{"tag": "a"}, {"tag": "b"}]


async def test_sync_tool_runs_in_a_thread() -> None:
    # real clock: a worker thread takes real time, which an autojumping clock would skip over
    rec, _ = await _run([("c1", "blocking", '{"x": 3}')], wait=0.5)
    result = rec.kinds("tool_call_completed")[0][1].result
    assert result["x"] == 3 and result["thread"] != result["main"]
    output = orjson.loads(rec.sent("conversation.item.create")[0][1]["item"]["output"])
    assert output == result


async def test_hung_tool_hits_its_timeout(autojump_clock: trio.testing.MockClock) -> None:
    rec, t0 = await _run([("c1", "hangs", "{}")], tool_timeout=2.0)
    failed = rec.kinds("tool_call_failed")
    assert [(t - t0, e.call_id) for t, e in failed] == [(pytest.approx(2.0), "c1")]
    assert "timed out after 2 s" in failed[0][1].error
    item = rec.sent("conversation.item.create")[0][1]["item"]
    assert orjson.loads(item["output"]) == {"error": failed[0][1].error}
    assert len(rec.sent("response.create")) == 1


async def _until(condition: Any, *, within: float = 10.0) -> None:
    """Wait (real clock) until ``condition()`` holds: for what worker threads do."""
    with trio.fail_after(within):
        while not condition():
            await trio.sleep(0.005)


async def test_abandoned_sync_tools_use_the_sessions_threads_not_the_process() -> None:
    # real clock: an autojumping clock would time a running worker thread out at once
    release = threading.Event()
    started: list[str] = []
    returned: list[str] = []

    def stuck(tag: str) -> str:
        """Blocks until released."""
        started.append(tag)
        release.wait(20)
        returned.append(tag)
        return tag

    def count(kind: str) -> int:
        return len(rec.kinds(kind))

    process_threads = trio.to_thread.current_default_thread_limiter()
    gateway = MemoryGateway()
    rec = Recorder()
    cfg = rt.Config(modalities=["text"], tools=[stuck], tool_timeout=0.3, max_concurrent_tools=2)
    try:
        with trio.fail_after(20):
            async with rt.open_session("m", gateway=gateway, config=cfg) as session:
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(rec.frames_from, gateway.last_peer)
                    nursery.start_soon(rec.events_from, session)
                    two = [("c1", "stuck", '{"tag":"a"}'), ("c2", "stuck", '{"tag":"b"}')]
                    await _tool_response(gateway.last_peer, "r1", two)
                    await _until(lambda: count("tool_call_failed") == 2)  # threads run on
                    assert sorted(started) == ["a", "b"] and returned == []
                    assert process_threads.borrowed_tokens == 0  # the session's threads
                    # a third sync call waits for one of them, within its own timeout
                    await _tool_response(gateway.last_peer, "r2", [("c3", "stuck", '{"tag":"c"}')])
                    await _until(lambda: count("tool_call_failed") == 3)
                    assert sorted(started) == ["a", "b"]  # it never got a thread
                    release.set()  # the abandoned threads return: their tokens come back
                    await _until(lambda: len(returned) == 2)
                    await _tool_response(gateway.last_peer, "r3", [("c4", "stuck", '{"tag":"d"}')])
                    await _until(lambda: count("tool_call_completed") == 1)
                    nursery.cancel_scope.cancel()
    finally:
        release.set()
    failed = {e.call_id: e.error for _, e in rec.kinds("tool_call_failed")}
    assert sorted(failed) == ["c1", "c2", "c3"]
    assert all("timed out after 0.3 s" in error for error in failed.values())
    completed = [(e.call_id, e.result) for _, e in rec.kinds("tool_call_completed")]
    assert completed == [("c4", "d")]


@pytest.mark.parametrize(
    ("name", "args", "message"),
    [
        ("raises", '{"n": 7}', "RuntimeError: broken 7"),
        ("raises", '{"n": ', "invalid"),
        ("raises", '{"n": "seven"}', "n"),
        ("nope", "{}", "unknown tool 'nope'"),
    ],
)
async def test_failures_become_error_outputs(
    autojump_clock: trio.testing.MockClock, name: str, args: str, message: str
) -> None:
    rec, _ = await _run([("c1", name, args)])
    failed = rec.kinds("tool_call_failed")
    assert len(failed) == 1 and message in failed[0][1].error
    item = rec.sent("conversation.item.create")[0][1]["item"]
    assert item["type"] == "function_call_output" and item["call_id"] == "c1"
    assert orjson.loads(item["output"]) == {"error": failed[0][1].error}
    assert len(rec.sent("response.create")) == 1  # the model gets to react


async def test_application_answered_tool(autojump_clock: trio.testing.MockClock) -> None:
    async def answer(session: rt.RealtimeSession) -> None:
        await session.send_tool_result("c1", {"rows": 2})
        with pytest.raises(ValueError, match="already answered|no pending"):
            await session.send_tool_result("c1", "again")
        with pytest.raises(ValueError, match="no pending"):
            await session.send_tool_error("unknown", "x")

    rec, _ = await _run([("c1", "lookup", "{}")], answer=answer)
    assert [e.result for _, e in rec.kinds("tool_call_completed")] == [{"rows": 2}]
    assert rec.sent("conversation.item.create")[0][1]["item"]["output"] == '{"rows":2}'


async def test_application_answer_error(autojump_clock: trio.testing.MockClock) -> None:
    async def answer(session: rt.RealtimeSession) -> None:
        await session.send_tool_error("c1", "database down")

    rec, _ = await _run([("c1", "lookup", "{}")], answer=answer)
    assert [e.error for _, e in rec.kinds("tool_call_failed")] == ["database down"]


async def test_each_call_is_dispatched_once(autojump_clock: trio.testing.MockClock) -> None:
    gateway = MemoryGateway()
    rec = Recorder()
    cfg = rt.Config(modalities=["text"], tools=TOOLS)
    async with rt.open_session("m", gateway=gateway, config=cfg) as session:
        peer = gateway.last_peer
        async with trio.open_nursery() as nursery:
            nursery.start_soon(rec.events_from, session)
            done = call_done("r", "c1", "one_second", '{"tag":"x"}')
            item_done = {
                "type": "response.output_item.done",
                "event_id": "e",
                "response_id": "r",
                "output_index": 0,
                "item": {
                    "id": "item_c1",
                    "type": "function_call",
                    "status": "completed",
                    "name": "one_second",
                    "call_id": "c1",
                    "arguments": '{"tag":"x"}',
                },
            }
            await peer.send(
                response_created("r"),
                call_added("r", "c1", "one_second"),
                done,
                item_done,
                response_done("r"),
            )
            await trio.sleep(3)
            nursery.cancel_scope.cancel()
    assert len(rec.kinds("tool_call_dispatched")) == 1
    assert len(rec.kinds("tool_call_completed")) == 1


async def test_tools_are_cancelled_when_the_server_closes(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway()
    rec = Recorder()
    cfg = rt.Config(modalities=["text"], tools=TOOLS)
    async with rt.open_session("m", gateway=gateway, config=cfg) as session:
        peer = gateway.last_peer
        async with trio.open_nursery() as nursery:
            nursery.start_soon(rec.events_from, session)
            t0 = trio.current_time()
            await _tool_response(peer, "r", [("c1", "hangs", "{}")])
            await trio.sleep(1)
            await peer.transport.aclose(1011, "internal error")
            await trio.sleep(1)
        failed = rec.kinds("tool_call_failed")
        assert [(t - t0, e.call_id) for t, e in failed] == [(pytest.approx(1.0), "c1")]
        assert rec.events[-1][1] == rt.SessionClosed(
            reason="server", code=1011, message="internal error"
        )


async def test_no_follow_up_after_a_cancelled_tool_response(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway()
    rec = Recorder()
    cfg = rt.Config(modalities=["text"], tools=TOOLS)
    async with rt.open_session("m", gateway=gateway, config=cfg) as session:
        peer = gateway.last_peer
        async with trio.open_nursery() as nursery:
            nursery.start_soon(rec.frames_from, peer)
            await peer.send(
                response_created("r"),
                call_added("r", "c1", "one_second"),
                call_done("r", "c1", "one_second", '{"tag":"x"}'),
            )
            await session.cancel_response()
            await peer.send(
                response_done("r", "cancelled", type="cancelled", reason="client_cancelled")
            )
            await trio.sleep(3)
            nursery.cancel_scope.cancel()
    types = [f["type"] for _, f in rec.frames]
    assert types == ["response.cancel", "conversation.item.create"]  # the output, no create


async def test_app_answer_inline_on_dispatch(autojump_clock: trio.testing.MockClock) -> None:
    """Answering right in the events() loop, as the docs say, must work (no race)."""
    gateway = MemoryGateway()
    rec = Recorder()
    cfg = rt.Config(modalities=["text"], tools=TOOLS)
    async with rt.open_session("m", gateway=gateway, config=cfg) as session:
        peer = gateway.last_peer
        async with trio.open_nursery() as nursery:
            nursery.start_soon(rec.frames_from, peer)
            await _tool_response(peer, "r", [("c1", "lookup", "{}")])
            async for event in session.events():
                if event.kind == "tool_call_dispatched":
                    await session.send_tool_result(event.call_id, ["apples"])
                elif event.kind == "tool_batch_submitted":
                    break
            await trio.sleep(1)
            nursery.cancel_scope.cancel()
    outputs = [f["item"]["output"] for _, f in rec.sent("conversation.item.create")]
    assert outputs == ['["apples"]']
    assert len(rec.sent("response.create")) == 1
