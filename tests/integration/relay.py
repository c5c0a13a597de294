"""A loopback TCP relay in front of a server, for network faults a test provokes on demand.

``url = await nursery.start(relay.serve, server_url)`` gives the server's URL with the relay's
port. Bytes are copied both ways unchanged (the WebSocket upgrade and frames included) until
the test calls :meth:`TcpRelay.drop` (every relayed connection is closed at once: the client
sees its connection end without a close frame) or :meth:`TcpRelay.freeze` (nothing more is
copied either way but the sockets stay open: a peer that went silent, pongs included).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import attrs
import trio

__all__ = ["TcpRelay"]


@attrs.define
class _Link:
    client: trio.SocketStream
    upstream: trio.SocketStream
    scope: trio.CancelScope


async def _pump(source: trio.SocketStream, sink: trio.SocketStream, link: trio.CancelScope) -> None:
    """Copy ``source`` to ``sink``; when either side ends, end the whole link."""
    try:
        async for chunk in source:
            await sink.send_all(chunk)
    except (trio.BrokenResourceError, trio.ClosedResourceError):
        pass
    link.cancel()


@attrs.define
class TcpRelay:
    """Relays every connection it accepts to the server; see the module docstring."""

    connections: int = 0
    _links: list[_Link] = attrs.field(factory=list)
    _frozen: bool = False
    _upstream: tuple[str, int] = ("127.0.0.1", 0)

    async def serve(
        self, server_url: str, *, task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED
    ) -> None:
        """Relay to ``server_url`` until cancelled; reports the URL to connect to instead."""
        parts = urlsplit(server_url)
        assert parts.hostname is not None and parts.port is not None
        self._upstream = (parts.hostname, parts.port)
        listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
        port = listeners[0].socket.getsockname()[1]
        async with trio.open_nursery() as nursery:
            await nursery.start(trio.serve_listeners, self._relay, listeners)
            task_status.started(parts._replace(netloc=f"127.0.0.1:{port}").geturl())

    async def _relay(self, client: trio.SocketStream) -> None:
        self.connections += 1
        upstream = await trio.open_tcp_stream(*self._upstream)
        link = _Link(client=client, upstream=upstream, scope=trio.CancelScope())
        self._links.append(link)
        try:
            with link.scope:
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(_pump, client, upstream, nursery.cancel_scope)
                    nursery.start_soon(_pump, upstream, client, nursery.cancel_scope)
            if self._frozen:
                await trio.sleep_forever()  # silent, sockets open
        finally:
            self._links.remove(link)
            await trio.aclose_forcefully(client)
            await trio.aclose_forcefully(upstream)

    def drop(self) -> None:
        """Close every relayed connection now, in both directions (no WebSocket close)."""
        for link in self._links:
            link.scope.cancel()

    def freeze(self) -> None:
        """Stop copying anything either way, keeping every socket open."""
        self._frozen = True
        for link in self._links:
            link.scope.cancel()
