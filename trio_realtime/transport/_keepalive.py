"""Keepalive bookkeeping: when to ping, and when the peer has failed to answer (pure).

No I/O and no clock: the transport passes the current time in and asks what to do.
"""

from __future__ import annotations

import math
import os

__all__ = ["Keepalive", "check_keepalive"]


def check_keepalive(ping_interval: float | None, ping_timeout: float | None) -> None:
    """Raise ``ValueError`` unless each setting is None or a positive number of seconds."""
    for name, value in (("ping_interval", ping_interval), ("ping_timeout", ping_timeout)):
        if value is not None and not value > 0:
            raise ValueError(f"{name} must be a positive number of seconds or None, not {value}")


class Keepalive:
    """Ping schedule and pong timeout of one connection.

    - A ping is due ``interval`` seconds after the previous one was sent (after the connection
      opened, for the first); while a ping is unanswered no other is sent.
    - The peer fails when it has not answered a ping after ``timeout`` seconds of **silence**:
      only the time the transport spent waiting on a socket with nothing to read counts
      (:meth:`waited`). Time spent elsewhere (the application not reading, or data
      arriving that was queued before the pong) is not held against the peer, so a slow
      consumer can never cause a false timeout.
    - ``interval=None`` turns pings off; ``timeout=None`` sends pings but never fails.
    """

    __slots__ = ("_next_ping", "_outstanding", "_sent_at", "_silence", "interval", "timeout")

    def __init__(self, *, interval: float | None, timeout: float | None, now: float) -> None:
        check_keepalive(interval, timeout)
        self.interval = interval
        self.timeout = timeout
        self._next_ping = math.inf if interval is None else now + interval
        self._outstanding: bytes | None = None
        self._sent_at = now
        self._silence = 0.0

    @property
    def awaiting_pong(self) -> bool:
        """Whether a ping was sent and not answered yet."""
        return self._outstanding is not None

    @property
    def expired(self) -> bool:
        """Whether the peer has failed to answer a ping within ``timeout`` of silence."""
        return (
            self._outstanding is not None
            and self.timeout is not None
            and self._silence >= self.timeout
        )

    def deadline(self, now: float) -> float:
        """When a reader waiting for data since ``now`` should wake up (``inf``: never)."""
        if self._outstanding is not None and self.timeout is not None:
            return min(self._next_ping, now + (self.timeout - self._silence))
        return self._next_ping

    def waited(self, seconds: float) -> None:
        """Record ``seconds`` spent waiting on the socket (whether or not data came)."""
        if self._outstanding is not None:
            self._silence += seconds

    def ping_due(self, now: float) -> bool:
        """Whether a ping should be sent now."""
        return self._outstanding is None and now >= self._next_ping

    def ping_sent(self, now: float) -> bytes:
        """Record a ping sent now; returns the payload to send (4 random bytes)."""
        assert self.interval is not None, "pings are off"
        payload = os.urandom(4)
        self._sent_at = now
        self._next_ping = now + self.interval
        if self.timeout is not None:  # without a timeout, pings are only sent, never awaited
            self._outstanding = payload
            self._silence = 0.0
            self._next_ping = math.inf  # until the pong
        return payload

    def pong_received(self, payload: bytes, now: float) -> None:
        """Record a pong; the one answering the outstanding ping ends the wait."""
        if self._outstanding is None or payload != self._outstanding:
            return  # unsolicited, or an answer to something else: ignored
        assert self.interval is not None
        self._outstanding = None
        self._silence = 0.0
        self._next_ping = max(self._sent_at + self.interval, now)
