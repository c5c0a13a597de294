"""The local realtime server as a test resource: start it in a nursery, get a gateway."""

from __future__ import annotations

import functools
from typing import Any

import attrs
import trio

from .._broker import Broker
from ..config import Config
from ..gateways import OpenAIGateway

__all__ = ["LocalServer", "start_local_server"]


@attrs.frozen
class LocalServer:
    """A running local server: its ``url`` and factories for what connects to it."""

    url: str

    def gateway(self, **options: Any) -> OpenAIGateway:
        """An :class:`~trio_realtime.OpenAIGateway` pointed at this server (test key)."""
        options.setdefault("api_key", "sk-test")
        return OpenAIGateway(url=self.url, **options)

    def broker(
        self, model: str = "gpt-realtime", *, config: Config | None = None, **options: Any
    ) -> Broker:
        """A :class:`~trio_realtime.Broker` for ``model`` on this server."""
        return Broker(model, gateway=self.gateway(), config=config, **options)


async def start_local_server(nursery: trio.Nursery, **server_options: Any) -> LocalServer:
    """Start :func:`~trio_realtime.server.serve_local_realtime` on a free loopback port in
    ``nursery`` and return it once it accepts connections.

    ``server_options`` are ``serve_local_realtime``'s (``brain``, ``transcriber``, ``faults``,
    ``pacing``, ...). The server runs until ``nursery`` is cancelled.
    """
    from ..server import serve_local_realtime

    serve = functools.partial(serve_local_realtime, "127.0.0.1", 0, **server_options)
    url: str = await nursery.start(serve)
    return LocalServer(url)
