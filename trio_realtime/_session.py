"""``RealtimeSession``: the public face of one live conversation.

The session's running parts live in :class:`~._runtime.SessionRuntime` (reader, writer, tool
batches, closing); this class holds one and offers the commands, the event streams and the
statistics.

Cancellation, for every command: a command cancelled before it queued anything did nothing;
once its first message is queued, the rest of it (e.g. the response request of ``send_text``)
is carried out at once without waiting, so the state machine never runs ahead of the wire.
Commands return once their messages are queued, in order; after the server closed the session
they raise :class:`~trio_realtime.SessionClosedError`, after ``aclose()``
``trio.ClosedResourceError``. Every command is a checkpoint.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs
import trio

from ._actions import Send
from ._audio_frames import AudioFrame, pcm16_frame
from ._fanout import EventStream, Overflow, Subscription
from ._lanes import Lane
from ._metrics import SessionMetrics
from ._observe import SessionObserver
from ._runtime import SessionRuntime, SessionStatistics
from ._session_items import ConversationEditor, Image
from .agents import Agent
from .audio.playback import PlaybackTracker
from .config import Config, ResponseOptions
from .history import History
from .protocol import Codec, Messages, messages_of
from .reconnect import Reconnect
from .recording import Recorder
from .transport import Transport

if TYPE_CHECKING:
    from ._handoffs import AgentSwitch
    from .gateways import Gateway
    from .tools import ToolSession

__all__ = ["RealtimeSession", "SessionStatistics"]

_MAX_APPEND_BYTES = 8 * 2**20
_CONFIG_FIELDS = frozenset(field.name for field in attrs.fields(Config))


class RealtimeSession:
    """One realtime conversation with a model. Obtain it from ``Broker.connect()``."""

    def __init__(
        self,
        *,
        transport: Transport,
        codec: Codec,
        config: Config,
        close_timeout: float = 2.0,
        playback: PlaybackTracker | None = None,
        event_buffer: int = 256,
        primary_events: bool = True,
        gateway: Gateway | None = None,
        model: str = "",
        server_events: bool = False,
        reconnect: Reconnect | None = None,
        history: History | None = None,
        idle_timeout: float | None = None,
        observer: SessionObserver | None = None,
        agents: AgentSwitch | None = None,
        recorder: Recorder | None = None,
        _token: object = None,
    ) -> None:
        if _token is not _PRIVATE:
            raise TypeError("RealtimeSession has no public constructor; use Broker.connect()")
        self.playback = playback if playback is not None else PlaybackTracker()
        self._rt = SessionRuntime(
            transport=transport,
            codec=codec,
            config=config,
            close_timeout=close_timeout,
            playback=self.playback,
            event_buffer=event_buffer,
            primary_events=primary_events,
            owner=self,
            gateway=gateway,
            model=model,
            server_events=server_events,
            reconnect=reconnect,
            history=history,
            idle_timeout=idle_timeout,
            observer=observer,
            recorder=recorder,
        )
        self._cleared_frames = 0
        self._editor = ConversationEditor(
            self._rt, queue=self._queue, turn_lane=self._turn_lane, subscribe=self.subscribe
        )
        self._agents = agents
        if agents is not None:
            agents.bind(self)

    def __repr__(self) -> str:
        state = "closed" if self._rt.closing else "open"
        return f"<RealtimeSession id={self.session_id!r} {self._rt.codec.provider} {state}>"

    @property
    def session_id(self) -> str | None:
        """The provider's id for this session (None until the server named it)."""
        return self._rt.session_id

    @property
    def config(self) -> Config:
        """The configuration in effect (as last set by connect or ``update``)."""
        return self._rt.config

    @property
    def closed(self) -> bool:
        """True once the session closed, for any reason."""
        return self._rt.closing

    @property
    def agent(self) -> Agent | None:
        """The agent speaking now (None when the session was opened without one)."""
        return self._agents.agent if self._agents is not None else None

    @property
    def provider(self) -> str:
        """Which wire protocol this session speaks (``"openai"``, ``"gemini"``)."""
        return self._rt.codec.provider

    # -- commands -----------------------------------------------------------------------------

    def _check_open(self) -> None:
        self._rt.check_open()

    async def _usable(self) -> None:
        """Wait for a reconnect in progress (``Reconnect.command_timeout``), then check open."""
        await self._rt.wait_usable()
        self._rt.check_open()

    def _turn_lane(self) -> Lane:
        """Where a commit-sensitive message goes: behind a queued commit, if there is one."""
        return "audio" if self._rt.lanes.has_barrier("audio") else "control"

    async def _queue(
        self, lane: Lane, encode: Callable[[], Messages], *, barrier: bool = False
    ) -> None:
        """Wait for room in ``lane``, then encode and queue the message(s) together.

        Encoding only once there is room keeps the codec's state (e.g. an open Gemini
        activity, a resampler) in step with the wire: if cancelled while waiting, nothing was
        encoded nor queued.
        """
        lanes = self._rt.lanes
        await lanes.wait_room(lane)
        for message in messages_of(encode()):
            lanes.force(lane, message, barrier=barrier)

    def _drop_audio_in_outage(self) -> bool:
        """Audio is realtime: during a reconnect it is dropped (and counted), not queued."""
        reconnector = self._rt.reconnector
        if reconnector is None or not reconnector.outage:
            return False
        reconnector.dropped_audio_frames += 1
        return True

    async def send_text(self, text: str, *, respond: bool = True) -> None:
        """Add a user text message and (unless ``respond=False``) request a response.

        Returns once queued (the response is queued behind an active one, see
        :meth:`create_response`).
        """
        await self._usable()
        rt = self._rt
        await self._queue("control", functools.partial(rt.codec.user_text, text))
        rt.log.user_text(text)
        if respond:
            rt.apply(rt.machine.request_response(None), self._turn_lane())
        await trio.lowlevel.cancel_shielded_checkpoint()

    async def send_audio_frame(self, pcm: AudioFrame, *, sample_rate: int | None = None) -> None:
        """Append a frame of PCM16 mono audio at the session's input rate.

        ``pcm`` is little-endian bytes or an int16 array; the wrong dtype, an odd byte count or
        a ``sample_rate`` other than the session's raise ``ValueError`` before anything is sent.
        Waits while the audio lane is full. Cancellation: a frame of up to 8 MiB was queued
        whole or not at all (larger ones are split into 8 MiB appends, each whole or not at all).
        """
        rate = self.config.input_sample_rate
        data = pcm16_frame(pcm, sample_rate, rate)
        self._check_open()
        if self._drop_audio_in_outage():
            await trio.lowlevel.checkpoint()
            return
        append = self._rt.codec.append_audio
        for start in range(0, len(data), _MAX_APPEND_BYTES):
            await self._queue(
                "audio", functools.partial(append, data[start : start + _MAX_APPEND_BYTES])
            )
        if not data:
            await trio.lowlevel.checkpoint()
            return
        self._rt.observer.audio_sent(len(data), rate)
        await trio.lowlevel.cancel_shielded_checkpoint()

    async def send_audio(self, pcm: AudioFrame) -> None:
        """:meth:`send_audio_frame` (the name the ``RealtimeVoice`` facade uses)."""
        await self.send_audio_frame(pcm)

    def send_audio_frame_nowait(self, pcm: AudioFrame, *, sample_rate: int | None = None) -> None:
        """Like :meth:`send_audio_frame`, but raise ``trio.WouldBlock`` if the lane is full."""
        data = pcm16_frame(pcm, sample_rate, self.config.input_sample_rate)
        self._check_open()
        if self._drop_audio_in_outage():
            return
        if len(data) > _MAX_APPEND_BYTES:
            raise ValueError(f"a nowait frame is limited to {_MAX_APPEND_BYTES} bytes")
        lanes = self._rt.lanes
        if data and not lanes.has_room("audio"):
            raise trio.WouldBlock
        for message in messages_of(self._rt.codec.append_audio(data) if data else None):
            lanes.force("audio", message)
        if data:
            self._rt.observer.audio_sent(len(data), self.config.input_sample_rate)

    def send_text_nowait(self, text: str) -> None:
        """``send_text(text, respond=False)``, raising ``trio.WouldBlock`` if the lane is full
        (or the session is reconnecting)."""
        self._check_open()
        lanes = self._rt.lanes
        if not lanes.has_room("control") or self._rt.outage:
            raise trio.WouldBlock
        for message in messages_of(self._rt.codec.user_text(text)):
            lanes.force("control", message)
        self._rt.log.user_text(text)

    async def commit_audio(self, *, respond: bool | None = None) -> None:
        """Commit the input audio buffer as a user turn.

        The commit goes out after every audio frame queued before it, and later
        ``create_response``/``cancel_response``/``clear_audio`` calls go out after the commit.
        With ``respond=None`` a response is requested when turn detection is off
        (push-to-talk); ``respond=False`` only commits.
        """
        await self._usable()
        rt = self._rt
        await self._queue("audio", rt.codec.commit_audio, barrier=True)
        rt.log.audio_committed()
        if respond is None:
            respond = self.config.turn_detection is None
        if respond:
            rt.apply(rt.machine.request_response(None), "audio")
        await trio.lowlevel.cancel_shielded_checkpoint()

    async def clear_audio(self) -> None:
        """Discard the uncommitted input audio: frames still queued here, and the server's.

        Frames queued before a pending ``commit_audio()`` still belong to that commit and are
        kept.
        """
        await self._usable()
        await trio.lowlevel.checkpoint_if_cancelled()
        rt = self._rt
        lane = self._turn_lane()
        self._cleared_frames += rt.lanes.drop_tail("audio")
        message = rt.codec.clear_audio()
        if message is not None:
            rt.apply([Send(message)], lane)
        await trio.lowlevel.cancel_shielded_checkpoint()

    async def create_response(self, options: ResponseOptions | None = None) -> None:
        """Request a response: sent at once when none is active, else queued, and all queued
        requests coalesce into one sent after the active response is done (the latest
        ``options`` win).
        """
        await self._usable()
        await trio.lowlevel.checkpoint_if_cancelled()
        self._rt.apply(self._rt.machine.request_response(options), self._turn_lane())
        await trio.lowlevel.cancel_shielded_checkpoint()

    async def cancel_response(self) -> None:
        """Cancel the active (or requested) response; a no-op when idle."""
        await self._usable()
        await trio.lowlevel.checkpoint_if_cancelled()
        self._rt.apply(self._rt.machine.cancel_response(), self._turn_lane())
        await trio.lowlevel.cancel_shielded_checkpoint()

    async def interrupt(self) -> None:
        """Interrupt the live assistant turn: cancel it, truncate its audio, apply on_interrupt.

        A no-op when nothing is live. Safe to call from an ``events()`` loop: the
        ``interrupted`` event it causes never waits for room in the caller's own queue.
        """
        await self._usable()
        await trio.lowlevel.checkpoint_if_cancelled()
        self._rt.apply(self._rt.machine.interrupt("manual", trio.current_time()))
        await trio.lowlevel.cancel_shielded_checkpoint()

    def report_playback(self, item_id: str, played_ms: float) -> None:
        """Report how much of ``item_id``'s audio the listener has heard (for truncation)."""
        self.playback.on_play(item_id, played_ms)

    async def update(self, **changes: Any) -> None:
        """Change the session configuration (only the changed fields are sent).

        Raises ``TypeError`` (nothing sent) for a name that is not a ``Config`` field,
        ``ValueError`` for an invalid value (e.g. ``update(speed=3)``) or a change the provider
        cannot make mid-session. The new configuration is adopted once its update is queued.
        """
        unknown = sorted(changes.keys() - _CONFIG_FIELDS)
        if unknown:
            raise TypeError(
                f"update() got unknown configuration field(s) {', '.join(unknown)}; "
                f"valid fields: {', '.join(sorted(_CONFIG_FIELDS))}"
            )
        await self._usable()
        rt = self._rt
        new = attrs.evolve(rt.config, **changes)
        await trio.lowlevel.checkpoint_if_cancelled()
        message = rt.codec.session_update(new, previous=rt.config)
        if message is not None:
            rt.apply([Send(message)])
        rt.config = new
        rt.machine.configure(new)
        if rt.batches is not None:
            rt.batches.default_timeout = new.tool_timeout
        await trio.lowlevel.cancel_shielded_checkpoint()

    async def update_instructions(self, text: str) -> None:
        """Replace the instructions (``update(instructions=text)``)."""
        await self.update(instructions=text)

    async def handoff(self, target: Agent, *, respond: bool = True) -> None:
        """Hand the conversation to ``target`` by hand, as a ``transfer_to_*`` call would.

        Sends one configuration update (the target's instructions and tools; audio formats
        kept, the voice kept once audio was produced), publishes ``agent_handoff`` and, with
        ``respond=True``, requests a response from the target (queued behind an active one).
        ``target`` may be any :class:`~trio_realtime.Agent`; one outside the session's graph
        joins it. Raises ``TypeError`` for anything else, ``ValueError`` when a different
        agent of that name is in the graph, ``RuntimeError`` when the session was opened
        without an agent, and the codec's ``UnsupportedCommand`` (nothing changed) when the
        provider cannot make the change. Cancellation: as :meth:`update`.
        """
        if self._agents is None:
            raise RuntimeError(
                "this session was opened without an agent: use Broker(..., agent=...)"
            )
        agent = self._agents.resolve(target)
        self._check_open()
        await self._agents.hand_off(agent)
        if respond:
            rt = self._rt
            rt.apply(rt.machine.request_response(None), self._turn_lane())

    async def send_tool_result(self, call_id: str, result: Any) -> None:
        """Answer an application-answered tool call (``ValueError`` if none is pending).

        ``result`` is encoded like a tool's return value. Cancellation: if cancelled, the call
        was not answered; once the answer is handed over it cannot be cancelled.
        """
        await trio.lowlevel.checkpoint_if_cancelled()
        self._answer(call_id, result=result)
        await trio.lowlevel.cancel_shielded_checkpoint()

    async def send_tool_error(self, call_id: str, message: str) -> None:
        """Fail an application-answered tool call with ``message`` (the model sees it).

        Cancellation as for :meth:`send_tool_result`.
        """
        await trio.lowlevel.checkpoint_if_cancelled()
        self._answer(call_id, error=message)
        await trio.lowlevel.cancel_shielded_checkpoint()

    def _answer(self, call_id: str, *, result: Any = None, error: str | None = None) -> None:
        self._check_open()
        batches = self._rt.batches
        if batches is None:  # pragma: no cover - the batch runner exists once connected
            raise ValueError(f"no pending application-answered tool call {call_id!r}")
        batches.answer(call_id, result=result, error=error)

    async def aclose(self) -> None:
        """Close the session (idempotent).

        Running tools are cancelled, queued audio is dropped, queued control messages get up to
        ``close_timeout`` to go out, then a close frame is sent (bounded by the same timeout)
        and the connection is aborted. Every consumer then sees ``session_closed`` (reason
        "client") and its iteration ends; every waiting command raises
        ``trio.ClosedResourceError``. Cancel-safe: the close runs shielded and bounded, so
        cancelling the caller cannot leave the connection half-closed.
        """
        await self._rt.aclose()

    # -- consuming ----------------------------------------------------------------------------

    def events(self) -> EventStream:
        """The primary, lossless event stream, from the start of the session.

        It is bounded (``event_buffer`` events): while it is full the reader waits, and so does
        the socket, so read it promptly (or open the session with ``primary_events=False`` and
        use :meth:`subscribe`). It can be consumed once; iteration ends after
        ``session_closed``. Cancelling the iteration loses no event.
        """
        return self._rt.fanout.primary_stream()

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
        return self._rt.fanout.subscribe(kinds, buffer, overflow)

    def metrics(self) -> SessionMetrics:
        """A snapshot of the latencies, tool durations, token usage and estimated cost so far
        (:class:`~trio_realtime.SessionMetrics`; see ``docs/metrics.md``)."""
        return self._rt.observer.metrics()

    def history(self) -> History:
        """The conversation so far, as the client knows it (see :mod:`trio_realtime.history`):
        user texts and transcripts, assistant texts and transcripts (an interrupted answer cut
        where the listener stopped hearing it), tool calls and their outputs."""
        return self._rt.log.snapshot(self._rt.machine.heard)

    def statistics(self) -> SessionStatistics:
        """A snapshot of the counters (events, wire, decoder, drops) and queue depths."""
        return self._rt.statistics(self._cleared_frames)

    # -- conversation editing (OpenAI; elsewhere ``UnsupportedCommand``) ----------------------

    async def add_item(self, item: object, *, previous_item_id: str | None = None) -> None:
        """Add ``item`` to the conversation: a history item, a ``trio_realtime.items`` value
        (``SystemMessage``, ``InputImage``) or a mapping in the provider's wire shape; appended,
        or inserted after ``previous_item_id`` (``"root"``: first). No response is requested."""
        await self._editor.add_item(item, previous_item_id=previous_item_id)

    async def delete_item(self, item_id: str) -> None:
        """Remove item ``item_id`` from the conversation (an unknown id: an ``error`` event)."""
        await self._editor.delete_item(item_id)

    async def retrieve_item(self, item_id: str, *, timeout: float = 10.0) -> Mapping[str, Any]:
        """The server's copy of item ``item_id``, in the provider's wire shape (also published
        as ``item_retrieved``). ``ValueError`` if the server refuses, ``trio.TooSlowError``
        after ``timeout`` seconds."""
        return await self._editor.retrieve_item(item_id, timeout=timeout)

    async def send_image(self, image: Image, **options: Any) -> None:
        """Show the model an image (PNG/JPEG bytes, a path, or an ``InputImage``) as a user
        message; ``mime``, ``detail``, ``text`` (before the image) and ``respond`` (request a
        response) are keyword options."""
        await self._editor.send_image(image, **options)

    async def approve_mcp_call(
        self, approval_id: str, *, reason: str | None = None, respond: bool = True
    ) -> None:
        """Approve the MCP call of an ``mcp_approval_requested`` event (and, with ``respond``,
        request the response in which the provider makes the call)."""
        await self._editor.answer_approval(approval_id, True, reason, respond)

    async def reject_mcp_call(
        self, approval_id: str, *, reason: str | None = None, respond: bool = True
    ) -> None:
        """Refuse the MCP call of an ``mcp_approval_requested`` event (``reason`` tells the
        model why; with ``respond`` it goes on without the call)."""
        await self._editor.answer_approval(approval_id, False, reason, respond)


_PRIVATE = object()

if TYPE_CHECKING:
    _IS_A_TOOL_SESSION: type[ToolSession] = RealtimeSession  # (checked by mypy)


def new_session(
    transport: Transport, codec: Codec, config: Config, **kwargs: Any
) -> RealtimeSession:
    """Construct a session (internal: the broker's job)."""
    return RealtimeSession(
        transport=transport, codec=codec, config=config, _token=_PRIVATE, **kwargs
    )
