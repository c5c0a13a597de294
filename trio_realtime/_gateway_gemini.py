"""``GeminiGateway``: where Gemini Live lives, how to authenticate, and its codec.

The endpoint is Google's ``BidiGenerateContent`` WebSocket (``…BidiGenerateContentConstrained``
on ``v1alpha`` with an ephemeral token); the model is named in the ``setup`` message, not the
URL. The API key is held privately and never appears in a repr, a log line or an exception.
"""

from __future__ import annotations

import os
import re
import ssl
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit, urlunsplit

import trio

from ._errors import RealtimeConnectionError
from ._secrets import redact_url, register_secret
from ._websocket_options import TransportKind, WebSocketOptions
from .config import Config
from .protocol import CloseVerdict, Codec, UnsupportedCommand
from .protocol.gemini import (
    ContextCompression,
    GeminiOptions,
    GeminiProtocol,
    classify_close,
)
from .transport import Transport

__all__ = ["GEMINI_HOST", "ContextCompression", "GeminiGateway", "gemini_path"]

GEMINI_HOST = "generativelanguage.googleapis.com"
_VERSION = re.compile(r"v\d+(?:(?:alpha|beta)\d*)?")


def gemini_path(api_version: str = "v1beta", *, constrained: bool = False) -> str:
    """The WebSocket path of Gemini Live for ``api_version`` (the ephemeral-token method when
    ``constrained``)."""
    method = "BidiGenerateContentConstrained" if constrained else "BidiGenerateContent"
    return f"/ws/google.ai.generativelanguage.{api_version}.GenerativeService.{method}"


class GeminiGateway:
    """Google's Gemini Live API, or any endpoint that speaks its WebSocket protocol.

    - ``api_key`` defaults to ``$GOOGLE_API_KEY``, then ``$GEMINI_API_KEY`` (the precedence of
      Google's own SDK), and is sent as the ``x-goog-api-key`` header, never in the URL. It is
      required for Google's host and optional elsewhere (e.g. the local server).
    - ``ephemeral_token`` (``"auth_tokens/…"``, minted by your backend) authenticates instead,
      as ``Authorization: Token …``, on the ``v1alpha`` ``BidiGenerateContentConstrained``
      method (``api_version`` does not apply to it; the environment's keys are not read).
    - ``url`` defaults to Google's endpoint for ``api_version``; a URL with no path (e.g.
      ``ws://127.0.0.1:8000``) gets Gemini's path appended, any other is used as is.
    - ``session_resumption`` (default on) asks for resumption handles, ``context_compression``
      (a :class:`~trio_realtime.protocol.gemini.ContextCompression`, or True for the server's
      defaults) bounds the context, ``native_text`` asks text sessions for ``TEXT`` responses
      (older models only; by default their text is the spoken answer's transcript).
    - ``connect_timeout`` (seconds) bounds TCP, TLS, the upgrade and the ``setupComplete``;
      ``close_timeout`` bounds the close handshake.
    - ``transport``, ``ping_interval``, ``ping_timeout``: as for ``OpenAIGateway``, but the
      default ``ping_timeout`` is 60 s: Gemini's pongs have been measured at 8-30 s, which
      trips a 20 s timeout (docs/transport.md).
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        url: str | None = None,
        api_version: str = "v1beta",
        ephemeral_token: str | None = None,
        headers: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
        connect_timeout: float = 10.0,
        close_timeout: float = 2.0,
        ssl_context: ssl.SSLContext | None = None,
        session_resumption: bool = True,
        context_compression: ContextCompression | bool | None = None,
        native_text: bool = False,
        transport: TransportKind = "websockets",
        ping_interval: float | None = 20.0,
        ping_timeout: float | None = 60.0,
    ) -> None:
        if not _VERSION.fullmatch(api_version):
            raise ValueError(
                f"api_version must look like 'v1beta', 'v1alpha' or 'v1', not {api_version!r}"
            )
        if ephemeral_token is not None and api_key is not None:
            raise ValueError("pass either api_key or ephemeral_token, not both")
        self.api_version = api_version
        self.__token = ephemeral_token
        if ephemeral_token is None and api_key is None:
            api_key = os.environ.get("GOOGLE_API_KEY") or os.environ.get("GEMINI_API_KEY")
        self.__api_key = api_key
        register_secret(api_key)
        register_secret(ephemeral_token)
        self.url = _endpoint(url, api_version, constrained=ephemeral_token is not None)
        self._extra_headers = (
            list(headers.items()) if isinstance(headers, Mapping) else list(headers or ())
        )
        self.connect_timeout = connect_timeout
        self.close_timeout = close_timeout
        self._ws = WebSocketOptions(
            transport=transport,
            connect_timeout=connect_timeout,
            close_timeout=close_timeout,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            ssl_context=ssl_context,
        )
        compression = ContextCompression() if context_compression is True else context_compression
        self.options = GeminiOptions(
            session_resumption=session_resumption,
            context_compression=compression or None,
            native_text=native_text,
        )

    def __repr__(self) -> str:
        shown = redact_url(self.url)
        auth = "token=<set>" if self.__token else f"api_key={'<set>' if self.__api_key else None}"
        return f"GeminiGateway(url={shown!r}, {auth})"

    @property
    def has_api_key(self) -> bool:
        """Whether a key (or an ephemeral token) will be sent."""
        return bool(self.__api_key or self.__token)

    def _headers(self) -> list[tuple[str, str]]:
        headers = list(self._extra_headers)
        if self.__token:
            headers.append(("Authorization", f"Token {self.__token}"))
        elif self.__api_key:
            headers.append(("x-goog-api-key", self.__api_key))
        return headers

    async def open_transport(self, nursery: trio.Nursery, model: str) -> Transport:
        """Open the WebSocket (the model goes in ``setup``). Raises
        ``RealtimeConnectionError``; cancelled, it leaves nothing open."""
        if not self.has_api_key and urlsplit(self.url).hostname == GEMINI_HOST:
            raise RealtimeConnectionError(
                "no Gemini API key: pass GeminiGateway(api_key=...) or set GOOGLE_API_KEY "
                "or GEMINI_API_KEY"
            )
        return await self._ws.connect(nursery, self.url, self._headers())

    def codec(self, config: Config, *, model: str, server_events: bool = False) -> Codec:
        """A fresh Gemini Live codec for ``model``."""
        return GeminiProtocol(
            config, model=model, options=self.options, server_events=server_events
        )

    def resume_codec(self, previous: Codec) -> Codec:
        """The codec of a new connection that resumes ``previous``'s session (the latest
        resumption handle; ids carried over). Raises ``UnsupportedCommand`` when it cannot."""
        if not isinstance(previous, GeminiProtocol):
            raise UnsupportedCommand(f"cannot resume a {previous.provider} session on Gemini")
        return previous.resumed()

    @staticmethod
    def classify_close(code: int | None, reason: str) -> CloseVerdict:
        """What a close of this provider's connection means (see
        :func:`trio_realtime.protocol.gemini.classify_close`)."""
        return classify_close(code, reason)


def _endpoint(url: str | None, api_version: str, *, constrained: bool) -> str:
    version = "v1alpha" if constrained else api_version
    path = gemini_path(version, constrained=constrained)
    if url is None:
        base = os.environ.get("GOOGLE_GEMINI_BASE_URL")  # as google-genai honours it
        if not base:
            return f"wss://{GEMINI_HOST}{path}"
        parts = urlsplit(base.strip())
        scheme = {"https": "wss", "http": "ws"}.get(parts.scheme, parts.scheme)
        if scheme not in ("ws", "wss"):
            raise ValueError(f"GOOGLE_GEMINI_BASE_URL must be an http(s) URL, not {base!r}")
        return urlunsplit(parts._replace(scheme=scheme, path=path, query=""))
    parts = urlsplit(url)
    if parts.path in ("", "/"):
        return urlunsplit(parts._replace(path=path))
    return url
