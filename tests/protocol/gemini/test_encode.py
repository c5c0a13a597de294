"""Commands -> Gemini Live client messages: each validated, and equal to what the SDK sends."""

from __future__ import annotations

import base64
import logging

import attrs
import numpy as np
import orjson
import pytest

from trio_realtime.audio import StreamResampler, resample
from trio_realtime.config import (
    Config,
    ResponseOptions,
    SemanticVad,
    ServerVad,
    Transcription,
)
from trio_realtime.protocol import UnsupportedCommand
from trio_realtime.protocol.gemini import ContextCompression, GeminiOptions, GeminiProtocol
from trio_realtime.tools import Tool, encode_error

from .flows import MODEL, tone
from .genai_wire import normalise, sdk_sends, sdk_setup
from .helpers import codec, feed, sent, setup_of


def weather(city: str, days: int = 1) -> str:
    """Forecast for a city."""
    return city


FULL = Config(
    instructions="Be brief.",
    voice="Kore",
    temperature=0.4,
    max_output_tokens=512,
    tools=[weather],
    turn_detection=ServerVad(
        threshold=0.7, prefix_padding_ms=300, silence_duration_ms=800, interrupt_response=False
    ),
    input_audio_transcription=Transcription(),
)


def test_default_setup() -> None:
    assert setup_of(codec(Config())) == {
        "model": f"models/{MODEL}",
        "generationConfig": {"responseModalities": ["AUDIO"]},
        "realtimeInputConfig": {
            "automaticActivityDetection": {"disabled": False},
            "activityHandling": "START_OF_ACTIVITY_INTERRUPTS",
        },
        "inputAudioTranscription": {},
        "outputAudioTranscription": {},
        "sessionResumption": {},
    }


def test_full_setup_maps_every_setting() -> None:
    options = GeminiOptions(context_compression=ContextCompression(trigger_tokens=25_600))
    setup = setup_of(codec(FULL, options=options))
    assert setup == {
        "model": f"models/{MODEL}",
        "generationConfig": {
            "responseModalities": ["AUDIO"],
            "speechConfig": {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Kore"}}},
            "temperature": 0.4,
            "maxOutputTokens": 512,
        },
        "systemInstruction": {"parts": [{"text": "Be brief."}]},
        "tools": [
            {
                "functionDeclarations": [
                    {
                        "name": "weather",
                        "behavior": "BLOCKING",
                        "description": "Forecast for a city.",
                        "parameters": {
                            "type": "OBJECT",
                            "properties": {
                                "city": {"type": "STRING"},
                                "days": {"type": "INTEGER"},
                            },
                            "propertyOrdering": ["city", "days"],
                            "required": ["city"],
                        },
                    }
                ]
            }
        ],
        "realtimeInputConfig": {
            "automaticActivityDetection": {
                "disabled": False,
                "startOfSpeechSensitivity": "START_SENSITIVITY_LOW",
                "prefixPaddingMs": 300,
                "silenceDurationMs": 800,
            },
            "activityHandling": "NO_INTERRUPTION",
        },
        "inputAudioTranscription": {},
        "outputAudioTranscription": {},
        "sessionResumption": {},
        "contextWindowCompression": {"slidingWindow": {}, "triggerTokens": 25_600},
    }


@pytest.mark.parametrize(
    ("config", "options"),
    [
        (Config(), None),
        (FULL, GeminiOptions(context_compression=ContextCompression(target_tokens=9000))),
        (Config(modalities=["text"], turn_detection=SemanticVad(eagerness="high")), None),
        (Config(modalities=["text"]), GeminiOptions(native_text=True, session_resumption=False)),
    ],
)
def test_setup_equals_what_the_sdk_sends(config: Config, options: GeminiOptions | None) -> None:
    ours = setup_of(codec(config, options=options))
    assert normalise(ours) == sdk_setup(ours)


def test_semantic_vad_eagerness_and_native_text() -> None:
    eager = setup_of(codec(Config(turn_detection=SemanticVad(eagerness="low"))))
    detection = eager["realtimeInputConfig"]["automaticActivityDetection"]
    assert detection == {"disabled": False, "endOfSpeechSensitivity": "END_SENSITIVITY_LOW"}
    text = setup_of(
        codec(Config(modalities=["text"], voice="Puck"), options=GeminiOptions(native_text=True))
    )
    assert text["generationConfig"] == {"responseModalities": ["TEXT"]}
    assert "outputAudioTranscription" not in text


def test_tool_choice_none_sends_no_tools_and_extras_merge_last() -> None:
    config = Config(
        tools=[weather],
        tool_choice="none",
        provider_extras={"generationConfig": {"topK": 20}, "proactivity": {"proactiveAudio": True}},
    )
    setup = setup_of(codec(config))
    assert "tools" not in setup
    assert setup["generationConfig"] == {"responseModalities": ["AUDIO"], "topK": 20}
    assert setup["proactivity"] == {"proactiveAudio": True}


def test_model_names_and_resumption_handles() -> None:
    assert setup_of(codec(Config(), resume_handle="h-1"))["sessionResumption"] == {"handle": "h-1"}
    named = GeminiProtocol(Config(), model="models/gemini-x")
    assert setup_of(named)["model"] == "models/gemini-x"
    off = GeminiProtocol(Config(), model="g", options=GeminiOptions(session_resumption=False))
    assert "sessionResumption" not in setup_of(off)
    with pytest.raises(ValueError, match="model name is required"):
        GeminiProtocol(Config(), model="")
    with pytest.raises(UnsupportedCommand, match="no session resumption handle"):
        off.resumed()


def test_unsupported_settings_are_named_in_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    config = Config(
        speed=1.2,
        noise_reduction="near_field",
        tools=[weather],
        tool_choice="required",
        turn_detection=ServerVad(idle_timeout_ms=6000, create_response=False),
        input_audio_transcription=Transcription(language="fr"),
    )
    with caplog.at_level(logging.WARNING, logger="trio_realtime.protocol"):
        codec(config)
    (record,) = caplog.records
    for name in (
        "speed",
        "noise_reduction",
        "tool_choice='required'",
        "idle_timeout_ms",
        "create_response=False",
        "input_audio_transcription.language",
    ):
        assert name in record.getMessage()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="trio_realtime.protocol"):
        codec(Config())
    assert not caplog.records


# -- audio ---------------------------------------------------------------------------------


def _pcm_of(messages: list[dict[str, object]]) -> bytes:
    out = b""
    for message in messages:
        body = message["realtimeInput"]
        assert isinstance(body, dict)
        if "audio" in body:
            out += base64.b64decode(body["audio"]["data"])
    return out


@pytest.mark.parametrize(("fmt", "rate"), [("pcm16", 24_000), ("g711_ulaw", 8_000)])
def test_audio_is_resampled_to_16_khz_as_one_stream(fmt: str, rate: int) -> None:
    protocol = codec(Config(input_audio_format=fmt, output_audio_format=fmt))  # type: ignore[arg-type]
    signal = tone(300, rate=rate)
    chunks = [signal[i : i + 962] for i in range(0, len(signal), 962)]  # odd-sized frames
    messages = [m for chunk in chunks for m in sent(protocol.append_audio(chunk))]
    streamed = np.frombuffer(_pcm_of(messages), dtype="<i2")
    reference = StreamResampler(rate, 16_000).process(signal)
    # (the streaming resampler's contract: any chunking equals one shot within 1 LSB)
    assert streamed.size == reference.size
    assert np.abs(streamed.astype(np.int32) - reference).max() <= 1
    whole = resample(signal, rate, 16_000)
    assert np.abs(streamed.astype(np.int32) - whole[: streamed.size]).max() <= 1  # lookahead held
    assert whole.size - streamed.size <= StreamResampler(rate, 16_000).latency_samples


def test_an_audio_message_equals_the_sdks() -> None:
    (message,) = sent(codec(Config()).append_audio(tone(40)))
    assert normalise(message) == sdk_sends("realtimeInput", message["realtimeInput"])


def test_tiny_frames_wait_for_enough_audio() -> None:
    protocol = codec(Config(turn_detection=None))
    assert protocol.append_audio(b"\x01\x00") is None  # still inside the resampler's lookahead
    assert protocol.commit_audio() is None  # no activity was opened: nothing to end


def test_commit_with_server_vad_is_audio_stream_end() -> None:
    protocol = codec(Config())
    (message,) = sent(protocol.commit_audio())
    assert message == {"realtimeInput": {"audioStreamEnd": True}}
    assert normalise(message) == sdk_sends("realtimeInput", message["realtimeInput"])
    assert protocol.create_response() is None  # the server answers the flushed turn itself
    assert protocol.clear_audio() is None


# -- text and responses --------------------------------------------------------------------


def test_text_with_server_vad_is_one_realtime_input() -> None:
    protocol = codec(Config())
    (message,) = sent(protocol.user_text("Hi there"))
    assert message == {"realtimeInput": {"text": "Hi there"}}
    assert normalise(message) == sdk_sends("realtimeInput", message["realtimeInput"])
    assert protocol.create_response() is None  # answered once: the text is the request


def test_create_response_without_user_input_nudges_the_model() -> None:
    protocol = codec(Config())
    (message,) = sent(protocol.create_response())
    assert message == {"clientContent": {"turns": [], "turnComplete": True}}
    assert normalise(message) == sdk_sends("clientContent", message["clientContent"])


def test_create_response_options_are_ignored_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    protocol = codec(Config())
    with caplog.at_level(logging.WARNING, logger="trio_realtime.protocol"):
        protocol.create_response(ResponseOptions(instructions="x"))
        protocol.create_response(ResponseOptions(instructions="y"))
        protocol.create_response(ResponseOptions())
    assert len(caplog.records) == 1
    assert "per-response options" in caplog.records[0].getMessage()


def test_cancel_response_interrupts_only_with_manual_turns() -> None:
    auto = codec(Config())
    feed(auto, [{"setupComplete": {}}, {"serverContent": {"outputTranscription": {"text": "a"}}}])
    assert auto.cancel_response("turn_1") is None  # Gemini cannot cancel on request
    manual = codec(Config(turn_detection=None))
    assert manual.cancel_response() is None  # nothing to interrupt
    feed(manual, [{"setupComplete": {}}, {"serverContent": {"outputTranscription": {"text": "a"}}}])
    assert manual.cancel_response("turn_0") is None  # not the turn in progress
    assert sent(manual.cancel_response("turn_1")) == [{"realtimeInput": {"activityStart": {}}}]
    assert manual.cancel_response("turn_1") is None  # the activity is already open
    assert sent(manual.user_text("more")) == [
        {"realtimeInput": {"text": "more"}},
        {"realtimeInput": {"activityEnd": {}}},
    ]
    assert manual.truncate("turn_1_out", 100) is None
    assert manual.delete_item("turn_1_out") is None


# -- tool outputs --------------------------------------------------------------------------


def _with_calls(*calls: tuple[str, str]) -> GeminiProtocol:
    protocol = codec(Config())
    function_calls = [{"id": i, "name": n, "args": {}} for i, n in calls]
    feed(protocol, [{"setupComplete": {}}, {"toolCall": {"functionCalls": function_calls}}])
    return protocol


def test_tool_outputs_one_response_with_outputs_and_errors() -> None:
    protocol = _with_calls(("c1", "a"), ("c2", "b"), ("c3", "c"), ("c4", "d"))
    outputs = [
        ("c1", "plain text, not JSON"),
        ("c2", "42"),
        ("c3", encode_error("tool 'c' raised ValueError: boom")),
        ("c4", '["x", {"y": null}]'),
    ]
    (message,) = sent(protocol.tool_outputs(outputs))
    assert message["toolResponse"]["functionResponses"] == [
        {"id": "c1", "name": "a", "response": {"output": "plain text, not JSON"}},
        {"id": "c2", "name": "b", "response": {"output": 42}},
        {"id": "c3", "name": "c", "response": {"error": "tool 'c' raised ValueError: boom"}},
        {"id": "c4", "name": "d", "response": {"output": ["x", {"y": None}]}},
    ]
    assert normalise(message) == sdk_sends("toolResponse", message["toolResponse"])
    assert protocol.tool_outputs([]) == []


def test_each_call_is_answered_once_and_unknown_or_withdrawn_ones_never() -> None:
    protocol = _with_calls(("c1", "a"), ("c2", "b"))
    feed(protocol, [{"toolCallCancellation": {"ids": ["c2"]}}])
    (message,) = sent(protocol.tool_outputs([("c1", "1"), ("c2", "2"), ("zz", "3")]))
    assert message["toolResponse"]["functionResponses"] == [
        {"id": "c1", "name": "a", "response": {"output": 1}}
    ]
    assert protocol.tool_outputs([("c1", "1")]) == []  # answered already


# -- session updates -----------------------------------------------------------------------


def test_session_update_sends_context_updates_for_instructions_and_tools() -> None:
    protocol = codec(FULL)
    assert protocol.session_update(attrs.evolve(FULL, on_interrupt="submit")) is None
    assert protocol.config.on_interrupt.value == "submit"
    (message,) = sent(protocol.session_update(attrs.evolve(protocol.config, instructions=None)))
    assert message == {"contextUpdate": {"systemInstruction": {"parts": [{"text": ""}]}}}

    def lookup(code: str) -> str:
        """Look a code up."""
        return code

    new = attrs.evolve(protocol.config, tools=[lookup])
    (message,) = sent(protocol.session_update(new, previous=protocol.config))
    (declaration,) = message["contextUpdate"]["tools"]["tools"][0]["functionDeclarations"]
    assert declaration["name"] == "lookup"
    assert protocol.config == new


def test_session_update_refuses_what_gemini_cannot_change() -> None:
    protocol = codec(FULL)
    with pytest.raises(UnsupportedCommand, match="cannot change turn_detection, voice"):
        protocol.session_update(attrs.evolve(FULL, voice="Puck", turn_detection=None))
    assert protocol.config == FULL  # nothing adopted


def test_client_messages_are_text_frames_of_compact_json() -> None:
    protocol = codec(Config(tools=[Tool(name="t", parameters={"type": "object"})]))
    frames = [*protocol.open(), protocol.user_text("é ✓"), codec(Config()).create_response()]
    for frame in frames:
        assert isinstance(frame, str)
        assert orjson.loads(frame) is not None
    assert "é ✓" in frames[1]  # UTF-8 text, not escapes
