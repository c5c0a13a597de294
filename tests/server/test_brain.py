"""The brain types, the default brain's rules, and transcribers."""

from __future__ import annotations

import json
from typing import Any

import pytest
import trio

from trio_realtime.server import (
    BrainReply,
    BrainRequest,
    ScriptedTranscriber,
    ToolCallSpec,
    default_brain,
    describe_audio,
)
from trio_realtime.server.brain import call_brain, call_transcriber
from trio_realtime.server.default_brain import JOKE, STORY, places

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Get the current weather for a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}
CONVERT = {
    "type": "function",
    "name": "convert_currency",
    "description": "Convert money between currencies.",
    "parameters": {
        "type": "object",
        "properties": {
            "amount": {"type": "number"},
            "target": {"type": "string", "enum": ["EUR", "USD", "NOK"]},
            "note": {"type": "string"},
        },
        "required": ["amount", "target"],
    },
}
SEARCH = {
    "type": "function",
    "name": "lookup",
    "description": "Search the encyclopedia for articles.",
    "parameters": {"type": "object", "properties": {"query": {"type": "string"}}},
}


def user(text: str) -> dict[str, Any]:
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}


def request(*items: dict[str, Any], tools: list[Any] | None = None, **session: Any) -> BrainRequest:
    return BrainRequest(
        conversation=items,
        session={"tools": tools or [], "tool_choice": "auto", **session},
        response_overrides={},
    )


def reply_to(text: str, **kwargs: Any) -> BrainReply:
    return default_brain(request(user(text), **kwargs))


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("What's the capital of Canada?", "The capital of Canada is Ottawa."),
        ("capital of the united kingdom", "The capital of the United Kingdom is London."),
        ("What is the capital of Atlantis?", "I don't know the capital of atlantis."),
        ("What time is it?", "It is 12:00 PM."),
        ("Tell me a joke", JOKE),
        ("Please tell me a story.", STORY),
        ("Count to 5", "1, 2, 3, 4, 5."),
        ("hello!", "Hello! How can I help you today?"),
        ("The sky is green.", "You said: The sky is green."),
    ],
)
def test_builtin_answers(text: str, answer: str) -> None:
    assert reply_to(text) == BrainReply(text=answer)


def test_tool_by_name_word_with_places() -> None:
    reply = reply_to("What's the weather in Paris?", tools=[WEATHER])
    assert reply == BrainReply(
        tool_calls=(ToolCallSpec(name="get_weather", arguments={"city": "Paris"}),)
    )
    parallel = reply_to("weather for new york, Oslo and Rome today?", tools=[WEATHER])
    assert [c.arguments for c in parallel.tool_calls] == [
        {"city": "New York"},
        {"city": "Oslo"},
        {"city": "Rome"},
    ]
    single = reply_to("weather in Oslo and Rome", tools=[WEATHER], parallel_tool_calls=False)
    assert [c.arguments for c in single.tool_calls] == [{"city": "Oslo"}]


def test_tool_arguments_from_numbers_enums_and_queries() -> None:
    reply = reply_to("Please convert 12.5 dollars to NOK", tools=[WEATHER, CONVERT])
    assert reply.tool_calls == (
        ToolCallSpec(name="convert_currency", arguments={"amount": 12.5, "target": "NOK"}),
    )
    found = reply_to("Find encyclopedia articles about owls", tools=[SEARCH])
    assert found.tool_calls == (
        ToolCallSpec(name="lookup", arguments={"query": "Find encyclopedia articles about owls"}),
    )


def test_tool_choice() -> None:
    assert reply_to("weather in Oslo", tools=[WEATHER], tool_choice="none").text == (
        "You said: weather in Oslo"
    )
    forced = reply_to(
        "hi", tools=[WEATHER, CONVERT], tool_choice={"type": "function", "name": "convert_currency"}
    )
    assert forced.tool_calls[0].name == "convert_currency"
    assert forced.tool_calls[0].arguments == {"amount": 0.0, "target": "EUR"}
    required = reply_to("hi", tools=[WEATHER], tool_choice="required")
    assert required.tool_calls[0].name == "get_weather"
    assert reply_to("nothing relevant", tools=[WEATHER]).tool_calls == ()


def test_answers_from_tool_outputs() -> None:
    call = {
        "type": "function_call",
        "name": "get_weather",
        "call_id": "c1",
        "arguments": '{"city":"Paris"}',
    }
    out = {
        "type": "function_call_output",
        "call_id": "c1",
        "output": '{"temp_c":18,"sky":"cloudy"}',
    }
    convo = (user("weather in Paris"), call, out)
    assert default_brain(request(*convo, tools=[WEATHER])).text == (
        "Here is what I found. Paris: temp_c 18, sky cloudy."
    )
    failed = {"type": "function_call_output", "call_id": "c1", "output": '{"error":"offline"}'}
    assert default_brain(request(user("x"), call, failed)).text == (
        "Here is what I found. Sorry, get_weather failed: offline."
    )
    plain = {"type": "function_call_output", "call_id": "c1", "output": "Sunny"}
    assert (
        default_brain(request(user("x"), call, plain)).text == "Here is what I found. Paris: Sunny."
    )
    waiting = default_brain(request(user("weather in Paris"), call, tools=[WEATHER]))
    assert waiting.text == "I'm still waiting for the result of get_weather."
    answered = {
        "type": "message",
        "role": "assistant",
        "content": [{"type": "output_text", "text": "Sunny."}],
    }
    done = default_brain(request(*convo, answered, tools=[WEATHER]))
    assert done.text == "Is there anything else I can help with?"


def test_audio_turns_use_the_transcript() -> None:
    spoken = {
        "type": "message",
        "role": "user",
        "content": [{"type": "input_audio", "transcript": "Tell me a joke"}],
    }
    assert default_brain(request(spoken)).text == JOKE
    silent = {
        "type": "message",
        "role": "user",
        "content": [{"type": "input_audio", "transcript": ""}],
    }
    assert default_brain(request(silent)).text == "Are you still there?"
    assert default_brain(request()).text == "Hello! How can I help you today?"


def test_request_helpers() -> None:
    req = BrainRequest(
        conversation=(user("a"),),
        session={"tools": [WEATHER, {"type": "mcp", "server_label": "x"}], "instructions": "I"},
        response_overrides={"instructions": "J"},
    )
    assert req.tools == [WEATHER]
    assert req.instructions == "J"
    assert req.last_user_text() == "a"
    assert req.tool_outputs() == []


def test_places() -> None:
    assert places("What's the weather like in Paris?") == ["Paris"]
    assert places("forecast for tomorrow in san francisco & Lima") == ["San Francisco", "Lima"]
    assert places("no place here") == []


def test_tool_call_spec_arguments() -> None:
    assert ToolCallSpec(name="f", arguments={"a": 1}).arguments_json() == '{"a":1}'
    assert ToolCallSpec(name="f", arguments="{not json").arguments_json() == "{not json"
    assert json.loads(ToolCallSpec(name="f").arguments_json()) == {}


async def test_call_brain_accepts_sync_async_and_str() -> None:
    async def slow(req: BrainRequest) -> str:
        await trio.sleep(0)
        return "async"

    req = request(user("x"))
    assert await call_brain(lambda r: "plain", req) == BrainReply(text="plain")
    assert await call_brain(slow, req) == BrainReply(text="async")
    assert (await call_brain(default_brain, req)).text == "You said: x"
    with pytest.raises(TypeError):
        await call_brain(lambda r: 42, req)  # type: ignore[arg-type,return-value]


async def test_transcribers() -> None:
    assert describe_audio(bytes(48000), 24000) == "(1.0 s of audio)"
    scripted = ScriptedTranscriber(["first", "second"])
    assert [scripted(b"", 24000) for _ in range(3)] == ["first", "second", "(0.0 s of audio)"]

    async def later(pcm: bytes, rate: int) -> str:
        return f"{len(pcm)}@{rate}"

    assert await call_transcriber(later, b"1234", 8000) == "4@8000"
    with pytest.raises(TypeError):
        await call_transcriber(lambda pcm, rate: None, b"", 8000)  # type: ignore[arg-type,return-value]
