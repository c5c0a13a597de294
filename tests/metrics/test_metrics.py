"""Session metrics on trio's virtual clock: exact latencies, reaction times, tool durations,
usage totals and costs; ``turn_metrics`` events; totals against the local server's usage."""

from __future__ import annotations

import contextlib
import pathlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import trio
import trio.testing

import trio_realtime as rt
from trio_realtime.recording import read_recording
from trio_realtime.server import Pacing
from trio_realtime.testing import MemoryGateway, ScriptedPeer, calls, start_local_server
from trio_realtime.testing.frames import (
    audio_delta,
    call_added,
    call_done,
    message_added,
    response_created,
    response_done,
    speech_started,
    speech_stopped,
    text_delta,
)
from trio_realtime.transport import TransportClosed

USAGE = {
    "total_tokens": 130,
    "input_tokens": 100,
    "output_tokens": 30,
    "input_token_details": {"text_tokens": 60, "audio_tokens": 40, "cached_tokens": 20},
    "output_token_details": {"text_tokens": 10, "audio_tokens": 20},
}
# gpt-realtime list prices: cached 20 split 12 text / 8 audio over the 60/40 input
USAGE_COST = (48 * 4 + 12 * 0.4 + 32 * 32 + 8 * 0.4 + 10 * 16 + 20 * 64) / 1e6


class Wire:
    """Reads the client's frames (the memory transport has no buffer: a paused wire makes the
    client's writer wait, like a slow socket)."""

    def __init__(self, peer: ScriptedPeer) -> None:
        self.peer = peer
        self.frames: list[tuple[float, dict[str, Any]]] = []
        self.open = trio.Event()
        self.open.set()
        self._scope = trio.CancelScope()

    async def run(self) -> None:
        with contextlib.suppress(TransportClosed):
            await self._run()

    async def _run(self) -> None:
        while True:
            await self.open.wait()
            with trio.CancelScope() as self._scope:
                while True:
                    event = await self.peer.receive()  # cancel-safe: nothing is lost
                    self.frames.append((trio.current_time(), event))

    def pause(self) -> None:
        self.open = trio.Event()
        self._scope.cancel()


@asynccontextmanager
async def scripted(**options: Any) -> AsyncIterator[tuple[rt.RealtimeSession, ScriptedPeer, Wire]]:
    gateway = MemoryGateway(buffer=0, auto_handshake=False)
    config = options.pop("config", rt.Config(modalities=["audio"], turn_detection=None))
    broker = rt.Broker("gpt-realtime", gateway=gateway, config=config, **options)
    async with trio.open_nursery() as nursery:

        async def handshake() -> None:
            peer = await gateway.next_peer()
            await peer.handshake()

        nursery.start_soon(handshake)
        async with broker.connect() as session:
            peer = gateway.last_peer
            assert peer is not None
            wire = Wire(peer)
            nursery.start_soon(wire.run)
            yield session, peer, wire
            nursery.cancel_scope.cancel()


async def test_latencies_from_the_request(autojump_clock: trio.testing.MockClock) -> None:
    async with scripted(turn_metrics=True) as (session, peer, _):
        stream = session.events()
        t0 = trio.current_time()
        await session.send_text("hi")
        await trio.sleep(0.3)
        await peer.send(response_created("r1"), message_added("r1", "i1"))
        await trio.sleep(0.2)
        await peer.send(text_delta("r1", "i1", "He"))
        await trio.sleep(0.2)
        await peer.send(audio_delta("r1", "i1", b"\x00\x00" * 240))
        await trio.sleep(0.3)
        await peer.send(response_done("r1", usage=USAGE))
        metrics = None
        async for event in stream:
            if isinstance(event, rt.TurnMetrics):
                metrics = event
                break
        now = trio.current_time()
    assert now - t0 == pytest.approx(1.0)
    assert metrics is not None
    assert metrics.turn_id == "r1" and metrics.status == "completed"
    assert metrics.trigger == "request"
    assert metrics.time_to_first_text == pytest.approx(0.5)
    assert metrics.time_to_first_audio == pytest.approx(0.7)
    assert metrics.duration == pytest.approx(0.7)
    assert metrics.cost_usd == pytest.approx(USAGE_COST)
    snapshot = session.metrics()
    assert snapshot.turns == 1
    assert snapshot.time_to_first_audio.last == pytest.approx(0.7)
    assert snapshot.time_to_first_text.count == 1
    assert snapshot.usage.input_tokens == 100 and snapshot.usage.cached_tokens == 20
    assert snapshot.cost_usd == pytest.approx(USAGE_COST)
    assert snapshot.last_turn == metrics


async def test_latencies_from_the_end_of_speech(autojump_clock: trio.testing.MockClock) -> None:
    config = rt.Config(modalities=["audio"], turn_detection=rt.ServerVad())
    async with scripted(config=config) as (session, peer, _):
        t0 = trio.current_time()
        await peer.send(speech_started(), speech_stopped())
        await trio.sleep(0.4)
        await peer.send(response_created("r1"), message_added("r1", "i1"))
        await trio.sleep(0.1)
        await peer.send(audio_delta("r1", "i1", b"\x00\x00" * 240))
        await peer.send(response_done("r1"))
        await trio.testing.wait_all_tasks_blocked()
        metrics = session.metrics()
    assert trio.current_time() - t0 == pytest.approx(0.5)
    assert metrics.time_to_first_audio.last == pytest.approx(0.5)
    assert metrics.last_turn is not None and metrics.last_turn.trigger == "speech_end"
    assert metrics.usage == rt.Usage() and metrics.cost_usd == 0.0


async def test_barge_in_reaction_counts_until_cancel_and_truncate_are_written(
    autojump_clock: trio.testing.MockClock,
) -> None:
    config = rt.Config(modalities=["audio"], turn_detection=rt.ServerVad(interrupt_response=False))
    async with scripted(config=config, turn_metrics=True) as (session, peer, wire):
        stream = session.events()
        await peer.send(response_created("r1"), message_added("r1", "i1"))
        await peer.send(audio_delta("r1", "i1", b"\x00\x00" * 24000))  # 1 s of audio
        await trio.sleep(0.5)
        wire.pause()
        await trio.testing.wait_all_tasks_blocked()
        read_at = trio.current_time()
        await peer.send(speech_started())  # the step queues response.cancel and the truncate
        await trio.sleep(0.2)
        wire.open.set()  # the slow socket drains
        await trio.sleep(0.1)
        await peer.send(response_done("r1", status="cancelled"))
        turn = None
        async for event in stream:
            if isinstance(event, rt.TurnMetrics):
                turn = event
                break
    sent = [(t - read_at, f["type"]) for t, f in wire.frames if t >= read_at]
    assert sent[:2] == [
        (pytest.approx(0.2), "response.cancel"),
        (pytest.approx(0.2), "conversation.item.truncate"),
    ]
    assert turn is not None and turn.status == "cancelled"
    assert turn.barge_in_reaction == pytest.approx(0.2)
    summary = session.metrics().barge_in_reaction
    assert (summary.count, summary.last) == (1, pytest.approx(0.2))
    assert session.metrics().interrupted_turns == 1


async def tool(seconds: float) -> str:
    """Sleeps."""
    await trio.sleep(seconds)
    return "ok"


async def test_tool_durations_and_turn_metrics_after_the_batch(
    autojump_clock: trio.testing.MockClock,
) -> None:
    config = rt.Config(modalities=["text"], turn_detection=None, tools=[tool])
    async with scripted(config=config, turn_metrics=True) as (session, peer, _):
        stream = session.events()
        await peer.send(
            response_created("r1"),
            call_added("r1", "c1", "tool", 0),
            call_done("r1", "c1", "tool", '{"seconds": 0.5}', 0),
            call_added("r1", "c2", "tool", 1),
            call_done("r1", "c2", "tool", '{"seconds": 1.5}', 1),
            response_done("r1", usage=USAGE),
        )
        kinds = []
        turn = None
        async for event in stream:
            kinds.append(event.kind)
            if isinstance(event, rt.TurnMetrics):
                turn = event
                break
    assert turn is not None
    assert dict(turn.tool_durations) == {"c1": pytest.approx(0.5), "c2": pytest.approx(1.5)}
    # published once the batch finished, not at assistant_turn_completed
    assert kinds.index("turn_metrics") > kinds.index("assistant_turn_completed")
    assert kinds.count("tool_call_completed") == 2
    summary = session.metrics().tool_duration
    assert (summary.count, summary.min, summary.max) == (2, 0.5, 1.5)
    assert summary.mean == pytest.approx(1.0)


async def test_no_turn_metrics_events_unless_asked(autojump_clock: trio.testing.MockClock) -> None:
    async with scripted() as (session, peer, _):
        stream = session.events()
        await peer.send(response_created("r1"), response_done("r1", usage=USAGE))
        await trio.testing.wait_all_tasks_blocked()
        await session.aclose()
        kinds = [event.kind async for event in stream]
    assert "turn_metrics" not in kinds and "assistant_turn_completed" in kinds
    assert session.metrics().turns == 1


async def test_custom_prices_and_no_prices(autojump_clock: trio.testing.MockClock) -> None:
    prices = {"gpt-realtime": rt.ModelPrices(text_input=1_000_000.0)}
    async with scripted(prices=prices) as (session, peer, _):
        await peer.send(response_created("r1"), response_done("r1", usage=USAGE))
        await trio.testing.wait_all_tasks_blocked()
        # 48 uncached text tokens at $1 each; the cached ones and the rest are free
        assert session.metrics().cost_usd == pytest.approx(48.0)
    async with scripted(prices=None) as (session, peer, _):
        await peer.send(response_created("r1"), response_done("r1", usage=USAGE))
        await trio.testing.wait_all_tasks_blocked()
        assert session.metrics().cost_usd is None


def test_price_lookup_and_estimates() -> None:
    table = rt.DEFAULT_PRICES
    from trio_realtime._prices import prices_for

    assert prices_for("gpt-realtime-2025-08-28", table) is table["gpt-realtime"]
    assert prices_for("gpt-realtime-mini", table) is table["gpt-realtime-mini"]
    assert prices_for("models/gemini-2.5-flash-native-audio-preview-12-2025", table) is not None
    assert prices_for("unknown-model", table) is None
    usage = rt.Usage(input_tokens=1000, output_tokens=500)  # no modality split: as text
    cost = rt.estimate_cost(usage, table["gpt-realtime"])
    assert cost == pytest.approx((1000 * 4 + 500 * 16) / 1e6)
    with pytest.raises(ValueError, match="non-negative"):
        rt.ModelPrices(text_input=-1)


def test_cost_uses_the_providers_cached_split_when_reported() -> None:
    prices = rt.ModelPrices(
        text_input=10.0, text_cached_input=1.0, audio_input=100.0, audio_cached_input=5.0
    )
    base = {"input_tokens": 100, "input_text_tokens": 60, "input_audio_tokens": 40}
    # reported: all 20 cached tokens are audio
    split = rt.Usage(**base, cached_tokens=20, cached_audio_tokens=20)
    assert rt.estimate_cost(split, prices) == pytest.approx((60 * 10 + 20 * 100 + 20 * 5) / 1e6)
    # a total only: split 12 text / 8 audio in the input's proportions
    total = rt.Usage(**base, cached_tokens=20)
    expected = (48 * 10 + 12 * 1 + 32 * 100 + 8 * 5) / 1e6
    assert rt.estimate_cost(total, prices) == pytest.approx(expected)


async def test_usage_totals_match_the_servers(tmp_path: pathlib.Path) -> None:
    def brain(request: Any) -> Any:
        if request.tool_outputs():
            return "It is sunny in Oslo, and that is a long answer about the weather."
        return calls(("weather", {"city": "Oslo"}))

    def weather(city: str) -> str:
        """The weather."""
        return f"sunny in {city}"

    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            server = await start_local_server(nursery, brain=brain, pacing=Pacing.instant())
            broker = server.broker(
                config=rt.Config(modalities=["audio"], turn_detection=None, tools=[weather]),
                recorder=rt.Recorder(tmp_path / "usage.jsonl"),
            )
            async with broker.connect() as session:
                done = 0
                await session.send_text("weather in Oslo?")
                async for event in session.events():
                    if event.kind == "assistant_turn_completed":
                        done += 1
                        if done == 2:
                            break
                metrics = session.metrics()
            nursery.cancel_scope.cancel()
    (connection,) = read_recording(tmp_path / "usage.jsonl")
    reported = [
        line["json"]["response"]["usage"]
        for line in connection.lines
        if line.get("dir") == "recv" and line["json"]["type"] == "response.done"
    ]
    assert len(reported) == 2 and metrics.turns == 2
    assert metrics.usage.input_tokens == sum(u["input_tokens"] for u in reported)
    assert metrics.usage.output_tokens == sum(u["output_tokens"] for u in reported)
    assert metrics.usage.output_audio_tokens == sum(
        u["output_token_details"]["audio_tokens"] for u in reported
    )
    assert metrics.usage.output_audio_tokens > 0
    details = [u["input_token_details"] for u in reported]
    assert metrics.usage.cached_tokens == sum(d["cached_tokens"] for d in details) > 0
    assert metrics.usage.cached_text_tokens == sum(
        d["cached_tokens_details"]["text_tokens"] for d in details
    )
    assert metrics.usage.cached_audio_tokens == sum(
        d["cached_tokens_details"]["audio_tokens"] for d in details
    )
    assert metrics.time_to_first_audio.count == 1  # the tool-calling turn spoke no audio
