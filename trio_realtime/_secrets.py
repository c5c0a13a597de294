"""Keeping secrets out of everything we produce: one redaction function for all text.

Every string that can carry server-provided or user-provided text into an exception, an event,
a log record, a repr or a recording goes through :func:`redact`. It removes:

- every secret registered with :func:`register_secret` (gateways register their keys), and
  the ``extra`` ones passed to the call;
- the *masked* forms of those secrets that providers echo ("Incorrect API key provided:
  sk-proj-****...****wxyz"): any run of mask characters followed by a secret's last four
  characters;
- anything shaped like an OpenAI key (``sk-...``), a Google API key (``AIza...``) or a bearer
  token, registered or not.

Pure (no trio, no I/O). The registry is process-wide and grows only by the secrets an
application configures (a handful), so it is bounded in practice; it keeps at most
``MAX_SECRETS`` (the oldest are forgotten first).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = [
    "REDACTED",
    "install_log_filter",
    "redact",
    "redact_bytes",
    "redact_data",
    "redact_url",
    "register_secret",
]

REDACTED = "[redacted]"
MAX_SECRETS = 64
#: Shorter values are not treated as secrets (they would redact ordinary words).
MIN_SECRET = 8
#: Query parameters whose values are credentials.
SECRET_QUERY_PARAMS = frozenset({"key", "api_key", "api-key", "apikey", "access_token", "token"})

_GENERIC = re.compile(
    r"\bsk-[A-Za-z0-9_-]{16,}"  # OpenAI keys (sk-..., sk-proj-...)
    r"|\bAIza[0-9A-Za-z_-]{30,}"  # Google API keys
    r"|(?<=[Bb]earer )[A-Za-z0-9._~+/=-]{12,}"  # bearer tokens
)
_MASK = r"[*•.…xX]{3,}"

_lock = threading.Lock()
_secrets: tuple[str, ...] = ()
_pattern: re.Pattern[str] | None = None


def register_secret(value: str | None) -> None:
    """Remember ``value`` as a secret to redact everywhere (ignored if shorter than 8)."""
    global _secrets, _pattern
    if not value or len(value) < MIN_SECRET:
        return
    with _lock:
        if value in _secrets:
            return
        _secrets = (*_secrets, value)[-MAX_SECRETS:]
        _pattern = _compile(_secrets)


def _compile(secrets: Iterable[str]) -> re.Pattern[str] | None:
    alternatives: list[str] = []
    for secret in sorted(set(secrets), key=len, reverse=True):
        alternatives.append(re.escape(secret))
        alternatives.append(rf"[\w-]{{0,12}}{_MASK}{re.escape(secret[-4:])}")
    return re.compile("|".join(alternatives)) if alternatives else None


def redact(text: str, extra: Iterable[str | bytes | None] = ()) -> str:
    """``text`` with every secret (registered, or in ``extra``) and key-shaped token masked."""
    if not text:
        return text
    pattern = _pattern
    extras = [s.decode("utf-8", "replace") if isinstance(s, bytes) else s for s in extra if s]
    extras = [s for s in extras if len(s) >= MIN_SECRET and s not in _secrets]
    if extras:
        pattern = _compile([*_secrets, *extras])
    if pattern is not None:
        text = pattern.sub(REDACTED, text)
    return _GENERIC.sub(REDACTED, text)


def redact_bytes(data: bytes, extra: Iterable[str | bytes | None] = ()) -> bytes:
    """:func:`redact` for bytes (e.g. an HTTP body), decoded as UTF-8 with replacement."""
    if not data:
        return data
    return redact(data.decode("utf-8", "replace"), extra).encode("utf-8")


def redact_data(value: Any, extra: Iterable[str | bytes | None] = ()) -> Any:
    """A copy of JSON-like ``value`` (dicts, lists, strings) with every string redacted."""
    if isinstance(value, str):
        return redact(value, extra)
    if isinstance(value, Mapping):
        return {key: redact_data(item, extra) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_data(item, extra) for item in value]
    return value


def redact_url(url: str) -> str:
    """``url`` without credentials: no password in the user info, no secret query values."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user = userinfo.partition(":")[0]
        netloc = f"{user}:{REDACTED}@{host}" if user else f"{REDACTED}@{host}"
    query = [
        (k, REDACTED if k.lower() in SECRET_QUERY_PARAMS else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    cleaned = urlunsplit(parts._replace(netloc=netloc, query=urlencode(query, safe="[]")))
    return redact(cleaned)


class RedactingFilter(logging.Filter):
    """A logging filter that redacts a record's message (its arguments merged in first)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = RedactingFilter()
#: The loggers that may carry text from a server: ours, and the libraries we drive.
LOGGERS = (
    "trio_realtime",
    "trio_realtime.protocol",
    "trio_realtime.transport",
    "trio_realtime.server",
    "trio_realtime.facade",
    "trio_realtime.telemetry",
    "trio_realtime.session",
    "trio-websocket",
    "websockets",
    "httpx",
)


def install_log_filter() -> None:
    """Attach the redacting filter to every logger that may log server text (idempotent)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
