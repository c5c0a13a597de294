"""AgentWorkflow against a mock Chat Completions server: streaming, tools, handoffs, memory."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pydantic
import pytest
import trio
import trio.testing
from openai.types import chat, shared_params
from openai.types.chat import ChatCompletionChunk
from openai.types.chat import completion_create_params as params

from trio_realtime import pipeline as vp
from trio_realtime import telemetry
from trio_realtime.agents import Agent, AgentRef

from .fakes import FakeSTT, FakeTTS, summary, tone
from .openai_ref import json_body, sdk_request

KEY = "sk-test-agent-workflow-key"
REQUEST = pydantic.TypeAdapter(params.CompletionCreateParamsStreaming)


def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
        "object": "chat.completion.chunk",
        "created": 1741570283,
        "model": "gpt-4o-mini-2024-07-18",
        "system_fingerprint": "fp_06737a9306",
        "service_tier": "default",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        **extra,
    }


USAGE = chunk({}, usage={"prompt_tokens": 20, "completion_tokens": 8, "total_tokens": 28})
USAGE["choices"] = []


def text_answer(*pieces: str) -> list[dict[str, Any]]:
    return [
        chunk({"role": "assistant", "content": "", "refusal": None}),
        *(chunk({"content": piece}) for piece in pieces),
        chunk({}, "stop"),
        USAGE,
    ]


def tool_answer(*calls: tuple[str, str, str]) -> list[dict[str, Any]]:
    out = [chunk({"role": "assistant", "content": None, "refusal": None})]
    for index, (call_id, name, arguments) in enumerate(calls):
        first = {
            "index": index,
            "id": call_id,
            "type": "function",
            "function": {"name": name, "arguments": ""},
        }
        out.append(chunk({"tool_calls": [first]}))
        half = len(arguments) // 2
        for part in (arguments[:half], arguments[half:]):
            out.append(chunk({"tool_calls": [{"index": index, "function": {"arguments": part}}]}))
    return [*out, chunk({}, "tool_calls"), USAGE]


def sse(chunks: list[dict[str, Any]]) -> bytes:
    for item in chunks:
        ChatCompletionChunk.model_validate(item)  # realistic: the SDK's own type accepts it
    lines = [b"data: " + orjson.dumps(item) + b"\n\n" for item in chunks]
    return b": keep-alive\n\n" + b"".join(lines) + b"data: [DONE]\n\n"


class ChatServer:
    """Answers each request with the next scripted SSE body (or status/JSON error)."""

    def __init__(self, *answers: list[dict[str, Any]] | httpx.Response) -> None:
        self.answers = list(answers)
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/chat/completions"
        assert request.headers["authorization"] == f"Bearer {KEY}"
        body = orjson.loads(request.content)
        check_request(body)
        self.bodies.append(body)
        answer = self.answers.pop(0)
        if isinstance(answer, httpx.Response):
            return answer
        return httpx.Response(
            200, content=sse(answer), headers={"content-type": "text/event-stream"}
        )

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self))


def keys_of(typed_dict: Any) -> set[str]:
    return set(typed_dict.__required_keys__ | typed_dict.__optional_keys__)


def check_request(body: dict[str, Any]) -> None:
    """Validate against the openai package's request types, with no unknown key anywhere."""
    REQUEST.validate_python(body)
    assert set(body) <= keys_of(params.CompletionCreateParamsStreaming)
    roles = {
        "system": chat.ChatCompletionSystemMessageParam,
        "user": chat.ChatCompletionUserMessageParam,
        "assistant": chat.ChatCompletionAssistantMessageParam,
        "tool": chat.ChatCompletionToolMessageParam,
    }
    for message in body["messages"]:
        assert set(message) <= keys_of(roles[message["role"]]), message
        for call in message.get("tool_calls", ()):
            assert set(call) <= keys_of(chat.ChatCompletionMessageFunctionToolCallParam)
    for tool in body.get("tools", ()):
        assert set(tool) <= keys_of(chat.ChatCompletionFunctionToolParam)
        assert set(tool["function"]) <= keys_of(shared_params.FunctionDefinition)
    assert set(body["stream_options"]) <= keys_of(chat.ChatCompletionStreamOptionsParam)


async def get_weather(city: str) -> str:
    """Current weather for a city."""
    await trio.sleep(0.5)
    return f"Sunny in {city}"


def local_time(city: str) -> str:
    """Local time in a city (sync: runs in a worker thread)."""
    return f"12:00 in {city}"


async def answer(workflow: vp.AgentWorkflow, text: str) -> list[str]:
    return [delta async for delta in workflow.run(text)]


@pytest.fixture
def handoffs() -> Iterator[list[dict[str, Any]]]:
    seen: list[dict[str, Any]] = []
    telemetry.attach("handoffs", telemetry.AGENT_HANDOFF, lambda n, m, md: seen.append(dict(md)))
    yield seen
    telemetry.detach("handoffs")


async def test_streams_text_and_remembers_turns(autojump_clock: trio.testing.MockClock) -> None:
    server = ChatServer(text_answer("Hello", "! How can", " I help?"), text_answer("Paris."))
    agent = Agent(name="Assistant", instructions="Be brief.")
    workflow = vp.AgentWorkflow(
        agent, api_key=KEY, base_url="http://llm.test/v1", http_client=server.client()
    )
    assert await answer(workflow, "Hi") == ["Hello", "! How can", " I help?"]
    assert await answer(workflow, "Capital of France?") == ["Paris."]
    first, second = server.bodies
    assert first["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
    ]
    assert second["messages"][1:] == [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello! How can I help?"},
        {"role": "user", "content": "Capital of France?"},
    ]
    assert first["stream"] is True and first["stream_options"] == {"include_usage": True}
    assert "tools" not in first
    reference = sdk_request(
        "chat",
        model="gpt-4o-mini",
        messages=first["messages"],
        stream=True,
        stream_options={"include_usage": True},
    )
    assert json_body(reference) == first  # the official client sends the same JSON
    assert len(workflow.history) == 4


async def test_tools_round_trip(autojump_clock: trio.testing.MockClock) -> None:
    async def slow_tool(seconds: float) -> str:
        """Wait."""
        await trio.sleep(seconds)
        return "late"

    server = ChatServer(
        tool_answer(
            ("call_1", "get_weather", '{"city": "Oslo"}'),
            ("call_2", "get_weather", '{"town": "Rome"}'),
            ("call_3", "nope", "{}"),
            ("call_4", "slow_tool", '{"seconds": 100}'),
        ),
        text_answer("Oslo is sunny."),
    )
    agent = Agent(name="Assistant", tools=[get_weather, slow_tool], tool_choice="auto")
    workflow = vp.AgentWorkflow(agent, api_key=KEY, http_client=server.client(), tool_timeout=5)
    assert await answer(workflow, "Weather?") == ["Oslo is sunny."]
    assert trio.current_time() == pytest.approx(5)  # the slow tool timed out
    first, second = server.bodies
    assert [t["function"]["name"] for t in first["tools"]] == ["get_weather", "slow_tool"]
    assert first["tools"][0]["function"]["parameters"]["required"] == ["city"]
    assert first["tool_choice"] == "auto"
    assistant, *outputs = second["messages"][1:]  # no instructions: no system message
    assert [c["id"] for c in assistant["tool_calls"]] == ["call_1", "call_2", "call_3", "call_4"]
    assert assistant["tool_calls"][0]["function"] == {
        "name": "get_weather",
        "arguments": '{"city": "Oslo"}',
    }
    contents = {o["tool_call_id"]: o["content"] for o in outputs}
    assert contents["call_1"] == "Sunny in Oslo"
    assert "'city' is required" in contents["call_2"] and contents["call_2"].startswith('{"error"')
    assert "unknown tool 'nope'" in contents["call_3"]
    assert "timed out" in contents["call_4"]


async def test_sync_tool_runs_in_a_thread() -> None:  # real clock: a thread is involved
    server = ChatServer(
        tool_answer(("call_1", "local_time", '{"city": "Oslo"}')), text_answer("Noon.")
    )
    workflow = vp.AgentWorkflow(
        Agent(name="A", tools=[local_time]), api_key=KEY, http_client=server.client()
    )
    with trio.fail_after(10):
        assert await answer(workflow, "Time?") == ["Noon."]
    assert server.bodies[1]["messages"][-1]["content"] == "12:00 in Oslo"


async def test_handoff_switches_agent(
    autojump_clock: trio.testing.MockClock, handoffs: list[dict[str, Any]]
) -> None:
    support = Agent(name="Tech Support", instructions="Fix things.", tools=[get_weather])
    support = support.with_handoff(AgentRef("Greeter"), condition="anything else")
    greeter = Agent(name="Greeter", instructions="Route.").with_handoff(support, condition="tech")
    server = ChatServer(
        tool_answer(("call_h", "transfer_to_tech_support", "{}")),
        text_answer("Tech support here."),
        text_answer("Still me."),
    )
    workflow = vp.AgentWorkflow(greeter, api_key=KEY, http_client=server.client())
    assert await answer(workflow, "My router is broken") == ["Tech support here."]
    assert workflow.agent is support
    assert await answer(workflow, "And now?") == ["Still me."]
    first, second, third = server.bodies
    assert first["messages"][0] == {"role": "system", "content": "Route."}
    assert [t["function"]["name"] for t in first["tools"]] == ["transfer_to_tech_support"]
    assert second["messages"][0] == {"role": "system", "content": "Fix things."}
    assert [t["function"]["name"] for t in second["tools"]] == [
        "get_weather",
        "transfer_to_greeter",
    ]
    assert second["messages"][-1] == {
        "role": "tool",
        "tool_call_id": "call_h",
        "content": '{"transferred_to":"Tech Support"}',
    }
    assert third["messages"][0]["content"] == "Fix things."
    assert handoffs == [{"from_agent": "Greeter", "to_agent": "Tech Support"}]
    workflow.reset()
    assert workflow.agent is greeter and workflow.history == []


async def test_failed_turn_is_not_remembered(autojump_clock: trio.testing.MockClock) -> None:
    bad = {
        "error": {
            "message": "Invalid 'messages'",
            "type": "invalid_request_error",
            "param": "messages",
            "code": None,
        }
    }
    server = ChatServer(httpx.Response(400, json=bad), text_answer("OK."))
    workflow = vp.AgentWorkflow(Agent(name="A"), api_key=KEY, http_client=server.client())
    with pytest.raises(vp.BadRequestError, match="Invalid 'messages'"):
        await answer(workflow, "first")
    assert workflow.history == []
    assert await answer(workflow, "second") == ["OK."]
    assert [m["content"] for m in workflow.history] == ["second", "OK."]


async def test_errors_inside_the_stream(autojump_clock: trio.testing.MockClock) -> None:
    broken = b'data: {"error": {"message": "The server had an error", "type": "server_error"}}\n\n'
    server = ChatServer(
        httpx.Response(200, content=broken), httpx.Response(200, content=b"data: {oops\n\n")
    )
    workflow = vp.AgentWorkflow(Agent(name="A"), api_key=KEY, http_client=server.client())
    with pytest.raises(vp.HTTPModelError, match="failed mid-answer: The server had an error"):
        await answer(workflow, "x")
    with pytest.raises(vp.HTTPModelError, match="unreadable chunk"):
        await answer(workflow, "x")


async def test_endless_tool_calls_are_stopped(autojump_clock: trio.testing.MockClock) -> None:
    calls = [tool_answer((f"c{i}", "get_weather", '{"city": "X"}')) for i in range(3)]
    server = ChatServer(*calls)
    workflow = vp.AgentWorkflow(
        Agent(name="A", tools=[get_weather]),
        api_key=KEY,
        http_client=server.client(),
        max_tool_rounds=2,
    )
    with pytest.raises(vp.HTTPModelError, match="2 rounds"):
        await answer(workflow, "x")


async def test_agent_workflow_in_a_pipeline(autojump_clock: trio.testing.MockClock) -> None:
    server = ChatServer(text_answer("It is sunny", " in Oslo. Anything", " else?"))
    workflow = vp.AgentWorkflow(
        Agent(name="A"), api_key=KEY, http_client=server.client(), greeting="Hi!"
    )
    pipe = vp.VoicePipeline(workflow=workflow, stt=FakeSTT(["Weather in Oslo?"]), tts=FakeTTS())
    async with pipe.run(vp.AudioInput(tone(300), sample_rate=24_000)) as result:
        events = [summary(e) async for e in result if not isinstance(e, vp.VoiceStreamEventAudio)]
    assert events == [
        ("turn_started",),
        ("user", "Weather in Oslo?"),
        ("assistant", "It is sunny in Oslo."),
        ("assistant", "Anything else?"),
        ("turn_ended",),
        ("session_ended",),
    ]
    assert workflow.greeting() == "Hi!"
    assert KEY not in repr(workflow)
