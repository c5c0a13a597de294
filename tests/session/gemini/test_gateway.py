"""GeminiGateway: keys, URLs, headers, and a real WebSocket session on loopback."""

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
from trio_realtime.protocol.gemini import ContextCompression
from trio_realtime.testing import gemini_frames as g

KEY = "AIza-loopback-SECRET-42"
MODEL = "gemini-2.5-flash-native-audio-preview-12-2025"
PATH = "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"
Handler = Callable[[trio_websocket.WebSocketConnection], Awaitable[None]]


@pytest.fixture
def no_env_keys(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("GOOGLE_API_KEY", "GEMINI_API_KEY", "GOOGLE_GEMINI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_key_precedence_and_repr(no_env_keys: pytest.MonkeyPatch) -> None:
    assert not rt.GeminiGateway().has_api_key
    no_env_keys.setenv("GEMINI_API_KEY", "gemini-key")
    assert rt.GeminiGateway()._headers() == [("x-goog-api-key", "gemini-key")]
    no_env_keys.setenv("GOOGLE_API_KEY", "google-key")
    gateway = rt.GeminiGateway()
    assert gateway._headers() == [("x-goog-api-key", "google-key")]  # GOOGLE_API_KEY first
    assert rt.GeminiGateway(api_key="explicit")._headers() == [("x-goog-api-key", "explicit")]
    assert "google-key" not in repr(gateway)
    assert repr(gateway) == (
        f"GeminiGateway(url='wss://generativelanguage.googleapis.com{PATH}', api_key=<set>)"
    )
    with_query = rt.GeminiGateway(url=f"wss://user:pw@example.com{PATH}?key=SECRET")
    assert "SECRET" not in repr(with_query) and "pw" not in repr(with_query)


def test_the_base_url_google_genai_honours(no_env_keys: pytest.MonkeyPatch) -> None:
    no_env_keys.setenv("GOOGLE_GEMINI_BASE_URL", "http://127.0.0.1:8123/")
    assert rt.GeminiGateway().url == f"ws://127.0.0.1:8123{PATH}"
    no_env_keys.setenv("GOOGLE_GEMINI_BASE_URL", "https://proxy.example.com")
    assert rt.GeminiGateway().url == f"wss://proxy.example.com{PATH}"
    assert rt.GeminiGateway(url="ws://explicit:1").url == f"ws://explicit:1{PATH}"
    no_env_keys.setenv("GOOGLE_GEMINI_BASE_URL", "ftp://nope")
    with pytest.raises(ValueError, match="GOOGLE_GEMINI_BASE_URL"):
        rt.GeminiGateway()


def test_urls_versions_and_ephemeral_tokens(no_env_keys: pytest.MonkeyPatch) -> None:
    assert rt.GeminiGateway(api_version="v1alpha").url.endswith(
        "generativelanguage.v1alpha.GenerativeService.BidiGenerateContent"
    )
    assert rt.GeminiGateway(url="ws://127.0.0.1:8123").url == f"ws://127.0.0.1:8123{PATH}"
    assert rt.GeminiGateway(url="ws://h/custom").url == "ws://h/custom"
    token = rt.GeminiGateway(ephemeral_token="auth_tokens/abc")
    assert token.url.endswith("v1alpha.GenerativeService.BidiGenerateContentConstrained")
    assert token._headers() == [("Authorization", "Token auth_tokens/abc")]
    assert "abc" not in repr(token)
    with pytest.raises(ValueError, match="api_version"):
        rt.GeminiGateway(api_version="beta")
    with pytest.raises(ValueError, match="not both"):
        rt.GeminiGateway(api_key="k", ephemeral_token="auth_tokens/x")
    compressed = rt.GeminiGateway(context_compression=True, session_resumption=False)
    assert compressed.options.context_compression == ContextCompression()
    assert not compressed.options.session_resumption


async def test_no_key_for_googles_host_fails_before_connecting(
    no_env_keys: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(rt.RealtimeConnectionError, match="GOOGLE_API_KEY or GEMINI_API_KEY"):
        async with rt.open_session(MODEL, gateway=rt.GeminiGateway()):
            pass


async def _serve(nursery: trio.Nursery, handler: Handler) -> tuple[str, list[dict[str, str]]]:
    seen: list[dict[str, str]] = []

    async def on_request(request: trio_websocket.WebSocketRequest) -> None:
        headers = {k.decode().lower(): v.decode() for k, v in request.headers}
        seen.append({**headers, "path": request.path})
        ws = await request.accept()
        with contextlib.suppress(trio_websocket.ConnectionClosed):
            await handler(ws)

    server = await nursery.start(trio_websocket.serve_websocket, on_request, "127.0.0.1", 0, None)
    return f"ws://127.0.0.1:{server.port}", seen


async def _binary(ws: trio_websocket.WebSocketConnection, *messages: dict[str, Any]) -> None:
    for message in messages:
        await ws.send_message(orjson.dumps(message))  # bytes: a binary frame, as Google sends


async def test_a_text_turn_over_a_real_websocket() -> None:
    received: list[Any] = []

    async def gemini(ws: trio_websocket.WebSocketConnection) -> None:
        setup = await ws.get_message()
        received.append(setup)
        await _binary(ws, g.setup_complete())
        for _ in range(3):  # activityStart, text, activityEnd
            received.append(await ws.get_message())
        await _binary(ws, *g.spoken_turn("Pong.", b"\x00\x00" * 240))
        await ws.get_message()  # until the client closes

    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            url, seen = await _serve(nursery, gemini)
            gateway = rt.GeminiGateway(url=url, api_key=KEY)
            config = rt.Config(modalities=["text"], turn_detection=None)
            async with rt.open_session(MODEL, gateway=gateway, config=config) as session:
                await session.send_text("Ping?")
                answer = [e async for e in _text(session)]
            nursery.cancel_scope.cancel()
    assert answer == ["Pong."]
    assert seen[0]["path"] == PATH
    assert seen[0]["x-goog-api-key"] == KEY
    assert all(isinstance(m, str) for m in received)  # the client sends text frames
    assert orjson.loads(received[0])["setup"]["model"] == f"models/{MODEL}"
    assert [orjson.loads(m) for m in received[1:]] == [
        {"realtimeInput": {"activityStart": {}}},
        {"realtimeInput": {"text": "Ping?"}},
        {"realtimeInput": {"activityEnd": {}}},
    ]


async def _text(session: rt.RealtimeSession) -> Any:
    async for event in session.events():
        if event.kind == "assistant_text":
            yield event.text
        elif event.kind == "assistant_turn_completed":
            return


async def _refused_setup(reason: str) -> rt.RealtimeConnectionError:
    async def refuse(ws: trio_websocket.WebSocketConnection) -> None:
        await ws.get_message()
        await ws.aclose(1008, reason)

    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            url, _ = await _serve(nursery, refuse)
            gateway = rt.GeminiGateway(url=url, api_key=KEY)
            with pytest.raises(rt.RealtimeConnectionError) as info:
                async with rt.open_session(MODEL, gateway=gateway):
                    pass
            nursery.cancel_scope.cancel()
    return info.value


async def test_a_close_during_setup_is_a_connection_error() -> None:
    error = await _refused_setup("models/x is not found for API version v1beta")
    assert "the server rejected the session" in str(error)
    assert "models/x is not found" in str(error)
    assert isinstance(error.__cause__, rt.ProviderError)
    assert error.__cause__.code == "policy_violation"


async def test_a_key_echoed_in_a_close_reason_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    error = await _refused_setup(f"API key not valid: {KEY}")
    assert all(KEY not in str(e) for e in (error, error.__cause__) if e is not None)
    assert KEY not in caplog.text
