"""The client events of the features beyond the basics, each validated against the ``openai``
types (no undeclared fields), and the configuration that builds them."""

from __future__ import annotations

import logging
from typing import Any

import attrs
import orjson
import pytest

import trio_realtime as rt
from trio_realtime import history
from trio_realtime.protocol.openai import OpenAIProtocol

from .wire import check_client_frame

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16


def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"Sunny in {city}"


def send(frame: str) -> dict[str, Any]:
    return check_client_frame(frame)


def session_of(config: rt.Config) -> dict[str, Any]:
    event = send(OpenAIProtocol(config).session_update(config))
    assert event["session"]["type"] == "realtime"
    return event["session"]  # type: ignore[no-any-return]


def response_of(options: rt.ResponseOptions, config: rt.Config | None = None) -> dict[str, Any]:
    config = config or rt.Config()
    event = send(OpenAIProtocol(config).create_response(options))
    return event.get("response", {})  # type: ignore[no-any-return]


# -- session fields --------------------------------------------------------------------------


def test_every_ga_session_field_from_config() -> None:
    config = rt.Config(
        voice="marin",
        noise_reduction=rt.NoiseReduction(type="far_field", strength=0.4),
        input_audio_transcription=rt.Transcription(
            model="gpt-live-transcribe",
            language="de",
            languages=["de", "en"],
            keywords=["trio", "Realtime"],
            delay="low",
        ),
        turn_detection=rt.ServerVad(idle_timeout_ms=6_000),
        speed=1.25,
        parallel_tool_calls=False,
        reasoning_effort="low",
        truncation=rt.Truncation(retention_ratio=0.8, post_instructions_tokens=5000),
        tracing=rt.Tracing(workflow_name="support", group_id="g1", metadata={"team": "a"}),
        prompt=rt.Prompt(id="pmpt_1", version="2", variables={"name": "Ada"}),
        transcription_logprobs=True,
        max_output_tokens=512,
    )
    session = session_of(config)
    audio_in = session["audio"]["input"]
    assert audio_in["noise_reduction"] == {"type": "far_field", "strength": 0.4}
    assert audio_in["transcription"] == {
        "model": "gpt-live-transcribe",
        "language": "de",
        "delay": "low",
        "languages": ["de", "en"],
        "keywords": ["trio", "Realtime"],
    }
    assert audio_in["turn_detection"]["idle_timeout_ms"] == 6000
    assert session["audio"]["output"]["speed"] == 1.25
    assert session["parallel_tool_calls"] is False
    assert session["reasoning"] == {"effort": "low"}
    assert session["truncation"] == {
        "type": "retention_ratio",
        "retention_ratio": 0.8,
        "token_limits": {"post_instructions": 5000},
    }
    assert session["tracing"] == {
        "workflow_name": "support",
        "group_id": "g1",
        "metadata": {"team": "a"},
    }
    assert session["prompt"] == {"id": "pmpt_1", "version": "2", "variables": {"name": "Ada"}}
    assert session["include"] == ["item.input_audio_transcription.logprobs"]
    assert session["max_output_tokens"] == 512


@pytest.mark.parametrize(
    ("changes", "key", "value"),
    [
        ({"truncation": "disabled"}, "truncation", "disabled"),
        ({"truncation": "auto"}, "truncation", "auto"),
        ({"tracing": "auto"}, "tracing", "auto"),
        ({"noise_reduction": "near_field"}, None, None),
        ({"voice": "voice_1234"}, None, None),
    ],
)
def test_setting_variants(changes: dict[str, Any], key: str | None, value: Any) -> None:
    session = session_of(rt.Config(**changes))
    if key is not None:
        assert session[key] == value
    if "voice" in changes:  # a custom voice id goes as an object
        assert session["audio"]["output"]["voice"] == {"id": "voice_1234"}
    if "noise_reduction" in changes:
        assert session["audio"]["input"]["noise_reduction"] == {"type": "near_field"}


def test_unset_settings_are_not_sent() -> None:
    session = session_of(rt.Config())
    for key in ("parallel_tool_calls", "reasoning", "truncation", "tracing", "prompt", "include"):
        assert key not in session


def test_a_diff_sends_only_the_changed_new_fields() -> None:
    old = rt.Config()
    new = attrs.evolve(old, reasoning_effort="high", truncation="disabled")
    event = send(OpenAIProtocol(old).session_update(new, previous=old))
    assert event["session"] == {
        "type": "realtime",
        "reasoning": {"effort": "high"},
        "truncation": "disabled",
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("truncation", "sometimes", "truncation must be"),
        ("tracing", "always", "tracing must be"),
        ("reasoning_effort", "max", "reasoning_effort"),
        ("noise_reduction", "mid_field", "noise_reduction must be"),
    ],
)
def test_bad_settings_fail_at_construction(field: str, value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rt.Config(**{field: value})


def test_bad_value_types() -> None:
    with pytest.raises(ValueError, match="retention_ratio"):
        rt.Truncation(retention_ratio=1.5)
    with pytest.raises(ValueError, match="strength"):
        rt.NoiseReduction(type="near_field", strength=2)
    with pytest.raises(ValueError, match="delay"):
        rt.Transcription(delay="slow")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="collection"):
        rt.Transcription(keywords="trio")


# -- tools and tool choice -------------------------------------------------------------------


def test_mcp_servers_in_tools_become_mcp_tools() -> None:
    server = rt.McpServer(
        "wiki",
        "https://mcp.example.com/mcp",
        headers={"X-Api-Key": "wiki-secret-0001"},
        allowed_tools=["search", "read"],
        require_approval=["read"],
        description="The team wiki.",
        authorization="oauth-token-abcdef",
    )
    config = rt.Config(tools=[get_weather, server], tool_choice=rt.McpToolChoice("wiki", "search"))
    assert [t.name for t in config.tools] == ["get_weather"]
    assert config.mcp_servers == (server,)
    session = session_of(config)
    assert [t["type"] for t in session["tools"]] == ["function", "mcp"]
    assert session["tools"][1] == {
        "type": "mcp",
        "server_label": "wiki",
        "server_url": "https://mcp.example.com/mcp",
        "headers": {"X-Api-Key": "wiki-secret-0001"},
        "authorization": "oauth-token-abcdef",
        "allowed_tools": ["search", "read"],
        "require_approval": {"always": {"tool_names": ["read"]}},
        "server_description": "The team wiki.",
    }
    assert session["tool_choice"] == {"type": "mcp", "server_label": "wiki", "name": "search"}


def test_an_mcp_server_keeps_its_credentials_out_of_reprs_and_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = rt.McpServer(
        "wiki",
        "https://x/mcp",
        headers={"Authorization": "Bearer zzz-secret-1"},
        authorization="oauth-secret-22",
    )
    text = repr(server) + repr(rt.Config(mcp_servers=[server]))
    assert "zzz-secret-1" not in text and "oauth-secret-22" not in text
    with caplog.at_level(logging.INFO, logger="trio_realtime"):
        logging.getLogger("trio_realtime").info("sending %s", server.definition())
    assert "zzz-secret-1" not in caplog.text and "oauth-secret-22" not in caplog.text


@pytest.mark.parametrize(
    ("choice", "wire"),
    [
        ("auto", "auto"),
        ("none", "none"),
        ("required", "required"),
        ("get_weather", {"type": "function", "name": "get_weather"}),
        (rt.McpToolChoice("wiki"), {"type": "mcp", "server_label": "wiki"}),
    ],
)
def test_tool_choice_variants(choice: Any, wire: Any) -> None:
    config = rt.Config(
        tools=[get_weather], mcp_servers=[rt.McpServer("wiki", "https://x/mcp")], tool_choice=choice
    )
    assert session_of(config)["tool_choice"] == wire


def test_tool_configuration_errors() -> None:
    server = rt.McpServer("wiki", "https://x/mcp")
    with pytest.raises(ValueError, match="not one of the MCP servers"):
        rt.Config(tool_choice=rt.McpToolChoice("other"))
    with pytest.raises(ValueError, match="share the label"):
        rt.Config(mcp_servers=[server, rt.McpServer("wiki", "https://y/mcp")])
    with pytest.raises(ValueError, match="exactly one of url and connector_id"):
        rt.McpServer("wiki")
    with pytest.raises(ValueError, match="http"):
        rt.McpServer("wiki", "ftp://x")
    with pytest.raises(ValueError, match="label"):
        rt.McpServer("no spaces", "https://x")
    with pytest.raises(ValueError, match="require_approval"):
        rt.McpServer("wiki", "https://x", require_approval="sometimes")
    with pytest.raises(TypeError, match="allowed_tools"):
        rt.McpServer("wiki", "https://x", allowed_tools="search")
    with pytest.raises(TypeError, match="McpServer"):
        rt.Config(mcp_servers=["https://x"])  # type: ignore[list-item]


def test_a_server_given_in_tools_replaces_the_one_of_its_label() -> None:
    old = rt.Config(mcp_servers=[rt.McpServer("wiki", "https://old/mcp")])
    new = attrs.evolve(old, tools=[rt.McpServer("wiki", "https://new/mcp")])
    assert [s.url for s in new.mcp_servers] == ["https://new/mcp"]


def test_per_response_tool_overrides() -> None:
    server = rt.McpServer("wiki", "https://x/mcp", require_approval="never")
    config = rt.Config(tools=[get_weather], mcp_servers=[server])

    def lookup(key: str) -> str:
        """Look a key up."""
        return key

    only_functions = response_of(rt.ResponseOptions(tools=[lookup], tool_choice="lookup"), config)
    assert [
        (t["type"], t.get("name") or t.get("server_label")) for t in only_functions["tools"]
    ] == [
        ("function", "lookup"),
        ("mcp", "wiki"),  # the session's MCP servers stay
    ]
    assert only_functions["tool_choice"] == {"type": "function", "name": "lookup"}
    no_mcp = response_of(rt.ResponseOptions(mcp_servers=[]), config)
    assert [t["name"] for t in no_mcp["tools"]] == ["get_weather"]
    forced = response_of(
        rt.ResponseOptions(tool_choice=rt.McpToolChoice("wiki"), parallel_tool_calls=True), config
    )
    assert forced == {
        "tool_choice": {"type": "mcp", "server_label": "wiki"},
        "parallel_tool_calls": True,
    }
    assert "tools" not in response_of(rt.ResponseOptions(instructions="x"), config)


# -- out-of-band responses and items ---------------------------------------------------------


def test_an_out_of_band_response() -> None:
    options = rt.ResponseOptions(
        out_of_band=True,
        metadata={"purpose": "classify"},
        modalities=["text"],
        instructions="Classify the user's mood in one word.",
        reasoning_effort="minimal",
        input=[
            rt.ItemReference("item_user_1"),
            rt.SystemMessage("Answer with one word."),
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]},
        ],
    )
    response = response_of(options)
    assert response["conversation"] == "none"
    assert response["metadata"] == {"purpose": "classify"}
    assert response["reasoning"] == {"effort": "minimal"}
    assert response["input"] == [
        {"type": "item_reference", "id": "item_user_1"},
        {
            "type": "message",
            "role": "system",
            "content": [{"type": "input_text", "text": "Answer with one word."}],
        },
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]},
    ]


def test_an_empty_input_is_an_empty_context() -> None:
    assert response_of(rt.ResponseOptions(out_of_band=True, input=[]))["input"] == []


def test_metadata_limits() -> None:
    with pytest.raises(ValueError, match="16 pairs"):
        rt.ResponseOptions(metadata={str(i): "v" for i in range(17)})
    with pytest.raises(ValueError, match="512"):
        rt.ResponseOptions(metadata={"k": "v" * 513})


def test_an_out_of_band_request_is_not_awaited_as_ours() -> None:
    codec = OpenAIProtocol(rt.Config())
    oob = send(codec.create_response(rt.ResponseOptions(out_of_band=True)))
    error = {
        "type": "error",
        "event_id": "e1",
        "error": {
            "type": "invalid_request_error",
            "code": "x",
            "message": "no",
            "event_id": oob["event_id"],
        },
    }
    decoded = codec.receive(orjson.dumps(error))
    assert [type(d).__name__ for d in decoded] == ["Error"]  # no ResponseRejected signal


@pytest.mark.parametrize(
    ("item", "wire"),
    [
        (
            rt.SystemMessage("Be brief."),
            {
                "type": "message",
                "role": "system",
                "content": [{"type": "input_text", "text": "Be brief."}],
            },
        ),
        (
            history.UserMessage(text="Hello"),
            {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "Hello"}],
            },
        ),
        (
            history.AssistantMessage(text="Hi!"),
            {
                "type": "message",
                "role": "assistant",
                "content": [{"type": "output_text", "text": "Hi!"}],
            },
        ),
        (
            history.FunctionCall(call_id="call_1", name="get_weather", arguments='{"city":"Oslo"}'),
            {
                "type": "function_call",
                "call_id": "call_1",
                "name": "get_weather",
                "arguments": '{"city":"Oslo"}',
            },
        ),
        (
            history.FunctionCallOutput(call_id="call_1", output="sunny"),
            {"type": "function_call_output", "call_id": "call_1", "output": "sunny"},
        ),
        (
            {
                "type": "message",
                "role": "user",
                "id": "item_mine",
                "content": [{"type": "input_text", "text": "x"}],
            },
            None,
        ),
    ],
)
def test_items(item: Any, wire: dict[str, Any] | None) -> None:
    event = send(OpenAIProtocol(rt.Config()).add_item(item, "root"))
    assert event["previous_item_id"] == "root"
    assert event["item"] == (wire if wire is not None else item)


def test_an_image_item() -> None:
    image = rt.InputImage.from_bytes(PNG, detail="low")
    event = send(OpenAIProtocol(rt.Config()).add_item(image))
    part = event["item"]["content"][0]
    assert part["type"] == "input_image" and part["detail"] == "low"
    assert part["image_url"].startswith("data:image/png;base64,iVBORw0KGgo")
    assert rt.InputImage.from_bytes(JPEG).mime == "image/jpeg"


def test_bad_items_and_images() -> None:
    codec = OpenAIProtocol(rt.Config())
    with pytest.raises(ValueError, match="type must be one of"):
        codec.add_item({"type": "weird"})
    with pytest.raises(ValueError, match="role"):
        codec.add_item({"type": "message", "role": "robot", "content": []})
    with pytest.raises(TypeError, match="an item must be"):
        codec.add_item(42)
    with pytest.raises(ValueError, match="ItemReference"):
        codec.add_item(rt.ItemReference("x"))
    with pytest.raises(ValueError, match="needs its text"):
        codec.add_item(history.UserMessage(text=None, source="audio"))
    with pytest.raises(ValueError, match="not PNG or JPEG"):
        rt.InputImage.from_bytes(b"GIF89a....")
    with pytest.raises(ValueError, match="image type"):
        rt.InputImage.from_bytes(b"GIF89a", mime="image/gif")
    with pytest.raises(ValueError, match="at most"):
        rt.InputImage.from_bytes(PNG + b"\x00" * (10 * 2**20))
    assert "bytes>" in repr(rt.InputImage.from_bytes(PNG))


def test_retrieve_and_approval_events() -> None:
    codec = OpenAIProtocol(rt.Config())
    assert send(codec.retrieve_item("item_1"))["item_id"] == "item_1"
    approval = send(codec.mcp_approval("mcpr_1", False, "not now"))["item"]
    assert approval["approval_request_id"] == "mcpr_1"
    assert approval["approve"] is False and approval["reason"] == "not now"
    assert approval["id"].startswith("item_")
    assert "reason" not in send(codec.mcp_approval("mcpr_2", True))["item"]
