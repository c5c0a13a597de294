"""Every realtime telemetry point fires, with its documented measurements and metadata, in a
full session (text and audio, tools, a failing tool, a handoff, an error, a dropped
connection), at exact virtual times."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
import trio
import trio.testing

import trio_realtime as rt
from trio_realtime import telemetry

from .scenario import run_scenario

Seen = list[tuple[float, tuple[str, ...], dict[str, float], dict[str, Any]]]


@pytest.fixture(autouse=True)
def clean() -> Iterator[None]:
    yield
    for info in telemetry.list_handlers():
        telemetry.detach(info.handler_id)


def attach(seen: Seen, *, content: bool) -> None:
    def handler(name: tuple[str, ...], m: Mapping[str, float], md: Mapping[str, Any]) -> None:
        seen.append((trio.current_time(), name, dict(m), dict(md)))

    telemetry.attach(f"test-{content}", telemetry.ALL, handler, include_content=content)


def by_name(
    seen: Seen, name: tuple[str, ...]
) -> list[tuple[float, dict[str, float], dict[str, Any]]]:
    return [(t, m, md) for t, n, m, md in seen if n == name]


async def test_every_realtime_point_fires(autojump_clock: trio.testing.MockClock) -> None:
    seen: Seen = []
    attach(seen, content=False)
    t0 = trio.current_time()
    await run_scenario()
    names = {name for _, name, _, _ in seen}
    realtime = {n for n in telemetry.ALL if n[0] == "realtime"}
    assert realtime <= names

    ((t, m, md),) = by_name(seen, telemetry.SESSION_START)
    assert (t - t0, m, md) == (
        0.0,
        {},
        {"session_id": "sess_1", "model": "gpt-realtime", "provider": "openai", "agent": None},
    )
    ((t, m, md),) = by_name(seen, telemetry.AUDIO_SENT)
    assert (m, md) == ({"bytes": 4800.0, "duration_ms": 100.0}, {"session_id": "sess_1"})
    ((t, m, md),) = by_name(seen, telemetry.AUDIO_RECEIVED)
    assert (t - t0, m) == (1.0, {"bytes": 2400.0, "duration_ms": 50.0})
    assert md == {"session_id": "sess_1", "turn_id": "resp_1", "item_id": "item_1"}

    starts = by_name(seen, telemetry.TURN_START)
    assert [(t - t0, md["turn_id"]) for t, _, md in starts] == [
        (1.0, "resp_1"),
        (2.25, "resp_2"),
        (4.25, "resp_3"),
    ]
    stops = by_name(seen, telemetry.TURN_STOP)
    assert [(t - t0, md["turn_id"], md["status"]) for t, _, md in stops] == [
        (1.25, "resp_1", "completed"),
        (2.25, "resp_2", "completed"),
    ]  # resp_3 was cut by the drop: no stop
    first = stops[0][1]
    assert first["duration_s"] == 0.25
    assert (first["input_tokens"], first["output_tokens"], first["cached_tokens"]) == (100, 30, 20)

    calls = by_name(seen, telemetry.TOOL_CALL)
    assert [(md["call_id"], md["name"], md["turn_id"]) for _, _, md in calls] == [
        ("call_a", "lookup", "resp_2"),
        ("call_b", "explode", "resp_2"),
        ("call_c", "transfer_to_support", "resp_2"),
    ]
    assert all("arguments" not in md for _, _, md in calls)  # content not asked for
    results = {md["call_id"]: (t - t0, m, md) for t, m, md in by_name(seen, telemetry.TOOL_RESULT)}
    assert results["call_a"][0] == 2.75 and results["call_a"][1] == {"duration_s": 0.5}
    assert results["call_a"][2]["ok"] is True
    assert results["call_b"][2]["ok"] is False and "error" not in results["call_b"][2]
    assert results["call_c"][2]["ok"] is True

    ((t, m, md),) = by_name(seen, telemetry.AGENT_HANDOFF)
    assert (t - t0, md) == (
        2.25,
        {"session_id": "sess_1", "from_agent": "Greeter", "to_agent": "Support"},
    )
    ((t, m, md),) = by_name(seen, telemetry.SESSION_ERROR)
    assert (t - t0, md) == (
        3.25,
        {
            "session_id": "sess_1",
            "code": "conversation_already_has_active_response",
            "recoverable": True,
        },
    )
    ((t, m, md),) = by_name(seen, telemetry.SESSION_STOP)
    assert (t - t0, m) == (4.75, {"duration_s": 4.75})
    assert (md["reason"], md["code"]) == ("error", None)


async def test_content_only_for_handlers_that_ask(autojump_clock: trio.testing.MockClock) -> None:
    plain: Seen = []
    rich: Seen = []
    attach(plain, content=False)
    attach(rich, content=True)
    await run_scenario()
    calls = by_name(rich, telemetry.TOOL_CALL)
    assert calls[0][2]["arguments"] == {"city": "Oslo"}
    results = {md["call_id"]: md for _, _, md in by_name(rich, telemetry.TOOL_RESULT)}
    assert results["call_a"]["result"] == "Oslo: sunny"
    assert "kaboom" in results["call_b"]["error"]
    assert by_name(rich, telemetry.SESSION_ERROR)[0][2]["message"] == "busy"
    assert all("arguments" not in md for _, _, md in by_name(plain, telemetry.TOOL_CALL))
    for _, _, md in by_name(plain, telemetry.TOOL_RESULT):
        assert "result" not in md and "error" not in md
    assert "message" not in by_name(plain, telemetry.SESSION_ERROR)[0][2]


async def test_a_raising_handler_is_detached_and_the_session_goes_on(
    autojump_clock: trio.testing.MockClock, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(name: tuple[str, ...], m: Mapping[str, float], md: Mapping[str, Any]) -> None:
        raise ValueError("handler bug")

    telemetry.attach("broken", telemetry.TOOL_CALL, broken)
    with caplog.at_level(logging.WARNING, logger="trio_realtime.telemetry"):
        events = await run_scenario()
    assert "broken" not in [h.handler_id for h in telemetry.list_handlers()]
    assert any("'broken' raised" in r.getMessage() for r in caplog.records)
    assert [e.kind for e in events].count("tool_call_completed") == 2


async def test_structured_logs_carry_ids_and_no_content(
    autojump_clock: trio.testing.MockClock, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="trio_realtime.session"):
        await run_scenario()
    records = [r for r in caplog.records if r.name == "trio_realtime.session"]
    assert records and all(getattr(r, "session_id", None) == "sess_1" for r in records)
    messages = [r.getMessage() for r in records]
    assert any("handoff Greeter -> Support" in m for m in messages)
    assert any("closed (error" in m for m in messages)
    assert not any("kaboom" in m or "Oslo" in m or "busy" in m for m in messages)


def test_telemetry_names_module_lists_the_turn_points() -> None:
    assert rt.telemetry.TURN_START in rt.telemetry.ALL
    assert rt.telemetry.TURN_STOP in rt.telemetry.ALL
