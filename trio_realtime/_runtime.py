"""The trio shell of a session: the reader, the writer, the step, and closing.

:class:`SessionRuntime` runs as one task in its owner's nursery (``Broker.connect`` owns one),
holding a child nursery with:

1. the **reader** (:mod:`._io`): one synchronous step per frame — decode, ``TurnMachine.apply``,
   then every outgoing message queued and every event published without waiting — and only
   then, before the next receive, it waits for room in the consumers' queues;
2. the **writer** (:mod:`._io`): control lane before audio lane; sends never interleave;
3. **tool batches** (:mod:`._batches`), whose outcomes go through the same :meth:`apply`.

User commands (:mod:`._session`) go through :meth:`apply` too. Provider neutral: the codec is
a :class:`~trio_realtime.protocol.Codec`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import attrs
import trio

from ._actions import Action
from ._batches import BatchRunner
from ._conversation import ConversationLog
from ._dispatch import Route, routes
from ._errors import ProtocolError, ProviderError, RealtimeConnectionError, SessionClosedError
from ._fanout import Fanout, QueueStatistics
from ._heard import PlaybackSource
from ._io import read_frames, write_messages
from ._lanes import Lane, WriterLanes
from ._observe import SessionObserver
from ._reconnector import Reconnector
from ._secrets import redact
from ._turns import TurnMachine
from .config import Config
from .events import SessionClosed
from .history import History
from .protocol import Codec, CodecStatistics, GoAway, Message, Restoration, ResumptionUpdate
from .reconnect import Reconnect
from .recording import Recorder
from .transport import CloseInfo, Transport, TransportStatistics

if TYPE_CHECKING:
    from .gateways import Gateway

__all__ = ["SessionRuntime", "SessionStatistics"]


@attrs.frozen(kw_only=True)
class SessionStatistics:
    """A snapshot of a session's counters and queue depths (``session.statistics()``).

    ``wire`` counts what the transport actually wrote and read (messages, payload bytes);
    ``codec`` what the decoder could not use. ``ignored_events`` counts server events for a
    response that was never announced, ``dropped_audio_deltas`` the audio of interrupted turns
    that arrived late, ``cleared_audio_frames`` frames dropped by ``clear_audio()`` before they
    were sent; ``reconnects`` the completed reconnects, ``dropped_audio_frames`` the audio
    frames dropped because the session was reconnecting (queued, or sent meanwhile).
    """

    events_published: dict[str, int]
    wire: TransportStatistics
    codec: CodecStatistics
    dropped_audio_deltas: int
    ignored_events: int
    cleared_audio_frames: int
    reconnects: int
    dropped_audio_frames: int
    control_queue: int
    audio_queue: int
    primary: QueueStatistics | None
    subscribers: tuple[QueueStatistics, ...]
    tools_running: int


class SessionRuntime:
    """The running parts of one session (internal; the public face is ``RealtimeSession``)."""

    __slots__ = (
        "_by_client",
        "_close_error",
        "_close_timeout",
        "_closed",
        "_owner",
        "_reader_scope",
        "_scope",
        "batches",
        "closing",
        "codec",
        "config",
        "dispatch",
        "drained",
        "fanout",
        "fatal",
        "flushed",
        "gateway",
        "go_away",
        "handshake_error",
        "idle_timeout",
        "lanes",
        "last_close",
        "log",
        "machine",
        "model",
        "nursery",
        "observer",
        "pending_restore",
        "plain",
        "ready",
        "reconnector",
        "recorder",
        "resumption",
        "sending",
        "server_events",
        "session_id",
        "stepped",
        "transport",
        "violation",
        "watch",
    )

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
        gateway: Gateway | None,
        model: str,
        server_events: bool = False,
        reconnect: Reconnect | None = None,
        history: History | None = None,
        idle_timeout: float | None = None,
        observer: SessionObserver | None = None,
        recorder: Recorder | None = None,
    ) -> None:
        self.transport = transport
        self.codec = codec
        self.config = config
        self.gateway = gateway
        self.model = model
        self.server_events = server_events
        self.machine = TurnMachine(config, codec, playback)
        self.log = ConversationLog(seed=history)
        self.reconnector: Reconnector | None = None
        if reconnect is not None:
            if gateway is None:
                raise ValueError("a session can reconnect only through a gateway")
            self.reconnector = Reconnector(self, reconnect, gateway)
        self.nursery: trio.Nursery | None = None
        self.stepped = trio.lowlevel.ParkingLot()  # unparked after every step
        self.idle_timeout = idle_timeout
        self.watch: trio.CancelScope | None = None
        self.flushed = trio.lowlevel.ParkingLot()  # unparked after every message written
        self.lanes = WriterLanes()
        self.fanout = Fanout(buffer=event_buffer, primary=primary_events)
        self.observer = observer or SessionObserver(provider=codec.provider)
        self.recorder = recorder  # records the connections a reconnect opens too
        # metrics, telemetry, logs (a reconnect's codec is the same provider's: same marks)
        self.observer.bind(self.fanout.publish, self.lanes, codec.wire_mark)
        self.batches: BatchRunner | None = None
        self.session_id: str | None = None
        self.closing = False
        self._owner = owner
        self._close_timeout = close_timeout
        self._scope = trio.CancelScope()
        self._reader_scope = trio.CancelScope()
        self.ready = trio.Event()
        self.handshake_error: BaseException | None = None
        self.violation: ProtocolError | None = None
        self._closed = trio.Event()
        self._close_error: SessionClosedError | None = None
        self._by_client = False
        self.fatal: BaseException | None = None
        self.last_close: CloseInfo | None = None  # the last failed reconnect, when one failed
        self.sending = False
        self.drained = trio.Event()
        self.go_away: GoAway | None = None
        self.resumption: ResumptionUpdate | None = None
        self.dispatch: Mapping[type[Any], Route]  # what the step does with each type
        self.plain: frozenset[type[Any]]  # event types that go straight to the fan-out
        self.dispatch, self.plain = routes(self.observer.observed_types)  # (shared tables)
        #: Restore messages that wait for the server to confirm the session (``_on_ready``).
        self.pending_restore: tuple[Message, ...] = ()
        restoration = codec.restore(history) if history is not None else Restoration()
        for message in codec.open():  # (after restore: the opening may announce the history)
            self.lanes.force("control", message)
        if restoration.after_ready:
            self.pending_restore = restoration.messages
        else:
            for message in restoration.messages:
                self.lanes.force("control", message)

    # -- the step -----------------------------------------------------------------------------

    def apply(self, actions: Sequence[Action], lane: Lane = "control") -> None:
        """Carry out ``actions`` now, in order, without waiting.

        Messages go into ``lane`` even past its bound and events into every queue even past
        its bound (within the documented slack): a caller is never left half-way, so the
        machine's state never runs ahead of the wire. Raises only ``KeyError`` for an action
        type nobody handles (a bug).
        """
        dispatch = self.dispatch
        for action in actions:
            dispatch[type(action)](self, action, lane)
        if self.stepped:  # (someone waits for a quiet moment)
            self.stepped.unpark_all()

    # -- the connection -----------------------------------------------------------------------

    @property
    def outage(self) -> bool:
        """True while the session is reconnecting."""
        return self.reconnector is not None and self.reconnector.outage

    def swap(self, transport: Transport, codec: Codec) -> None:
        """Use a new connection from now on (a reconnect)."""
        self.transport, self.codec = transport, codec
        self.machine.rebind(codec)

    def quiet(self) -> bool:
        """No response in progress and no tool running: a good moment to renew."""
        machine = self.machine
        return machine.response_state == "idle" and not machine.calls_pending

    async def wait_flushed(self) -> None:
        """Wait until every queued message was written (bounded by ``close_timeout``)."""
        with trio.move_on_after(self._close_timeout):
            while self.lanes.depth("control") or self.lanes.depth("audio") or self.sending:
                await self.flushed.park()

    def check_open(self) -> None:
        """Raise what a command raises once the session is closed (see ``closed_error``)."""
        if self.closing or self.lanes.closed:
            raise self.closed_error()

    def statistics(self, cleared_audio_frames: int) -> SessionStatistics:
        """A snapshot of the counters and queue depths (``session.statistics()``)."""
        reconnector, batches = self.reconnector, self.batches
        return SessionStatistics(
            events_published=dict(self.fanout.counts),
            wire=self.transport.statistics(),
            codec=self.codec.statistics(),
            dropped_audio_deltas=self.machine.dropped_audio_deltas,
            ignored_events=self.machine.ignored_events,
            cleared_audio_frames=cleared_audio_frames,
            reconnects=reconnector.reconnects if reconnector else 0,
            dropped_audio_frames=reconnector.dropped_audio_frames if reconnector else 0,
            control_queue=self.lanes.depth("control"),
            audio_queue=self.lanes.depth("audio"),
            primary=self.fanout.primary_statistics(),
            subscribers=self.fanout.subscriber_statistics(),
            tools_running=batches.running if batches is not None else 0,
        )

    async def wait_usable(self) -> None:
        """Before a command: wait for a reconnect in progress (bounded; see ``Reconnect``)."""
        if self.reconnector is not None:
            await self.reconnector.wait_usable()

    # -- lifecycle ----------------------------------------------------------------------------

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Run the reader and the writer until the session ends."""
        with self._scope:
            async with trio.open_nursery() as nursery:
                self.nursery = nursery
                self.batches = BatchRunner(
                    nursery,
                    machine=self.machine,
                    apply=self.apply,
                    default_timeout=self.config.tool_timeout,
                    max_concurrent=self.config.max_concurrent_tools,
                    session=self._owner,
                )
                nursery.start_soon(self._run_reader)
                nursery.start_soon(write_messages, self)
                if self.reconnector is not None:
                    nursery.start_soon(self.reconnector.run_renewals)
                task_status.started()

    async def wait_ready(self, deadline: float) -> None:
        """Wait for the handshake to complete by ``deadline`` (``RealtimeConnectionError``)."""
        with trio.move_on_at(deadline):
            await self.ready.wait()
        if self.handshake_error is not None:
            raise self.handshake_error
        if not self.ready.is_set():
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
        if self.reconnector is not None:
            self.reconnector.session_ended()
        self._reader_scope.cancel()  # what the server says from now on is not wanted
        self.lanes.close(lambda: trio.ClosedResourceError("the session was closed"))
        self.lanes.clear("audio")
        with trio.CancelScope(shield=True):
            await self._stop_tools()
            if self.lanes.depth("control") or self.sending:
                with trio.move_on_after(self._close_timeout):
                    await self.drained.wait()
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

    def note_close(self, info: CloseInfo) -> SessionClosedError:
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
        reconnected = self.reconnector is not None and self.reconnector.reconnects > 0
        if self.reconnector is not None:
            if self.reconnector.outage:
                info = attrs.evolve(info, initiator="error")  # the reconnect failed
            self.reconnector.session_ended()
        error = self.note_close(info)
        if info.initiator != "client" and self.violation is None and not reconnected:
            verdict = self.codec.describe_close(info.code, error.reason)
            self.apply(verdict.events)  # e.g. Gemini's quota close: rate_limited
            if verdict.error_code is not None and self.fatal is None:
                self.fatal = ProviderError(verdict.message, code=verdict.error_code)
        initiator = "error" if self.violation is not None else info.initiator
        reason: Literal["server", "error"] = "server" if initiator == "server" else "error"
        text = error.reason
        if not self.ready.is_set():
            failure = RealtimeConnectionError(f"the connection closed during the handshake: {text}")
            failure.__cause__ = self.fatal
            self.handshake_error = self.handshake_error or failure
            self.ready.set()
        self.lanes.close(self.closed_error)
        with trio.CancelScope(shield=True):
            await self._stop_tools()
        self._finish(SessionClosed(reason=reason, code=error.code, message=text))

    async def fail_protocol(self, error: ProtocolError) -> None:
        """The server broke the protocol beyond repair: close with 1002 and report it."""
        self.fatal = error
        if not self.ready.is_set():
            failure = RealtimeConnectionError(f"the server broke the protocol: {error}")
            failure.__cause__ = error
            self.handshake_error = failure
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
        error.__cause__ = self.fatal
        return error

    def _finish(self, final: SessionClosed) -> None:
        self.observer.closed(final)
        self.fanout.finish(final)
        self._scope.cancel()
        self._closed.set()

    # -- tasks --------------------------------------------------------------------------------

    async def _run_reader(self) -> None:
        with self._reader_scope:  # cancelled when the client closes: no more server events
            info = await read_frames(self)
            while info is not None and self.reconnector is not None:
                if not await self.reconnector.reconnect(info):
                    info = self.last_close or info
                    break
                info = await read_frames(self)
            if info is not None:
                await self._on_transport_closed(info)
