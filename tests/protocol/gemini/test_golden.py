"""Golden Gemini Live sequences: server messages in, the exact events and signals out."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from trio_realtime._actions import CancelCalls, InterruptBatch, SealBatch, Send, StartCall
from trio_realtime._turns import TurnMachine
from trio_realtime.config import Config, ServerVad
from trio_realtime.events import (
    AssistantAudioDelta,
    AssistantText,
    AssistantTextDelta,
    AssistantTranscript,
    AssistantTranscriptDelta,
    AssistantTurnCompleted,
    AssistantTurnStarted,
    Interrupted,
    SessionOpened,
    SessionUpdated,
    ToolBatchSubmitted,
    ToolCallArgsDelta,
    ToolCallCompleted,
    ToolCallDispatched,
    ToolCallFailed,
    ToolCallStarted,
    Usage,
    UserSpeechStarted,
    UserSpeechStopped,
    UserTranscript,
    UserTranscriptDelta,
)
from trio_realtime.protocol.signals import (
    Decoded,
    GoAway,
    ResumptionUpdate,
    SessionReady,
    SessionSettings,
    ToolCallReady,
    ToolCallsCancelled,
)
from trio_realtime.tools import Tool

from . import flows
from .flows import ANSWER, BOOK_1, BOOK_2, REPLY, STORY, TIME, WEATHER
from .genai_wire import validate_server
from .helpers import codec, feed, sent, setup_of

AUTO = SessionSettings(turn_detection=True, create_response=True, interrupt_response=True)
MANUAL = SessionSettings(turn_detection=False, create_response=True, interrupt_response=True)
TEXT = Config(modalities=["text"], turn_detection=None, input_audio_transcription=False)
AUDIO = Config(turn_detection=ServerVad(silence_duration_ms=500), voice="Puck")


def _tool(name: str, **properties: str) -> Tool:
    schema = {
        "type": "object",
        "properties": {key: {"type": kind} for key, kind in properties.items()},
        "required": list(properties),
    }
    return Tool(name=name, description=f"{name} tool.", parameters=schema, fn=lambda **_: None)


TOOLS = [_tool("get_weather", city="string"), _tool("get_time", timezone="string")]
BOOK = _tool("book_table", restaurant="string", guests="integer")


def opened(setup: dict[str, Any], settings: SessionSettings) -> list[Decoded]:
    return [
        SessionOpened(session_id="sess_g"),
        SessionUpdated(config=setup),
        settings,
        SessionReady(),
    ]


def pcm(turn: str, data: bytes) -> AssistantAudioDelta:
    return AssistantAudioDelta(turn_id=turn, item_id=f"{turn}_out", pcm=data, sample_rate=24_000)


def transcript_delta(turn: str, text: str) -> AssistantTranscriptDelta:
    return AssistantTranscriptDelta(turn_id=turn, item_id=f"{turn}_out", delta=text)


def transcript(turn: str, text: str) -> AssistantTranscript:
    return AssistantTranscript(turn_id=turn, item_id=f"{turn}_out", text=text)


def call(turn: str, call_id: str, name: str, arguments: str) -> list[Decoded]:
    return [
        ToolCallStarted(turn_id=turn, call_id=call_id, name=name),
        ToolCallArgsDelta(turn_id=turn, call_id=call_id, delta=arguments),
        ToolCallReady(turn_id=turn, call_id=call_id, name=name, arguments=arguments),
    ]


def done(turn: str, usage: Usage | None = None, **kwargs: Any) -> AssistantTurnCompleted:
    kwargs.setdefault("status", "completed")
    return AssistantTurnCompleted(turn_id=turn, usage=usage, **kwargs)


@pytest.mark.parametrize("name", sorted(flows.ALL_FLOWS))
def test_every_golden_message_validates_as_the_sdk_receives_it(name: str) -> None:
    for message in flows.ALL_FLOWS[name]:
        validate_server(message)


def test_text_turn_reads_the_spoken_answers_transcript() -> None:
    protocol = codec(TEXT)
    setup = setup_of(protocol)
    assert setup["generationConfig"] == {"responseModalities": ["AUDIO"]}
    assert setup["outputAudioTranscription"] == {}
    assert sent(protocol.user_text("What is the capital of France?")) == [
        {"realtimeInput": {"activityStart": {}}},
        {"realtimeInput": {"text": "What is the capital of France?"}},
        {"realtimeInput": {"activityEnd": {}}},
    ]
    assert protocol.create_response() is None  # the text turn is answered by itself: once
    assert feed(protocol, flows.TEXT_TURN) == [
        *opened(setup, MANUAL),
        AssistantTurnStarted(turn_id="turn_1"),
        AssistantTextDelta(turn_id="turn_1", item_id="turn_1_out", delta="The capital of France"),
        AssistantTextDelta(turn_id="turn_1", item_id="turn_1_out", delta=" is Paris."),
        AssistantText(
            turn_id="turn_1", item_id="turn_1_out", text="The capital of France is Paris."
        ),
        done(
            "turn_1",
            Usage(
                input_tokens=143,
                output_tokens=19,
                total_tokens=162,
                input_text_tokens=143,
                output_audio_tokens=19,
            ),
        ),
    ]


def test_audio_turn_with_both_transcriptions() -> None:
    protocol = codec(AUDIO)
    setup = setup_of(protocol)
    assert setup["generationConfig"] == {
        "responseModalities": ["AUDIO"],
        "speechConfig": {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Puck"}}},
    }
    assert setup["inputAudioTranscription"] == {}
    assert (
        feed(protocol, flows.AUDIO_TURN)
        == [
            *opened(setup, AUTO),
            UserTranscriptDelta(item_id="user_1", delta="What's the weather"),
            UserTranscriptDelta(item_id="user_1", delta=" like on Mars?"),
            UserTranscript(item_id="user_1", text="What's the weather like on Mars?"),
            AssistantTurnStarted(turn_id="turn_1"),
            pcm("turn_1", REPLY[:1920]),  # 1921 bytes: one byte carried
            transcript_delta("turn_1", "Mars is cold"),
            pcm("turn_1", REPLY[1920:4800]),  # carry + 2880: one carried again
            transcript_delta("turn_1", " and dusty."),
            pcm("turn_1", REPLY[4800:]),  # carry + 959: even
            transcript("turn_1", "Mars is cold and dusty."),
            done(
                "turn_1",
                Usage(
                    input_tokens=373,
                    output_tokens=23,
                    total_tokens=396,
                    input_text_tokens=291,
                    input_audio_tokens=82,
                    cached_tokens=40,  # an int64 sent as a string
                    cached_text_tokens=40,
                    output_audio_tokens=23,
                ),
            ),
            ResumptionUpdate(handle="Cj0KOXNlc3Npb24tMQ", resumable=True),
        ]
    )
    assert protocol.resume_handle == "Cj0KOXNlc3Npb24tMQ"


def test_two_calls_answered_in_one_tool_response_and_the_model_goes_on() -> None:
    protocol = codec(Config(tools=TOOLS))
    setup = setup_of(protocol)
    declarations = setup["tools"][0]["functionDeclarations"]
    assert [d["name"] for d in declarations] == ["get_weather", "get_time"]
    assert declarations[0]["parameters"]["properties"] == {"city": {"type": "STRING"}}
    first, answer = flows.TOOL_CALLS[:3], flows.TOOL_CALLS[3:]
    assert feed(protocol, first) == [
        *opened(setup, AUTO),
        UserTranscriptDelta(item_id="user_1", delta="Weather and time in Tokyo, please."),
        AssistantTurnStarted(turn_id="turn_1"),
        *call("turn_1", WEATHER, "get_weather", '{"city":"Tokyo"}'),
        *call("turn_1", TIME, "get_time", '{"timezone":"Asia/Tokyo"}'),
        done("turn_1"),  # the model now waits for both answers
        UserTranscript(item_id="user_1", text="Weather and time in Tokyo, please."),
    ]
    outputs = [(WEATHER, '{"temp_c":18,"sky":"light rain"}'), (TIME, "2026-09-20T21:04:00+09:00")]
    assert sent(protocol.tool_outputs(outputs)) == [
        {
            "toolResponse": {
                "functionResponses": [
                    {
                        "id": WEATHER,
                        "name": "get_weather",
                        "response": {"output": {"temp_c": 18, "sky": "light rain"}},
                    },
                    {
                        "id": TIME,
                        "name": "get_time",
                        "response": {"output": "2026-09-20T21:04:00+09:00"},
                    },
                ]
            }
        }
    ]
    assert feed(protocol, answer) == [
        AssistantTurnStarted(turn_id="turn_2"),
        pcm("turn_2", ANSWER),
        transcript_delta("turn_2", "It's 18 degrees with light rain in Tokyo."),
        transcript("turn_2", "It's 18 degrees with light rain in Tokyo."),
        done("turn_2", Usage(input_tokens=412, output_tokens=41, total_tokens=491)),
    ]
    assert protocol.traits.responds_to_tool_outputs


def test_tool_round_trip_through_the_turn_machine_asks_for_no_follow_up() -> None:
    config = Config(tools=TOOLS)
    protocol = codec(config)
    setup_of(protocol)
    machine = TurnMachine(config, protocol)
    actions = [a for item in feed(protocol, flows.TOOL_CALLS[:3]) for a in machine.apply(item, 0.0)]
    starts = [a for a in actions if isinstance(a, StartCall)]
    assert [(s.call_id, dict(s.args)) for s in starts] == [
        (WEATHER, {"city": "Tokyo"}),
        (TIME, {"timezone": "Asia/Tokyo"}),
    ]
    assert SealBatch("turn_1") in actions
    after = machine.call_succeeded("turn_1", WEATHER, {"temp_c": 18}, '{"temp_c":18}')
    assert after == [
        ToolCallCompleted(
            turn_id="turn_1", call_id=WEATHER, name="get_weather", result={"temp_c": 18}
        )
    ]
    after = machine.call_succeeded("turn_1", TIME, "21:04", "21:04")
    sends = [a for a in after if isinstance(a, Send)]
    assert len(sends) == 1  # one toolResponse, and no request for a response: Gemini goes on
    assert sent(sends[0].message)[0]["toolResponse"]["functionResponses"] == [
        {"id": WEATHER, "name": "get_weather", "response": {"output": {"temp_c": 18}}},
        {"id": TIME, "name": "get_time", "response": {"output": "21:04"}},
    ]
    assert after[-1] == ToolBatchSubmitted(turn_id="turn_1", call_ids=(WEATHER, TIME))
    assert machine.response_state == "idle"


def _send_audio(protocol: Any, ms: int) -> int:
    """Append ``ms`` of 24 kHz audio in 20 ms frames; return the 16 kHz samples sent."""
    samples = 0
    frame = flows.tone(20)
    for _ in range(ms // 20):
        for message in sent(protocol.append_audio(frame)):
            blob = message["realtimeInput"]["audio"]
            assert blob["mimeType"] == "audio/pcm;rate=16000"
            samples += len(base64.b64decode(blob["data"])) // 2
    return samples


def test_barge_in_then_a_withdrawn_call() -> None:
    config = Config(tools=[BOOK])
    protocol = codec(config)
    setup = setup_of(protocol)
    events = feed(protocol, flows.BARGE_IN[:4])
    barge_ms = _send_audio(protocol, 400) * 1000 // 16_000
    assert 390 <= barge_ms <= 400  # the resampler holds back a millisecond
    events += feed(protocol, flows.BARGE_IN[4:13])
    assert sent(protocol.tool_outputs([(BOOK_2, '{"confirmed":true,"time":"19:30"}')])) == [
        {
            "toolResponse": {
                "functionResponses": [
                    {
                        "id": BOOK_2,
                        "name": "book_table",
                        "response": {"output": {"confirmed": True, "time": "19:30"}},
                    }
                ]
            }
        }
    ]
    events += feed(protocol, flows.BARGE_IN[13:])
    assert events == [
        *opened(setup, AUTO),
        UserTranscriptDelta(item_id="user_1", delta="Tell me a long story."),
        AssistantTurnStarted(turn_id="turn_1"),
        pcm("turn_1", STORY[:1440]),
        transcript_delta("turn_1", "Once upon a time, in a quiet"),
        # interrupted: the answered utterance ends, the barge-in starts, the turn ends
        UserTranscript(item_id="user_1", text="Tell me a long story."),
        UserSpeechStarted(at_ms=barge_ms, item_id="user_2"),
        transcript("turn_1", "Once upon a time, in a quiet"),
        done("turn_1", status="cancelled", status_reason="interrupted"),
        pcm("turn_1", STORY[1440:]),  # a late chunk of the interrupted turn (the machine drops it)
        UserTranscriptDelta(item_id="user_2", delta="Actually, book a table at Luigi's for two."),
        # (the interrupted turn's turnComplete ends nothing new)
        UserSpeechStopped(at_ms=barge_ms, item_id="user_2"),
        AssistantTurnStarted(turn_id="turn_2"),
        *call("turn_2", BOOK_1, "book_table", '{"restaurant":"Luigi\'s","guests":2}'),
        done("turn_2"),
        UserTranscript(item_id="user_2", text="Actually, book a table at Luigi's for two."),
        ToolCallsCancelled(call_ids=(BOOK_1,)),
        UserSpeechStarted(at_ms=barge_ms, item_id="user_3"),
        UserTranscriptDelta(item_id="user_3", delta="No wait, make it three people."),
        UserSpeechStopped(at_ms=barge_ms, item_id="user_3"),
        AssistantTurnStarted(turn_id="turn_3"),
        *call("turn_3", BOOK_2, "book_table", '{"restaurant":"Luigi\'s","guests":3}'),
        done("turn_3"),
        UserTranscript(item_id="user_3", text="No wait, make it three people."),
        AssistantTurnStarted(turn_id="turn_4"),
        pcm("turn_4", ANSWER),
        transcript_delta("turn_4", "Done, a table for three at 7:30."),
        transcript("turn_4", "Done, a table for three at 7:30."),
        done("turn_4", Usage(input_tokens=520, output_tokens=30, total_tokens=550)),
    ]


def test_barge_in_through_the_turn_machine() -> None:
    config = Config(tools=[BOOK])
    protocol = codec(config)
    setup_of(protocol)
    machine = TurnMachine(config, protocol)
    actions = []
    for item in feed(protocol, flows.BARGE_IN[:11]):
        actions += machine.apply(item, 1.0)
    published = [a for a in actions if not isinstance(a, (SealBatch, StartCall, InterruptBatch))]
    kinds = [getattr(a, "kind", type(a).__name__) for a in published]
    assert kinds.count("interrupted") == 2
    assert Interrupted(turn_id="turn_1", reason="barge_in") in actions
    assert InterruptBatch("turn_1", cancel=False) in actions
    assert not any(isinstance(a, Send) for a in actions)  # the server cut it: nothing to send
    assert machine.dropped_audio_deltas == 1  # the chunk that trailed the interruption
    assert CancelCalls("turn_2", (BOOK_1,)) in actions  # withdrawn by the server
    assert InterruptBatch("turn_2", cancel=True) in actions  # the barge-in (on_interrupt=drop)
    assert Interrupted(turn_id="turn_2", reason="barge_in") in actions
    cancelled = machine.call_cancelled("turn_2", BOOK_1, "interrupted")
    assert cancelled == [
        ToolCallFailed(turn_id="turn_2", call_id=BOOK_1, name="book_table", error="interrupted")
    ]  # and no output for it
    later = []
    for item in feed(protocol, flows.BARGE_IN[11:13]):
        later += machine.apply(item, 2.0)
    dispatched = [a for a in later if isinstance(a, ToolCallDispatched)]
    assert [d.call_id for d in dispatched] == [BOOK_2]
    after = machine.call_succeeded("turn_3", BOOK_2, {"confirmed": True}, '{"confirmed":true}')
    (send,) = [a for a in after if isinstance(a, Send)]
    responses = sent(send.message)[0]["toolResponse"]["functionResponses"]
    assert [r["id"] for r in responses] == [BOOK_2]


def _members(messages: list[dict[str, Any]]) -> list[str]:
    return [next(iter(m["realtimeInput"])) for m in messages]


def _samples(messages: list[dict[str, Any]]) -> int:
    blobs = [m["realtimeInput"]["audio"]["data"] for m in messages if "audio" in m["realtimeInput"]]
    return sum(len(base64.b64decode(b)) // 2 for b in blobs)


def test_manual_activity_detection() -> None:
    config = Config(turn_detection=None)
    protocol = codec(config)
    setup = setup_of(protocol)
    assert setup["realtimeInputConfig"] == {"automaticActivityDetection": {"disabled": True}}
    machine = TurnMachine(config, protocol)
    frame = flows.tone(20)
    events = feed(protocol, flows.MANUAL[:1])
    first, second = sent(protocol.append_audio(frame)), sent(protocol.append_audio(frame))
    assert _members(first) == ["activityStart", "audio"]  # the user's turn opens with its audio
    assert _members(second) == ["audio"]
    assert sent(protocol.commit_audio()) == [{"realtimeInput": {"activityEnd": {}}}]
    assert protocol.create_response() is None  # activityEnd makes the model answer
    samples = _samples(first + second)
    for item in feed(protocol, flows.MANUAL[1:3]):
        events.append(item)
        machine.apply(item, 0.0)
    # push-to-talk while the model speaks: interrupt() opens the user's activity, which cuts it
    actions = machine.interrupt("manual", 0.0)
    assert [sent(a.message) for a in actions if isinstance(a, Send)] == [
        [{"realtimeInput": {"activityStart": {}}}]
    ]
    assert Interrupted(turn_id="turn_1", reason="manual") in actions
    barge = feed(protocol, flows.MANUAL[3:6])
    assert not [a for item in barge for a in machine.apply(item, 0.0) if isinstance(a, Send)]
    events += barge
    third = sent(protocol.append_audio(frame))
    assert _members(third) == ["audio"]  # the activity is already open
    assert sent(protocol.commit_audio()) == [{"realtimeInput": {"activityEnd": {}}}]
    events += feed(protocol, flows.MANUAL[6:])
    before, after = samples * 1000 // 16_000, (samples + _samples(third)) * 1000 // 16_000
    assert events == [
        *opened(setup, MANUAL),
        UserTranscriptDelta(item_id="user_1", delta="Read me the news."),
        AssistantTurnStarted(turn_id="turn_1"),
        pcm("turn_1", STORY[:1440]),
        UserTranscript(item_id="user_1", text="Read me the news."),
        UserSpeechStarted(at_ms=before, item_id="user_2"),
        transcript("turn_1", ""),  # an audio turn always ends with its transcript
        done("turn_1", status="cancelled", status_reason="interrupted"),
        UserTranscriptDelta(item_id="user_2", delta="Just the headlines."),
        UserSpeechStopped(at_ms=after, item_id="user_2"),
        AssistantTurnStarted(turn_id="turn_2"),
        pcm("turn_2", ANSWER),
        transcript("turn_2", ""),
        done("turn_2"),
        UserTranscript(item_id="user_2", text="Just the headlines."),
    ]


def test_go_away_then_resumption_with_the_latest_handle() -> None:
    protocol = codec(TEXT)
    setup = setup_of(protocol)
    assert setup["sessionResumption"] == {}
    assert feed(protocol, flows.BEFORE_GO_AWAY) == [
        *opened(setup, MANUAL),
        ResumptionUpdate(handle=flows.HANDLE_1, resumable=True),
        AssistantTurnStarted(turn_id="turn_1"),
        AssistantTextDelta(turn_id="turn_1", item_id="turn_1_out", delta="First answer."),
        ResumptionUpdate(handle=None, resumable=False),
        AssistantText(turn_id="turn_1", item_id="turn_1_out", text="First answer."),
        done("turn_1"),
        ResumptionUpdate(handle=flows.HANDLE_2, resumable=True),
        GoAway(time_left_ms=50_000),
    ]
    resumed = protocol.resumed()
    again = setup_of(resumed)
    assert again == {**setup, "sessionResumption": {"handle": flows.HANDLE_2}}
    assert feed(resumed, flows.AFTER_RESUME) == [
        *opened(again, MANUAL),
        AssistantTurnStarted(turn_id="turn_2"),  # ids go on: the session is the same
        AssistantTextDelta(turn_id="turn_2", item_id="turn_2_out", delta="Second answer."),
        AssistantText(turn_id="turn_2", item_id="turn_2_out", text="Second answer."),
        done("turn_2"),
    ]
