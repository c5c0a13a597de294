"""Ephemeral client secrets: short-lived keys an app hands to a browser or a phone.

Your server holds the real API key and mints a secret for one client::

    secret = await rt.create_client_secret(config=rt.Config(voice="marin"), expires_after=600)
    send_to_client(secret.value, secret.expires_at)    # the client connects with it:
    gateway = rt.OpenAIGateway(api_key=secret.value)   # (an "ek_..." key, sent as a Bearer key)

The secret carries the session configuration (GA shape, the same ``session`` object
``session.update`` sends), so a client connecting with it starts already configured. It stops
being valid for *starting* sessions at ``expires_at``; a session started with it goes on.

Errors are :class:`ClientSecretError` (``status``, ``code``); no message, repr or log line
contains the API key or the secret.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import attrs
import httpx
import orjson
import trio

from ._errors import RealtimeError
from ._gateway_azure import AzureOpenAIGateway
from ._secrets import redact, register_secret
from .config import Config
from .gateways import OpenAIGateway
from .protocol._openai_session import session_payload

__all__ = ["ClientSecret", "ClientSecretError", "create_client_secret"]

OPENAI_API_BASE = "https://api.openai.com/v1"
_PATH = "realtime/client_secrets"
MIN_TTL, MAX_TTL = 10, 7200


class ClientSecretError(RealtimeError):
    """Minting a client secret failed. ``status`` is the HTTP status (None when the server was
    not reached or answered nonsense), ``code`` the API's error code when it gave one."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code


@attrs.frozen(kw_only=True)
class ClientSecret:
    """A minted secret: ``value`` (the ``ek_...`` key; hidden from repr), ``expires_at`` (unix
    seconds) and the ``session`` configuration it carries, as the server reports it."""

    value: str = attrs.field(repr=False)
    expires_at: int
    session: Mapping[str, Any]


def _http_base(url: str) -> str:
    """``wss://host/v1/realtime`` -> ``https://host/v1`` (and ``ws`` -> ``http``)."""
    parts = urlsplit(url)
    scheme = {"wss": "https", "ws": "http"}.get(parts.scheme, parts.scheme)
    path = parts.path.rstrip("/").removesuffix("/realtime")
    return urlunsplit((scheme, parts.netloc, path, "", ""))


def _ttl(expires_after: float | None) -> dict[str, Any] | None:
    if expires_after is None:
        return None
    seconds = int(expires_after)
    if not MIN_TTL <= seconds <= MAX_TTL:
        raise ValueError(
            f"expires_after must be between {MIN_TTL} and {MAX_TTL} seconds, not {expires_after!r}"
        )
    return {"anchor": "created_at", "seconds": seconds}


async def _target(
    gateway: OpenAIGateway | AzureOpenAIGateway | None,
    api_key: str | None,
    base_url: str | None,
) -> tuple[str, list[tuple[str, str]]]:
    """The endpoint URL and the authentication headers."""
    if isinstance(gateway, AzureOpenAIGateway):
        return gateway.http_url(_PATH), await gateway.auth_headers()
    if isinstance(gateway, OpenAIGateway):
        return f"{_http_base(gateway.url)}/{_PATH}", gateway._headers()
    if gateway is not None:
        raise TypeError(
            f"gateway must be an OpenAIGateway or AzureOpenAIGateway, not {type(gateway).__name__}"
        )
    key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY")
    if not key:
        raise ClientSecretError("no OpenAI API key: pass api_key=... or set OPENAI_API_KEY")
    register_secret(key)
    base = (base_url or os.environ.get("OPENAI_BASE_URL") or OPENAI_API_BASE).rstrip("/")
    return f"{base}/{_PATH}", [("Authorization", f"Bearer {key}")]


def _error_of(response: httpx.Response) -> ClientSecretError:
    code = message = None
    try:
        body = orjson.loads(response.content)
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict):
            code = error.get("code") if isinstance(error.get("code"), str) else None
            message = error.get("message") if isinstance(error.get("message"), str) else None
    except orjson.JSONDecodeError:
        pass
    text = message or response.text[:500] or response.reason_phrase
    return ClientSecretError(
        f"creating a client secret failed (HTTP {response.status_code}): {redact(text)}",
        status=response.status_code,
        code=code,
    )


def _secret_of(response: httpx.Response) -> ClientSecret:
    try:
        body = orjson.loads(response.content)
        value, expires_at, session = body["value"], body["expires_at"], body["session"]
    except (orjson.JSONDecodeError, TypeError, KeyError):
        body, value = None, None
    if not isinstance(value, str) or not value or not isinstance(body, dict):
        raise ClientSecretError(
            "the server's answer holds no client secret", status=response.status_code
        )
    if not isinstance(expires_at, int) or not isinstance(session, dict):
        raise ClientSecretError(
            "the server's answer has no valid expires_at or session", status=response.status_code
        )
    register_secret(value)
    return ClientSecret(value=value, expires_at=expires_at, session=session)


async def create_client_secret(
    config: Config | None = None,
    *,
    model: str | None = None,
    expires_after: float | None = None,
    gateway: OpenAIGateway | AzureOpenAIGateway | None = None,
    api_key: str | None = None,
    base_url: str | None = None,
    headers: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
    timeout: float = 30.0,
    http_transport: httpx.AsyncBaseTransport | None = None,
) -> ClientSecret:
    """Mint an ephemeral client secret for a session configured by ``config``.

    ``POST {base}/realtime/client_secrets`` with ``{"expires_after": {"anchor": "created_at",
    "seconds": expires_after}, "session": {...}}``; ``expires_after`` (10-7200 s) None uses
    the server's default (600 s). ``model`` defaults to ``"gpt-realtime"`` (on Azure, to the
    gateway's deployment).

    Where and how: ``gateway`` (an ``OpenAIGateway`` or ``AzureOpenAIGateway``) gives the
    host and the credentials; otherwise ``base_url`` (default ``$OPENAI_BASE_URL``, else
    ``https://api.openai.com/v1``) and ``api_key`` (default ``$OPENAI_API_KEY``).
    ``http_transport`` replaces httpx's (e.g. ``httpx.MockTransport`` in tests).

    Raises :class:`ClientSecretError` (HTTP errors with ``status`` and ``code``; network
    errors and timeouts with ``status`` None), ``ValueError`` for a bad ``expires_after``.
    Cancellation: the request is abandoned; a secret the server may have made is never seen
    and expires by itself.
    """
    config = config if config is not None else Config()
    if model is None:
        deployment = gateway.deployment if isinstance(gateway, AzureOpenAIGateway) else None
        model = deployment or "gpt-realtime"
    body: dict[str, Any] = {"session": {**session_payload(config), "model": model}}
    ttl = _ttl(expires_after)
    if ttl is not None:
        body = {"expires_after": ttl, **body}
    await trio.lowlevel.checkpoint_if_cancelled()  # cancelled before: nothing is requested
    url, auth = await _target(gateway, api_key, base_url)
    extra = list(headers.items()) if isinstance(headers, Mapping) else list(headers or ())
    request_headers = [*extra, *auth, ("Content-Type", "application/json")]
    async with httpx.AsyncClient(transport=http_transport, timeout=timeout) as client:
        try:
            response = await client.post(url, content=orjson.dumps(body), headers=request_headers)
        except httpx.HTTPError as exc:
            message = redact(f"{type(exc).__name__}: {exc}")
            raise ClientSecretError(f"creating a client secret failed: {message}") from None
    await trio.lowlevel.cancel_shielded_checkpoint()  # a checkpoint whatever the transport
    if response.status_code >= 400:
        raise _error_of(response)
    return _secret_of(response)
