"""Parse a WebSocket URL and request headers, and keep secrets out of anything we print.

Pure code (no trio): the connect code turns these into a TCP/TLS stream and a handshake.
"""

from __future__ import annotations

import re
import ssl
import urllib.parse
from collections.abc import Iterable, Sequence

import attrs

from .._secrets import redact as redact_secrets
from .._secrets import redact_bytes

__all__ = ["Target", "encode_headers", "parse_ws_url", "redact", "redact_text"]

# Header names whose values are credentials (compared lower-case).
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "api-key", "x-api-key", "x-goog-api-key"}
)
# Query parameters whose values are credentials (e.g. Gemini's ``?key=``).
SECRET_QUERY_PARAMS = frozenset({"key", "api_key", "api-key", "access_token", "token"})

_TOKEN = re.compile(rb"[-!#$%&'*+.^_`|~0-9A-Za-z]+")
# RFC 9110 field-value as h11 checks it: visible chars, inner runs of space/tab, no CR/LF/NUL.
_FIELD_VALUE = re.compile(rb"(?:[^\x00\s]+(?:[ \t]+[^\x00\s]+)*)?")


@attrs.frozen(kw_only=True, repr=False)
class Target:
    """Where to connect. ``display`` is the URL without its query (which may hold a key)."""

    host: str
    port: int
    resource: str
    host_header: str
    ssl_context: ssl.SSLContext | None
    display: str
    secrets: tuple[bytes, ...]

    def __repr__(self) -> str:
        return f"Target({self.display!r})"


def parse_ws_url(
    url: str, *, ssl_context: ssl.SSLContext | None, headers: Sequence[tuple[str, str]] = ()
) -> Target:
    """Split a ``ws://`` or ``wss://`` URL into a :class:`Target`.

    ``wss://`` uses ``ssl_context`` or, when it is None, ``ssl.create_default_context()``.
    Raises ``ValueError`` for another scheme, a missing host, or an ``ssl_context`` given with
    ``ws://``. The secrets recorded are the credential header values and query parameters, so
    that :func:`redact` can remove them from server answers.
    """
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("ws", "wss"):
        raise ValueError('a WebSocket URL must start with "ws://" or "wss://"')
    host = parts.hostname
    if not host:
        raise ValueError("the WebSocket URL has no host")
    if scheme == "ws" and ssl_context is not None:
        raise ValueError("ssl_context is only used with wss:// URLs")
    secure = scheme == "wss"
    default_port = 443 if secure else 80
    port = parts.port if parts.port is not None else default_port
    bracketed = f"[{host}]" if ":" in host else host
    host_header = bracketed if port == default_port else f"{bracketed}:{port}"
    resource = parts.path or "/"
    if parts.query:
        resource += "?" + parts.query
    context = (ssl_context or ssl.create_default_context()) if secure else None
    secrets = [*_header_secrets(headers), *_query_secrets(parts.query)]
    return Target(
        host=host,
        port=port,
        resource=resource,
        host_header=host_header,
        ssl_context=context,
        display=f"{scheme}://{bracketed}:{port}{parts.path or '/'}",
        secrets=tuple(s for s in secrets if s),
    )


def encode_headers(headers: Sequence[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    """Validate and encode extra handshake headers.

    Raises ``ValueError`` naming the header (never showing its value) when the name is not an
    HTTP token or the value contains control characters or leading/trailing whitespace.
    """
    encoded: list[tuple[bytes, bytes]] = []
    for name, value in headers:
        try:
            raw_name = name.encode("ascii")
        except UnicodeEncodeError:
            raise ValueError(f"invalid HTTP header name {name!r}") from None
        if not _TOKEN.fullmatch(raw_name):
            raise ValueError(f"invalid HTTP header name {name!r}")
        raw_value = value.encode("utf-8")
        if not _FIELD_VALUE.fullmatch(raw_value):
            raise ValueError(f"invalid value for HTTP header {name!r} (value not shown)")
        encoded.append((raw_name, raw_value))
    return encoded


def redact(data: bytes, secrets: Iterable[bytes]) -> bytes:
    """``data`` with each of ``secrets`` (and every registered or key-shaped one) masked."""
    return redact_bytes(data, secrets)


def redact_text(text: str, secrets: Iterable[bytes]) -> str:
    """:func:`redact` for text (e.g. a close reason the server echoed a key into)."""
    return redact_secrets(text, secrets)


def _header_secrets(headers: Sequence[tuple[str, str]]) -> list[bytes]:
    found: list[bytes] = []
    for name, value in headers:
        if name.lower() not in SECRET_HEADERS:
            continue
        found.append(value.encode("utf-8"))
        scheme, _, credential = value.partition(" ")
        if credential and scheme.isalpha():  # "Bearer <key>": the key alone, too
            found.append(credential.strip().encode("utf-8"))
    return found


def _query_secrets(query: str) -> list[bytes]:
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=False)
    found: list[bytes] = []
    for name, value in pairs:
        if name.lower() in SECRET_QUERY_PARAMS:
            found.append(value.encode("utf-8"))
            found.append(urllib.parse.quote(value, safe="").encode("ascii"))
    return found
