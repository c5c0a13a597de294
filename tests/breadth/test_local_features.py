"""Items, images, out-of-band responses and tool control against the local server, every frame
both ways checked against the ``openai`` types."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import trio

import trio_realtime as rt
from trio_realtime.server import BrainReply, BrainRequest, Pacing, default_brain

from .conftest import ValidatingGateway, local_server, next_of

PNG = b"\x89PNG\r\n\x1a\n" + b"\x07" * 40
TEXT = {"modalities": ["text"], "turn_detection": None, "input_audio_transcription": False}


def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny in {city}"


def get_time(zone: str = "UTC") -> str:
    """Get the time in a time zone."""
    return f"12:00 in {zone}"


class Recorder:
    """A brain that records what it was shown, then answers like the default one."""

    def __init__(self) -> None:
        self.requests: list[BrainRequest] = []

    def __call__(self, request: BrainRequest) -> BrainReply:
        self.requests.append(request)
        return default_brain(request)


async def test_images_and_items_reach_the_conversation(tmp_path: Any) -> None:
    path = tmp_path / "cat.png"
    path.write_bytes(PNG)
    brain = Recorder()
    with trio.fail_after(20):
        async with local_server(brain=brain) as url:
            gateway = ValidatingGateway(url=url, api_key="sk-test")
            async with rt.open_session(
                "gpt-realtime", gateway=gateway, config=rt.Config(**TEXT)
            ) as s:
                events = s.events()
                await s.add_item(
                    {
                        "type": "message",
                        "role": "user",
                        "id": "item_first",
                        "content": [{"type": "input_text", "text": "first"}],
                    }
                )
                await s.add_item(rt.SystemMessage("Be brief."), previous_item_id="root")
                await s.send_image(
                    path, text="What is in this picture?", detail="low", respond=True
                )
                await next_of(events, "assistant_text")
                first = await s.retrieve_item("item_first")
                await s.delete_item("item_first")
                with pytest.raises(ValueError, match="does not exist"):
                    await s.retrieve_item("item_first")
    (request,) = brain.requests
    kinds = [(i["type"], i.get("role")) for i in request.conversation]
    assert kinds == [("message", "system"), ("message", "user"), ("message", "user")]
    image = request.conversation[2]["content"][1]
    assert image["type"] == "input_image" and image["detail"] == "low"
    assert base64.b64decode(image["image_url"].split(",", 1)[1]) == PNG
    assert first["content"] == [{"type": "input_text", "text": "first"}]


async def test_an_out_of_band_response_runs_beside_the_default_one() -> None:
    slow = Pacing(response_latency=0.01, text_delta_interval=0.01)
    with trio.fail_after(20):
        async with local_server(pacing=slow) as url:
            gateway = ValidatingGateway(url=url, api_key="sk-test")
            async with rt.open_session(
                "gpt-realtime", gateway=gateway, config=rt.Config(**TEXT)
            ) as s:
                events = s.events()
                await s.send_text("count to 30")
                default = await next_of(events, "assistant_turn_started")
                await s.create_response(
                    rt.ResponseOptions(
                        out_of_band=True,
                        metadata={"purpose": "fact"},
                        input=[
                            rt.SystemMessage("Answer the question."),
                            {
                                "type": "message",
                                "role": "user",
                                "content": [
                                    {"type": "input_text", "text": "What's the capital of France?"}
                                ],
                            },
                        ],
                    )
                )
                texts: dict[str, str] = {}
                started: dict[str, Any] = {}
                completed = 0
                async for event in events:
                    if event.kind == "assistant_turn_started":
                        started[event.turn_id] = event
                    elif event.kind == "assistant_text":
                        texts[event.turn_id] = event.text
                    elif event.kind == "error":
                        raise AssertionError(event)
                    elif event.kind == "assistant_turn_completed":
                        completed += 1
                        if completed == 2:
                            break
                ((oob_id, oob),) = started.items()
                item_id = next(
                    f["item"]["id"]
                    for f in gateway.transports[0].received
                    if f["type"] == "response.output_item.done" and f["response_id"] == oob_id
                )
                with pytest.raises(ValueError, match="does not exist"):
                    await s.retrieve_item(item_id)  # out of band: not in the conversation
                history = [getattr(i, "text", "") or "" for i in s.history().items]
    assert not any("Paris" in text for text in history)  # nor in the session's history
    assert oob.out_of_band and oob.metadata == {"purpose": "fact"}
    assert not default.out_of_band
    assert texts[oob_id] == "The capital of France is Paris."
    assert texts[default.turn_id].startswith("1, 2, 3")
    creates = [f for f in gateway.transports[0].sent if f["type"] == "response.create"]
    assert len(creates) == 2 and creates[1]["response"]["conversation"] == "none"


async def _calls(
    config: rt.Config, text: str, options: rt.ResponseOptions | None = None
) -> list[Any]:
    """The tool calls the local server's default brain makes for ``text``."""
    with trio.fail_after(20):
        async with local_server() as url:
            gateway = ValidatingGateway(url=url, api_key="sk-test")
            async with rt.open_session("gpt-realtime", gateway=gateway, config=config) as s:
                await s.send_text(text, respond=options is None)
                if options is not None:
                    await s.create_response(options)
                out = []
                async for event in s.events():
                    if event.kind == "tool_call_dispatched":
                        out.append((event.name, dict(event.args)))
                    if event.kind == "assistant_turn_completed":
                        return out
    raise AssertionError("unreachable")


@pytest.mark.parametrize(
    ("choice", "text", "expected"),
    [
        ("auto", "What's the weather in Paris?", [("get_weather", {"city": "Paris"})]),
        ("none", "What's the weather in Paris?", []),
        ("required", "hello", [("get_weather", {"city": "hello"})]),
        ("get_time", "What's the weather in Paris?", [("get_time", {})]),
    ],
)
async def test_tool_choice(choice: str, text: str, expected: list[Any]) -> None:
    config = rt.Config(tools=[get_weather, get_time], tool_choice=choice, **TEXT)
    assert await _calls(config, text) == expected


async def test_parallel_tool_calls() -> None:
    text = "What's the weather in Paris and Rome?"
    both = await _calls(rt.Config(tools=[get_weather], **TEXT), text)
    assert both == [("get_weather", {"city": "Paris"}), ("get_weather", {"city": "Rome"})]
    one = await _calls(rt.Config(tools=[get_weather], parallel_tool_calls=False, **TEXT), text)
    assert one == [("get_weather", {"city": "Paris"})]


async def test_per_response_tools_and_choice() -> None:
    options = rt.ResponseOptions(tools=[get_time], tool_choice="required")
    calls = await _calls(
        rt.Config(tools=[get_weather], **TEXT), "What's the weather in Oslo?", options
    )
    assert [name for name, _ in calls] == ["get_time"]


async def test_every_session_setting_is_accepted_and_echoed() -> None:
    config = rt.Config(
        voice="marin",
        speed=1.2,
        noise_reduction=rt.NoiseReduction(type="far_field", strength=0.5),
        input_audio_transcription=rt.Transcription(
            model="gpt-live-transcribe", language="en", languages=["en", "fr"], keywords=["trio"]
        ),
        turn_detection=rt.ServerVad(idle_timeout_ms=7_000, silence_duration_ms=300),
        parallel_tool_calls=True,
        reasoning_effort="medium",
        truncation=rt.Truncation(retention_ratio=0.5, post_instructions_tokens=2000),
        tracing=rt.Tracing(workflow_name="w"),
        prompt=rt.Prompt(id="pmpt_1", variables={"who": "you"}),
        transcription_logprobs=True,
        max_output_tokens=300,
        tools=[get_weather],
        tool_choice="required",
    )
    with trio.fail_after(20):
        async with local_server() as url:
            gateway = ValidatingGateway(url=url, api_key="sk-test")
            async with rt.open_session("gpt-realtime", gateway=gateway, config=config) as s:
                events = s.events()
                updated = await next_of(events, "session_updated")
                await s.update(truncation="disabled", reasoning_effort="low")
                again = await next_of(events, "session_updated")
    echoed = updated.config
    assert echoed["audio"]["input"]["noise_reduction"] == {"type": "far_field", "strength": 0.5}
    assert echoed["audio"]["input"]["transcription"]["languages"] == ["en", "fr"]
    assert echoed["audio"]["input"]["turn_detection"]["idle_timeout_ms"] == 7000
    assert echoed["audio"]["output"]["speed"] == 1.2
    assert echoed["reasoning"] == {"effort": "medium"}
    assert echoed["truncation"]["retention_ratio"] == 0.5
    assert echoed["include"] == ["item.input_audio_transcription.logprobs"]
    assert echoed["tool_choice"] == "required" and echoed["parallel_tool_calls"] is True
    assert again.config["truncation"] == "disabled"
    assert again.config["reasoning"] == {"effort": "low"}
    diff = [f for f in gateway.transports[0].sent if f["type"] == "session.update"][1]
    assert diff["session"] == {
        "type": "realtime",
        "reasoning": {"effort": "low"},
        "truncation": "disabled",
    }
