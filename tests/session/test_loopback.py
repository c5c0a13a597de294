"""A real trio-websocket client (OpenAIGateway + Broker) against a small server on loopback."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import pytest
import trio
import trio_websocket

import trio_realtime as rt

from .peer import default_session, session_created, text_turn

KEY = "sk-loopback-SECRET-123"
Handler = Callable[[trio_websocket.WebSocketConnection, dict[str, Any]], Awaitable[None]]


async def _serve(
    nursery: trio.Nursery, handler: Handler, *, reject: tuple[int, bytes] | None = None
) -> tuple[str, list[dict[str, str]]]:
    """Start a server on 127.0.0.1:0; returns its base URL and the handshakes' headers."""
    seen: list[dict[str, str]] = []

    async def on_request(request: trio_websocket.WebSocketRequest) -> None:
        headers = {k.decode().lower(): v.decode() for k, v in request.headers}
        seen.append({**headers, "path": request.path})
        if reject is not None:
            status, body = reject
            await request.reject(
                status, extra_headers=[(b"Content-Type", b"application/json")], body=body
            )
            return
        ws = await request.accept()
        with contextlib.suppress(trio_websocket.ConnectionClosed):
            await handler(ws, headers)

    server = await nursery.start(trio_websocket.serve_websocket, on_request, "127.0.0.1", 0, None)
    port = server.port
    return f"ws://127.0.0.1:{port}/v1/realtime", seen


async def _handshake(ws: trio_websocket.WebSocketConnection) -> None:
    await ws.send_message(orjson.dumps(session_created()).decode())
    update = orjson.loads(await ws.get_message())
    assert update["type"] == "session.update"
    session = {**default_session(), **update["session"]}
    await ws.send_message(orjson.dumps({"type": "session.updated", "session": session}).decode())


async def _text_turn(ws: trio_websocket.WebSocketConnection, headers: dict[str, str]) -> None:
    await _handshake(ws)
    item = orjson.loads(await ws.get_message())
    assert item["type"] == "conversation.item.create"
    assert orjson.loads(await ws.get_message())["type"] == "response.create"
    for event in text_turn("resp_1", "item_1", "Pong."):
        await ws.send_message(orjson.dumps(event).decode())
    await ws.get_message()  # the client's close ends this


async def test_text_turn_with_bearer_header(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            url, seen = await _serve(nursery, _text_turn)
            gateway = rt.OpenAIGateway(api_key=KEY, url=url)
            config = rt.Config(modalities=["text"], turn_detection=None)
            async with rt.Broker("gpt-realtime", gateway=gateway, config=config).connect() as s:
                await s.send_text("Ping?")
                texts = []
                async for event in s.events():
                    if event.kind == "assistant_text":
                        texts.append(event.text)
                        break
            nursery.cancel_scope.cancel()
    assert texts == ["Pong."]
    assert seen[0]["authorization"] == f"Bearer {KEY}"
    assert seen[0]["path"] == "/v1/realtime?model=gpt-realtime"
    assert "openai-beta" not in seen[0]
    assert KEY not in caplog.text
    assert KEY not in repr(gateway)


async def _close_with_code(ws: trio_websocket.WebSocketConnection, _: dict[str, str]) -> None:
    await _handshake(ws)
    await ws.aclose(4000, "beta_api_shape_disabled")


async def test_server_close_with_a_code() -> None:
    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            url, _ = await _serve(nursery, _close_with_code)
            gateway = rt.OpenAIGateway(api_key=KEY, url=url)
            async with rt.open_session("m", gateway=gateway) as session:
                events = [e async for e in session.events()]
                with pytest.raises(rt.SessionClosedError) as info:
                    await session.send_text("still there?")
            nursery.cancel_scope.cancel()
    assert events[-1] == rt.SessionClosed(
        reason="server", code=4000, message="beta_api_shape_disabled"
    )
    assert info.value.code == 4000


async def _vanish(ws: trio_websocket.WebSocketConnection, _: dict[str, str]) -> None:
    await _handshake(ws)
    await ws._stream.aclose()  # drop TCP without a close frame


async def test_server_disappears_without_close_frame() -> None:
    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            url, _ = await _serve(nursery, _vanish)
            gateway = rt.OpenAIGateway(api_key=KEY, url=url)
            async with rt.open_session("m", gateway=gateway) as session:
                events = [e async for e in session.events()]
            nursery.cancel_scope.cancel()
    assert events[-1].kind == "session_closed"
    assert events[-1].reason == "error"  # type: ignore[union-attr]


async def test_refused_handshake_carries_status_and_body_not_key() -> None:
    body = orjson.dumps(
        {
            "error": {
                "message": "Incorrect API key provided.",
                "type": "invalid_request_error",
                "code": "invalid_api_key",
            }
        }
    )
    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            url, _ = await _serve(nursery, _text_turn, reject=(401, body))
            gateway = rt.OpenAIGateway(api_key=KEY, url=url)
            with pytest.raises(rt.RealtimeConnectionError) as info:
                async with rt.open_session("m", gateway=gateway):
                    pytest.fail("must not connect")
            nursery.cancel_scope.cancel()
    error = info.value
    assert error.status == 401
    assert error.body == body
    for text in (str(error), repr(error), str(error.__cause__), repr(error.__context__)):
        assert KEY not in text


async def test_missing_key_for_openai_host_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(rt.RealtimeConnectionError, match="OPENAI_API_KEY"):
        async with rt.open_session("m", gateway=rt.OpenAIGateway()):
            pytest.fail("must not connect")


def test_gateway_endpoint_keeps_query_and_appends_model() -> None:
    gateway = rt.OpenAIGateway(api_key=KEY, url="wss://example.test/v1/realtime?api-version=2")
    assert gateway.endpoint("gpt-realtime") == (
        "wss://example.test/v1/realtime?api-version=2&model=gpt-realtime"
    )
    assert rt.OpenAIGateway(api_key=KEY).endpoint("m") == "wss://api.openai.com/v1/realtime?model=m"
    assert KEY not in repr(gateway) and KEY not in repr(rt.Broker("m", gateway=gateway))
