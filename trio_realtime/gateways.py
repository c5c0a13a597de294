"""Gateways: where a provider lives, how to authenticate, and which codec speaks its protocol.

A gateway is configuration plus two factories: one opens a transport for a model, the other makes
the per-connection protocol codec. The API key is held privately and never appears in a repr, a
log line or an exception message.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping, Sequence
from typing import Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import trio

from ._errors import RealtimeConnectionError
from ._gateway_azure import AzureOpenAIGateway
from ._gateway_gemini import ContextCompression, GeminiGateway
from ._secrets import redact_url, register_secret
from ._websocket_options import TransportKind, WebSocketOptions
from .config import Config
from .protocol import Codec, OpenAIProtocol
from .transport import Transport

__all__ = ["AzureOpenAIGateway", "ContextCompression", "Gateway", "GeminiGateway", "OpenAIGateway"]

OPENAI_URL = "wss://api.openai.com/v1/realtime"


class Gateway(Protocol):
    """What a session needs from a provider gateway."""

    connect_timeout: float
    close_timeout: float

    async def open_transport(self, nursery: trio.Nursery, model: str) -> Transport:
        """Connect to ``model``; the transport's tasks live in ``nursery``."""
        ...

    def codec(self, config: Config, *, model: str, server_events: bool = False) -> Codec:
        """A fresh protocol codec for one connection to ``model``."""
        ...


def realtime_url_from_base(base: str | None) -> str | None:
    """The Realtime WebSocket URL under an OpenAI API base URL (``None`` for no base).

    ``https://api.example.com/v1`` -> ``wss://api.example.com/v1/realtime``; ``http`` maps to
    ``ws``; a ``ws``/``wss`` base is kept as the scheme.
    """
    if not base:
        return None
    parts = urlsplit(base.strip())
    scheme = {"https": "wss", "http": "ws"}.get(parts.scheme, parts.scheme)
    if scheme not in ("ws", "wss"):
        raise ValueError(f"OPENAI_BASE_URL must be an http(s) or ws(s) URL, not {base!r}")
    path = parts.path.rstrip("/") + "/realtime"
    return urlunsplit(parts._replace(scheme=scheme, path=path))


class OpenAIGateway:
    """The OpenAI Realtime API, or any endpoint that speaks its GA protocol.

    ``url`` defaults to ``$OPENAI_BASE_URL`` (the official SDK's variable: an
    ``https://host/v1`` base means ``wss://host/v1/realtime``), else OpenAI's; ``?model=`` is
    appended (keeping any query it already has).
    ``api_key`` defaults to ``$OPENAI_API_KEY`` and is sent as ``Authorization: Bearer``; it is
    required for OpenAI's own host and optional elsewhere (e.g. the local server).
    ``connect_timeout`` (seconds) bounds TCP, TLS, the upgrade and the first
    ``session.created``/``session.updated``; ``close_timeout`` bounds the close handshake.

    ``transport`` picks the WebSocket client: ``"websockets"`` (the default: the
    ``websockets`` package's sans-I/O protocol driven from the session's reader task, no
    task of its own, the fastest) or ``"trio-websocket"`` (trio-websocket with its reader
    task). Keepalive: a ping every ``ping_interval`` seconds; a peer that answers none
    within ``ping_timeout`` seconds is a dropped connection; ``None`` turns pings (or their
    timeout) off. See ``docs/transport.md``.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        url: str | None = None,
        headers: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
        connect_timeout: float = 10.0,
        close_timeout: float = 2.0,
        organization: str | None = None,
        project: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        transport: TransportKind = "websockets",
        ping_interval: float | None = 20.0,
        ping_timeout: float | None = 20.0,
    ) -> None:
        self._ws = WebSocketOptions(
            transport=transport,
            connect_timeout=connect_timeout,
            close_timeout=close_timeout,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            ssl_context=ssl_context,
        )
        self.url = url or realtime_url_from_base(os.environ.get("OPENAI_BASE_URL")) or OPENAI_URL
        self.__api_key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY")
        register_secret(self.__api_key)
        extra = list(headers.items()) if isinstance(headers, Mapping) else list(headers or ())
        if organization:
            extra.append(("OpenAI-Organization", organization))
        if project:
            extra.append(("OpenAI-Project", project))
        self._extra_headers = extra
        self.connect_timeout = connect_timeout
        self.close_timeout = close_timeout
        self.transport: TransportKind = transport
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout

    def __repr__(self) -> str:
        key = "<set>" if self.__api_key else None
        return f"OpenAIGateway(url={redact_url(self.url)!r}, api_key={key})"

    @property
    def has_api_key(self) -> bool:
        """Whether a key will be sent."""
        return bool(self.__api_key)

    def endpoint(self, model: str) -> str:
        """The WebSocket URL for ``model``."""
        parts = urlsplit(self.url)
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "model"]
        query.append(("model", model))
        return urlunsplit(parts._replace(query=urlencode(query)))

    def _headers(self) -> list[tuple[str, str]]:
        headers = list(self._extra_headers)
        if self.__api_key:
            headers.append(("Authorization", f"Bearer {self.__api_key}"))
        return headers

    async def open_transport(self, nursery: trio.Nursery, model: str) -> Transport:
        """Open the WebSocket (see :class:`Gateway`). Raises ``RealtimeConnectionError``."""
        if not self.__api_key and urlsplit(self.url).hostname == "api.openai.com":
            raise RealtimeConnectionError(
                "no OpenAI API key: pass OpenAIGateway(api_key=...) or set OPENAI_API_KEY"
            )
        return await self._ws.connect(nursery, self.endpoint(model), self._headers())

    def codec(self, config: Config, *, model: str, server_events: bool = False) -> Codec:
        """A fresh OpenAI Realtime codec (the model is named in the URL, not here)."""
        return OpenAIProtocol(config, server_events=server_events)
