"""How a gateway opens its WebSocket: which client, keepalive, timeouts, TLS (shared by all)."""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from typing import Literal, get_args

import attrs
import trio

from .transport import (
    Transport,
    check_keepalive,
    connect_direct_websocket_transport,
    connect_websocket_transport,
)

__all__ = ["TransportKind", "WebSocketOptions"]

TransportKind = Literal["websockets", "trio-websocket"]


def _check_kind(_: object, __: attrs.Attribute[str], kind: str) -> None:
    if kind not in get_args(TransportKind):
        choices = " or ".join(repr(k) for k in get_args(TransportKind))
        raise ValueError(f"transport must be {choices}, not {kind!r}")


@attrs.frozen(kw_only=True)
class WebSocketOptions:
    """The WebSocket side of a gateway (see ``docs/transport.md``).

    ``transport``: ``"websockets"`` (the direct transport: the ``websockets`` package's sans-I/O
    protocol driven from the session's reader task, no task of its own, the fastest) or
    ``"trio-websocket"``. Keepalive: a ping every ``ping_interval`` seconds; a peer that answers
    none within ``ping_timeout`` is a dropped connection; ``None`` turns either off.
    """

    transport: TransportKind = attrs.field(default="websockets", validator=_check_kind)
    connect_timeout: float = 10.0
    close_timeout: float = 2.0
    ping_interval: float | None = 20.0
    ping_timeout: float | None = 20.0
    ssl_context: ssl.SSLContext | None = None

    def __attrs_post_init__(self) -> None:
        check_keepalive(self.ping_interval, self.ping_timeout)

    async def connect(
        self, nursery: trio.Nursery, url: str, headers: Sequence[tuple[str, str]]
    ) -> Transport:
        """Open ``url``. Raises ``RealtimeConnectionError``; cancelled, nothing is left open."""
        connect = (
            connect_websocket_transport
            if self.transport == "trio-websocket"
            else connect_direct_websocket_transport
        )
        return await connect(
            nursery,
            url,
            headers=list(headers),
            connect_timeout=self.connect_timeout,
            close_timeout=self.close_timeout,
            ssl_context=self.ssl_context,
            ping_interval=self.ping_interval,
            ping_timeout=self.ping_timeout,
        )
