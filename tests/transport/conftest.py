"""The WebSocket transport tests run against both implementations: the ``impl`` fixture."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import attrs
import pytest
import trio

from trio_realtime.transport import (
    DirectWebSocketTransport,
    Transport,
    WebSocketTransport,
    connect_direct_websocket_transport,
    connect_websocket_transport,
    open_direct_websocket_transport,
    open_websocket_transport,
)


@attrs.frozen
class Impl:
    """One WebSocket transport implementation, as the tests drive it."""

    name: str
    cls: type[Any]
    connect_fn: Callable[..., Awaitable[Any]]
    open_fn: Callable[..., AbstractAsyncContextManager[Any]]
    runs_a_task: bool  # trio-websocket's reader task lives in the connect nursery

    async def connect(self, nursery: trio.Nursery, url: str, **kwargs: Any) -> Any:
        transport = await self.connect_fn(nursery, url, **kwargs)
        assert isinstance(transport, self.cls)
        checked: Transport = transport  # a Transport, for mypy
        return checked

    def open(self, url: str, **kwargs: Any) -> AbstractAsyncContextManager[Any]:
        return self.open_fn(url, **kwargs)


DIRECT = Impl(
    name="DirectWebSocketTransport",
    cls=DirectWebSocketTransport,
    connect_fn=connect_direct_websocket_transport,
    open_fn=open_direct_websocket_transport,
    runs_a_task=False,
)
TRIO_WEBSOCKET = Impl(
    name="WebSocketTransport",
    cls=WebSocketTransport,
    connect_fn=connect_websocket_transport,
    open_fn=open_websocket_transport,
    runs_a_task=True,
)


@pytest.fixture(params=[DIRECT, TRIO_WEBSOCKET], ids=["direct", "trio-websocket"])
def impl(request: pytest.FixtureRequest) -> Impl:
    """Each WebSocket transport implementation in turn."""
    value: Impl = request.param
    return value
