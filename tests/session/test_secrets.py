"""No API key in anything a session produces, even when a hostile server echoes it.

The server (or a proxy) puts the key, and its masked form, into error messages, close reasons,
rate-limit details and raw events; every event, exception, repr, statistics snapshot and log
record produced during those failing sessions is scanned.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
import trio
import trio.testing

import trio_realtime as rt
from tests.transport.ws_server import ServerConnection, open_ws_server
from trio_realtime._secrets import redact, redact_url
from trio_realtime.testing import MemoryGateway, frames

KEY = "sk-proj-Hostile0123456789abcdefWXYZ"
MASKED = "sk-proj-********************WXYZ"
LEAKS = (KEY, MASKED, "Hostile0123", "****WXYZ")


def scan(*things: Any) -> None:
    for thing in things:
        for text in (str(thing), repr(thing)):
            for leak in LEAKS:
                assert leak not in text, f"{leak!r} leaked in {text!r}"


def exception_chain(exc: BaseException | None) -> list[BaseException]:
    out = []
    while exc is not None:
        out.append(exc)
        exc = exc.__cause__ or exc.__context__
    return out


async def test_a_server_echoing_the_key_leaks_nothing(
    autojump_clock: trio.testing.MockClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    rt.OpenAIGateway(api_key=KEY, url="ws://127.0.0.1:9/v1/realtime")  # registers the key
    gateway = MemoryGateway()
    broker = rt.Broker("m", gateway=gateway, server_events=True)
    events: list[Any] = []
    async with broker.connect() as session:
        peer = gateway.last_peer
        assert peer is not None
        await peer.send(
            frames.error("invalid_value", f"Bad value near {KEY}"),
            {"type": "brand.new_event", "event_id": "e1", "echo": {"auth": f"Bearer {KEY}"}},
            frames.response_created("r1"),
            frames.response_done(
                "r1",
                "failed",
                type="failed",
                error={"type": "tokens", "code": "rate_limit_exceeded", "message": f"{KEY} ..."},
            ),
            frames.error("invalid_api_key", f"Incorrect API key provided: {MASKED}."),
        )
        await peer.close(4001, f"refused {KEY}")
        events = [event async for event in session.events()]
        with pytest.raises(rt.SessionClosedError) as info:
            await session.send_text("hello?")
        scan(*events, *exception_chain(info.value), session, session.statistics())
    scan(broker, gateway)
    assert {e.kind for e in events} >= {"error", "server_event", "rate_limited", "session_closed"}
    assert any(e.kind == "error" and "[redacted]" in e.message for e in events)
    scan(*(record.getMessage() for record in caplog.records))


async def test_a_refusal_during_the_handshake_leaks_nothing(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway(auto_handshake=False)
    rt.OpenAIGateway(api_key=KEY)
    async with trio.open_nursery() as nursery:

        async def server() -> None:
            peer = await gateway.next_peer()
            await peer.send(frames.error("invalid_api_key", f"Incorrect API key: {MASKED}"))
            await peer.close(1008, f"bad key {KEY}")

        nursery.start_soon(server)
        with pytest.raises(rt.RealtimeConnectionError) as info:
            await rt.connect_session(nursery, "m", gateway=gateway)
    scan(*exception_chain(info.value))


async def test_trio_websocket_close_reasons_are_not_logged_with_the_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)

    async def handler(conn: ServerConnection) -> None:
        ws = await conn.accept()
        await ws.get_message()  # the client's session.update
        await ws.aclose(code=4000, reason=f"go away {KEY}")

    with trio.fail_after(10):
        async with open_ws_server(handler) as server:
            gateway = rt.OpenAIGateway(api_key=KEY, url=server.url(), transport="trio-websocket")
            with pytest.raises(rt.RealtimeConnectionError) as info:
                async with rt.Broker("m", gateway=gateway).connect():
                    pass
    scan(*exception_chain(info.value))
    messages = [record.getMessage() for record in caplog.records]
    assert any("go away [redacted]" in m for m in messages)  # trio-websocket logged it, masked
    scan(*messages)


@pytest.mark.parametrize(
    "url",
    [
        f"wss://user:{KEY}@proxy.example.com/v1/realtime",
        f"wss://proxy.example.com/v1/realtime?api_key={KEY}&x=1",
        f"wss://proxy.example.com/ws?key={KEY}",
    ],
)
def test_credentials_in_urls_never_show(url: str) -> None:
    gateway = rt.OpenAIGateway(url=url)
    scan(gateway, rt.Broker("m", gateway=gateway), redact_url(url))
    assert "proxy.example.com" in repr(gateway)


@pytest.mark.parametrize(
    "text",
    [
        f"key={KEY}",
        f"Incorrect API key provided: {MASKED}.",
        "Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123",
        "a google key AIzaSyA-0123456789abcdefghijklmnopqrstu in there",
        "sk-unregistered0123456789abcdef",
    ],
)
def test_redact_removes_keys_and_their_masked_forms(text: str) -> None:
    rt.OpenAIGateway(api_key=KEY)
    cleaned = redact(text)
    assert "[redacted]" in cleaned
    scan(cleaned)
    assert "0123456789abcdef" not in cleaned


def test_redact_leaves_ordinary_text_alone() -> None:
    text = "The weather in Oslo is 21 C; see https://example.com/a?b=c (item_1234)."
    assert redact(text) == text
