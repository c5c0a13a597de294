"""``Codec.wire_mark``: what each codec's own messages mean for latency (the metrics' clocks
start on them), for every command of both providers; and ``add_image`` (OpenAI items)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

import trio_realtime as rt
from trio_realtime.items import InputImage
from trio_realtime.protocol import Codec, GeminiProtocol, OpenAIProtocol, messages_of

PNG = b"\x89PNG\r\n\x1a\n" + b"\x07" * 40


def codecs() -> list[Codec]:
    audio = rt.Config(turn_detection=None)
    return [OpenAIProtocol(audio), GeminiProtocol(audio, model="gemini-live-test")]


def marks(codec: Codec) -> dict[str, list[Any]]:
    """Each command's messages' marks."""
    commands: dict[str, Any] = {
        "open": lambda: tuple(codec.open()),
        "append_audio": lambda: codec.append_audio(bytes(960)),
        "commit_audio": codec.commit_audio,
        "user_text": lambda: codec.user_text("hi"),
        "create_response": codec.create_response,
        "cancel_response": lambda: codec.cancel_response("resp_1"),
        "tool_outputs": lambda: tuple(codec.tool_outputs([("call_1", '{"ok":true}')])),
    }
    return {
        name: [codec.wire_mark(m) for m in messages_of(make())] for name, make in commands.items()
    }


def test_openai_marks() -> None:
    got = marks(codecs()[0])
    assert got["create_response"] == ["request"]
    assert got["commit_audio"] == ["speech_end"]
    for name in ("open", "append_audio", "user_text", "cancel_response", "tool_outputs"):
        assert set(got[name]) <= {None}, name


def test_gemini_marks() -> None:
    got = marks(codecs()[1])
    assert "speech_end" in got["commit_audio"]  # activityEnd (manual activity detection)
    assert got["user_text"] == [None, "request", "speech_end"]  # Gemini answers text itself
    assert set(got["open"]) <= {None} and set(got["append_audio"]) <= {None}
    assert set(got["tool_outputs"]) <= {None}  # Gemini continues by itself: no new request


@pytest.mark.parametrize("message", ["", "{}", b"\x00\x01", '{"type":"response.cancel"}'])
def test_other_messages_mean_nothing(message: str | bytes) -> None:
    for codec in codecs():
        assert codec.wire_mark(message) is None


def test_add_image_is_a_user_message_with_the_image() -> None:
    codec = OpenAIProtocol(rt.Config())
    frame = orjson.loads(codec.add_image(InputImage.from_bytes(PNG), "What is this?"))
    assert frame["type"] == "conversation.item.create"
    item = frame["item"]
    assert (item["type"], item["role"]) == ("message", "user")
    assert [part["type"] for part in item["content"]] == ["input_text", "input_image"]
    assert item["content"][1]["image_url"].startswith("data:image/png;base64,")
