"""The Gemini Live protocol state without sockets, its wire helpers, and the validator itself."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from trio_realtime.server import (
    BrainReply,
    Close,
    Faults,
    Pacing,
    StartResponse,
    StopResponse,
    Timer,
    ToolCallSpec,
    Transcribe,
    default_brain,
)
from trio_realtime.server.gemini import GeminiServerState, History
from trio_realtime.server.gemini._setup import _json_schema
from trio_realtime.server.gemini._wire import camel, duration, reason_text

from .gemini_client import MODEL, b64, speech16k
from .gemini_validation import (
    assert_valid_client_message,
    assert_valid_server_message,
    client_message_problems,
    server_message_problems,
)

# The setups of the reference flows (gemini-live-samples.md, validated with google-genai).
FLOW2_SETUP = {
    "setup": {
        "model": MODEL,
        "generationConfig": {
            "responseModalities": ["AUDIO"],
            "speechConfig": {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Puck"}}},
        },
        "systemInstruction": {"parts": [{"text": "You are a friendly voice assistant."}]},
        "realtimeInputConfig": {
            "automaticActivityDetection": {
                "disabled": False,
                "startOfSpeechSensitivity": "START_SENSITIVITY_HIGH",
                "endOfSpeechSensitivity": "END_SENSITIVITY_HIGH",
                "prefixPaddingMs": 20,
                "silenceDurationMs": 500,
            },
            "activityHandling": "START_OF_ACTIVITY_INTERRUPTS",
            "turnCoverage": "TURN_INCLUDES_ONLY_ACTIVITY",
        },
        "inputAudioTranscription": {},
        "outputAudioTranscription": {},
        "sessionResumption": {},
        "contextWindowCompression": {
            "triggerTokens": 25600,
            "slidingWindow": {"targetTokens": 12800},
        },
    }
}
BOOK = {
    "name": "book_table",
    "description": "Book a restaurant table.",
    "parameters": {
        "type": "OBJECT",
        "properties": {"restaurant": {"type": "STRING"}, "guests": {"type": "INTEGER"}},
        "required": ["restaurant", "guests"],
    },
}


def send(state: GeminiServerState, message: dict[str, Any]) -> list[Any]:
    assert_valid_client_message(message)
    return state.receive(orjson.dumps(message).decode())


def messages(outputs: list[Any]) -> list[dict[str, Any]]:
    found = [o for o in outputs if isinstance(o, dict)]
    for message in found:
        assert_valid_server_message(orjson.dumps(message))
    return found


def run(state: GeminiServerState, start: StartResponse) -> list[Any]:
    request = state.brain_request(start.response_id)
    assert request is not None
    out = state.set_reply(start.response_id, default_brain(request))
    while state.response_delay(start.response_id) is not None:
        out += state.advance(start.response_id)
    return out


def test_the_reference_setup_is_accepted_and_configures_the_session() -> None:
    state = GeminiServerState(pacing=Pacing.instant())
    assert state.start() == []
    out = send(state, FLOW2_SETUP)
    assert messages(out)[0] == {"setupComplete": {}}
    assert "sessionResumptionUpdate" in messages(out)[1]
    setup = state.setup
    assert setup is not None
    assert (setup.model, setup.modality, setup.voice) == (MODEL, "AUDIO", "Puck")
    assert setup.instructions == "You are a friendly voice assistant."
    assert setup.automatic_activity and setup.interrupts
    assert (setup.vad.silence_duration_ms, setup.vad.min_speech_ms) == (500, 20)
    assert setup.input_transcription and setup.output_transcription


def test_expiry_timers_start_at_setup() -> None:
    state = GeminiServerState(faults=Faults(expire_after=30, go_away_time_left=50))
    out = send(state, {"setup": {"model": MODEL}})
    assert [o for o in out if isinstance(o, Timer)] == [Timer("go_away", 0), Timer("expire", 30)]
    assert messages(state.timer_fired("go_away")) == [{"goAway": {"timeLeft": "30s"}}]
    assert state.timer_fired("expire") == [
        Close(1011, "Deadline expired before operation could complete.")
    ]
    assert send(state, {"realtimeInput": {"text": "hi"}}) == []  # closed: ignored


def test_a_tool_turn_step_by_step() -> None:
    state = GeminiServerState(pacing=Pacing.instant())
    send(state, {"setup": {"model": MODEL, "tools": [{"functionDeclarations": [BOOK]}]}})
    (start,) = send(state, {"realtimeInput": {"text": "Book a table at Luigi for 2, please"}})
    assert isinstance(start, StartResponse)
    out = messages(run(state, start))
    (call,) = out[-1]["toolCall"]["functionCalls"]
    assert call["name"] == "book_table"
    assert call["args"]["guests"] == 2
    # the user barges in while the call is pending: cancelled, interrupted, turn closed
    out = send(state, {"clientContent": {"turns": [{"role": "user", "parts": [{"text": "No"}]}],
                                         "turnComplete": True}})  # fmt: skip
    assert [list(m) for m in messages(out)] == [
        ["toolCallCancellation"],
        ["serverContent"],
        ["serverContent", "usageMetadata"],
    ]
    assert messages(out)[0]["toolCallCancellation"]["ids"] == [call["id"]]
    assert isinstance(out[-1], StartResponse)  # the new turn is answered


def test_an_interrupted_generation_stops_its_task() -> None:
    state = GeminiServerState(pacing=Pacing.instant())
    send(state, {"setup": {"model": MODEL}})
    (start,) = send(state, {"realtimeInput": {"text": "Tell me a story"}})
    assert state.set_reply(start.response_id, BrainReply(text="Once upon a time, long ago.")) == []
    sent = state.advance(start.response_id) + state.advance(start.response_id)
    assert sent
    out = send(state, {"realtimeInput": {"text": "Stop"}})
    assert StopResponse(start.response_id) in out
    assert state.advance(start.response_id) == []
    model = next(t for t in state.history.turns if t["role"] == "model")
    assert model["parts"] == [{"text": "Once"}]  # what was sent, no more


def test_user_audio_is_transcribed_at_16_khz() -> None:
    state = GeminiServerState(pacing=Pacing.instant())
    send(state, {"setup": {"model": MODEL, "inputAudioTranscription": {}}})
    pcm = bytes(32 * 300) + speech16k() + bytes(32 * 800)
    out: list[Any] = []
    for start in range(0, len(pcm), 3200):
        blob = {"mimeType": "audio/pcm;rate=16000", "data": b64(pcm[start : start + 3200])}
        out += send(state, {"realtimeInput": {"audio": blob}})
    (transcribe,) = [o for o in out if isinstance(o, Transcribe)]
    assert (transcribe.sample_rate, transcribe.emit) == (16000, True)
    state.set_heard(transcribe.item_id, "Hello there")
    fragments = messages(state.transcription_events(transcribe.item_id))
    assert [m["serverContent"]["inputTranscription"] for m in fragments] == [
        {"text": "Hello"},
        {"text": " there", "finished": True},
    ]


def test_brain_items_from_a_gemini_history() -> None:
    history = History()
    history.add("user", [{"text": "Weather?"}, {"text": "hmm", "thought": True}])
    history.add("model", [{"functionCall": {"id": "c1", "name": "w", "args": {"city": "Oslo"}}}])
    history.add(
        "user",
        [
            {"functionResponse": {"id": "c1", "name": "w", "response": {"output": {"t": 5}}}},
            {"functionResponse": {"id": "c2", "name": "w", "response": {"error": "down"}}},
        ],
    )
    history.add_user_audio("audio_1", 1200)
    history.heard["audio_1"] = "Thanks"
    items = history.brain_items(audio_out=False)
    assert [(i["type"], i.get("role")) for i in items] == [
        ("message", "user"),
        ("function_call", None),
        ("function_call_output", None),
        ("function_call_output", None),
        ("message", "user"),
    ]
    assert items[0]["content"] == [{"type": "input_text", "text": "Weather?"}]
    assert items[1]["arguments"] == '{"city":"Oslo"}'
    assert [i["output"] for i in items[2:4]] == ['{"t":5}', '{"error":"down"}']
    assert items[4]["content"] == [{"type": "input_audio", "transcript": "Thanks"}]
    assert history.prompt_tokens("", ())["AUDIO"] == 39  # 32 tokens per second


def test_a_reply_whose_arguments_are_not_an_object_fails_the_turn() -> None:
    state = GeminiServerState(pacing=Pacing.instant())
    send(state, {"setup": {"model": MODEL}})
    (start,) = send(state, {"realtimeInput": {"text": "Go"}})
    reply = BrainReply(tool_calls=(ToolCallSpec(name="f", arguments="not json"),))
    assert state.set_reply(start.response_id, reply) == [Close(1011, "Internal error occurred.")]


def test_wire_helpers() -> None:
    assert duration(50) == "50s"
    assert duration(0.25) == "0.250s"
    assert camel("response_modalities") == "responseModalities"
    assert camel("responseModalities") == "responseModalities"
    long = "é" * 100  # 200 bytes: cut on a character boundary
    assert reason_text(long) == "é" * 61
    schema = {
        "type": "OBJECT",
        "properties": {"type": {"type": "ARRAY", "items": {"type": "STRING"}}},
        "anyOf": [{"type": "NUMBER"}],
    }
    assert _json_schema(schema) == {
        "type": "object",
        "properties": {"type": {"type": "array", "items": {"type": "string"}}},
        "anyOf": [{"type": "number"}],
    }


@pytest.mark.parametrize(
    "frame",
    [
        '{"setupComplete": {}}',  # a text frame: the service sends binary
        b'{"serverContent": {"modelTurn": {"partz": []}}}',
        b'{"voiceActivityz": {}}',
        b'{"serverContent": {"modelTurn": {"parts": [{"inlineData": '
        b'{"mimeType": "audio/pcm;rate=16000", "data": "AAAA"}}]}}}',
        b'{"serverContent": {"modelTurn": {"parts": [{"inlineData": '
        b'{"mimeType": "audio/pcm;rate=24000", "data": "AAA"}}]}}}',
        b'{"toolCall": {"functionCalls": [{"id": "1", "name": "f", "args": "x"}]}}',
    ],
)
def test_the_validator_rejects_what_the_sdk_would_not_take(frame: str | bytes) -> None:
    assert server_message_problems(frame)


def test_the_validator_checks_client_messages() -> None:
    assert client_message_problems({"realtimeInput": {"text": "a"}, "setup": {}})
    assert client_message_problems({"realtimeInput": {"txt": "a"}})
    assert not client_message_problems(FLOW2_SETUP)
