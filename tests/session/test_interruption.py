"""Interruption policies, barge-in and truncation, with exact virtual times (DESIGN 4.2, 4.3)."""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import pytest
import trio
import trio.testing

import trio_realtime as rt

from .peer import (
    MemoryGateway,
    audio_delta,
    call_added,
    call_done,
    error,
    message_added,
    response_created,
    response_done,
    speech_started,
)

FAST, SLOW = 0.5, 5.0
ended: dict[str, tuple[str, float]] = {}


async def fast() -> str:
    """Finishes in half a second."""
    await trio.sleep(FAST)
    return "fast-done"


async def slow(ctx: rt.ToolContext) -> str:
    """Takes five seconds."""
    try:
        await trio.sleep(SLOW)
    except trio.Cancelled:
        ended["slow"] = ("cancelled", trio.current_time())
        raise
    ended["slow"] = ("done", trio.current_time())
    return "slow-done"


class Recorder:
    """Collects client frames and published events with the virtual time they appeared."""

    def __init__(self) -> None:
        self.frames: list[tuple[float, dict[str, Any]]] = []
        self.events: list[tuple[float, rt.RealtimeEvent]] = []

    async def frames_from(self, peer: Any) -> None:
        while True:
            frame = await peer.receive()
            self.frames.append((trio.current_time(), frame))

    async def events_from(self, session: rt.RealtimeSession) -> None:
        async for event in session.events():
            self.events.append((trio.current_time(), event))

    def sent(self, type_: str) -> list[tuple[float, dict[str, Any]]]:
        return [(t, f) for t, f in self.frames if f["type"] == type_]

    def outputs(self) -> list[tuple[float, str]]:
        return [
            (t, f["item"]["call_id"])
            for t, f in self.sent("conversation.item.create")
            if f["item"]["type"] == "function_call_output"
        ]

    def kinds(self, kind: str) -> list[tuple[float, Any]]:
        return [(t, e) for t, e in self.events if e.kind == kind]


SCENARIOS = {"finished": ["fast"], "running": ["slow"], "mix": ["fast", "slow"]}
# (policy, scenario) -> (call names whose outputs are sent, offset at which they are sent)
EXPECTED_OUTPUTS: dict[tuple[str, str], tuple[set[str], float | None]] = {
    ("drop", "finished"): (set(), None),
    ("drop", "running"): (set(), None),
    ("drop", "mix"): (set(), None),
    ("submit_completed_only", "finished"): ({"fast"}, 1.0),
    ("submit_completed_only", "running"): (set(), None),
    ("submit_completed_only", "mix"): ({"fast"}, 1.0),
    ("submit", "finished"): ({"fast"}, 1.0),
    ("submit", "running"): ({"slow"}, SLOW),
    ("submit", "mix"): ({"fast", "slow"}, SLOW),
}


@pytest.mark.parametrize("trigger", ["barge_in", "manual"])
@pytest.mark.parametrize("scenario", list(SCENARIOS))
@pytest.mark.parametrize("policy", ["drop", "submit_completed_only", "submit"])
async def test_interruption_policy_table(
    autojump_clock: trio.testing.MockClock, policy: str, scenario: str, trigger: str
) -> None:
    ended.clear()
    gateway = MemoryGateway()
    config = rt.Config(modalities=["text"], tools=[fast, slow], on_interrupt=policy)
    rec = Recorder()
    async with rt.Broker("m", gateway=gateway, config=config).connect() as session:
        peer = gateway.last_peer
        assert peer is not None
        async with trio.open_nursery() as nursery:
            nursery.start_soon(rec.frames_from, peer)
            nursery.start_soon(rec.events_from, session)
            t0 = trio.current_time()
            await peer.send(response_created("resp_T"))
            for index, name in enumerate(SCENARIOS[scenario]):
                call_id = f"call_{name}"
                await peer.send(
                    call_added("resp_T", call_id, name, index),
                    call_done("resp_T", call_id, name, "{}", index),
                )
            await trio.sleep(1.0)
            assert session._rt.batches is not None
            if trigger == "barge_in":
                await peer.send(speech_started())
                await peer.send(
                    response_done("resp_T", "cancelled", type="cancelled", reason="turn_detected")
                )
            else:
                await session.interrupt()
                await trio.testing.wait_all_tasks_blocked()
                await peer.send(
                    response_done(
                        "resp_T", "cancelled", type="cancelled", reason="client_cancelled"
                    )
                )
            await trio.testing.wait_all_tasks_blocked()
            while session._rt.batches.batch_scope("resp_T") is not None:
                await trio.sleep(0.001)  # virtual time: find when the batch scope exited
            scope_exited = trio.current_time() - t0
            await trio.sleep(10)
            nursery.cancel_scope.cancel()

    names, at = EXPECTED_OUTPUTS[(policy, scenario)]
    outputs = rec.outputs()
    assert {call_id.removeprefix("call_") for _, call_id in outputs} == names
    if at is not None:
        assert outputs
        assert all(t - t0 == pytest.approx(at) for t, _ in outputs)
    # no response.create ever follows an interrupted batch
    assert rec.sent("response.create") == []
    # a manual interrupt cancels the response itself; a server-VAD barge-in leaves it to the server
    cancels = rec.sent("response.cancel")
    if trigger == "manual":
        assert [(t - t0, f["response_id"]) for t, f in cancels] == [(pytest.approx(1.0), "resp_T")]
    else:
        assert cancels == []
    interrupted = rec.kinds("interrupted")
    assert [(t - t0, e.reason) for t, e in interrupted] == [(pytest.approx(1.0), trigger)]
    # the slow tool: cancelled at the interruption unless the policy lets it finish
    if "slow" in SCENARIOS[scenario]:
        how, when = ended["slow"]
        if policy == "submit":
            assert (how, when - t0) == ("done", pytest.approx(SLOW))
        else:
            assert (how, when - t0) == ("cancelled", pytest.approx(1.0))
            failed = rec.kinds("tool_call_failed")
            assert [(t - t0, e.call_id) for t, e in failed] == [(pytest.approx(1.0), "call_slow")]
            assert "interrupted" in failed[0][1].error
    # the batch scope exits at the interruption, except when submit waits for a running tool
    waits = policy == "submit" and "slow" in SCENARIOS[scenario]
    assert scope_exited == pytest.approx(SLOW if waits else 1.0, abs=0.002)
    # every dispatched call ends exactly once
    ends = [
        e.call_id for _, e in rec.events if e.kind in ("tool_call_completed", "tool_call_failed")
    ]
    assert sorted(ends) == sorted(f"call_{n}" for n in SCENARIOS[scenario])
    submitted = rec.kinds("tool_batch_submitted")
    if names:
        assert [set(e.call_ids) for _, e in submitted] == [{f"call_{n}" for n in names}]
    else:
        assert submitted == []


def _pcm(ms: int, rate: int = 24000) -> bytes:
    return (np.arange(rate * ms // 1000) % 200).astype("<i2").tobytes()


async def _audio_turn(peer: Any, ms: int, *, done: bool) -> None:
    await peer.send(response_created("resp_A"), message_added("resp_A", "item_A"))
    for _ in range(ms // 100):
        await peer.send(audio_delta("resp_A", "item_A", _pcm(100)))
    if done:
        await peer.send(response_done("resp_A"))


async def test_barge_in_truncates_at_estimated_playback(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway()
    rec = Recorder()
    async with rt.open_session("m", gateway=gateway) as session:
        peer = gateway.last_peer
        async with trio.open_nursery() as nursery:
            nursery.start_soon(rec.frames_from, peer)
            nursery.start_soon(rec.events_from, session)
            await _audio_turn(peer, 2000, done=True)  # generated faster than real time
            await trio.sleep(0.75)  # 750 ms played (monotonic estimate since the first audio)
            await peer.send(speech_started())
            await trio.testing.wait_all_tasks_blocked()
            nursery.cancel_scope.cancel()
    truncates = [f for _, f in rec.sent("conversation.item.truncate")]
    assert truncates == [
        {**truncates[0], "item_id": "item_A", "content_index": 0, "audio_end_ms": 750}
    ]
    assert rec.sent("response.cancel") == []  # the response was already done
    assert [e.reason for _, e in rec.kinds("interrupted")] == ["barge_in"]


async def test_playback_reports_win_over_the_estimate(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway()
    rec = Recorder()
    async with rt.open_session("m", gateway=gateway) as session:
        peer = gateway.last_peer
        async with trio.open_nursery() as nursery:
            nursery.start_soon(rec.frames_from, peer)
            await _audio_turn(peer, 1000, done=False)
            await trio.sleep(0.9)
            session.report_playback("item_A", 250)  # the speaker is behind: only 250 ms heard
            await session.interrupt()
            await trio.testing.wait_all_tasks_blocked()
            nursery.cancel_scope.cancel()
    assert [f["type"] for _, f in rec.frames] == ["response.cancel", "conversation.item.truncate"]
    assert rec.frames[1][1]["audio_end_ms"] == 250


async def test_played_everything_means_no_truncate(autojump_clock: trio.testing.MockClock) -> None:
    gateway = MemoryGateway()
    rec = Recorder()
    async with rt.open_session("m", gateway=gateway) as session:
        peer = gateway.last_peer
        async with trio.open_nursery() as nursery:
            nursery.start_soon(rec.frames_from, peer)
            await _audio_turn(peer, 500, done=False)
            session.report_playback("item_A", 5000)  # more than was received: clamped -> all heard
            await session.interrupt()
            await trio.testing.wait_all_tasks_blocked()
            nursery.cancel_scope.cancel()
    assert [f["type"] for _, f in rec.frames] == ["response.cancel"]


async def test_nothing_heard_deletes_the_item(autojump_clock: trio.testing.MockClock) -> None:
    gateway = MemoryGateway()
    rec = Recorder()
    async with rt.open_session("m", gateway=gateway):
        peer = gateway.last_peer
        async with trio.open_nursery() as nursery:
            nursery.start_soon(rec.frames_from, peer)
            await peer.send(response_created("resp_A"), message_added("resp_A", "item_A"))
            await peer.send(speech_started())  # before the first audio delta
            await trio.testing.wait_all_tasks_blocked()
            nursery.cancel_scope.cancel()
    assert [f["type"] for _, f in rec.frames] == ["conversation.item.delete"]
    assert rec.frames[0][1]["item_id"] == "item_A"


async def test_late_audio_of_an_interrupted_turn_is_dropped(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway()
    rec = Recorder()
    async with rt.open_session("m", gateway=gateway) as session:
        peer = gateway.last_peer
        async with trio.open_nursery() as nursery:
            nursery.start_soon(rec.events_from, session)
            await _audio_turn(peer, 300, done=False)
            await trio.sleep(0.1)
            await peer.send(speech_started())
            for _ in range(5):
                await peer.send(audio_delta("resp_A", "item_A", _pcm(100)))
            await peer.send(
                response_done("resp_A", "cancelled", type="cancelled", reason="turn_detected")
            )
            await trio.testing.wait_all_tasks_blocked()
            nursery.cancel_scope.cancel()
        assert len(rec.kinds("assistant_audio_delta")) == 3
        assert session.statistics().dropped_audio_deltas == 5
        completed = rec.kinds("assistant_turn_completed")[0][1]
        assert (completed.status, completed.status_reason) == ("cancelled", "turn_detected")


async def test_g711_truncation_counts_samples(autojump_clock: trio.testing.MockClock) -> None:
    gateway = MemoryGateway()
    rec = Recorder()
    config = rt.Config(output_audio_format="g711_ulaw")
    async with rt.open_session("m", gateway=gateway, config=config) as session:
        peer = gateway.last_peer
        async with trio.open_nursery() as nursery:
            nursery.start_soon(rec.frames_from, peer)
            nursery.start_soon(rec.events_from, session)
            await peer.send(response_created("resp_A"), message_added("resp_A", "item_A"))
            ulaw = bytes([0xFF]) * 800  # 800 μ-law bytes = 800 samples at 8 kHz = 100 ms
            await peer.send(
                {**audio_delta("resp_A", "item_A", b""), "delta": base64.b64encode(ulaw).decode()}
            )
            await trio.sleep(0.06)
            await session.interrupt()
            await trio.testing.wait_all_tasks_blocked()
            nursery.cancel_scope.cancel()
    audio = rec.kinds("assistant_audio_delta")[0][1]
    assert audio.sample_rate == 8000 and len(audio.pcm) == 1600
    truncate = [f for _, f in rec.sent("conversation.item.truncate")]
    assert [f["audio_end_ms"] for f in truncate] == [60]


async def test_truncate_error_is_recoverable(autojump_clock: trio.testing.MockClock) -> None:
    gateway = MemoryGateway()
    async with rt.open_session("m", gateway=gateway) as session:
        peer = gateway.last_peer
        await peer.send(
            error("invalid_value", "Audio content of 2450ms is already shorter than 2535ms")
        )
        await peer.send(response_created("r2"))
        kinds = []
        async for event in session.events():
            kinds.append(event)
            if event.kind == "assistant_turn_started":
                break
        assert kinds[-2] == rt.Error(
            code="invalid_value",
            message="Audio content of 2450ms is already shorter than 2535ms",
            recoverable=True,
        )
        assert not session.closed


async def test_interrupt_with_nothing_live_is_a_no_op(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway()
    async with rt.open_session("m", gateway=gateway) as session:
        peer = gateway.last_peer
        await session.interrupt()
        await peer.send(speech_started())
        await trio.testing.wait_all_tasks_blocked()
        assert peer.pending() == []
        assert session.statistics().events_published.get("interrupted") is None
