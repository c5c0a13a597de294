"""``AzureOpenAIGateway``: the OpenAI Realtime GA protocol as Azure OpenAI serves it.

Azure speaks the same events as OpenAI (so the codec is :class:`~.protocol.OpenAIProtocol`);
what differs is where it lives and how to authenticate:

- the GA path ``wss://<resource>.openai.azure.com/openai/v1/realtime?model=<deployment>``
  (the default), or the older versioned path
  ``/openai/realtime?api-version=<version>&deployment=<deployment>`` when ``api_version``
  is given;
- an API key in the ``api-key`` header, or a Microsoft Entra ID token as
  ``Authorization: Bearer``, fetched from ``token_provider`` for every connection.

The key and the tokens are registered for redaction: never in a repr, a log line or an error.
"""

from __future__ import annotations

import inspect
import os
import ssl
from collections.abc import Awaitable, Callable, Mapping, Sequence
from urllib.parse import urlencode, urlsplit, urlunsplit

import trio

from ._errors import RealtimeConnectionError
from ._secrets import redact, redact_url, register_secret
from ._websocket_options import TransportKind, WebSocketOptions
from .config import Config
from .protocol import Codec, OpenAIProtocol
from .tools._introspect import is_async_callable
from .transport import Transport

__all__ = ["AzureOpenAIGateway", "TokenProvider"]

#: A callable returning a Microsoft Entra ID access token (sync or async), e.g. from
#: ``azure.identity.get_bearer_token_provider(credential, "https://cognitiveservices.azure.com/.default")``.
TokenProvider = Callable[[], "str | Awaitable[str]"]

_GA_PATH = "/openai/v1/realtime"
_VERSIONED_PATH = "/openai/realtime"


def _base(endpoint: str) -> tuple[str, str, str]:
    """``(scheme, host, path prefix)`` of an Azure endpoint (``https://x.openai.azure.com``,
    with or without a trailing ``/openai`` or ``/openai/v1``)."""
    parts = urlsplit(endpoint.strip())
    if parts.scheme not in ("https", "http", "wss", "ws") or not parts.netloc:
        raise ValueError(
            f"endpoint must be an https URL such as https://NAME.openai.azure.com, not {endpoint!r}"
        )
    path = parts.path.rstrip("/")
    for suffix in ("/openai/v1", "/openai"):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
            break
    return parts.scheme, parts.netloc, path


class AzureOpenAIGateway:
    """Azure OpenAI's Realtime API (see the module docstring).

    - ``endpoint`` defaults to ``$AZURE_OPENAI_ENDPOINT`` (``https://NAME.openai.azure.com``);
    - ``deployment`` names the model deployment; None uses the model given to the ``Broker``;
    - ``api_key`` defaults to ``$AZURE_OPENAI_API_KEY``; ``token_provider`` (sync or async
      callable returning an Entra ID token) authenticates instead (give one, not both);
    - ``api_version`` None uses the GA ``/openai/v1`` path; a version string uses the older
      versioned path with that ``api-version``;
    - ``connect_timeout``, ``close_timeout``, ``transport``, ``ping_interval``,
      ``ping_timeout``, ``ssl_context``, ``headers``: as for ``OpenAIGateway``.

    A sync ``token_provider`` runs in a worker thread (it may do network I/O); each connection
    fetches a fresh token, so expired tokens are not reused.
    """

    def __init__(
        self,
        *,
        endpoint: str | None = None,
        deployment: str | None = None,
        api_key: str | None = None,
        api_version: str | None = None,
        token_provider: TokenProvider | None = None,
        headers: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
        connect_timeout: float = 10.0,
        close_timeout: float = 2.0,
        ssl_context: ssl.SSLContext | None = None,
        transport: TransportKind = "websockets",
        ping_interval: float | None = 20.0,
        ping_timeout: float | None = 20.0,
    ) -> None:
        endpoint = endpoint or os.environ.get("AZURE_OPENAI_ENDPOINT")
        if not endpoint:
            raise ValueError("no Azure endpoint: pass endpoint=... or set AZURE_OPENAI_ENDPOINT")
        if api_key is not None and token_provider is not None:
            raise ValueError("pass either api_key or token_provider, not both")
        if token_provider is not None and not callable(token_provider):
            raise TypeError("token_provider must be a callable returning a token")
        self._scheme, self._host, self._prefix = _base(endpoint)
        self.deployment = deployment
        self.api_version = api_version
        if api_key is None and token_provider is None:
            api_key = os.environ.get("AZURE_OPENAI_API_KEY")
        self.__api_key = api_key
        register_secret(api_key)
        self._token_provider = token_provider
        self._extra_headers = (
            list(headers.items()) if isinstance(headers, Mapping) else list(headers or ())
        )
        self._ws = WebSocketOptions(
            transport=transport,
            connect_timeout=connect_timeout,
            close_timeout=close_timeout,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            ssl_context=ssl_context,
        )
        self.connect_timeout = connect_timeout
        self.close_timeout = close_timeout

    def __repr__(self) -> str:
        if self._token_provider is not None:
            auth = "token_provider=<set>"
        else:
            auth = f"api_key={'<set>' if self.__api_key else None}"
        endpoint = redact_url(urlunsplit((self._scheme, self._host, self._prefix, "", "")))
        return f"AzureOpenAIGateway(endpoint={endpoint!r}, deployment={self.deployment!r}, {auth})"

    @property
    def has_api_key(self) -> bool:
        """Whether a key or a token provider will authenticate."""
        return bool(self.__api_key or self._token_provider)

    def endpoint(self, model: str) -> str:
        """The WebSocket URL for ``model`` (the deployment, unless one was given)."""
        deployment = self.deployment or model
        scheme = {"https": "wss", "http": "ws"}.get(self._scheme, self._scheme)
        if self.api_version is None:
            path, query = _GA_PATH, [("model", deployment)]
        else:
            path = _VERSIONED_PATH
            query = [("api-version", self.api_version), ("deployment", deployment)]
        return urlunsplit((scheme, self._host, self._prefix + path, urlencode(query), ""))

    def http_url(self, path: str) -> str:
        """An HTTPS URL under the GA ``/openai/v1`` API (e.g. ``realtime/client_secrets``)."""
        scheme = {"wss": "https", "ws": "http"}.get(self._scheme, self._scheme)
        full = f"{self._prefix}/openai/v1/{path.lstrip('/')}"
        return urlunsplit((scheme, self._host, full, "", ""))

    async def auth_headers(self) -> list[tuple[str, str]]:
        """The headers of one request: ``api-key``, or a fresh Entra ID bearer token.

        Raises ``RealtimeConnectionError`` when the token provider fails or returns no token.
        Cancellation: a sync provider's thread is abandoned (its token is then unused).
        """
        headers = list(self._extra_headers)
        if self._token_provider is not None:
            token = await self._token()
            headers.append(("Authorization", f"Bearer {token}"))
        elif self.__api_key:
            headers.append(("api-key", self.__api_key))
        return headers

    async def _token(self) -> str:
        provider = self._token_provider
        assert provider is not None
        try:
            if is_async_callable(provider):
                token = await provider()  # type: ignore[misc]
            else:
                token = await trio.to_thread.run_sync(provider, abandon_on_cancel=True)
                if inspect.isawaitable(token):
                    token = await token
        except Exception as exc:
            raise RealtimeConnectionError(
                f"the Azure token provider failed: {redact(f'{type(exc).__name__}: {exc}')}"
            ) from None
        if not isinstance(token, str) or not token:
            raise RealtimeConnectionError("the Azure token provider returned no token")
        register_secret(token)
        return token

    async def open_transport(self, nursery: trio.Nursery, model: str) -> Transport:
        """Open the WebSocket (see :class:`~trio_realtime.Gateway`). Raises
        ``RealtimeConnectionError``; cancelled, it leaves nothing open."""
        if not self.has_api_key and self._host.endswith(".azure.com"):
            raise RealtimeConnectionError(
                "no Azure OpenAI credentials: pass AzureOpenAIGateway(api_key=...) or "
                "token_provider=..., or set AZURE_OPENAI_API_KEY"
            )
        headers = await self.auth_headers()
        return await self._ws.connect(nursery, self.endpoint(model), headers)

    def codec(self, config: Config, *, model: str, server_events: bool = False) -> Codec:
        """A fresh OpenAI Realtime codec (Azure speaks the same GA events)."""
        return OpenAIProtocol(config, server_events=server_events)
