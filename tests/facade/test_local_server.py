"""Every callback against the local server over real WebSockets on loopback (real clock).

Each test runs for OpenAI and for Gemini (the Gemini cases skip until rt.GeminiGateway and the
server's Gemini endpoint are merged).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import trio

import trio_realtime as rt
from trio_realtime.facade import CallbackError, SessionError
from trio_realtime.server import Faults, Pacing
from trio_realtime.server.default_brain import STORY
from trio_realtime.testing import ScriptedBrain, calls, start_local_server

from .conftest import LOOKUP, PROVIDERS, Calls, gateway_for

ANSWER = "The capital of France is Paris."


@asynccontextmanager
async def local_voice(
    provider: str, config: rt.Config | None = None, **server_options: Any
) -> AsyncIterator[rt.RealtimeVoice]:
    """A RealtimeVoice connected to a local server that runs for this block."""
    server_options.setdefault("pacing", Pacing.instant())
    async with trio.open_nursery() as nursery:
        server = await start_local_server(nursery, **server_options)
        yield rt.RealtimeVoice(provider, gateway=gateway_for(server, provider), config=config)
        nursery.cancel_scope.cancel()


def final_texts(calls_: Calls) -> list[str]:
    return [text for text, final in calls_.of("on_transcript") if final]


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("sync", [False, True], ids=["async", "sync"])
async def test_audio_and_transcript(provider: str, sync: bool) -> None:
    log = Calls()
    heard: list[bytes] = []
    with trio.fail_after(20):
        async with local_voice(provider) as voice:
            log.register(voice, sync=sync)
            async with voice.connect() as session:
                with session.subscribe(
                    kinds={"assistant_audio_delta", "assistant_turn_completed"}
                ) as sub:
                    await session.send_text("What is the capital of France?")
                    async for event in sub:  # the session's own view, for comparison
                        if isinstance(event, rt.AssistantAudioDelta):
                            heard.append(event.pcm)
                        elif event.kind == "assistant_turn_completed":
                            break
                total = sum(map(len, heard))
                await log.wait_for(
                    lambda: (
                        bool(final_texts(log))
                        and sum(len(pcm) for (pcm,) in log.of("on_audio")) == total
                    )
                )
    deltas, finals = log.transcript()
    assert finals == [ANSWER] and deltas == ANSWER
    assert [pcm for (pcm,) in log.of("on_audio")] == heard and total > 24_000  # > 0.5 s
    assert log.of("on_error") == log.of("on_interrupted") == []


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_tool_call_answered_by_on_tool_call(provider: str) -> None:
    brain = ScriptedBrain(
        [
            calls(("lookup", {"q": "Oslo"})),
            lambda request: f"Found: {request.tool_outputs()[0]['output']}.",
        ]
    )
    log = Calls()
    with trio.fail_after(20):
        async with local_voice(provider, rt.Config(tools=[LOOKUP]), brain=brain) as voice:
            log.register(voice, tool_result=lambda request: f"sunny in {request.arguments['q']}")
            async with voice.connect() as session:
                await session.send_text("Look up Oslo, please.")
                await log.wait_for(lambda: bool(final_texts(log)))
    [(request,)] = log.of("on_tool_call")
    assert (request.function_name, request.arguments) == ("lookup", {"q": "Oslo"})
    assert final_texts(log) == ["Found: sunny in Oslo."]
    outputs = [o for r in brain.requests for o in r.tool_outputs()]
    assert [o["output"] for o in outputs] == ["sunny in Oslo"]  # exactly one output


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_raising_callback_goes_to_on_error_and_the_session_goes_on(provider: str) -> None:
    log = Calls()
    with trio.fail_after(20):
        async with local_voice(provider) as voice:
            log.register(voice)

            @voice.on_audio
            def broken(pcm: bytes) -> None:
                raise OSError("no audio device")

            async with voice.connect() as session:
                await session.send_text("What is the capital of France?")
                await log.wait_for(lambda: len(final_texts(log)) == 1)
                await session.send_text("Hello!")
                await log.wait_for(lambda: len(final_texts(log)) == 2)
    errors = [error for (error,) in log.of("on_error")]
    assert errors and all(isinstance(e, CallbackError) and e.callback == "on_audio" for e in errors)
    assert isinstance(errors[0].__cause__, OSError)
    assert final_texts(log)[0] == ANSWER


async def test_a_server_error_reaches_on_error() -> None:
    log = Calls()
    faults = Faults(error_after=2, error_code="server_error", error_message="Injected.")
    with trio.fail_after(20):
        async with local_voice("openai", faults=faults) as voice:
            log.register(voice)
            async with voice.connect():
                await log.wait_for(lambda: bool(log.of("on_error")))
    [(error,)] = log.of("on_error")
    assert isinstance(error, SessionError)
    assert (error.code, error.message) == ("server_error", "Injected.")


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_on_interrupted(provider: str) -> None:
    log = Calls()
    with trio.fail_after(20):
        # paced audio (4x real time), so the story is still being spoken when we interrupt;
        # Gemini can cut a turn on request only when turn detection is off (docs/gemini.md)
        config = rt.Config(turn_detection=None)
        async with local_voice(provider, config, pacing=Pacing()) as voice:
            log.register(voice)
            async with voice.connect() as session:
                await session.send_text("Tell me a story.")
                await log.wait_for(lambda: bool(log.of("on_audio")))
                await session.interrupt()
                await log.wait_for(lambda: bool(log.of("on_interrupted")))
                await log.wait_for(lambda: bool(final_texts(log)))
    assert log.of("on_interrupted") == [()]
    _, finals = log.transcript()
    assert len(finals) == 1 and len(finals[0]) < len(STORY)  # cut short
