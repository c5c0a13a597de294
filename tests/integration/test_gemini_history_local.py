"""A conversation carried to a fresh Gemini Live connection, against the local server's Gemini
endpoint: a saved history seeding a new session (``Broker(history=)``), and the replay after a
drop when there is no resumption handle to resume with.

Real sockets on loopback, so the real clock with instant pacing.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import trio

import trio_realtime as rt
from trio_realtime.history import (
    AssistantMessage,
    FunctionCall,
    FunctionCallOutput,
    History,
    UserMessage,
)
from trio_realtime.server import Pacing, gemini_url, serve_local_realtime

from .relay import TcpRelay
from .test_history_local import FAST, Recorder
from .test_local_server import collect

pytestmark = pytest.mark.filterwarnings("ignore::trio.TrioDeprecationWarning")

MODEL = "gemini-2.5-flash-native-audio-preview-12-2025"

SAVED = History(
    items=[
        UserMessage(text="My name is Ada. What is the weather in Oslo?"),
        FunctionCall(call_id="call_7", name="weather", arguments='{"city": "Oslo"}'),
        FunctionCallOutput(call_id="call_7", output="sunny"),
        AssistantMessage(text="It is sunny in Oslo, Ada."),
    ]
)


def conversation(brain: Recorder, index: int = -1) -> list[tuple[str, ...]]:
    """What the server's conversation held for a brain request, as plain tuples."""
    out: list[tuple[str, ...]] = []
    for item in brain.requests[index].conversation:
        if item["type"] == "message":
            texts = [p.get("text") or p.get("transcript") or "" for p in item["content"]]
            out.append((item["role"], " ".join(texts)))
        elif item["type"] == "function_call":
            out.append(("call", item["call_id"], item["name"], item["arguments"]))
        else:
            out.append(("output", item["call_id"], item["output"]))
    return out


@asynccontextmanager
async def gemini_session(
    brain: Recorder, *, history: History | None = None, relay: TcpRelay | None = None
) -> AsyncIterator[rt.RealtimeSession]:
    """A text session on the local server's Gemini endpoint (through ``relay`` if given),
    with no session resumption: a reconnect has only the history to go on."""
    with trio.fail_after(30):
        async with trio.open_nursery() as nursery:
            url = await nursery.start(
                functools.partial(serve_local_realtime, brain=brain, pacing=Pacing.instant())
            )
            if relay is not None:
                url = await nursery.start(relay.serve, url)
            gateway = rt.GeminiGateway(
                url=gemini_url(url), session_resumption=False, connect_timeout=5
            )
            broker = rt.Broker(
                MODEL,
                gateway=gateway,
                config=rt.Config(modalities=["text"]),
                history=history,
                reconnect=FAST,
            )
            async with broker.connect() as session:
                yield session
            nursery.cancel_scope.cancel()


def texts(history: History) -> list[Any]:
    return [getattr(item, "text", None) or getattr(item, "call_id", None) for item in history.items]


async def test_a_saved_history_seeds_a_new_gemini_session() -> None:
    brain = Recorder()
    async with gemini_session(brain, history=SAVED) as session:
        await session.send_text("What is my name?")
        events = await collect(session, "assistant_turn_completed")
        history = session.history()
    assert len(brain.requests) == 1  # the seeded turns were recorded, not answered
    assert conversation(brain) == [
        ("user", "My name is Ada. What is the weather in Oslo?"),
        ("call", "call_7", "weather", '{"city":"Oslo"}'),
        ("output", "call_7", "sunny"),
        ("assistant", "It is sunny in Oslo, Ada."),
        ("user", "What is my name?"),
    ]
    (answer,) = [e for e in events if isinstance(e, rt.AssistantText)]
    assert history.items[: len(SAVED.items)] == SAVED.items
    assert texts(history)[len(SAVED.items) :] == ["What is my name?", answer.text]


async def test_a_gemini_reconnect_without_a_handle_replays_the_conversation() -> None:
    brain = Recorder()
    relay = TcpRelay()
    async with gemini_session(brain, relay=relay) as session:
        await session.send_text("Remember the number 42.")
        first = await collect(session, "assistant_turn_completed")
        (answer,) = [e for e in first if isinstance(e, rt.AssistantText)]
        relay.drop()
        seen = await collect(session, "reconnected")
        await session.send_text("Which number?")
        await collect(session, "assistant_turn_completed")
    assert seen[-1] == rt.Reconnected(attempt=1, state_restored=True)
    assert relay.connections == 2
    assert len(brain.requests) == 2  # one answer per question: the replay was not answered
    assert conversation(brain) == [
        ("user", "Remember the number 42."),
        ("assistant", answer.text),
        ("user", "Which number?"),
    ]
