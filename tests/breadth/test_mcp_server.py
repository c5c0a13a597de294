"""The local server's MCP support on its own: the sans-I/O state (approvals, validation) and the
MCP stub checked with the official ``mcp`` client (when installed)."""

from __future__ import annotations

import functools
from typing import Any

import orjson
import pytest
import trio

from tests.server.wire_validation import assert_valid_server_event
from trio_realtime.server import RealtimeServerState, serve_mcp_stub
from trio_realtime.server._commands import ListMcpTools
from trio_realtime.server._mcp import needs_approval

from .conftest import lookup_order


def send(state: RealtimeServerState, type_: str, **fields: Any) -> list[Any]:
    out = state.receive(orjson.dumps({"type": type_, **fields}))
    for item in out:
        if isinstance(item, dict):
            assert_valid_server_event(item)
    return out


def events(outputs: list[Any]) -> list[dict[str, Any]]:
    return [o for o in outputs if isinstance(o, dict)]


MCP = {"type": "mcp", "server_label": "orders", "server_url": "http://127.0.0.1:9/mcp"}


def test_a_session_update_with_an_mcp_server_lists_its_tools() -> None:
    state = RealtimeServerState()
    out = send(state, "session.update", session={"type": "realtime", "tools": [MCP]})
    assert [o["type"] for o in events(out)] == [
        "session.updated",
        "conversation.item.added",
        "mcp_list_tools.in_progress",
    ]
    (command,) = [o for o in out if isinstance(o, ListMcpTools)]
    listed = [
        {
            "name": "lookup_order",
            "inputSchema": {"type": "object"},
            "annotations": {"readOnlyHint": True},
        }
    ]
    done = events(command.resume(listed))
    assert [o["type"] for o in done] == ["mcp_list_tools.completed", "conversation.item.done"]
    assert done[1]["item"]["tools"] == [
        {
            "name": "lookup_order",
            "input_schema": {"type": "object"},
            "annotations": {"readOnlyHint": True},
        }
    ]
    for o in done:
        assert_valid_server_event(o)
    # the same definition again lists nothing
    again = send(state, "session.update", session={"type": "realtime", "tools": [MCP]})
    assert [o["type"] for o in events(again)] == ["session.updated"]


@pytest.mark.parametrize(
    ("tool", "message"),
    [
        ({"type": "mcp"}, "server_label"),
        ({"type": "mcp", "server_label": "x"}, "server_url"),
        ({**MCP, "require_approval": "sometimes"}, "'sometimes'"),
        ({**MCP, "headers": {"a": 1}}, "headers.a"),
        ({**MCP, "bogus": 1}, "bogus"),
    ],
)
def test_invalid_mcp_tools_are_rejected(tool: dict[str, Any], message: str) -> None:
    state = RealtimeServerState()
    (error,) = events(send(state, "session.update", session={"type": "realtime", "tools": [tool]}))
    assert error["type"] == "error"
    assert message in error["error"]["message"] + str(error["error"]["param"])


def test_approval_responses_must_answer_a_request_once() -> None:
    state = RealtimeServerState()
    item = {
        "type": "mcp_approval_response",
        "id": "item_a1",
        "approval_request_id": "mcpr_x",
        "approve": True,
    }
    (error,) = events(send(state, "conversation.item.create", item=item))
    assert "not found" in error["error"]["message"]
    request = {
        "id": "mcpr_x",
        "type": "mcp_approval_request",
        "server_label": "orders",
        "name": "n",
        "arguments": "{}",
    }
    state.conversation.insert(request)
    assert [e["type"] for e in events(send(state, "conversation.item.create", item=item))] == [
        "conversation.item.added",
        "conversation.item.done",
    ]
    twice = {**item, "id": "item_a2"}
    (error,) = events(send(state, "conversation.item.create", item=twice))
    assert "already answered" in error["error"]["message"]


@pytest.mark.parametrize(
    ("policy", "name", "annotations", "expected"),
    [
        (None, "a", {}, True),
        ("always", "a", {}, True),
        ("never", "a", {}, False),
        ({"always": {"tool_names": ["a"]}}, "a", {}, True),
        ({"always": {"tool_names": ["a"]}}, "b", {}, False),
        ({"never": {"tool_names": ["a"]}}, "a", {}, False),
        ({"never": {"tool_names": ["a"]}}, "b", {}, True),
        ({"never": {"read_only": True}}, "b", {"readOnlyHint": True}, False),
    ],
)
def test_approval_policies(
    policy: Any, name: str, annotations: dict[str, Any], expected: bool
) -> None:
    tool = dict(MCP) if policy is None else {**MCP, "require_approval": policy}
    assert needs_approval(tool, name, annotations) is expected


async def test_the_stub_speaks_mcp_to_the_official_client() -> None:
    pytest.importorskip("mcp")
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    for event_stream in (False, True):
        async with trio.open_nursery() as nursery:
            stub = await nursery.start(
                functools.partial(serve_mcp_stub, [lookup_order], event_stream=event_stream)
            )
            with trio.fail_after(10):
                async with streamable_http_client(stub.url) as (read, write, *_):
                    async with ClientSession(read, write) as session:
                        await session.initialize()
                        tools = await session.list_tools()
                        result = await session.call_tool("lookup_order", {"order_id": 3})
            nursery.cancel_scope.cancel()
        assert [t.name for t in tools.tools] == ["lookup_order"]
        assert tools.tools[0].input_schema["required"] == ["order_id"]
        assert result.content[0].text == "Order 3: shipped" and not result.is_error
        assert [c.name for c in stub.calls] == ["lookup_order"]
