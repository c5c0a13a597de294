"""The trio shell of a session: the reader, the writer, the step, and closing.

:class:`SessionRuntime` runs as one task in its owner's nursery (``Broker.connect`` owns one),
holding a child nursery with:

1. the **reader**: one synchronous step per frame — ``codec.receive(frame)`` ->
   ``TurnMachine.apply`` -> :meth:`SessionRuntime.apply`, which queues every outgoing message
   and publishes every event without waiting — and only then, before the next receive, it waits
   for room in the consumers' queues. Barge-in takes effect the moment its frame is read, and
   the wire order is the machine's order: nothing can slip between a step's messages;
2. the **writer**: drains the control lane before the audio lane; sends never interleave;
3. **tool batches** (:mod:`._batches`), whose outcomes go through the same :meth:`apply`.

User commands (:mod:`._session`) go through :meth:`apply` too. Everything here is provider
neutral: the codec is a :class:`~trio_realtime.protocol.Codec`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import attrs
import trio

from ._actions import Action, CancelCalls, InterruptBatch, SealBatch, Send, StartCall
from ._batches import BatchRunner
from ._errors import ProtocolError, ProviderError, RealtimeConnectionError, SessionClosedError
from ._fanout import Fanout
from ._lanes import Lane, WriterLanes
from ._secrets import redact, redact_data
from ._turns import PlaybackSource, TurnMachine
from .config import Config
from .events import (
    EVENT_CLASSES,
    EXTRA_EVENT_CLASSES,
    Error,
    RateLimited,
    ServerEvent,
    SessionClosed,
    SessionEvent,
    SessionOpened,
    SessionUpdated,
)
from .protocol import (
    Codec,
    Decoded,
    GoAway,
    ProtocolViolation,
    ResumptionUpdate,
    SessionReady,
)
from .transport import CloseInfo, Transport, TransportClosed

__all__ = ["SessionRuntime"]

_DECODER_ERRORS = frozenset({"invalid_json", "invalid_event"})  # made by our codec, not the server


class SessionRuntime:
    """The running parts of one session (internal; the public face is ``RealtimeSession``)."""

    def __init__(
        self,
        *,
        transport: Transport,
        codec: Codec,
        config: Config,
        close_timeout: float,
        playback: PlaybackSource,
        event_buffer: int,
        primary_events: bool,
        owner: object,
    ) -> None:
        self.transport = transport
        self.codec = codec
        self.config = config
        self.machine = TurnMachine(config, codec, playback)
        self.lanes = WriterLanes()
        self.fanout = Fanout(buffer=event_buffer, primary=primary_events)
        self.batches: BatchRunner | None = None
        self.session_id: str | None = None
        self.closing = False
        self._owner = owner
        self._close_timeout = close_timeout
        self._scope = trio.CancelScope()
        self._reader_scope = trio.CancelScope()
        self._ready = trio.Event()
        self._handshake_error: BaseException | None = None
        self._violation: ProtocolError | None = None
        self._closed = trio.Event()
        self._close_error: SessionClosedError | None = None
        self._by_client = False
        self._fatal: BaseException | None = None
        self._sending = False
        self._drained = trio.Event()
        self.go_away: GoAway | None = None
        self.resumption: ResumptionUpdate | None = None
        publish = self._publish
        self._dispatch: dict[type[Any], Callable[[Any, Lane], None]] = {
            **dict.fromkeys(EVENT_CLASSES.values(), publish),
            **dict.fromkeys(EXTRA_EVENT_CLASSES.values(), publish),
            Error: self._publish_error,
            SessionOpened: self._publish_opened,
            ServerEvent: self._publish_redacted_data,
            RateLimited: self._publish_redacted_data,
            SessionUpdated: self._publish_redacted_config,
            Send: self._send,
            StartCall: self._start_call,
            InterruptBatch: self._interrupt_batch,
            SealBatch: self._seal_batch,
            CancelCalls: self._cancel_calls,
            SessionReady: self._on_ready,
            ProtocolViolation: self._on_violation,
            GoAway: self._on_go_away,
            ResumptionUpdate: self._on_resumption,
        }
        for message in codec.open():
            self.lanes.force("control", message)

    # -- the step -----------------------------------------------------------------------------

    def apply(self, actions: Sequence[Action], lane: Lane = "control") -> None:
        """Carry out ``actions`` now, in order, without waiting.

        Messages go into ``lane`` even past its bound and events into every queue even past
        its bound (within the documented slack): a caller is never left half-way, so the
        machine's state never runs ahead of the wire. Raises only ``KeyError`` for an action
        type nobody handles (a bug).
        """
        dispatch = self._dispatch
        for action in actions:
            dispatch[type(action)](action, lane)

    def _publish(self, event: SessionEvent, lane: Lane) -> None:
        self.fanout.publish(event)

    def _publish_opened(self, event: SessionOpened, lane: Lane) -> None:
        self.session_id = event.session_id
        self.fanout.publish(event)

    def _publish_error(self, event: Error, lane: Lane) -> None:
        message = redact(event.message)
        if message != event.message:
            event = attrs.evolve(event, message=message)
        self._note_error(event)
        self.fanout.publish(event)

    def _publish_redacted_data(self, event: ServerEvent | RateLimited, lane: Lane) -> None:
        if isinstance(event, ServerEvent):
            event = attrs.evolve(event, data=redact_data(event.data))
        else:
            event = attrs.evolve(event, details=redact_data(event.details))
        self.fanout.publish(event)

    def _publish_redacted_config(self, event: SessionUpdated, lane: Lane) -> None:
        # the server may echo credentials we sent (an MCP server's headers)
        self.fanout.publish(attrs.evolve(event, config=redact_data(event.config)))

    def _note_error(self, event: Error) -> None:
        if not event.recoverable:
            self._fatal = ProviderError(event.message, code=event.code)
        if not self._ready.is_set() and event.code not in _DECODER_ERRORS:
            error = RealtimeConnectionError(f"the server rejected the session: {event.message}")
            error.__cause__ = ProviderError(event.message, code=event.code)
            self._handshake_error = error
            self._ready.set()

    def _send(self, action: Send, lane: Lane) -> None:
        if not self.lanes.closed:  # closed meanwhile: the close is reported on its own
            self.lanes.force(lane, action.message, barrier=lane == "audio")

    def _start_call(self, action: StartCall, lane: Lane) -> None:
        if self.batches is not None and not self.closing:
            self.batches.start(action)

    def _interrupt_batch(self, action: InterruptBatch, lane: Lane) -> None:
        if self.batches is not None:
            self.batches.interrupted(action.turn_id)
            if action.cancel:
                self.batches.cancel(action.turn_id)

    def _seal_batch(self, action: SealBatch, lane: Lane) -> None:
        if self.batches is not None:
            self.batches.seal(action.turn_id)

    def _cancel_calls(self, action: CancelCalls, lane: Lane) -> None:
        if self.batches is not None:
            self.batches.cancel_calls(action.turn_id, action.call_ids)

    def _on_ready(self, signal: SessionReady, lane: Lane) -> None:
        self._ready.set()

    def _on_violation(self, signal: ProtocolViolation, lane: Lane) -> None:
        if self._violation is None:
            self._violation = ProtocolError(signal.message)

    def _on_go_away(self, signal: GoAway, lane: Lane) -> None:
        self.go_away = signal

    def _on_resumption(self, signal: ResumptionUpdate, lane: Lane) -> None:
        self.resumption = signal

    # -- lifecycle ----------------------------------------------------------------------------

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Run the reader and the writer until the session ends."""
        with self._scope:
            async with trio.open_nursery() as nursery:
                self.batches = BatchRunner(
                    nursery,
                    machine=self.machine,
                    apply=self.apply,
                    default_timeout=self.config.tool_timeout,
                    max_concurrent=self.config.max_concurrent_tools,
                    session=self._owner,
                )
                nursery.start_soon(self._run_reader)
                nursery.start_soon(self._writer)
                task_status.started()

    async def wait_ready(self, deadline: float) -> None:
        """Wait for the handshake to complete by ``deadline`` (``RealtimeConnectionError``)."""
        with trio.move_on_at(deadline):
            await self._ready.wait()
        if self._handshake_error is not None:
            raise self._handshake_error
        if not self._ready.is_set():
            raise RealtimeConnectionError(
                "timed out waiting for the server to confirm the session "
                f"({self.codec.provider} handshake)"
            )

    async def aclose(self) -> None:
        """Close from the client side (see ``RealtimeSession.aclose``)."""
        if self.closing:  # closed by the server, or a concurrent aclose() is under way
            with trio.CancelScope(shield=True):
                await self.transport.aclose()  # idempotent: releases the socket
                with trio.move_on_after(2 * self._close_timeout + 1):
                    await self._closed.wait()
            return
        self.closing = self._by_client = True
        self._reader_scope.cancel()  # what the server says from now on is not wanted
        self.lanes.close(lambda: trio.ClosedResourceError("the session was closed"))
        self.lanes.clear("audio")
        with trio.CancelScope(shield=True):
            await self._stop_tools()
            if self.lanes.depth("control") or self._sending:
                with trio.move_on_after(self._close_timeout):
                    await self._drained.wait()
            await self.transport.aclose(1000, "client closed the session")
        self._finish(SessionClosed(reason="client", code=1000, message="closed by the client"))

    async def _stop_tools(self) -> None:
        """Cancel every running tool and let its cancellation be reported (bounded)."""
        self.fanout.stop_blocking()
        if self.batches is not None:
            self.batches.cancel_all()
            if not self.batches.in_tool():  # a tool closing its own session can't wait for it
                with trio.move_on_after(self._close_timeout):
                    await self.batches.wait_idle()

    def _note_close(self, info: CloseInfo) -> SessionClosedError:
        """Record how the connection ended (the first report wins)."""
        if self._close_error is None:
            server = info.initiator == "server"
            text = redact(info.reason) or ("closed by the server" if server else "connection lost")
            self._close_error = SessionClosedError(
                f"the session was closed ({'server' if server else 'error'}, code={info.code}): "
                f"{text}",
                code=info.code,
                reason=text,
            )
        return self._close_error

    async def _on_transport_closed(self, info: CloseInfo) -> None:
        if self.closing:
            return
        self.closing = True
        error = self._note_close(info)
        if info.initiator != "client" and self._violation is None:
            verdict = self.codec.describe_close(info.code, error.reason)
            self.apply(verdict.events)  # e.g. Gemini's quota close: rate_limited
            if verdict.error_code is not None and self._fatal is None:
                self._fatal = ProviderError(verdict.message, code=verdict.error_code)
        initiator = "error" if self._violation is not None else info.initiator
        reason: Literal["server", "error"] = "server" if initiator == "server" else "error"
        text = error.reason
        if not self._ready.is_set():
            failure = RealtimeConnectionError(f"the connection closed during the handshake: {text}")
            failure.__cause__ = self._fatal
            self._handshake_error = self._handshake_error or failure
            self._ready.set()
        self.lanes.close(self.closed_error)
        with trio.CancelScope(shield=True):
            await self._stop_tools()
        self._finish(SessionClosed(reason=reason, code=error.code, message=text))

    async def _fail_protocol(self, error: ProtocolError) -> None:
        """The server broke the protocol beyond repair: close with 1002 and report it."""
        self._fatal = error
        if not self._ready.is_set():
            failure = RealtimeConnectionError(f"the server broke the protocol: {error}")
            failure.__cause__ = error
            self._handshake_error = failure
        with trio.CancelScope(shield=True):
            await self.transport.aclose(1002, "protocol error")
        info = CloseInfo(code=1002, reason=f"protocol error: {error}", initiator="error")
        await self._on_transport_closed(info)

    def closed_error(self) -> BaseException:
        """What a command raises once the session is closed."""
        if self._by_client or self._close_error is None:
            return trio.ClosedResourceError("the session was closed")
        error = SessionClosedError(
            str(self._close_error), code=self._close_error.code, reason=self._close_error.reason
        )
        error.__cause__ = self._fatal
        return error

    def _finish(self, final: SessionClosed) -> None:
        self.fanout.finish(final)
        self._scope.cancel()
        self._closed.set()

    # -- tasks --------------------------------------------------------------------------------

    async def _run_reader(self) -> None:
        with self._reader_scope:  # cancelled when the client closes: no more server events
            await self._reader()

    async def _reader(self) -> None:
        transport, codec, machine, fanout = self.transport, self.codec, self.machine, self.fanout
        apply, ready = self.apply, self._ready
        try:
            while True:
                frame = await transport.receive_message()
                now = trio.current_time()
                for item in codec.receive(frame):
                    if not ready.is_set():
                        self._check_handshake(item)
                    apply(machine.apply(item, now))
                if self._violation is not None:
                    await self._fail_protocol(self._violation)
                    return
                if fanout.full and ready.is_set():  # (nobody can read before connect returns)
                    await fanout.wait_room()
        except TransportClosed as exc:
            await self._on_transport_closed(exc.info)

    def _check_handshake(self, item: Decoded) -> None:
        """Nothing can have asked for a turn before the handshake: a turn event then means
        the server broke the protocol beyond repair."""
        turn_id = getattr(item, "turn_id", None)
        if turn_id is not None and self._violation is None:
            self._violation = ProtocolError(
                f"the server sent {type(item).__name__} for {turn_id!r} before it confirmed "
                "the session"
            )

    async def _writer(self) -> None:
        lanes, transport = self.lanes, self.transport
        try:
            while True:
                message = await lanes.get()
                self._sending = True
                try:
                    await transport.send_message(message)
                finally:
                    self._sending = False
                if self.closing and not lanes.depth("control"):
                    self._drained.set()
        except TransportClosed as exc:
            # Refuse further commands now, but let the reader deliver what the server sent
            # before the close: it reports the close itself when its receive fails.
            self._note_close(exc.info)
            self.lanes.close(self.closed_error)
