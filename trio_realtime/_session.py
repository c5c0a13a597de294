"""A live realtime session: the reader, the writer, tool batches and the consumers.

The session runs as one task in its owner's nursery (``Broker.connect`` owns one), holding a child
nursery with:

1. the **reader**: ``transport.receive_message()`` -> codec -> :class:`~._turns.TurnMachine` ->
   carry out the actions -> publish. The state machine runs before publishing, so barge-in takes
   effect when the frame is read, not when a consumer gets to it;
2. the **writer**: drains the control lane before the audio lane; sends never interleave;
3. **tool batches** (:mod:`._batches`).

The commands (:mod:`._session_commands`) queue encoded messages for the writer and return once
queued (in order); events reach consumers through :mod:`._publisher`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import trio

from ._batches import BatchRunner
from ._errors import ProviderError, RealtimeConnectionError, SessionClosedError
from ._fanout import EventStream, Overflow, Subscription
from ._lanes import Lane, WriterLanes
from ._publisher import Publisher
from ._session_commands import SessionCommands
from ._statistics import SessionStatistics
from ._turns import Action, InterruptBatch, Publish, SealBatch, Send, StartCall, TurnMachine
from .audio.playback import PlaybackTracker
from .config import Config
from .events import Error, RealtimeEvent, SessionClosed, SessionOpened, SessionUpdated
from .protocol.openai import OpenAIProtocol
from .transport import CloseInfo, Transport, TransportClosed

__all__ = ["RealtimeSession"]


class RealtimeSession(SessionCommands):
    """One realtime conversation with a model. Obtain it from ``Broker.connect()``."""

    def __init__(
        self,
        *,
        transport: Transport,
        codec: OpenAIProtocol,
        config: Config,
        close_timeout: float = 2.0,
        playback: PlaybackTracker | None = None,
        event_buffer: int = 256,
        primary_events: bool = True,
        _token: object = None,
    ) -> None:
        if _token is not _PRIVATE:
            raise TypeError("RealtimeSession has no public constructor; use Broker.connect()")
        self._transport = transport
        self._codec = codec
        self._config = config
        self._close_timeout = close_timeout
        self.playback = playback if playback is not None else PlaybackTracker()
        self._machine = TurnMachine(config, codec, self.playback)
        self._lanes = WriterLanes()
        self._out = Publisher(buffer=event_buffer, primary=primary_events)
        self._scope = trio.CancelScope()
        self._reader_scope = trio.CancelScope()
        self._batches: BatchRunner | None = None
        self._ready = trio.Event()
        self._handshake_error: BaseException | None = None
        self._seen_created = self._seen_updated = False
        self._closing = False
        self._closed = trio.Event()
        self._close_error: SessionClosedError | None = None
        self._by_client = False
        self._fatal: ProviderError | None = None
        self._sending = False
        self._drained = trio.Event()
        self.session_id: str | None = None
        self._lanes.put_nowait("control", codec.session_update(config))

    def __repr__(self) -> str:
        state = "closed" if self._closing else "open"
        return f"<RealtimeSession id={self.session_id!r} {state}>"

    @property
    def config(self) -> Config:
        """The configuration in effect (as last set by connect or ``update``)."""
        return self._config

    @property
    def closed(self) -> bool:
        """True once the session closed, for any reason."""
        return self._closing

    # -- lifecycle ----------------------------------------------------------------------------

    async def _run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        with self._scope:
            async with trio.open_nursery() as nursery:
                self._batches = BatchRunner(
                    nursery,
                    machine=self._machine,
                    report=self._carry_out,
                    default_timeout=self._config.tool_timeout,
                    max_concurrent=self._config.max_concurrent_tools,
                    session=self,
                )
                nursery.start_soon(self._run_reader)
                nursery.start_soon(self._writer)
                task_status.started()

    async def _wait_ready(self, deadline: float) -> None:
        with trio.move_on_at(deadline):
            await self._ready.wait()
        if self._handshake_error is not None:
            raise self._handshake_error
        if not self._ready.is_set():
            raise RealtimeConnectionError(
                "timed out waiting for session.created and session.updated from the server"
            )

    def _handshake(self, event: RealtimeEvent) -> None:
        if isinstance(event, SessionOpened):
            self.session_id = event.session_id
            self._seen_created = True
        elif isinstance(event, SessionUpdated):
            self._seen_updated = True
        elif isinstance(event, Error) and event.code not in _DECODER_ERRORS:
            error = RealtimeConnectionError(f"the server rejected the session: {event.message}")
            error.__cause__ = ProviderError(event.message, code=event.code)
            self._handshake_error = error
            self._ready.set()
        # (ready is set by the reader once these events are published)

    async def aclose(self) -> None:
        """Close the session (idempotent).

        Running tools are cancelled, queued audio is dropped, queued control messages get up to
        ``close_timeout`` to go out, then a close frame is sent (bounded by the same timeout)
        and the connection is aborted. Every consumer then sees ``session_closed`` (reason
        "client") and its iteration ends; every waiting command raises
        ``trio.ClosedResourceError``. Cancel-safe: the close runs shielded and bounded, so
        cancelling the caller cannot leave the connection half-closed.
        """
        if self._closing:  # closed by the server, or a concurrent aclose() is under way
            with trio.CancelScope(shield=True):
                await self._transport.aclose()  # idempotent: releases the socket
                with trio.move_on_after(2 * self._close_timeout + 1):
                    await self._closed.wait()
            return
        self._closing = self._by_client = True
        self._reader_scope.cancel()  # what the server says from now on is not wanted
        self._lanes.close(lambda: trio.ClosedResourceError("the session was closed"))
        self._lanes.clear("audio")
        with trio.CancelScope(shield=True):
            await self._stop_tools()
            if self._lanes.depth("control") or self._sending:
                with trio.move_on_after(self._close_timeout):
                    await self._drained.wait()
            await self._transport.aclose(1000, "client closed the session")
        self._finish(SessionClosed(reason="client", code=1000, message="closed by the client"))

    async def _stop_tools(self) -> None:
        """Cancel every running tool and let its cancellation be reported (bounded)."""
        self._out.stop_blocking()
        if self._batches is not None:
            self._batches.cancel_all()
            if not self._batches.in_tool():  # a tool closing its own session can't wait for it
                with trio.move_on_after(self._close_timeout):
                    await self._batches.wait_idle()

    def _note_close(self, info: CloseInfo) -> SessionClosedError:
        """Record how the connection ended (the first report wins)."""
        if self._close_error is None:
            server = info.initiator == "server"
            text = info.reason or ("closed by the server" if server else "connection lost")
            self._close_error = SessionClosedError(
                f"the session was closed ({'server' if server else 'error'}, code={info.code}): "
                f"{text}",
                code=info.code,
                reason=text,
            )
        return self._close_error

    async def _on_transport_closed(self, info: CloseInfo) -> None:
        if self._closing:
            return
        self._closing = True
        error = self._note_close(info)
        reason: Literal["server", "error"] = "server" if info.initiator == "server" else "error"
        text = error.reason
        if not self._ready.is_set():
            failure = RealtimeConnectionError(f"the connection closed during the handshake: {text}")
            failure.__cause__ = self._fatal
            self._handshake_error = self._handshake_error or failure
            self._ready.set()
        self._lanes.close(self._closed_error)
        with trio.CancelScope(shield=True):
            await self._stop_tools()
        self._finish(SessionClosed(reason=reason, code=error.code, message=text))

    def _closed_error(self) -> BaseException:
        if self._by_client or self._close_error is None:
            return trio.ClosedResourceError("the session was closed")
        error = SessionClosedError(
            str(self._close_error), code=self._close_error.code, reason=self._close_error.reason
        )
        error.__cause__ = self._fatal
        return error

    def _finish(self, final: SessionClosed) -> None:
        self._out.finish(final)
        self._scope.cancel()
        self._closed.set()

    # -- tasks --------------------------------------------------------------------------------

    async def _run_reader(self) -> None:
        with self._reader_scope:  # cancelled when the client closes: no more server events
            await self._reader()

    async def _reader(self) -> None:
        transport, codec, machine = self._transport, self._codec, self._machine
        try:
            while True:
                frame = await transport.receive_message()
                now = trio.current_time()
                for decoded in codec.receive(frame):
                    if self._ready.is_set():
                        for action in machine.apply(decoded, now):
                            await self._carry_out_one(action)
                        continue
                    # Handshake: nobody can read events before connect() returns, so they
                    # go in without waiting, and connect() returns once they are in.
                    self._handshake(decoded)  # type: ignore[arg-type]
                    self._apply_now(machine.apply(decoded, now))
                    if self._seen_created and self._seen_updated:
                        self._ready.set()
        except TransportClosed as exc:
            await self._on_transport_closed(exc.info)

    async def _writer(self) -> None:
        lanes, transport = self._lanes, self._transport
        try:
            while True:
                message = await lanes.get()
                self._sending = True
                try:
                    await transport.send_message(message)
                finally:
                    self._sending = False
                if self._closing and not lanes.depth("control"):
                    self._drained.set()
        except TransportClosed as exc:
            # Refuse further commands now, but let the reader deliver what the server sent
            # before the close: it reports the close itself when its receive fails.
            self._note_close(exc.info)
            self._lanes.close(self._closed_error)

    async def _carry_out(self, actions: Sequence[Action], lane: Lane = "control") -> None:
        """Carry out actions of the reader or a tool task (never raises for a closed session)."""
        for action in actions:
            await self._carry_out_one(action, lane)

    def _apply_now(self, actions: Sequence[Action], lane: Lane = "control") -> None:
        """Carry out the actions of a user's command at once, without waiting: messages go in
        even past the lane's bound, events even past a queue's bound (the caller may be the
        very consumer that would have to make room). So a command cannot be cancelled half-way
        and leave the state machine ahead of the wire."""
        for action in actions:
            if isinstance(action, Publish):
                self._publish_now(action.event)
            elif isinstance(action, Send):
                self._lanes.force(lane, action.message, barrier=lane == "audio")
            elif isinstance(action, InterruptBatch) and self._batches is not None:
                self._batches.interrupted(action.turn_id)
                if action.cancel:
                    self._batches.cancel(action.turn_id)
            elif isinstance(action, SealBatch) and self._batches is not None:
                self._batches.seal(action.turn_id)
            elif isinstance(action, StartCall):  # only a server response starts tool calls
                raise AssertionError("a tool call cannot start from a command or the handshake")

    async def _carry_out_one(self, action: Action, lane: Lane = "control") -> None:
        if isinstance(action, Publish):
            await self._publish(action.event)
        elif isinstance(action, Send):
            if not self._closing:
                # closed meanwhile: the close is reported on its own
                with contextlib.suppress(trio.ClosedResourceError, trio.BrokenResourceError):
                    await self._lanes.put(lane, action.message)
        elif self._closing:
            return
        elif isinstance(action, StartCall):
            assert self._batches is not None
            await self._batches.start(action)
        elif isinstance(action, InterruptBatch):
            assert self._batches is not None
            self._batches.interrupted(action.turn_id)
            if action.cancel:
                self._batches.cancel(action.turn_id)
        elif isinstance(action, SealBatch):
            assert self._batches is not None
            self._batches.seal(action.turn_id)

    def _note(self, event: RealtimeEvent) -> RealtimeEvent:
        if isinstance(event, Error) and not event.recoverable:
            self._fatal = ProviderError(event.message, code=event.code)
        return event

    async def _publish(self, event: RealtimeEvent) -> None:
        await self._out.publish(self._note(event))

    def _publish_now(self, event: RealtimeEvent) -> None:
        self._out.publish_now(self._note(event))

    # -- consuming ----------------------------------------------------------------------------

    def events(self) -> EventStream:
        """The primary, lossless event stream, from the start of the session.

        It is bounded (``event_buffer`` events): while it is full the reader waits, and so does
        the socket, so read it promptly (or open the session with ``primary_events=False`` and
        use :meth:`subscribe`). It can be consumed once; iteration ends after
        ``session_closed``. Cancelling the iteration loses no event.
        """
        return self._out.primary_stream()

    def subscribe(
        self,
        *,
        kinds: Iterable[str] | None = None,
        buffer: int = 256,
        overflow: Overflow = "block",
    ) -> Subscription:
        """An extra consumer of events from now on (use it in a ``with`` block).

        ``kinds`` filters by event kind. ``overflow`` decides what happens when the subscriber
        falls ``buffer`` events behind: ``block`` pauses the reader (lossless), ``drop_oldest``
        discards its oldest event, ``close`` ends its stream with ``SubscriberOverflowError``.
        Drops are counted in :meth:`statistics`.
        """
        return self._out.subscribe(kinds, buffer, overflow)

    def statistics(self) -> SessionStatistics:
        """Counters (events per kind, frames, bytes, drops) and queue depths."""
        codec = self._codec.statistics()
        return SessionStatistics(
            events_published=dict(self._out.counts),
            frames_received=codec.frames_received,
            frames_sent=codec.frames_sent,
            bytes_received=codec.bytes_received,
            bytes_sent=codec.bytes_sent,
            malformed_frames=codec.malformed_frames,
            unknown_event_types=codec.unknown_event_types,
            unknown_fields=codec.unknown_fields,
            dropped_audio_deltas=self._machine.dropped_audio_deltas,
            control_queue=self._lanes.depth("control"),
            audio_queue=self._lanes.depth("audio"),
            primary=self._out.primary_statistics(),
            subscribers=self._out.subscriber_statistics(),
            tools_running=self._batches.running if self._batches is not None else 0,
        )


_PRIVATE = object()
_DECODER_ERRORS = frozenset({"invalid_json", "invalid_event"})  # made by our codec, not the server


def new_session(
    transport: Transport, codec: OpenAIProtocol, config: Config, **kwargs: Any
) -> RealtimeSession:
    """Construct a session (internal: the broker's job)."""
    return RealtimeSession(
        transport=transport, codec=codec, config=config, _token=_PRIVATE, **kwargs
    )
