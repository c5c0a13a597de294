"""Fault injection for tests: one frozen :class:`Faults` per server, applied to each connection.

Counts are of server events *sent on that connection* (``session.created``, or Gemini's
``setupComplete``, is event 1), so a fault fires at the same point of every run. Gemini Live has
no in-band error: there ``error_after`` closes with 1011 "Internal error occurred.", and a
failing response closes with 1011 (``RESOURCE_EXHAUSTED`` in the reason for the quota codes).
Transport faults are applied by the connection's
writer; ``fail_responses`` is applied by the protocol state. ``connections`` limits the faults
to the first N connections of the server (e.g. ``connections=1`` to drop only the first
connection and let a reconnect succeed).

==========================  ===============================================================
field                       effect
==========================  ===============================================================
``drop_after=N``            after N events, abort TCP: no close frame (client sees 1006)
``close_after=N``           after N events, close with ``close_code`` / ``close_reason``
``stall_after=N``           after N events, send nothing more; keep reading; keep the socket
``error_after=N``           after N events, send one ``error`` event (``error_type``,
                            ``error_code``, ``error_message``; ``event_id`` null)
``fail_responses=(1, 3)``   those responses (1-based, per connection) fail: ``response.done``
                            status ``failed`` with ``fail_code`` and, for rate limits, the
                            real message ending "Please try again in 3.282s." plus a
                            ``rate_limits.updated`` with ``remaining`` 0
``expire_after=T``          T seconds after the handshake: ``error`` ``session_expired``, then
                            close with ``expire_close_code`` (default 1001, "going away").
                            Gemini Live: ``goAway`` (``timeLeft``) ``go_away_time_left`` s
                            before T (T counted from ``setupComplete``), then at T a close
                            1011 "Deadline expired before operation could complete."
``event_delay=D``           sleep D seconds before sending each event
==========================  ===============================================================
"""

from __future__ import annotations

from typing import Literal

import attrs

__all__ = ["FailCode", "Faults"]

FailCode = Literal["rate_limit_exceeded", "insufficient_quota", "server_error"]


def _optional_count(
    instance: object, attribute: attrs.Attribute[int | None], value: int | None
) -> None:
    if value is not None and value < 0:
        raise ValueError(f"{attribute.name} must be >= 0, got {value!r}")


def _positive_tuple(value: object) -> tuple[int, ...]:
    numbers = tuple(int(v) for v in value)  # type: ignore[attr-defined]
    if any(n < 1 for n in numbers):
        raise ValueError("fail_responses holds 1-based response numbers")
    return numbers


@attrs.frozen(kw_only=True)
class Faults:
    """Deterministic faults; the default injects none. See the module docstring."""

    drop_after: int | None = attrs.field(default=None, validator=_optional_count)
    close_after: int | None = attrs.field(default=None, validator=_optional_count)
    close_code: int = 1011
    close_reason: str = "injected fault"
    stall_after: int | None = attrs.field(default=None, validator=_optional_count)
    error_after: int | None = attrs.field(default=None, validator=_optional_count)
    error_type: str = "server_error"
    error_code: str | None = "server_error"
    error_message: str = "The server had an error while processing your request. Sorry about that!"
    fail_responses: tuple[int, ...] = attrs.field(default=(), converter=_positive_tuple)
    fail_code: FailCode = "rate_limit_exceeded"
    retry_after: float = 3.282
    expire_after: float | None = None
    expire_close_code: int = 1001
    go_away_time_left: float = 50.0
    event_delay: float = 0.0
    connections: int | None = None

    def applies_to(self, connection_number: int) -> bool:
        """Whether the faults apply to connection number ``connection_number`` (1-based)."""
        return self.connections is None or connection_number <= self.connections

    @property
    def transport_faults(self) -> bool:
        """Whether the writer has anything to do beyond sending."""
        return any(
            n is not None
            for n in (self.drop_after, self.close_after, self.stall_after, self.error_after)
        ) or bool(self.event_delay)

    def failure(self, response_number: int, model: str = "gpt-realtime") -> dict[str, str] | None:
        """The ``status_details.error`` of a failing response, or None if it succeeds."""
        if response_number not in self.fail_responses:
            return None
        retry = f"{self.retry_after:.3f}".rstrip("0").rstrip(".")
        if self.fail_code == "rate_limit_exceeded":
            return {
                "type": "tokens",
                "code": "rate_limit_exceeded",
                "message": (
                    f"Rate limit reached for {model} in organization org-local on tokens per "
                    "min (TPM): Limit 40000, Used 39000, Requested 3188. "
                    f"Please try again in {retry}s."
                ),
            }
        if self.fail_code == "insufficient_quota":
            return {
                "type": "insufficient_quota",
                "code": "insufficient_quota",
                "message": (
                    "You exceeded your current quota, please check your plan and billing details."
                ),
            }
        return {
            "type": "server_error",
            "code": "server_error",
            "message": "The server had an error while processing your request. Sorry about that!",
        }

    def expiry_message(self) -> str:
        """The ``session_expired`` message, naming the configured maximum duration."""
        assert self.expire_after is not None
        minutes = self.expire_after / 60
        if minutes >= 1 and minutes == int(minutes):
            unit = "minute" if minutes == 1 else "minutes"
            return f"Your session hit the maximum duration of {int(minutes)} {unit}."
        return f"Your session hit the maximum duration of {self.expire_after:g} seconds."
