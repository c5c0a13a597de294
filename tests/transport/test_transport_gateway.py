"""``OpenAIGateway(transport=..., ping_interval=..., ping_timeout=...)`` opens the chosen
transport with those settings."""

from __future__ import annotations

import pytest
import trio
from ws_server import ServerConnection, open_tcp_server, open_ws_server, raw_upgrade

import trio_realtime as rt
from trio_realtime.transport import (
    CloseInfo,
    DirectWebSocketTransport,
    TransportClosed,
    WebSocketTransport,
)

KEY = "sk-test-SECRET-KEY-0123456789"


async def test_the_default_is_the_direct_transport() -> None:
    seen: dict[str, str] = {}

    async def handler(conn: ServerConnection) -> None:
        seen["path"] = conn.request.path
        seen["authorization"] = conn.headers["authorization"]
        ws = await conn.accept()
        await ws.send_message("hi")
        await trio.sleep_forever()

    gateway = rt.OpenAIGateway(api_key=KEY, url="ws://127.0.0.1:1/v1/realtime")
    assert (gateway.transport, gateway.ping_interval, gateway.ping_timeout) == (
        "websockets",
        20.0,
        20.0,
    )
    with trio.fail_after(10):
        async with open_ws_server(handler) as server, trio.open_nursery() as nursery:
            gateway.url = server.url()
            transport = await gateway.open_transport(nursery, "gpt-realtime")
            assert isinstance(transport, DirectWebSocketTransport)
            assert await transport.receive_message() == "hi"
            await transport.aclose()
    assert seen == {"path": "/v1/realtime?model=gpt-realtime", "authorization": f"Bearer {KEY}"}


@pytest.mark.parametrize(
    ("kind", "cls"),
    [("websockets", DirectWebSocketTransport), ("trio-websocket", WebSocketTransport)],
)
async def test_the_chosen_transport_gets_the_keepalive_settings(
    kind: rt.gateways.TransportKind, cls: type, autojump_clock: object
) -> None:
    async def stalled(stream: trio.abc.Stream) -> None:
        await raw_upgrade(stream)
        await trio.sleep_forever()

    async with open_tcp_server(stalled) as server, trio.open_nursery() as nursery:
        gateway = rt.OpenAIGateway(
            url=server.url("/v1/realtime"), transport=kind, ping_interval=5, ping_timeout=3
        )
        start = trio.current_time()
        transport = await gateway.open_transport(nursery, "m")
        assert isinstance(transport, cls)
        with pytest.raises(TransportClosed) as caught:
            await transport.receive_message()
        assert trio.current_time() - start == pytest.approx(8)
        await transport.aclose()
    assert caught.value.info == CloseInfo(
        code=1011, reason="keepalive ping timeout", initiator="error"
    )


def test_bad_options_are_refused() -> None:
    with pytest.raises(ValueError, match="'websockets' or 'trio-websocket'"):
        rt.OpenAIGateway(transport="wsproto")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="ping_timeout"):
        rt.OpenAIGateway(ping_timeout=0)
    assert rt.OpenAIGateway(ping_interval=None).ping_interval is None
