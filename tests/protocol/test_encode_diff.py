"""``session_update(new, previous=old)`` sends only what changed (and validates)."""

from __future__ import annotations

import base64
from typing import Any

import attrs
import orjson
import pytest

from trio_realtime.config import Config, SemanticVad, ServerVad, Transcription
from trio_realtime.protocol.openai import OpenAIProtocol
from trio_realtime.tools import Tool

from . import flows
from .g711_reference import ulaw_decode
from .test_encode import LOOKUP, get_weather, wire

BASE = Config(
    instructions="Be nice.",
    voice="alloy",
    tools=[get_weather],
    input_audio_transcription=True,
    turn_detection=ServerVad(),
)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, {}),
        ({"instructions": "Be brief."}, {"instructions": "Be brief."}),
        ({"instructions": None}, {"instructions": ""}),
        ({"voice": "marin"}, {"audio": {"output": {"voice": "marin"}}}),
        ({"speed": 1.5}, {"audio": {"output": {"speed": 1.5}}}),
        ({"turn_detection": None}, {"audio": {"input": {"turn_detection": None}}}),
        (
            {"turn_detection": ServerVad(threshold=0.8)},
            {
                "audio": {
                    "input": {
                        "turn_detection": {
                            "type": "server_vad",
                            "threshold": 0.8,
                            "create_response": True,
                            "interrupt_response": True,
                        }
                    }
                }
            },
        ),
        (
            {"turn_detection": SemanticVad(eagerness="low")},
            {
                "audio": {
                    "input": {
                        "turn_detection": {
                            "type": "semantic_vad",
                            "eagerness": "low",
                            "create_response": True,
                            "interrupt_response": True,
                        }
                    }
                }
            },
        ),
        ({"input_audio_transcription": False}, {"audio": {"input": {"transcription": None}}}),
        (
            {"input_audio_transcription": Transcription(language="fr")},
            {
                "audio": {
                    "input": {
                        "transcription": {"model": "gpt-4o-mini-transcribe", "language": "fr"}
                    }
                }
            },
        ),
        (
            {"noise_reduction": "near_field"},
            {"audio": {"input": {"noise_reduction": {"type": "near_field"}}}},
        ),
        (
            {"output_audio_format": "g711_ulaw"},
            {"audio": {"output": {"format": {"type": "audio/pcmu"}}}},
        ),
        ({"modalities": ["text"]}, {"output_modalities": ["text"]}),
        ({"max_output_tokens": 100}, {"max_output_tokens": 100}),
        ({"tools": []}, {"tools": []}),
        ({"tool_choice": "required"}, {"tool_choice": "required"}),
        (
            {"tools": [get_weather, LOOKUP]},
            {"tools": [Tool.from_callable(get_weather).definition(), LOOKUP.definition()]},
        ),
        ({"provider_extras": {"truncation": "disabled"}}, {"truncation": "disabled"}),
        ({"temperature": 0.5, "on_interrupt": "submit", "tool_timeout": 3.0}, {}),
    ],
)
def test_diff_sends_only_what_changed(changes: dict[str, Any], expected: dict[str, Any]) -> None:
    new = attrs.evolve(BASE, **changes)
    event = wire(OpenAIProtocol(BASE).session_update(new, previous=BASE))
    assert event["session"] == {"type": "realtime", **expected}


def test_codec_adopts_the_updated_formats() -> None:
    codec = OpenAIProtocol(Config())
    new = Config(input_audio_format="g711_alaw", output_audio_format="g711_ulaw")
    codec.session_update(new, previous=Config())
    assert codec.config is new
    audio = wire(codec.append_audio(flows.tone(10, rate=8000)))["audio"]
    assert len(base64.b64decode(audio)) == 80  # A-law: one byte per sample
    frame = next(f for f in flows.load("audio_turn") if f["type"] == "response.output_audio.delta")
    (event,) = codec.receive(orjson.dumps({**frame, "delta": flows.b64(b"\xff\x7f")}))
    assert event.sample_rate == 8000
    assert event.samples.tolist() == [ulaw_decode(0xFF), ulaw_decode(0x7F)]
