"""Gemini Live sessions over time: faults, expiry with goAway, resumption by handle, history
seeding, context updates, and the server's pluggable parts (brain, transcriber, voice, VAD)."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
import trio
import trio.testing
from trio_websocket import ConnectionClosed

from trio_realtime.server import (
    BrainReply,
    BrainRequest,
    EnergyVad,
    Faults,
    Pacing,
    ToolCallSpec,
    VadSettings,
)

from .gemini_client import connect_gemini, pcm16k, setup_message, speech16k
from .test_gemini_flows import Recorder, audio_of, transcript

INTERNAL = (1011, "Internal error occurred.")


async def test_drop_close_and_error_faults(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    faults = Faults(drop_after=1, connections=1)
    url = await start_server(pacing=Pacing.instant(), faults=faults)
    async with connect_gemini(url) as client:  # setupComplete is message 1, then TCP drops
        assert await client.closed() == (1006, None)
    for faults, expected in [
        (Faults(close_after=1, close_code=1011, close_reason="boom"), (1011, "boom")),
        (Faults(error_after=1), INTERNAL),  # no in-band error on Gemini: a close
    ]:
        url = await start_server(pacing=Pacing.instant(), faults=faults)
        async with connect_gemini(url) as client:
            await client.text("Hi")
            assert await client.closed() == expected


async def test_stall_and_event_delay(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    url = await start_server(pacing=Pacing.instant(), faults=Faults(stall_after=1))
    async with connect_gemini(url) as client:
        await client.text("Hi")
        assert await client.nothing_pending(600)  # the socket stays, nothing comes
    url = await start_server(pacing=Pacing.instant(), faults=Faults(event_delay=0.5))
    async with connect_gemini(url) as client:
        start = trio.current_time()
        await client.text("Hi")
        turn = await client.turn()
        assert trio.current_time() - start == pytest.approx(0.5 * len(turn))


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("rate_limit_exceeded", "generic::resource_exhausted: RESOURCE_EXHAUSTED: Resource has"),
        ("insufficient_quota", "generic::resource_exhausted: RESOURCE_EXHAUSTED: You exceeded"),
        ("server_error", "Internal error occurred."),
    ],
)
async def test_failed_responses_close_with_1011(
    start_server: Any, autojump_clock: trio.testing.MockClock, code: Any, words: str
) -> None:
    url = await start_server(
        pacing=Pacing.instant(), faults=Faults(fail_responses=[2], fail_code=code)
    )
    async with connect_gemini(url) as client:
        await client.audio(pcm16k(300) + speech16k() + pcm16k(900))  # an audio turn
        await client.turn()  # the first response succeeds
        await client.text("Hi again")
        closed, reason = await client.closed()
    assert closed == 1011
    assert reason is not None and words in reason and len(reason.encode()) <= 123


async def test_expiry_sends_go_away_then_closes(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    faults = Faults(expire_after=600, go_away_time_left=50)
    url = await start_server(pacing=Pacing.instant(), faults=faults)
    async with connect_gemini(url) as client:
        ready = trio.current_time()
        message = await client.recv()
        assert message == {"goAway": {"timeLeft": "50s"}}
        assert trio.current_time() - ready == 550
        assert await client.closed() == (1011, "Deadline expired before operation could complete.")
        assert trio.current_time() - ready == 600


async def test_resuming_by_handle_keeps_the_conversation(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    brain = Recorder()
    url = await start_server(pacing=Pacing.instant(), brain=brain)
    setup = setup_message(sessionResumption={}, outputAudioTranscription={})
    async with connect_gemini(url, setup=setup) as client:
        first = await client.recv()
        assert first["sessionResumptionUpdate"]["resumable"] is True
        await client.text("What is the capital of Italy?")
        await client.turn()
        update = await client.recv()
        handle = update["sessionResumptionUpdate"]["newHandle"]
        assert handle != first["sessionResumptionUpdate"]["newHandle"]
    resumed = setup_message(sessionResumption={"handle": handle}, outputAudioTranscription={})
    async with connect_gemini(url, setup=resumed) as client:
        await client.recv()  # a fresh handle for the resumed session
        await client.text("And of Spain?")
        turn = await client.turn()
    assert transcript(turn) == "You said: And of Spain?"
    texts = [
        p.get("text") or p.get("transcript")
        for item in brain.requests[-1].conversation
        for p in item["content"]
    ]
    assert texts == [
        "What is the capital of Italy?",
        "The capital of Italy is Rome.",
        "And of Spain?",
    ]


async def test_history_seeding_and_context_update(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    brain = Recorder()
    url = await start_server(pacing=Pacing.instant(), brain=brain)
    setup = setup_message(historyConfig={"initialHistoryInClientContent": True})
    async with connect_gemini(url, setup=setup) as client:
        turns = [
            {"role": "user", "parts": [{"text": "My name is Ada."}]},
            {"role": "model", "parts": [{"text": "Nice to meet you, Ada."}]},
        ]
        await client.send({"clientContent": {"turns": turns, "turnComplete": True}})
        assert await client.nothing_pending(10)  # history only: nothing is generated
        instruction = {"parts": [{"text": "Answer in French."}]}
        await client.send({"contextUpdate": {"systemInstruction": instruction}})
        await client.text("Hello")
        await client.turn()
    request = brain.requests[-1]
    assert request.instructions == "Answer in French."
    assert [(i["role"], i["content"][0]["type"]) for i in request.conversation] == [
        ("user", "input_text"),
        ("assistant", "output_audio"),
        ("user", "input_text"),
    ]


async def test_a_failing_brain_closes_with_1011(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    def brain(request: BrainRequest) -> BrainReply:
        raise RuntimeError("no idea")

    url = await start_server(pacing=Pacing.instant(), brain=brain)
    async with connect_gemini(url) as client:
        await client.text("Hi")
        assert await client.closed() == INTERNAL

    def bad_args(request: BrainRequest) -> BrainReply:
        return BrainReply(tool_calls=(ToolCallSpec(name="f", arguments="[1, 2]"),))

    url = await start_server(pacing=Pacing.instant(), brain=bad_args)
    async with connect_gemini(url) as client:
        await client.text("Hi")  # Gemini args must be an object: the turn cannot be sent
        assert await client.closed() == INTERNAL


async def test_a_failing_transcriber_gives_a_turn_without_words(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    def transcriber(pcm: bytes, rate: int) -> str:
        raise OSError("mic on fire")

    url = await start_server(pacing=Pacing.instant(), transcriber=transcriber)
    setup = setup_message(inputAudioTranscription={}, outputAudioTranscription={})
    async with connect_gemini(url, setup=setup) as client:
        await client.audio(pcm16k(300) + speech16k() + pcm16k(900))
        turn = await client.turn()
    assert transcript(turn, "inputTranscription") == ""
    assert transcript(turn) == "Are you still there?"


async def test_voice_and_vad_plug_in(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    """``voice=`` and ``vad=`` (what ``serve --speech`` passes) serve the Gemini path too."""
    spoken: list[tuple[str, object, int]] = []
    made: list[tuple[VadSettings, int]] = []

    async def voice(text: str, name: object, rate: int, speed: float) -> bytes:
        spoken.append((text, name, rate))
        return bytes(range(256)) * 20

    def vad(settings: VadSettings, rate: int, start_ms: float) -> EnergyVad:
        made.append((settings, rate))
        return EnergyVad(settings, rate, start_ms=start_ms)

    url = await start_server(pacing=Pacing.instant(), voice=voice, vad=vad)
    setup = setup_message(
        generationConfig={
            "speechConfig": {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Aoede"}}}
        },
        realtimeInputConfig={"automaticActivityDetection": {"silenceDurationMs": 700}},
    )
    async with connect_gemini(url, setup=setup) as client:
        await client.audio(pcm16k(300) + speech16k() + pcm16k(1000))
        turn = await client.turn()
    assert audio_of(turn) == bytes(range(256)) * 20
    assert spoken == [("You said: (2.9 s of audio)", "Aoede", 24000)]
    assert made == [(made[0][0], 16000)]
    assert made[0][0].silence_duration_ms == 700


async def test_the_same_seed_gives_the_same_ids(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    def brain(request: BrainRequest) -> BrainReply:
        if request.tool_outputs():
            return BrainReply(text="Done.")
        return BrainReply(tool_calls=(ToolCallSpec(name="f", arguments={"x": 1}),))

    seen = []
    for _ in range(2):
        url = await start_server(pacing=Pacing.instant(), brain=brain, seed=7)
        async with connect_gemini(url, setup=setup_message(sessionResumption={})) as client:
            handle = (await client.recv())["sessionResumptionUpdate"]["newHandle"]
            await client.text("Go")
            (call,) = await client.recv_until(lambda m: "toolCall" in m)
            seen.append((handle, call["toolCall"]["functionCalls"][0]["id"]))
    assert seen[0] == seen[1]


async def test_a_closed_session_ignores_what_follows(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    url = await start_server(pacing=Pacing.instant())
    async with connect_gemini(url) as client:
        await client.send_raw(b'{"setup": {"model": "models/x"}}')
        with contextlib.suppress(ConnectionClosed):
            await client.send_raw(b'{"realtimeInput": {"text": "still there?"}}')
        assert await client.closed() == (1007, "Request contains an invalid argument.")
    assert client.received == [{"setupComplete": {}}]
