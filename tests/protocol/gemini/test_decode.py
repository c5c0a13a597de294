"""Decoder details and robustness: frame types, shapes, audio rates, text modes, VAD signals."""

from __future__ import annotations

import base64
import json
import math
from typing import Any

import hypothesis.strategies as st
import numpy as np
import orjson
from hypothesis import given, settings

from trio_realtime._turns import TurnMachine
from trio_realtime.config import Config
from trio_realtime.events import (
    AssistantAudioDelta,
    AssistantText,
    AssistantTextDelta,
    AssistantTurnCompleted,
    AssistantTurnStarted,
    Error,
    Interrupted,
    ServerEvent,
    ToolCallArgsDelta,
    ToolCallStarted,
    Usage,
    UserSpeechStarted,
    UserSpeechStopped,
    UserTranscript,
    UserTranscriptDelta,
)
from trio_realtime.protocol.gemini import GeminiOptions
from trio_realtime.protocol.signals import ProtocolViolation, ToolCallReady
from trio_realtime.testing import gemini_frames as g

from .flows import tone
from .genai_wire import validate_server
from .helpers import codec, feed

SETUP = {"setupComplete": {}}


def ready(config: Config | None = None, **kwargs: Any) -> Any:
    protocol = codec(config or Config(), **kwargs)
    protocol.open()
    feed(protocol, [SETUP])
    return protocol


def kinds(items: list[Any]) -> list[str]:
    return [getattr(i, "kind", type(i).__name__) for i in items]


def test_text_and_binary_frames_decode_alike() -> None:
    message = g.output_transcript("Hello")
    a, b = ready(), ready()
    assert a.receive(orjson.dumps(message)) == b.receive(orjson.dumps(message).decode())


def test_builders_validate_as_server_messages() -> None:
    for message in [
        g.setup_complete(),
        g.setup_complete("vertex-session"),
        g.audio(b"\x01\x00"),
        g.text("hi", thought=True),
        g.output_transcript("a"),
        g.input_transcript("b", finished=True),
        g.generation_complete(),
        g.turn_complete(g.usage(10, 5, audio_in=4, audio_out=5), reason="NEED_MORE_INPUT"),
        g.interrupted(),
        g.tool_call({"c1": ("f", {"x": [1, {"y": None}]})}),
        g.tool_call_cancellation(["c1"]),
        g.go_away("1.5s"),
        g.resumption_update("h"),
        g.resumption_update("h", resumable=False),
        g.voice_activity("ACTIVITY_START", "1.2s"),
        *g.spoken_turn("Hi.", tone(30), chunks=3, usage_metadata=g.usage(3, 4)),
    ]:
        validate_server(message)


def test_malformed_messages_become_one_recoverable_error_each() -> None:
    protocol = ready()
    (bad_json,) = protocol.receive(b"{not json")
    assert isinstance(bad_json, Error) and bad_json.code == "invalid_json" and bad_json.recoverable
    for frame in [b"[1, 2]", b'"text"', b"null"]:
        (error,) = protocol.receive(frame)
        assert isinstance(error, Error) and error.code == "invalid_event"
    for message in [
        {"serverContent": []},
        {"serverContent": {"modelTurn": {"parts": "nope"}}},
        {"serverContent": {"modelTurn": {"parts": [7]}}},
        {"serverContent": {"modelTurn": {"parts": [{"inlineData": {"mimeType": "audio/pcm"}}]}}},
        {"toolCall": {"functionCalls": [{"id": "x"}]}},
        {"toolCallCancellation": {"ids": [1]}},
    ]:
        out = protocol.receive(orjson.dumps(message))
        assert isinstance(out[-1], Error) and out[-1].code == "invalid_event", message
        assert out[-1].recoverable
    assert protocol.statistics().malformed_frames == 10


def test_invalid_base64_is_reported_and_url_safe_unpadded_base64_decoded() -> None:
    protocol = ready()
    pcm = bytes(range(250, 256)) * 2  # bytes whose base64 uses '+' and '/'
    url_safe = base64.urlsafe_b64encode(pcm).decode().rstrip("=")
    blob = {"mimeType": "audio/pcm;rate=24000", "data": url_safe}
    out = feed(protocol, [{"serverContent": {"modelTurn": {"parts": [{"inlineData": blob}]}}}])
    assert [e.pcm for e in out if isinstance(e, AssistantAudioDelta)] == [pcm]
    blob = {"mimeType": "audio/pcm;rate=24000", "data": "A"}
    (error,) = feed(protocol, [{"serverContent": {"modelTurn": {"parts": [{"inlineData": blob}]}}}])
    assert isinstance(error, Error) and "base64" in error.message


def test_unknown_fields_are_counted_and_published_when_asked() -> None:
    protocol = ready(server_events=True)
    message = {"futureThing": {"a": 1}, "serverContent": {"brandNew": True}}
    out = feed(protocol, [message])
    assert out == [ServerEvent(provider="gemini", type="futureThing", data=message)]
    stats = protocol.statistics()
    assert stats.unknown_event_types == {"futureThing": 1}
    assert stats.unknown_fields == {"serverContent.brandNew": 1}
    quiet = ready()
    assert feed(quiet, [message]) == []


def test_a_second_setup_complete_violates_the_protocol() -> None:
    protocol = ready()
    (violation,) = feed(protocol, [SETUP])
    assert isinstance(violation, ProtocolViolation)


def test_setup_complete_names_the_session_when_vertex_does() -> None:
    protocol = codec(Config())
    protocol.open()
    assert feed(protocol, [g.setup_complete("vs-1")])[0].session_id == "vs-1"
    assert protocol.session_id == "vs-1"


def test_g711_sessions_get_8_khz_audio_and_the_tail_at_the_end() -> None:
    protocol = ready(Config(output_audio_format="g711_alaw", input_audio_format="g711_alaw"))
    reply = tone(100)
    out = feed(protocol, [g.audio(reply[:1201]), g.audio(reply[1201:]), g.turn_complete()])
    deltas = [e for e in out if isinstance(e, AssistantAudioDelta)]
    assert {d.sample_rate for d in deltas} == {8000}
    total = b"".join(d.pcm for d in deltas)
    assert len(total) // 2 == math.ceil(2400 / 3)  # the whole stream, tail flushed at the end
    assert kinds(out)[-2:] == ["assistant_transcript", "assistant_turn_completed"]


def test_audio_at_another_rate_is_converted_to_the_session_rate() -> None:
    protocol = ready()
    out = feed(protocol, [g.audio(tone(50, rate=16_000), rate=16_000), g.generation_complete()])
    deltas = [e for e in out if isinstance(e, AssistantAudioDelta)]
    assert sum(len(d.pcm) for d in deltas) // 2 == 1200  # 50 ms at 24 kHz
    assert all(d.sample_rate == 24_000 for d in deltas)


def test_non_audio_blobs_are_counted_not_published() -> None:
    protocol = ready()
    blob = {"mimeType": "image/png", "data": "AAAA"}
    assert (
        feed(protocol, [{"serverContent": {"modelTurn": {"parts": [{"inlineData": blob}]}}}]) == []
    )
    assert protocol.statistics().unknown_fields == {"inlineData.image/png": 1}


def test_native_text_sessions_publish_text_parts_but_not_thoughts() -> None:
    protocol = ready(Config(modalities=["text"]), options=GeminiOptions(native_text=True))
    out = feed(
        protocol,
        [g.text("thinking...", thought=True), g.text(" Bonjour"), g.text(" !"), g.turn_complete()],
    )
    assert out == [
        AssistantTurnStarted(turn_id="turn_1"),
        AssistantTextDelta(turn_id="turn_1", item_id="turn_1_out", delta="Bonjour"),
        AssistantTextDelta(turn_id="turn_1", item_id="turn_1_out", delta=" !"),
        AssistantText(turn_id="turn_1", item_id="turn_1_out", text="Bonjour !"),
        AssistantTurnCompleted(turn_id="turn_1", status="completed"),
    ]


def test_audio_sessions_ignore_text_parts_and_text_sessions_drop_audio() -> None:
    audio = ready()
    assert feed(audio, [g.text("unspoken")]) == []
    text = ready(Config(modalities=["text"]))
    out = feed(text, [g.audio(tone(10)), g.output_transcript("Hi"), g.turn_complete()])
    assert kinds(out) == [
        "assistant_turn_started",
        "assistant_text_delta",
        "assistant_text",
        "assistant_turn_completed",
    ]


def test_voice_activity_gives_speech_started_and_stopped_once() -> None:
    protocol = ready()
    out = feed(
        protocol,
        [
            g.output_transcript("Long"),
            g.voice_activity("ACTIVITY_START", "1.25s"),
            g.interrupted(),  # the same barge-in: no second user_speech_started
            g.voice_activity("ACTIVITY_END", "2s"),
        ],
    )
    started = [e for e in out if isinstance(e, UserSpeechStarted)]
    assert started == [UserSpeechStarted(at_ms=1250, item_id="user_1")]
    assert UserSpeechStopped(at_ms=2000, item_id="user_1") in out


def test_an_interruption_after_turn_complete_barges_in_on_audio_still_playing() -> None:
    config = Config()
    protocol = ready(config)
    machine = TurnMachine(config, protocol)
    actions = []
    for item in feed(protocol, [g.audio(tone(1000)), g.generation_complete(), g.turn_complete()]):
        actions += machine.apply(item, 0.0)
    late = feed(protocol, [g.interrupted()])
    assert late == [UserSpeechStarted(at_ms=0, item_id="user_1")]  # no turn is open any more
    result = machine.apply(late[0], 0.4)  # 400 ms of a second of audio played
    assert Interrupted(turn_id="turn_1", reason="barge_in") in result


def test_interrupted_after_generation_complete_keeps_completed_status() -> None:
    protocol = ready()
    out = feed(protocol, [g.output_transcript("Done."), g.generation_complete(), g.interrupted()])
    assert out[-1] == AssistantTurnCompleted(
        turn_id="turn_1", status="completed", status_reason="interrupted"
    )


def test_tool_calls_are_deduplicated_and_synthesize_missing_ids() -> None:
    protocol = ready()
    first = feed(protocol, [g.tool_call({"c1": ("f", {"a": 1})})])
    assert ToolCallArgsDelta(turn_id="turn_1", call_id="c1", delta='{"a":1}') in first
    assert feed(protocol, [g.tool_call({"c1": ("f", {"a": 1})})]) == []  # the same call again
    out = feed(protocol, [{"toolCall": {"functionCalls": [{"name": "g"}]}}])
    assert ToolCallStarted(turn_id="turn_2", call_id="call_1", name="g") in out
    assert ToolCallReady(turn_id="turn_2", call_id="call_1", name="g", arguments="{}") in out


def test_usage_before_turn_complete_and_turn_complete_reasons() -> None:
    protocol = ready()
    usage = {"promptTokenCount": "12", "candidatesTokenCount": 3}
    out = feed(
        protocol,
        [
            g.output_transcript("a"),
            {"usageMetadata": usage, "serverContent": {}},
            g.turn_complete(reason="NEED_MORE_INPUT"),
            {"usageMetadata": usage},  # usage alone, between turns: nothing to attach it to
        ],
    )
    assert out[-1] == AssistantTurnCompleted(
        turn_id="turn_1",
        status="completed",
        usage=Usage(input_tokens=12, output_tokens=3, total_tokens=15),
        status_reason="NEED_MORE_INPUT",
    )


def test_user_transcripts_drop_the_first_leading_space_and_close_at_finished() -> None:
    protocol = ready()
    out = feed(
        protocol,
        [
            g.input_transcript("  "),
            g.input_transcript(" Hello"),
            g.input_transcript(" there", finished=True),
        ],
    )
    assert out == [
        UserTranscriptDelta(item_id="user_1", delta="Hello"),
        UserTranscriptDelta(item_id="user_1", delta=" there"),
        UserTranscript(item_id="user_1", text="Hello there"),
    ]


def test_late_user_fragments_join_the_utterance_the_turn_answers() -> None:
    protocol = ready()
    out = feed(
        protocol,
        [
            g.input_transcript("What time"),
            g.output_transcript("It is"),
            g.input_transcript(" is it?"),  # arrives after the model started
            g.output_transcript(" noon."),
            g.turn_complete(),
        ],
    )
    assert out[-1] == UserTranscript(item_id="user_1", text="What time is it?")
    assert UserTranscriptDelta(item_id="user_1", delta=" is it?") in out


_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
_KEYS = st.sampled_from(
    [
        "setupComplete",
        "serverContent",
        "toolCall",
        "toolCallCancellation",
        "goAway",
        "sessionResumptionUpdate",
        "usageMetadata",
        "voiceActivity",
        "other",
    ]
)
_CONTENT_KEYS = st.sampled_from(
    [
        "modelTurn",
        "inputTranscription",
        "outputTranscription",
        "interrupted",
        "generationComplete",
        "turnComplete",
        "turnCompleteReason",
    ]
)
_MESSAGES = st.dictionaries(
    _KEYS,
    st.one_of(_VALUES, st.dictionaries(_CONTENT_KEYS, _VALUES, max_size=4)),
    max_size=4,
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_MESSAGES, max_size=8))
def test_the_decoder_never_raises(messages: list[dict[str, Any]]) -> None:
    protocol = ready(Config(modalities=["text"]))
    for message in messages:
        for item in protocol.receive(json.dumps(message).encode()):
            assert item is not None


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=64))
def test_garbage_bytes_never_raise(frame: bytes) -> None:
    out = ready().receive(frame)
    assert all(not isinstance(e, Exception) for e in out)


def test_audio_deltas_are_views_of_exact_bytes() -> None:
    reply = tone(20)
    (_started, delta) = feed(ready(), [g.audio(reply)])
    assert isinstance(delta, AssistantAudioDelta)
    assert np.array_equal(delta.samples, np.frombuffer(reply, "<i2"))
