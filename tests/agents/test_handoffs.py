"""Handoffs in a live session, against the local server (a brain that calls the transfer tool).

The wire is captured with a Recorder and every ``session.update`` we sent is validated with the
``openai`` package's client-event types.
"""

from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
import trio

import trio_realtime as rt
from trio_realtime.recording import read_recording
from trio_realtime.server import BrainReply, BrainRequest, Pacing, gemini_url
from trio_realtime.testing import calls, start_local_server

from ..protocol.wire import validate_client_event

pytestmark = pytest.mark.filterwarnings("ignore::trio.TrioDeprecationWarning")


def reset_router() -> str:
    """Reset the customer's router."""
    return "router reset"


def refund(amount: int) -> str:
    """Refund an amount."""
    return f"refunded {amount}"


SUPPORT = rt.Agent(
    name="Tech Support",
    instructions="Fix technical problems.",
    tools=[reset_router],
    voice="verse",
).with_handoff(rt.AgentRef("Greeter"), condition="anything that is not technical")
BILLING = rt.Agent(name="Billing", instructions="Handle money.", tools=[refund])
GREETER = (
    rt.Agent(name="Greeter", instructions="Greet and route.", voice="alloy")
    .with_handoff(SUPPORT, condition="technical issues")
    .with_handoff(BILLING, condition="refunds")
)
ROUTES = {
    "Greet and route.": [("router", "transfer_to_tech_support"), ("refund", "transfer_to_billing")],
    "Fix technical problems.": [("thanks", "transfer_to_greeter"), ("reset", "reset_router")],
}


def brain(request: BrainRequest) -> str | BrainReply:
    """Routes by keyword under the instructions in effect; after a tool call, names itself."""
    instructions = request.instructions
    if request.tool_outputs():
        return f"[{instructions}] done"
    text = request.last_user_text() or ""
    for keyword, tool in ROUTES.get(instructions, []):
        if keyword in text and tool in {t["name"] for t in request.tools}:
            return calls((tool, {}))
    return f"[{instructions}] hello"


@asynccontextmanager
async def session_with(
    tmp_path: pathlib.Path, agent: rt.Agent, **config: Any
) -> AsyncIterator[rt.RealtimeSession]:
    config.setdefault("modalities", ["text"])
    config.setdefault("turn_detection", None)
    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            server = await start_local_server(nursery, brain=brain, pacing=Pacing.instant())
            broker = server.broker(
                config=rt.Config(**config),
                agent=agent,
                recorder=rt.Recorder(tmp_path / "wire.jsonl"),
            )
            async with broker.connect() as session:
                yield session
            nursery.cancel_scope.cancel()


async def until(
    stream: rt.EventStream, stop: Callable[[rt.SessionEvent], bool]
) -> list[rt.SessionEvent]:
    out: list[rt.SessionEvent] = []
    async for event in stream:
        out.append(event)
        if stop(event):
            return out
    raise AssertionError(f"the stream ended first: {[e.kind for e in out]}")


def answered(event: rt.SessionEvent) -> bool:
    return event.kind in ("assistant_text", "assistant_transcript")


def sent_updates(tmp_path: pathlib.Path) -> list[dict[str, Any]]:
    (connection,) = read_recording(tmp_path / "wire.jsonl")
    frames = [line["json"] for line in connection.lines if line.get("dir") == "send"]
    return [frame for frame in frames if frame["type"] == "session.update"]


async def test_a_model_handoff_round_trip(tmp_path: pathlib.Path) -> None:
    async with session_with(tmp_path, GREETER) as session:
        assert session.agent is GREETER
        stream = session.events()
        await session.send_text("my router is broken")
        events = await until(stream, answered)
        assert session.agent is not None and session.agent.name == "Tech Support"
    kinds = [e.kind for e in events if e.kind not in ("session_opened", "session_updated")]
    assert kinds[: kinds.index("assistant_turn_completed") + 1] == [
        "assistant_turn_started",
        "tool_call_started",
        "tool_call_args_delta",
        "tool_call_dispatched",
        "agent_handoff",
        "tool_call_completed",
        "assistant_turn_completed",
    ]
    handoff = next(e for e in events if isinstance(e, rt.AgentHandoff))
    assert (handoff.from_agent, handoff.to_agent) == ("Greeter", "Tech Support")
    done = next(e for e in events if isinstance(e, rt.ToolCallCompleted))
    assert done.name == "transfer_to_tech_support" and "Tech Support" in done.result
    assert "tool_batch_submitted" in kinds
    # the follow-up response (after the transfer's output) comes from the target
    assert events[-1].text == "[Fix technical problems.] done"  # type: ignore[union-attr]
    first, handoff_update = sent_updates(tmp_path)
    for update in (first, handoff_update):
        validate_client_event(update)
    assert first["session"]["instructions"] == "Greet and route."
    assert first["session"]["audio"]["output"]["voice"] == "alloy"
    session_change = handoff_update["session"]
    assert session_change["instructions"] == "Fix technical problems."
    assert [t["name"] for t in session_change["tools"]] == ["reset_router", "transfer_to_greeter"]
    assert "audio" in session_change  # no audio produced yet: the voice may still change
    assert session_change["audio"] == {"output": {"voice": "verse"}}


async def test_the_voice_and_audio_formats_are_kept_once_audio_was_produced(
    tmp_path: pathlib.Path,
) -> None:
    config = {"modalities": ["audio"], "output_audio_format": "g711_ulaw"}
    async with session_with(tmp_path, GREETER, **config) as session:
        stream = session.events()
        await session.send_text("hi")
        await until(stream, lambda e: e.kind == "assistant_turn_completed")
        await session.send_text("my router is broken")
        events = await until(stream, answered)
        assert session.config.voice == "alloy"
        assert session.config.output_audio_format == "g711_ulaw"
    assert any(isinstance(e, rt.AgentHandoff) for e in events)
    handoff_update = sent_updates(tmp_path)[1]
    validate_client_event(handoff_update)
    assert "audio" not in handoff_update["session"]  # neither the voice nor a format re-sent
    assert handoff_update["session"]["instructions"] == "Fix technical problems."


async def test_chains_and_handing_back(tmp_path: pathlib.Path) -> None:
    async with session_with(tmp_path, GREETER) as session:
        stream = session.events()
        handoffs: list[tuple[str, str]] = []
        for text in ("my router is broken", "thanks, all good", "I want a refund"):
            await session.send_text(text)
            for event in await until(stream, answered):
                if isinstance(event, rt.AgentHandoff):
                    handoffs.append((event.from_agent, event.to_agent))
        assert session.agent is BILLING
    assert handoffs == [
        ("Greeter", "Tech Support"),
        ("Tech Support", "Greeter"),  # the AgentRef resolved in the graph
        ("Greeter", "Billing"),
    ]
    instructions = [u["session"].get("instructions") for u in sent_updates(tmp_path)]
    assert instructions == [
        "Greet and route.",
        "Fix technical problems.",
        "Greet and route.",
        "Handle money.",
    ]


async def test_a_manual_handoff_requests_a_response_from_the_target(
    tmp_path: pathlib.Path,
) -> None:
    async with session_with(tmp_path, GREETER) as session:
        stream = session.events()
        await session.handoff(BILLING)
        events = await until(stream, answered)
        assert session.agent is BILLING
        await session.handoff(SUPPORT, respond=False)
        assert session.agent is SUPPORT
        with pytest.raises(TypeError, match="must be an Agent"):
            await session.handoff("Billing")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="two different agents are named 'Billing'"):
            await session.handoff(rt.Agent(name="Billing", instructions="Other."))
    assert [e.kind for e in events if e.kind != "session_updated"][:2] == [
        "session_opened",
        "agent_handoff",
    ]
    assert events[-1].text == "[Handle money.] hello"  # type: ignore[union-attr]
    updates = sent_updates(tmp_path)
    assert [u["session"]["instructions"] for u in updates[1:]] == [
        "Handle money.",
        "Fix technical problems.",
    ]


async def test_a_session_without_agent_has_none_and_cannot_hand_off(
    tmp_path: pathlib.Path,
) -> None:
    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            server = await start_local_server(nursery, brain=brain, pacing=Pacing.instant())
            async with server.broker().connect() as session:
                assert session.agent is None
                with pytest.raises(RuntimeError, match="without an agent"):
                    await session.handoff(BILLING)
            nursery.cancel_scope.cancel()


def test_construction_errors() -> None:
    gateway = rt.OpenAIGateway(url="ws://127.0.0.1:9/v1/realtime", api_key="sk-test")
    lost = rt.Agent(name="A").with_handoff(rt.AgentRef("Nobody"), condition="x")
    with pytest.raises(ValueError, match="AgentRef\\('Nobody'\\)"):
        rt.Broker("gpt-realtime", gateway=gateway, agent=lost)
    twin = rt.Agent(name="Billing", instructions="Another billing.")
    with pytest.raises(ValueError, match="two different agents are named 'Billing'") as info:
        GREETER.with_handoff(rt.Agent(name="Refunds").with_handoff(twin, condition="x"))
    assert str(info.value).count("Agent(name='Billing'") == 2  # both are described
    with pytest.raises(TypeError, match="takes an Agent"):
        GREETER.with_handoff("Billing")  # type: ignore[arg-type]
    broker = rt.Broker("gpt-realtime", gateway=gateway, agent=GREETER)
    assert broker.agent is GREETER


async def test_a_handoff_on_gemini_goes_through_context_update(tmp_path: pathlib.Path) -> None:
    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            server = await start_local_server(nursery, brain=brain, pacing=Pacing.instant())
            gateway = rt.GeminiGateway(url=gemini_url(server.url), api_key="gemini-test")
            broker = rt.Broker(
                "gemini-2.5-flash-native-audio-preview-12-2025",
                gateway=gateway,
                config=rt.Config(modalities=["text"], turn_detection=None),
                agent=GREETER,
                recorder=rt.Recorder(tmp_path / "gemini.jsonl"),
            )
            async with broker.connect() as session:
                stream = session.events()
                await session.send_text("my router is broken")
                events = await until(stream, answered)
                assert session.agent is not None and session.agent.name == "Tech Support"
            nursery.cancel_scope.cancel()
    assert any(isinstance(e, rt.AgentHandoff) for e in events)
    assert events[-1].text == "[Fix technical problems.] done"  # type: ignore[union-attr]
    (connection,) = read_recording(tmp_path / "gemini.jsonl")
    sent = [line["json"] for line in connection.lines if line.get("dir") == "send"]
    (update,) = [frame["contextUpdate"] for frame in sent if "contextUpdate" in frame]
    assert update["systemInstruction"] == {"parts": [{"text": "Fix technical problems."}]}
    names = [d["name"] for d in update["tools"]["tools"][0]["functionDeclarations"]]
    assert names == ["reset_router", "transfer_to_greeter"]
