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
from ._gateway_gemini import ContextCompression, GeminiGateway
from .config import Config
from .protocol import Codec, OpenAIProtocol
from .transport import Transport, connect_websocket_transport

__all__ = ["ContextCompression", "Gateway", "GeminiGateway", "OpenAIGateway"]

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


class OpenAIGateway:
    """The OpenAI Realtime API, or any endpoint that speaks its GA protocol.

    ``url`` defaults to OpenAI's; ``?model=`` is appended (keeping any query it already has).
    ``api_key`` defaults to ``$OPENAI_API_KEY`` and is sent as ``Authorization: Bearer``; it is
    required for OpenAI's own host and optional elsewhere (e.g. the local server).
    ``connect_timeout`` (seconds) bounds TCP, TLS, the upgrade and the first
    ``session.created``/``session.updated``; ``close_timeout`` bounds the close handshake.
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
    ) -> None:
        self.url = url or OPENAI_URL
        self.__api_key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY")
        extra = list(headers.items()) if isinstance(headers, Mapping) else list(headers or ())
        if organization:
            extra.append(("OpenAI-Organization", organization))
        if project:
            extra.append(("OpenAI-Project", project))
        self._extra_headers = extra
        self.connect_timeout = connect_timeout
        self.close_timeout = close_timeout
        self._ssl_context = ssl_context

    def __repr__(self) -> str:
        key = "<set>" if self.__api_key else None
        return f"OpenAIGateway(url={self.url!r}, api_key={key})"

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
        return await connect_websocket_transport(
            nursery,
            self.endpoint(model),
            headers=self._headers(),
            connect_timeout=self.connect_timeout,
            close_timeout=self.close_timeout,
            ssl_context=self._ssl_context,
        )

    def codec(self, config: Config, *, model: str, server_events: bool = False) -> Codec:
        """A fresh OpenAI Realtime codec (the model is named in the URL, not here)."""
        return OpenAIProtocol(config, server_events=server_events)
