"""The reconnection policy: ``Broker(..., reconnect=rt.Reconnect(...))``.

When the connection drops (or the server goes away, restarts, is overloaded, or the session
expires), a session with a policy reconnects instead of ending: it publishes ``reconnecting``,
waits, opens a new connection, restores the conversation (OpenAI: the configuration, then the
conversation replayed as items; Gemini: resumed with the latest handle), and publishes
``reconnected``. See ``docs/reconnection.md``.
"""

from __future__ import annotations

import math
import random

import attrs

__all__ = ["Reconnect"]


def _positive(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{attribute.name} must be a positive number of seconds, not {value!r}")


def _check_backoff(_: object, __: attrs.Attribute[tuple[float, float]], value: object) -> None:
    if (
        not isinstance(value, tuple)
        or len(value) != 2
        or not all(isinstance(v, (int, float)) and math.isfinite(v) and v >= 0 for v in value)
        or value[0] > value[1]
    ):
        raise ValueError(
            f"backoff must be (first, maximum) seconds with first <= maximum, not {value!r}"
        )


@attrs.frozen(kw_only=True)
class Reconnect:
    """How a session reconnects (off unless given to the ``Broker``).

    - ``max_attempts``: consecutive failed attempts within one outage before giving up (then
      ``session_closed(reason="error")``); a reconnect that completes resets the count.
    - ``backoff``: attempt *n* waits ``min(backoff[1], backoff[0] * 2 ** (n - 1))`` seconds,
      times a random factor in ``1 ± jitter`` (``jitter=0`` for exact waits).
    - ``command_timeout``: how long commands issued during a reconnect wait for it before
      raising ``SessionClosedError``. Audio frames sent meanwhile are dropped and counted.
    - ``renew_after``: renew the session proactively (a planned reconnect at a quiet moment)
      this many seconds after the connection opened, e.g. before a provider's session cap;
      ``None``: only when the provider says it is going away.

    The first ``connect()`` is never retried. Never retried: HTTP 401/403 while reconnecting,
    an invalid key or any other fatal provider error (except an expired session, which is what
    a renewal is for), and a close with code 1008.
    """

    max_attempts: int = attrs.field(default=5)
    backoff: tuple[float, float] = attrs.field(default=(0.5, 8.0), validator=_check_backoff)
    command_timeout: float = attrs.field(default=10.0, validator=_positive)
    jitter: float = 0.2
    renew_after: float | None = None

    @max_attempts.validator
    def _check_attempts(self, _: attrs.Attribute[int], value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"max_attempts must be a positive integer, not {value!r}")

    def __attrs_post_init__(self) -> None:
        if not 0 <= self.jitter < 1:
            raise ValueError(f"jitter must be in [0, 1), not {self.jitter!r}")
        if self.renew_after is not None:
            _positive(self, attrs.fields(Reconnect).renew_after, self.renew_after)  # type: ignore[arg-type]

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait before attempt ``attempt`` (1-based)."""
        first, maximum = self.backoff
        base = min(maximum, first * 2.0 ** (attempt - 1))
        if self.jitter:
            spread: float = (rng or random).random()
            base *= 1 + self.jitter * (2 * spread - 1)
        return max(0.0, base)
