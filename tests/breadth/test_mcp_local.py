"""Remote MCP servers end to end: our client, the local server (which reaches the MCP server
itself, as OpenAI's does) and an MCP stub on loopback. Every frame both ways is checked against
the ``openai`` types."""

from __future__ import annotations

from typing import Any

import trio

import trio_realtime as rt
from trio_realtime.history import AssistantMessage, McpCall, UserMessage
from trio_realtime.server import default_brain

from .conftest import (
    ValidatingGateway,
    broken_tool,
    cancel_order,
    local_server,
    lookup_order,
    mcp_stub,
    next_of,
)


async def run_turn(
    config: rt.Config,
    text: str,
    *,
    answer: str | None = None,
    reason: str | None = None,
    stub_options: dict[str, Any] | None = None,
    tools: Any = (lookup_order, cancel_order),
    options: rt.ResponseOptions | None = None,
    histories: list[rt.History] | None = None,
) -> tuple[list[Any], Any, ValidatingGateway]:
    """One user turn against the local server; ``answer`` approves or rejects approval
    requests. Returns the events up to the assistant's text, the stub and the gateway."""
    events: list[Any] = []
    with trio.fail_after(20):
        async with mcp_stub(tools, **(stub_options or {})) as stub, local_server() as url:
            gateway = ValidatingGateway(url=url, api_key="sk-test")
            config = config_for(config, stub.url)
            async with rt.open_session("gpt-realtime", gateway=gateway, config=config) as s:
                stream = s.events()
                if config.mcp_servers:
                    await next_of(stream, "mcp_tools_listed", collect=events)
                await s.send_text(text, respond=options is None)
                if options is not None:
                    await s.create_response(options_for(options, stub.url))
                async for event in stream:
                    events.append(event)
                    if event.kind == "mcp_approval_requested":
                        if answer == "approve":
                            await s.approve_mcp_call(event.approval_id, reason=reason)
                        else:
                            await s.reject_mcp_call(event.approval_id, reason=reason)
                    if event.kind == "assistant_text":
                        break
                if histories is not None:
                    histories.append(s.history())
            return events, stub, gateway


def config_for(config: rt.Config, url: str) -> rt.Config:
    """``config`` with its MCP servers pointed at the stub's ``url``."""
    import attrs

    servers = [attrs.evolve(s, url=url) for s in config.mcp_servers]
    return attrs.evolve(config, mcp_servers=servers)


def options_for(options: rt.ResponseOptions, url: str) -> rt.ResponseOptions:
    import attrs

    if not options.mcp_servers:
        return options
    return attrs.evolve(
        options, mcp_servers=[attrs.evolve(s, url=url) for s in options.mcp_servers]
    )


def text_config(**changes: Any) -> rt.Config:
    return rt.Config(
        modalities=["text"], turn_detection=None, input_audio_transcription=False, **changes
    )


def kinds(events: list[Any]) -> list[str]:
    return [e.kind for e in events]


def server_frames(gateway: ValidatingGateway, type_: str) -> list[dict[str, Any]]:
    return [f for t in gateway.transports for f in t.received if f["type"] == type_]


def client_frames(gateway: ValidatingGateway, type_: str) -> list[dict[str, Any]]:
    return [f for t in gateway.transports for f in t.sent if f["type"] == type_]


async def test_a_call_without_approval_runs_server_side() -> None:
    server = rt.McpServer(
        "orders",
        "http://placeholder/mcp",
        headers={"Authorization": "Bearer mcp-secret-token-123"},
        require_approval="never",
    )
    histories: list[rt.History] = []
    config = text_config(tools=[server])
    events, stub, gateway = await run_turn(config, "Look up order 42", histories=histories)
    listed = next(e for e in events if e.kind == "mcp_tools_listed")
    assert listed.server_label == "orders"
    assert listed.tools == ("lookup_order", "cancel_order")
    started = next(e for e in events if e.kind == "mcp_call_started")
    done = next(e for e in events if e.kind == "mcp_call_completed")
    assert (started.name, done.name, done.item_id) == (
        "lookup_order",
        "lookup_order",
        started.item_id,
    )
    assert done.output == "Order 42: shipped"
    assert done.arguments == '{"order_id":42}'
    assert events[-1].text == "Here is what I found. Order 42: shipped."
    # the history has the remote call between the question and the answer
    (history,) = histories
    assert history.items[1] == McpCall(
        item_id=done.item_id,
        server_label="orders",
        name="lookup_order",
        arguments='{"order_id":42}',
        output="Order 42: shipped",
    )
    assert [getattr(i, "text", None) for i in history.items] == [
        "Look up order 42",
        None,
        "Here is what I found. Order 42: shipped.",
    ]
    assert history.complete
    # the call really reached the MCP server, with the server's headers
    assert [(c.name, dict(c.arguments)) for c in stub.calls] == [("lookup_order", {"order_id": 42})]
    assert stub.calls[0].headers["authorization"] == "Bearer mcp-secret-token-123"
    # the session.update carried the MCP tool in the GA shape
    tools = client_frames(gateway, "session.update")[0]["session"]["tools"]
    assert tools == [
        {
            "type": "mcp",
            "server_label": "orders",
            "server_url": stub_url(gateway),
            "headers": {"Authorization": "Bearer mcp-secret-token-123"},
            "require_approval": "never",
        }
    ]
    # the server echoed the headers; what we publish has them redacted
    echoed = next(e for e in events if e.kind == "session_updated").config["tools"][0]
    assert echoed["headers"] == {"Authorization": "[redacted]"}
    # wire order of the call item
    order: list[str] = []
    for f in gateway.transports[0].received:
        relevant = f["type"].startswith(("response.mcp_call", "response.output_item"))
        if relevant and (not order or order[-1] != f["type"]):
            order.append(f["type"])
    assert order[:6] == [
        "response.output_item.added",
        "response.mcp_call_arguments.delta",
        "response.mcp_call_arguments.done",
        "response.mcp_call.in_progress",
        "response.mcp_call.completed",
        "response.output_item.done",
    ]


def stub_url(gateway: ValidatingGateway) -> str:
    return str(client_frames(gateway, "session.update")[0]["session"]["tools"][0]["server_url"])


async def test_an_approved_call_runs_in_the_next_response() -> None:
    server = rt.McpServer("orders", "http://placeholder/mcp")  # require_approval="always"
    events, stub, gateway = await run_turn(
        text_config(tools=[server]), "Look up order 7", answer="approve", reason="fine"
    )
    request = next(e for e in events if e.kind == "mcp_approval_requested")
    assert (request.server_label, request.name, request.arguments) == (
        "orders",
        "lookup_order",
        '{"order_id":7}',
    )
    turns = [e.turn_id for e in events if e.kind == "assistant_turn_started"]
    assert len(turns) == 2 and request.turn_id == turns[0]
    done = next(e for e in events if e.kind == "mcp_call_completed")
    assert done.turn_id == turns[1] and done.output == "Order 7: shipped"
    assert len(stub.calls) == 1
    approval = [
        f["item"]
        for f in client_frames(gateway, "conversation.item.create")
        if f["item"]["type"] == "mcp_approval_response"
    ]
    assert approval == [
        {
            "type": "mcp_approval_response",
            "id": approval[0]["id"],
            "approval_request_id": request.approval_id,
            "approve": True,
            "reason": "fine",
        }
    ]
    call_items = [
        f["item"]
        for f in server_frames(gateway, "response.output_item.done")
        if f["item"]["type"] == "mcp_call"
    ]
    assert call_items[0]["approval_request_id"] == request.approval_id
    # the approval asked for the follow-up response by itself
    assert len(client_frames(gateway, "response.create")) == 2


async def test_a_rejected_call_is_never_made() -> None:
    server = rt.McpServer("orders", "http://placeholder/mcp", require_approval=["cancel_order"])
    events, stub, _ = await run_turn(
        text_config(tools=[server]),
        "Please cancel order 9",
        answer="reject",
        reason="no",
        tools=(cancel_order, lookup_order),
    )
    assert "mcp_approval_requested" in kinds(events)
    assert "mcp_call_started" not in kinds(events)
    assert stub.calls == []
    assert events[-1].text == "OK, I won't use cancel_order."


async def test_a_tool_that_fails_is_reported() -> None:
    server = rt.McpServer("ops", "http://placeholder/mcp", require_approval="never")
    events, stub, _ = await run_turn(
        text_config(tools=[server]), "break the warehouse", tools=[broken_tool]
    )
    assert [c.name for c in stub.calls] == ["broken_tool"]
    failed = next(e for e in events if e.kind == "mcp_call_failed")
    assert failed.name == "broken_tool"
    assert "the warehouse is on fire" in failed.error
    assert "tool_execution_error" in failed.error
    assert "failed" in events[-1].text


async def test_a_server_that_refuses_the_listing_is_an_error() -> None:
    server = rt.McpServer("orders", "http://placeholder/mcp", require_approval="never")
    with trio.fail_after(20):
        async with mcp_stub(require_headers={"X-Key": "right"}) as stub, local_server() as url:
            gateway = ValidatingGateway(url=url, api_key="sk-test")
            config = config_for(text_config(tools=[server]), stub.url)
            async with rt.open_session("gpt-realtime", gateway=gateway, config=config) as s:
                error = await next_of(s.events(), "error")
    assert error.code == "mcp_list_tools_failed"
    assert error.recoverable
    assert "orders" in error.message
    assert server_frames(gateway, "mcp_list_tools.failed")


async def test_allowed_tools_limit_what_the_model_sees() -> None:
    server = rt.McpServer(
        "orders", "http://placeholder/mcp", allowed_tools=["cancel_order"], require_approval="never"
    )
    events, stub, _ = await run_turn(text_config(tools=[server]), "Do something with order 3")
    assert next(e for e in events if e.kind == "mcp_tools_listed").tools == ("cancel_order",)
    assert [c.name for c in stub.calls] == ["cancel_order"]


async def test_tool_choice_forces_an_mcp_tool() -> None:
    server = rt.McpServer("orders", "http://placeholder/mcp", require_approval="never")
    config = text_config(tools=[server], tool_choice=rt.McpToolChoice("orders", "cancel_order"))
    events, stub, gateway = await run_turn(config, "hello there")
    assert [c.name for c in stub.calls] == ["cancel_order"]
    assert next(e for e in events if e.kind == "mcp_call_completed").output == "Order 0: cancelled"
    session = client_frames(gateway, "session.update")[0]["session"]
    assert session["tool_choice"] == {
        "type": "mcp",
        "server_label": "orders",
        "name": "cancel_order",
    }


async def test_an_mcp_server_for_one_response() -> None:
    server = rt.McpServer("orders", "http://placeholder/mcp", require_approval="never")
    options = rt.ResponseOptions(mcp_servers=[server])
    events, stub, gateway = await run_turn(text_config(), "Look up order 5", options=options)
    assert [c.name for c in stub.calls] == ["lookup_order"]
    create = client_frames(gateway, "response.create")[0]
    assert [t["type"] for t in create["response"]["tools"]] == ["mcp"]
    assert "mcp_call_completed" in kinds(events)


async def test_saved_mcp_calls_are_given_back_to_a_new_session() -> None:
    conversations: list[Any] = []

    def brain(request: Any) -> Any:
        conversations.append(request.conversation)
        return default_brain(request)

    shipped = McpCall(
        item_id="mcp_saved1",
        server_label="orders",
        name="lookup_order",
        arguments='{"order_id":42}',
        output="Order 42: shipped",
    )
    refused = McpCall(
        item_id="mcp_saved2",
        server_label="orders",
        name="cancel_order",
        arguments='{"order_id":42}',
        error="order 42 has shipped",
    )
    saved = rt.History(
        items=[
            UserMessage(text="Look up order 42 and cancel it"),
            shipped,
            refused,
            AssistantMessage(text="Order 42 has shipped, so it cannot be cancelled."),
        ]
    )
    with trio.fail_after(20):
        async with local_server(brain=brain) as url:
            gateway = ValidatingGateway(url=url, api_key="sk-test")
            broker = rt.Broker("gpt-realtime", gateway=gateway, config=text_config(), history=saved)
            async with broker.connect() as session:
                stream = session.events()
                await session.send_text("Thanks")
                await next_of(stream, "assistant_text")
                history = session.history()
    sent = [f["item"] for f in client_frames(gateway, "conversation.item.create")]
    assert [i for i in sent if i["type"] == "mcp_call"] == [
        {
            "type": "mcp_call",
            "id": "mcp_saved1",
            "server_label": "orders",
            "name": "lookup_order",
            "arguments": '{"order_id":42}',
            "output": "Order 42: shipped",
        },
        {
            "type": "mcp_call",
            "id": "mcp_saved2",
            "server_label": "orders",
            "name": "cancel_order",
            "arguments": '{"order_id":42}',
            "error": {"type": "tool_execution_error", "message": "order 42 has shipped"},
        },
    ]
    # the server's conversation holds them where they were, and the brain saw them
    kinds = [(i["type"], i.get("id")) for i in conversations[-1]]
    assert kinds[:4] == [
        ("message", kinds[0][1]),
        ("mcp_call", "mcp_saved1"),
        ("mcp_call", "mcp_saved2"),
        ("message", kinds[3][1]),
    ]
    assert history.items[:4] == saved.items and history.complete
