"""Reconnecting a session: outages, attempts, restoring the conversation, planned renewals.

A :class:`Reconnector` belongs to one :class:`~._runtime.SessionRuntime` that was given a
:class:`~trio_realtime.Reconnect` policy. The runtime's reader asks it, whenever its transport
closes, whether to reconnect (:meth:`Reconnector.reconnect`); it then:

1. decides: the close must be retryable for the provider (the codec's ``describe_close``), no
   fatal provider error may have caused it (an expired session excepted), and attempts must be
   left (``max_attempts`` consecutive failures within one outage);
2. at the start of an outage: the turn machine's ``connection_lost`` (the live turn is
   interrupted, responses in progress end ``incomplete``), queued messages are dropped (the
   conversation is carried by the replay; queued audio is counted), and commands wait;
3. per attempt: publishes ``reconnecting``, waits the backoff, opens a new transport, makes the
   next codec (``gateway.resume_codec``: Gemini resumes with its latest handle) and sends its
   ``open()`` and ``restore(history)`` messages before anything else;
4. when the new connection's handshake completes (:meth:`connected`): publishes
   ``reconnected``, requests a response that was owed, and lets commands go on.

Planned renewals (``renew_after``, or the provider's go-away) close the connection at a quiet
moment and reconnect at once, through the same path.
"""

from __future__ import annotations

import math
import random
from typing import TYPE_CHECKING

import trio

from ._errors import ProviderError, RealtimeConnectionError, SessionClosedError
from .events import Reconnected, Reconnecting
from .protocol import Codec, GoAway, Message
from .reconnect import Reconnect
from .transport import CloseInfo, Transport, TransportClosed

if TYPE_CHECKING:
    from ._runtime import SessionRuntime
    from .gateways import Gateway

__all__ = ["RENEWABLE_ERRORS", "Reconnector"]

#: Fatal provider errors that a reconnect repairs (a renewal is how a session outlives them).
RENEWABLE_ERRORS = frozenset({"session_expired"})
#: HTTP statuses of a refused reconnect that end the session (the credentials are bad).
_FATAL_STATUSES = frozenset({401, 403})
#: A planned renewal waits at most this long for a quiet moment.
_QUIET_WAIT = 30.0
#: A go-away is acted on this long before the server's announced close.
_GO_AWAY_MARGIN = 2.0


class Reconnector:
    """The reconnection half of a session runtime (see the module docstring)."""

    def __init__(self, runtime: SessionRuntime, policy: Reconnect, gateway: Gateway) -> None:
        self._rt = runtime
        self._gateway = gateway
        self.policy = policy
        self.outage = False
        self.reconnects = 0
        self.dropped_audio_frames = 0
        self._attempt = 0
        self._planned = False
        self._restored = True
        self._changed = trio.lowlevel.ParkingLot()  # woken when an outage ends (or the session)
        self._rng = random.Random()
        self._renew_scope: trio.CancelScope | None = None
        self._quiet_deadline: float | None = None  # a go-away's: renew by then, quiet or not
        self.handshake_deadline = math.inf

    # -- deciding ---------------------------------------------------------------------------

    def _retryable(self, info: CloseInfo) -> bool:
        rt = self._rt
        if rt.closing or rt.violation is not None:
            return False
        if info.initiator == "client":
            return self._planned
        fatal = rt.fatal
        if isinstance(fatal, ProviderError) and fatal.code not in RENEWABLE_ERRORS:
            return False
        if self._planned:
            return True
        return rt.codec.describe_close(info.code, info.reason).retryable

    # -- the outage -------------------------------------------------------------------------

    async def reconnect(self, info: CloseInfo) -> bool:
        """Reconnect after ``info`` closed the transport; False when the session must end.

        Returns once a new transport is open and its opening messages are sent (its handshake
        completes later, through the reader). Cancellation: propagates (the session is being
        torn down).
        """
        if not self._retryable(info):
            return False
        rt = self._rt
        if not self.outage:
            self._begin_outage(info)
        while self._attempt < self.policy.max_attempts:
            self._attempt += 1
            reason = info.reason or ("connection lost" if info.code is None else "")
            rt.apply([Reconnecting(attempt=self._attempt, code=info.code, reason=reason)])
            if not (self._planned and self._attempt == 1):
                await trio.sleep(self.policy.delay(self._attempt, self._rng))
            try:
                await self._open_next()
            except RealtimeConnectionError as exc:
                info = CloseInfo(code=None, reason=str(exc), initiator="error")
                if exc.status in _FATAL_STATUSES:
                    rt.fatal = exc
                    break
                continue
            return True
        rt.last_close = info
        return False

    def _begin_outage(self, info: CloseInfo) -> None:
        rt = self._rt
        self.outage = True
        if info.initiator != "client":
            rt.apply(rt.codec.describe_close(info.code, info.reason).events)
        rt.apply(rt.machine.connection_lost(trio.current_time()))
        self.dropped_audio_frames += rt.lanes.clear("audio")
        rt.lanes.clear("control")

    async def _open_next(self) -> None:
        """Open a transport, make the next codec, send its opening and restore messages."""
        rt = self._rt
        assert rt.nursery is not None  # (the session runs)
        with trio.CancelScope(shield=True):
            await rt.transport.aclose()  # the lost connection: releases it (and its recording)
        transport = await self._gateway.open_transport(rt.nursery, rt.model)
        try:
            codec = self._next_codec()
            if rt.recorder is not None:  # the recording goes on with this connection
                transport = await rt.recorder.attach(
                    transport,
                    rt.nursery,
                    gateway=self._gateway,
                    model=rt.model,
                    provider=codec.provider,
                )
            restoration = codec.restore(rt.log.snapshot(rt.machine.heard))
            now = () if restoration.after_ready else restoration.messages
            await self._send_opening(transport, (*codec.open(), *now))
        except TransportClosed as exc:
            with trio.CancelScope(shield=True):
                await transport.aclose()
            raise RealtimeConnectionError(f"the new connection closed: {exc}") from None
        except BaseException:
            with trio.CancelScope(shield=True):
                await transport.aclose()
            raise
        rt.swap(transport, codec)
        rt.pending_restore = restoration.messages if restoration.after_ready else ()
        self._restored = restoration.complete
        self.handshake_deadline = trio.current_time() + self._gateway.connect_timeout

    async def _send_opening(self, transport: Transport, messages: tuple[Message, ...]) -> None:
        """Write a new connection's opening and restore messages, within ``connect_timeout``
        (a peer that takes the socket but reads nothing fails the attempt)."""
        limit = self._gateway.connect_timeout
        with trio.move_on_after(limit) as sending:
            for message in messages:
                await transport.send_message(message)
        if sending.cancelled_caught:
            raise RealtimeConnectionError(
                f"the new connection took no restore messages within {limit:g} s"
            )

    def _next_codec(self) -> Codec:
        rt = self._rt
        resume = getattr(self._gateway, "resume_codec", None)
        if resume is not None:
            try:
                codec: Codec = resume(rt.codec)
                return codec
            except ValueError:  # UnsupportedCommand: nothing to resume from (yet)
                pass
        return self._gateway.codec(rt.config, model=rt.model, server_events=rt.server_events)

    def connected(self) -> None:
        """The new connection's handshake completed: the outage is over."""
        rt = self._rt
        attempt, self._attempt = self._attempt, 0
        self.outage = self._planned = False
        self.handshake_deadline = math.inf
        self.reconnects += 1
        rt.fatal = None
        rt.apply([Reconnected(attempt=attempt, state_restored=self._restored)])
        rt.apply(rt.machine.restored())
        self._changed.unpark_all()
        self._schedule_renewal()

    def session_ended(self) -> None:
        """Wake everything waiting for the outage to end (it never will)."""
        self.outage = False
        self._changed.unpark_all()
        if self._renew_scope is not None:
            self._renew_scope.cancel()

    # -- waiting ----------------------------------------------------------------------------

    async def wait_usable(self) -> None:
        """Wait (up to ``command_timeout``) for an outage to end before a command goes on.

        Raises ``SessionClosedError`` when it does not end in time. Not a checkpoint when
        there is no outage.
        """
        if not self.outage:
            return
        with trio.move_on_after(self.policy.command_timeout):
            while self.outage:
                await self._changed.park()
        if self.outage:
            raise SessionClosedError(
                f"the session is reconnecting and was not back within "
                f"command_timeout={self.policy.command_timeout:g} s",
                reason="reconnecting",
            )

    async def wait_new_transport(self, transport: Transport) -> None:
        """Wait until the runtime uses another transport than ``transport`` (or has ended)."""
        rt = self._rt
        while rt.transport is transport and not rt.closing:
            await self._changed.park()

    # -- planned renewals ---------------------------------------------------------------------

    def go_away(self, signal: GoAway) -> None:
        """The provider will close the connection soon: renew at the first quiet moment, and
        before it closes in any case."""
        now = trio.current_time()
        left = (signal.time_left_ms or 0) / 1000
        self._quiet_deadline = now + max(0.0, left - _GO_AWAY_MARGIN)
        self._renew_at(now)

    def _schedule_renewal(self) -> None:
        if self.policy.renew_after is not None:
            self._renew_at(trio.current_time() + self.policy.renew_after)
        elif self._renew_scope is not None:
            self._renew_scope.deadline = math.inf

    def _renew_at(self, when: float) -> None:
        if self._renew_scope is not None:
            self._renew_scope.deadline = min(self._renew_scope.deadline, when)

    async def run_renewals(self) -> None:
        """Renew the connection when due, at a quiet moment (runs in the session's nursery)."""
        while not self._rt.closing:
            with trio.CancelScope() as scope:
                self._renew_scope = scope
                self._schedule_renewal()
                await trio.sleep_forever()
            self._renew_scope = None
            if self._rt.closing or not scope.cancelled_caught:
                return
            await self._renew_when_quiet()

    async def _renew_when_quiet(self) -> None:
        rt = self._rt
        deadline = self._quiet_deadline or trio.current_time() + _QUIET_WAIT
        self._quiet_deadline = None
        with trio.move_on_at(deadline):
            while not rt.quiet():
                await rt.stepped.park()  # woken after every step of the session
        if rt.closing or self.outage:
            return
        await rt.wait_flushed()  # what was queued for this connection goes out on it
        self._planned = True
        await rt.transport.aclose(1000, "renewing the session")
