"""What a Gemini Live close code means: the error behind it and whether to reconnect.

Gemini Live reports every failure as a WebSocket close (there is no in-band error message), so
the decoder cannot see them: the session calls the codec's ``describe_close`` (this module's
``classify_close``) with the transport's close code and reason, and publishes the verdict's
events before ``session_closed``.

=====================  =================================================  ==========
close                  meaning                                            retryable
=====================  =================================================  ==========
no close frame         the connection dropped                             yes
1000                   normal close (after ``goAway``: reconnect anyway)  no
1001, 1012, 1013       going away, restarting, try again later            yes
1006                   abnormal close                                     yes
1007                   invalid argument (a bad setup field, a refused     no
                       message, the context window exhausted)
1008                   policy: unknown or unsupported model, bad          no
                       credentials (a quota reason: ``rate_limited``)
1011                   internal error or overload                         yes
1011 quota reason      ``RESOURCE_EXHAUSTED``/quota/429: ``rate_limited``  yes
other codes            a fatal provider error                             no
=====================  =================================================  ==========

Quota is recognised by the reason text, never by the code alone (1011 also means overload).
"""

from __future__ import annotations

import re

from ..events import Error, RateLimited
from ._codec import CloseVerdict

__all__ = ["classify_close", "close_events"]

_QUOTA = re.compile(r"RESOURCE_EXHAUSTED|quota|\b429\b|rate.?limit", re.IGNORECASE)
_RETRY_IN = re.compile(r"(?:retry|try again) in (\d+(?:\.\d+)?)\s*(ms|s)\b", re.IGNORECASE)
_RETRYABLE = frozenset({1001, 1006, 1011, 1012, 1013})
_CODES = {
    1002: "protocol_error",
    1003: "unsupported_data",
    1007: "invalid_argument",
    1008: "policy_violation",
    1009: "message_too_big",
    1011: "internal_error",
    1013: "try_again_later",
}


def _is_quota(reason: str) -> bool:
    return bool(_QUOTA.search(reason))


def classify_close(code: int | None, reason: str) -> CloseVerdict:
    """What a Gemini Live close means (see the module docstring).

    ``error_code`` is None for a clean or transport-level close (no close frame, 1000, 1001,
    1006, 1012) and otherwise names the failure (``"rate_limited"`` for quota); the message is
    the server's reason; ``events`` (``close_events``) report it before ``session_closed``.
    """
    if code is None or code in (1000, 1001, 1006, 1012):
        return CloseVerdict(retryable=code != 1000)
    text = reason or f"the server closed the connection with code {code}"
    if _is_quota(reason) and code in (1008, 1011, 1013):
        limited = RateLimited(
            reset_ms=_retry_after_ms(reason), details={"code": code, "reason": reason}
        )
        return CloseVerdict(
            retryable=code != 1008, error_code="rate_limited", message=text, events=(limited,)
        )
    name = _CODES.get(code, f"close_{code}")
    retryable = code in _RETRYABLE
    error = Error(code=name, message=text, recoverable=retryable)
    return CloseVerdict(retryable=retryable, error_code=name, message=text, events=(error,))


def close_events(code: int | None, reason: str) -> list[RateLimited | Error]:
    """The events that report a Gemini close before ``session_closed`` (none for a clean one).

    Quota -> ``rate_limited`` (``reset_ms`` from a "retry in 3s" reason, when it says);
    other failures -> one ``error`` whose ``recoverable`` says whether a reconnect may help.
    """
    return [e for e in classify_close(code, reason).events if isinstance(e, (RateLimited, Error))]


def _retry_after_ms(reason: str) -> int | None:
    match = _RETRY_IN.search(reason)
    if match is None:
        return None
    number, unit = float(match.group(1)), match.group(2).lower()
    return round(number if unit == "ms" else number * 1000)
