"""The exceptions trio-realtime raises.

::

    RealtimeError                     base of everything below
    ├── RealtimeConnectionError       handshake refused or timed out, or no session.created /
    │                                 session.updated in time (``status`` and ``body`` when HTTP
    │                                 refused the upgrade)
    ├── SessionClosedError            the session is gone (also a trio.BrokenResourceError);
    │                                 ``code``, ``reason``; ``__cause__`` is the ProviderError
    │                                 when a fatal provider error closed it
    ├── ProtocolError                 the peer broke the wire protocol in a way we cannot recover
    └── ProviderError                 a fatal provider error: invalid key, expired session,
                                      disabled API shape (``code``, ``message``)

Commands after the user's own ``aclose()`` raise ``trio.ClosedResourceError`` (trio's meaning:
you closed it). No message or repr here ever contains an API key: only status codes, close codes
and the server's own text (which the provider never fills with the key) are kept.
"""

from __future__ import annotations

import trio

__all__ = [
    "ProtocolError",
    "ProviderError",
    "RealtimeConnectionError",
    "RealtimeError",
    "SessionClosedError",
]


class RealtimeError(Exception):
    """Base class of every trio-realtime exception."""


class RealtimeConnectionError(RealtimeError):
    """Connecting failed: refused, timed out, or the session never became ready.

    ``status`` and ``body`` hold the HTTP status and response body when the server refused the
    WebSocket upgrade (e.g. 401 with a JSON error); both are None otherwise.
    """

    def __init__(self, message: str, *, status: int | None = None, body: bytes | None = None):
        super().__init__(message)
        self.status = status
        self.body = body

    def __str__(self) -> str:
        text = super().__str__()
        if self.status is not None:
            text += f" (HTTP {self.status})"
        if self.body:
            text += f": {self.body[:500].decode('utf-8', 'replace')}"
        return text


class SessionClosedError(RealtimeError, trio.BrokenResourceError):
    """The session was closed by the server or by a connection failure.

    ``code`` is the WebSocket close code (None when the connection dropped without a close frame)
    and ``reason`` the close reason or a description of the failure.
    """

    def __init__(self, message: str, *, code: int | None = None, reason: str = ""):
        super().__init__(message)
        self.code = code
        self.reason = reason


class ProtocolError(RealtimeError):
    """The peer violated the wire protocol in a way the session cannot recover from."""


class ProviderError(RealtimeError):
    """A fatal error reported by the provider (``code`` as the provider spells it)."""

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.message} (code={self.code})" if self.code else self.message
