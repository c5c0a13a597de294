"""The Gemini Live reference flows (gemini-live-samples.md) against the local server.

A raw trio-websocket client on loopback, on ``autojump_clock``; every message either way is
validated against ``google-genai``'s types (see ``gemini_validation.py``).
"""

from __future__ import annotations

import base64
from typing import Any

import trio
import trio.testing

from trio_realtime.server import (
    BrainReply,
    BrainRequest,
    Pacing,
    ScriptedTranscriber,
    default_brain,
    synthesize,
)
from trio_realtime.server.default_brain import STORY

from .gemini_client import connect_gemini, pcm16k, setup_message, speech16k

WEATHER = {
    "name": "get_weather",
    "description": "Current weather for a city.",
    "parameters": {
        "type": "OBJECT",
        "properties": {"city": {"type": "STRING"}},
        "required": ["city"],
    },
}


def content(messages: list[dict[str, Any]], key: str) -> list[Any]:
    return [m["serverContent"][key] for m in messages if key in m.get("serverContent", {})]


def transcript(messages: list[dict[str, Any]], key: str = "outputTranscription") -> str:
    return "".join(t["text"] for t in content(messages, key))


def audio_of(messages: list[dict[str, Any]]) -> bytes:
    return b"".join(
        base64.b64decode(part["inlineData"]["data"])
        for turn in content(messages, "modelTurn")
        for part in turn["parts"]
        if "inlineData" in part
    )


def shape(message: dict[str, Any]) -> str:
    """``"modelTurn"``, ``"turnComplete+usageMetadata"``, ``"toolCall"``..."""
    keys = [k for k in message if k != "serverContent"]
    return "+".join([*message.get("serverContent", {}), *keys])


class Recorder:
    """The default brain, recording what it was asked."""

    def __init__(self) -> None:
        self.requests: list[BrainRequest] = []

    def __call__(self, request: BrainRequest) -> BrainReply:
        self.requests.append(request)
        return default_brain(request)


async def test_text_turn_speaks_with_a_transcript(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    url = await start_server()
    setup = setup_message(
        generationConfig={
            "responseModalities": ["AUDIO"],
            "speechConfig": {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Kore"}}},
        },
        systemInstruction={"parts": [{"text": "You are a concise assistant."}]},
        outputAudioTranscription={},
    )
    async with connect_gemini(url, setup=setup) as client:
        asked = trio.current_time()
        await client.text("What is the capital of France?")
        first = await client.recv()
        assert trio.current_time() - asked == Pacing().response_latency + Pacing().audio_chunk_delay
        turn = [first, *await client.turn()]
    answer = "The capital of France is Paris."
    assert transcript(turn) == answer
    assert audio_of(turn) == synthesize(answer, voice="Kore", sample_rate=24000).pcm
    assert [shape(m) for m in turn[-2:]] == ["generationComplete", "turnComplete+usageMetadata"]
    usage = turn[-1]["usageMetadata"]
    assert usage["totalTokenCount"] == usage["promptTokenCount"] + usage["responseTokenCount"]
    assert usage["responseTokensDetails"] == [
        {"modality": "AUDIO", "tokenCount": usage["responseTokenCount"]}
    ]
    assert {shape(m) for m in turn[:-2]} == {"modelTurn", "outputTranscription"}


async def test_turn_complete_waits_for_the_estimated_playback(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    pacing = Pacing(audio_speed=4.0)
    url = await start_server(pacing=pacing)
    async with connect_gemini(url) as client:
        await client.text("Tell me a joke")
        messages = await client.recv_until(lambda m: "generationComplete" in m["serverContent"])
        generated = trio.current_time()
        await client.turn()
        seconds = len(audio_of(messages)) / 48000
        assert trio.current_time() - generated == seconds * (1 - 1 / pacing.audio_speed)


async def test_text_modality_with_client_content(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    url = await start_server(pacing=Pacing.instant())
    setup = setup_message(generationConfig={"responseModalities": ["TEXT"], "temperature": 0.7})
    async with connect_gemini(url, setup=setup) as client:
        turns = [{"role": "user", "parts": [{"text": "What is the capital of Norway?"}]}]
        await client.send({"clientContent": {"turns": turns, "turnComplete": True}})
        turn = await client.turn()
    parts = [p for t in content(turn, "modelTurn") for p in t["parts"]]
    assert "".join(p["text"] for p in parts) == "The capital of Norway is Oslo."
    assert not content(turn, "outputTranscription")
    assert turn[-1]["usageMetadata"]["responseTokensDetails"][0]["modality"] == "TEXT"


async def test_audio_turn_with_automatic_activity_detection(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    heard: list[tuple[int, int]] = []
    scripted = ScriptedTranscriber(["What time is it?"])

    def transcriber(pcm: bytes, rate: int) -> str:
        heard.append((len(pcm), rate))
        return scripted(pcm, rate)

    url = await start_server(pacing=Pacing.instant(), transcriber=transcriber)
    setup = setup_message(
        realtimeInputConfig={
            "automaticActivityDetection": {"silenceDurationMs": 500, "prefixPaddingMs": 20}
        },
        inputAudioTranscription={},
        outputAudioTranscription={},
    )
    async with connect_gemini(url, setup=setup) as client:
        await client.audio(pcm16k(400) + speech16k() + pcm16k(900))
        turn = await client.turn()
    assert transcript(turn, "inputTranscription") == "What time is it?"
    assert content(turn, "inputTranscription")[-1]["finished"] is True
    assert transcript(turn) == "It is 12:00 PM."
    ((size, rate),) = heard
    assert rate == 16000
    speech_ms = len(speech16k()) / 32
    assert speech_ms < size / 32 < speech_ms + 300 + 500 + 100  # padding + trailing silence


async def test_other_input_rates_and_media_chunks(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    rates: list[int] = []

    def transcriber(pcm: bytes, rate: int) -> str:
        rates.append(rate)
        return "Hello"

    url = await start_server(pacing=Pacing.instant(), transcriber=transcriber)
    async with connect_gemini(url) as client:
        pcm = synthesize("Hello there, how are you?", voice="Puck", sample_rate=24000).pcm
        await client.audio(bytes(48 * 300) + pcm + bytes(48 * 900), rate=24000)
        turn = await client.turn()
        assert transcript(turn) == ""  # no outputAudioTranscription in the setup
        assert len(audio_of(turn)) == len(synthesize("Hello! How can I help you today?").pcm)
        blob = {"mimeType": "audio/pcm", "data": base64.b64encode(speech16k()).decode()}
        await client.send({"realtimeInput": {"mediaChunks": [blob]}})
        await client.audio(pcm16k(900))
        await client.turn()
    assert rates == [16000, 16000]


async def test_tool_round_trip_with_two_calls(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    brain = Recorder()
    url = await start_server(pacing=Pacing.instant(), brain=brain)
    setup = setup_message(tools=[{"functionDeclarations": [WEATHER]}], outputAudioTranscription={})
    async with connect_gemini(url, setup=setup) as client:
        await client.text("What's the weather in Tokyo and Paris?")
        (call,) = await client.recv_until(lambda m: "toolCall" in m)
        calls = call["toolCall"]["functionCalls"]
        assert [(c["name"], c["args"]) for c in calls] == [
            ("get_weather", {"city": "Tokyo"}),
            ("get_weather", {"city": "Paris"}),
        ]
        assert all(c["id"].startswith("function-call-") for c in calls)
        assert await client.nothing_pending()  # the model waits for every result
        responses = [
            {"id": calls[0]["id"], "name": "get_weather", "response": {"output": {"temp_c": 18}}},
        ]
        await client.send({"toolResponse": {"functionResponses": responses}})
        assert await client.nothing_pending()  # one call still unanswered
        responses = [{"id": calls[1]["id"], "name": "get_weather", "response": {"output": "sun"}}]
        await client.send({"toolResponse": {"functionResponses": responses}})
        turn = await client.turn()
    assert transcript(turn) == "Here is what I found. Tokyo: temp_c 18. Paris: sun."
    assert [shape(m) for m in turn[-2:]] == ["generationComplete", "turnComplete+usageMetadata"]
    first, second = brain.requests
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    assert first.tools == [{"type": "function", **WEATHER, "parameters": schema}]
    assert first.session["type"] == "gemini"
    assert [i["type"] for i in second.conversation] == [
        "message",
        "function_call",
        "function_call",
        "function_call_output",
        "function_call_output",
    ]
    assert second.tool_outputs()[0]["output"] == '{"temp_c":18}'


async def test_barge_in_cuts_the_turn_and_keeps_what_was_sent(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    brain = Recorder()
    transcriber = ScriptedTranscriber(["Tell me a story", "What time is it?"])
    url = await start_server(brain=brain, transcriber=transcriber)
    setup = setup_message(outputAudioTranscription={})
    async with connect_gemini(url, setup=setup) as client:
        await client.audio(pcm16k(300) + speech16k() + pcm16k(700))
        sent = await client.recv_until(lambda m: len(audio_of([m])) > 0)
        for _ in range(10):
            sent.append(await client.recv())
        await client.audio(speech16k("Wait, stop!"))
        cut = await client.recv_until(lambda m: m.get("serverContent", {}).get("interrupted"))
        closing = await client.recv()
        assert shape(closing) == "turnComplete+usageMetadata"
        heard = transcript(sent + cut)
        assert heard and STORY.startswith(heard.strip())
        await client.audio(pcm16k(900))
        answer = await client.turn()
    assert not content(cut, "generationComplete")
    assert transcript(answer) == "It is 12:00 PM."
    before = [i for i in brain.requests[-1].conversation if i["role"] == "assistant"]
    assert before[-1]["content"][0]["transcript"] == heard  # history = what was sent


async def test_barge_in_cancels_pending_tool_calls(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    transcriber = ScriptedTranscriber(["What's the weather in Rome?", "Never mind."])
    url = await start_server(pacing=Pacing.instant(), transcriber=transcriber)
    setup = setup_message(tools=[{"functionDeclarations": [WEATHER]}])
    async with connect_gemini(url, setup=setup) as client:
        await client.audio(pcm16k(300) + speech16k() + pcm16k(700))
        (call,) = await client.recv_until(lambda m: "toolCall" in m)
        call_id = call["toolCall"]["functionCalls"][0]["id"]
        await client.audio(speech16k("Never mind."))
        cancelled = await client.turn()
        assert [shape(m) for m in cancelled] == [
            "toolCallCancellation",
            "interrupted",
            "turnComplete+usageMetadata",
        ]
        assert cancelled[0]["toolCallCancellation"] == {"ids": [call_id]}
        late = {"id": call_id, "name": "get_weather", "response": {"output": "sun"}}
        await client.send({"toolResponse": {"functionResponses": [late]}})  # ignored
        await client.audio(pcm16k(900))
        answer = await client.turn()
    assert len(audio_of(answer)) == len(synthesize("You said: Never mind.", voice="Puck").pcm)


async def test_manual_activity_detection(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    transcriber = ScriptedTranscriber(["Tell me a story", "What time is it?"])
    url = await start_server(transcriber=transcriber)
    setup = setup_message(
        realtimeInputConfig={"automaticActivityDetection": {"disabled": True}},
        inputAudioTranscription={},
        outputAudioTranscription={},
    )
    async with connect_gemini(url, setup=setup) as client:
        await client.audio(speech16k())  # outside an activity: no turn
        assert await client.nothing_pending(5)
        await client.send({"realtimeInput": {"activityStart": {}}})
        await client.audio(speech16k())
        await client.send({"realtimeInput": {"activityEnd": {}}})
        await client.recv_until(lambda m: len(audio_of([m])) > 0)
        await client.send({"realtimeInput": {"activityStart": {}}})
        cut = await client.turn()
        assert [shape(m) for m in cut[-2:]] == ["interrupted", "turnComplete+usageMetadata"]
        await client.audio(speech16k("What time is it?"))
        await client.send({"realtimeInput": {"activityEnd": {}}})
        answer = await client.turn()
    # user transcripts are not ordered with the model's output: the first can trail the cut
    assert transcript(cut + answer, "inputTranscription") == "Tell me a storyWhat time is it?"
    assert transcript(answer) == "It is 12:00 PM."


async def test_no_interruption_answers_after_the_turn(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    transcriber = ScriptedTranscriber(["Tell me a joke", "What time is it?"])
    url = await start_server(transcriber=transcriber)
    setup = setup_message(
        realtimeInputConfig={"activityHandling": "NO_INTERRUPTION"}, outputAudioTranscription={}
    )
    async with connect_gemini(url, setup=setup) as client:
        await client.audio(pcm16k(300) + speech16k() + pcm16k(700))
        await client.recv_until(lambda m: len(audio_of([m])) > 0)
        await client.audio(speech16k("What time is it?") + pcm16k(700))
        first = await client.turn()
        second = await client.turn()
    assert not content(first, "interrupted")
    assert transcript(first).endswith("outstanding in his field.")
    assert transcript(second) == "It is 12:00 PM."


async def test_audio_stream_end_flushes_the_turn(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    url = await start_server(pacing=Pacing.instant(), transcriber=ScriptedTranscriber(["Hi"]))
    async with connect_gemini(url, setup=setup_message(outputAudioTranscription={})) as client:
        await client.audio(pcm16k(300) + speech16k())  # no trailing silence: still speaking
        assert await client.nothing_pending(5)
        await client.send({"realtimeInput": {"audioStreamEnd": True}})
        turn = await client.turn()
    assert transcript(turn) == "Hello! How can I help you today?"
