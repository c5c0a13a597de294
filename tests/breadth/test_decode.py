"""Decoding the server events of MCP servers, retrieved items and out-of-band responses.

Every server frame here is first validated against the ``openai`` types."""

from __future__ import annotations

from typing import Any

import orjson

import trio_realtime as rt
from tests.server.wire_validation import assert_valid_server_event
from trio_realtime.protocol.openai import OpenAIProtocol

_n = 0


def frame(type_: str, **fields: Any) -> str:
    global _n
    _n += 1
    text = orjson.dumps({"type": type_, "event_id": f"event_{_n}", **fields}).decode()
    assert_valid_server_event(text)
    return text


def decode(codec: OpenAIProtocol, *frames: str) -> list[Any]:
    out: list[Any] = []
    for text in frames:
        out += [d for d in codec.receive(text) if hasattr(d, "kind")]
    return out


def listing(item_id: str, tools: list[str]) -> dict[str, Any]:
    return {
        "id": item_id,
        "type": "mcp_list_tools",
        "server_label": "wiki",
        "tools": [{"name": n, "input_schema": {"type": "object"}} for n in tools],
    }


def test_tools_listed_once_both_halves_arrived_in_either_order() -> None:
    codec = OpenAIProtocol(rt.Config())
    added = frame("conversation.item.added", previous_item_id=None, item=listing("item_L", []))
    progress = frame("mcp_list_tools.in_progress", item_id="item_L")
    completed = frame("mcp_list_tools.completed", item_id="item_L")
    done = frame(
        "conversation.item.done", previous_item_id=None, item=listing("item_L", ["a", "b"])
    )
    assert decode(codec, added, progress) == []
    assert decode(codec, completed) == []
    assert decode(codec, done) == [
        rt.McpToolsListed(server_label="wiki", item_id="item_L", tools=("a", "b"))
    ]
    other = OpenAIProtocol(rt.Config())
    done2 = frame("conversation.item.done", previous_item_id=None, item=listing("item_M", ["c"]))
    assert decode(other, done2) == []
    assert decode(other, frame("mcp_list_tools.completed", item_id="item_M")) == [
        rt.McpToolsListed(server_label="wiki", item_id="item_M", tools=("c",))
    ]


def test_a_failed_listing_is_a_recoverable_error() -> None:
    codec = OpenAIProtocol(rt.Config())
    decode(
        codec, frame("conversation.item.added", previous_item_id=None, item=listing("item_F", []))
    )
    (error,) = decode(codec, frame("mcp_list_tools.failed", item_id="item_F"))
    assert (error.kind, error.code, error.recoverable) == ("error", "mcp_list_tools_failed", True)
    assert "'wiki'" in error.message


def _response(codec: OpenAIProtocol, rid: str = "resp_1", **extra: Any) -> list[Any]:
    response = {
        "object": "realtime.response",
        "id": rid,
        "status": "in_progress",
        "output": [],
        **extra,
    }
    return decode(codec, frame("response.created", response=response))


def test_an_mcp_call_from_start_to_end() -> None:
    codec = OpenAIProtocol(rt.Config())
    _response(codec)
    call = {
        "id": "mcp_1",
        "type": "mcp_call",
        "server_label": "wiki",
        "name": "search",
        "arguments": "",
    }
    started = decode(
        codec, frame("response.output_item.added", response_id="resp_1", output_index=0, item=call)
    )
    assert started == [
        rt.McpCallStarted(turn_id="resp_1", item_id="mcp_1", server_label="wiki", name="search")
    ]
    quiet = [
        frame(
            "response.mcp_call_arguments.delta",
            response_id="resp_1",
            item_id="mcp_1",
            output_index=0,
            delta='{"q":',
        ),
        frame(
            "response.mcp_call_arguments.done",
            response_id="resp_1",
            item_id="mcp_1",
            output_index=0,
            arguments='{"q":1}',
        ),
        frame("response.mcp_call.in_progress", item_id="mcp_1", output_index=0),
        frame("response.mcp_call.completed", item_id="mcp_1", output_index=0),
    ]
    assert decode(codec, *quiet) == []
    done = {**call, "arguments": '{"q":1}', "output": "found it"}
    assert decode(
        codec, frame("response.output_item.done", response_id="resp_1", output_index=0, item=done)
    ) == [
        rt.McpCallCompleted(
            turn_id="resp_1",
            item_id="mcp_1",
            server_label="wiki",
            name="search",
            arguments='{"q":1}',
            output="found it",
        )
    ]
    assert codec.statistics().unknown_fields == {}


def test_failed_mcp_calls_carry_their_error() -> None:
    codec = OpenAIProtocol(rt.Config())
    _response(codec)
    errors = [
        (
            {"type": "protocol_error", "code": -32602, "message": "Unknown tool"},
            "Unknown tool (protocol_error, -32602)",
        ),
        ({"type": "http_error", "code": 503, "message": "down"}, "down (http_error, 503)"),
        ({"type": "tool_execution_error", "message": "boom"}, "boom (tool_execution_error)"),
    ]
    for i, (error, text) in enumerate(errors):
        item = {
            "id": f"mcp_{i}",
            "type": "mcp_call",
            "server_label": "wiki",
            "name": "s",
            "arguments": "{}",
            "error": error,
        }
        (failed,) = decode(
            codec,
            frame("response.output_item.done", response_id="resp_1", output_index=i, item=item),
        )
        assert failed == rt.McpCallFailed(
            turn_id="resp_1",
            item_id=f"mcp_{i}",
            server_label="wiki",
            name="s",
            arguments="{}",
            error=text,
        )


def test_an_approval_request_is_published_once() -> None:
    codec = OpenAIProtocol(rt.Config())
    _response(codec)
    item = {
        "id": "mcpr_1",
        "type": "mcp_approval_request",
        "server_label": "wiki",
        "name": "delete",
        "arguments": '{"id":3}',
    }
    added = frame("response.output_item.added", response_id="resp_1", output_index=0, item=item)
    done = frame("response.output_item.done", response_id="resp_1", output_index=0, item=item)
    assert decode(codec, added) == []
    expected = rt.McpApprovalRequested(
        turn_id="resp_1",
        approval_id="mcpr_1",
        server_label="wiki",
        name="delete",
        arguments='{"id":3}',
    )
    assert decode(codec, done) == [expected]
    assert decode(codec, done) == []


def test_a_retrieved_item_and_a_refused_retrieval() -> None:
    codec = OpenAIProtocol(rt.Config())
    codec.retrieve_item("item_A")
    refused = orjson.loads(codec.retrieve_item("item_B"))
    item = {
        "id": "item_A",
        "type": "message",
        "role": "user",
        "status": "completed",
        "content": [{"type": "input_audio", "audio": "AAAA", "transcript": "hi"}],
    }
    assert decode(codec, frame("conversation.item.retrieved", item=item)) == [
        rt.ItemRetrieved(item_id="item_A", item=item)
    ]
    error = {
        "type": "invalid_request_error",
        "code": "item_retrieve_invalid_item_id",
        "message": "no such item",
        "event_id": refused["event_id"],
    }
    out = decode(codec, frame("error", error=error))
    assert [e.kind for e in out] == ["error", "item_retrieved"]
    assert out[1] == rt.ItemRetrieved(item_id="item_B", item=None, error="no such item")


def test_out_of_band_responses_are_told_apart() -> None:
    codec = OpenAIProtocol(rt.Config())
    (started,) = _response(codec, "resp_O", conversation_id=None, metadata={"purpose": "classify"})
    assert started == rt.AssistantTurnStarted(
        turn_id="resp_O", out_of_band=True, metadata={"purpose": "classify"}
    )
    (default,) = _response(codec, "resp_D", conversation_id="conv_1", metadata=None)
    assert default == rt.AssistantTurnStarted(turn_id="resp_D")
    done = {
        "object": "realtime.response",
        "id": "resp_O",
        "status": "completed",
        "output": [],
        "conversation_id": None,
        "metadata": {"purpose": "classify"},
    }
    (completed,) = decode(codec, frame("response.done", response=done))
    assert completed.out_of_band and completed.metadata == {"purpose": "classify"}


def test_raw_server_events_are_still_published_when_asked() -> None:
    codec = OpenAIProtocol(rt.Config(), server_events=True)
    decoded = decode(codec, frame("mcp_list_tools.in_progress", item_id="item_L"))
    assert [(e.kind, e.type) for e in decoded] == [("server_event", "mcp_list_tools.in_progress")]
    done = frame("conversation.item.done", previous_item_id=None, item=listing("item_L", ["a"]))
    assert [e.kind for e in decode(codec, done)] == ["server_event"]
    assert [e.kind for e in decode(codec, frame("mcp_list_tools.completed", item_id="item_L"))] == [
        "mcp_tools_listed",
        "server_event",
    ]


def test_malformed_mcp_items_are_one_recoverable_error() -> None:
    codec = OpenAIProtocol(rt.Config())
    _response(codec)
    bad = orjson.dumps(
        {
            "type": "response.output_item.done",
            "event_id": "e",
            "response_id": "resp_1",
            "output_index": 0,
            "item": {"id": "mcp_1", "type": "mcp_call"},
        }
    )
    (error,) = codec.receive(bad)
    assert error.kind == "error" and error.recoverable and "server_label" in error.message
