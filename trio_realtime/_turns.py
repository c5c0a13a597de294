"""The pure turn state machine: responses, tool batches, interruption and truncation.

:class:`TurnMachine` consumes what the codec decoded (events and signals) plus the session's own
inputs (a response request, an interruption, a tool outcome) and answers with the actions of
:mod:`._actions`: events to publish, wire messages to send, tool calls to start, batches to
cancel or seal. It owns no task and no clock: the session passes ``now`` (trio's clock) in, so
every rule here is testable with plain data. It imports no trio.

Rules (DESIGN 4.1-4.3, 4.5):

- One response at a time: ``idle -> requested -> active -> idle``. A response requested while
  one is requested or active is queued, and all queued requests coalesce into one, sent right
  after the response is done. An out-of-band response is requested at once and runs beside it,
  never the live turn; its calls' outputs are not submitted (no conversation has the calls).
- Server events for a response that no ``response.created`` announced are ignored and counted
  (``ignored_events``), never published as a turn; a repeated ``response.created`` is not
  published twice.
- A turn's tool calls are collected as a batch. When the response is done and every call has an
  outcome, all outputs go out and exactly one follow-up response is requested — only if the
  response completed and the provider does not continue by itself (``CodecTraits``).
- Interruption (barge-in or manual) of a live turn cancels the response when the server will
  not, truncates (or deletes) the assistant audio item at the played position (compared with
  the audio received for that item, counted in samples), drops the turn's late audio, and
  applies ``on_interrupt`` to its batch; no follow-up response is requested after it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, cast, get_args

import attrs

from ._actions import Action, CancelCalls, InterruptBatch, SealBatch, Send, StartCall
from ._heard import Listening, PlaybackSource, remember
from .config import Config, InterruptPolicy, ResponseOptions
from .events import (
    AssistantAudioDelta,
    AssistantText,
    AssistantTextDelta,
    AssistantTranscript,
    AssistantTranscriptDelta,
    AssistantTurnCompleted,
    AssistantTurnStarted,
    Interrupted,
    SessionEvent,
    ToolBatchSubmitted,
    ToolCallArgsDelta,
    ToolCallCompleted,
    ToolCallDispatched,
    ToolCallFailed,
    ToolCallStarted,
    UserSpeechStarted,
)
from .protocol import (
    AssistantItemAdded,
    Codec,
    Decoded,
    GoAway,
    Message,
    ProtocolViolation,
    ResponseRejected,
    ResumptionUpdate,
    SessionReady,
    SessionSettings,
    ToolCallReady,
    ToolCallsCancelled,
)
from .tools import Tool, ToolArgumentsError, ToolRegistry, encode_error

__all__ = ["PlaybackSource", "TurnMachine"]

#: The events :meth:`TurnMachine._in_turn` passes through (each has a ``turn_id``).
_TurnEvent = (
    AssistantTextDelta
    | AssistantText
    | AssistantTranscriptDelta
    | AssistantTranscript
    | ToolCallStarted
    | ToolCallArgsDelta
)


@attrs.define
class _Turn:
    turn_id: str
    active: bool = True
    done: bool = False
    status: str = ""  # of response.done
    interrupted: bool = False
    closed: bool = False  # outputs submitted (or dropped): the batch is over
    calls: dict[str, str] = attrs.Factory(dict)  # call_id -> tool name, dispatch order
    pending: set[str] = attrs.Factory(set)
    outputs: dict[str, str] = attrs.Factory(dict)
    items: list[str] = attrs.Factory(list)
    audio_items: list[str] = attrs.Factory(list)  # items with audio, in arrival order
    out_of_band: bool = False


class TurnMachine:
    """Response, tool-batch and interruption state of one session (see the module docstring)."""

    def __init__(self, config: Config, codec: Codec, playback: PlaybackSource | None = None):
        self._codec = codec
        self.listening = Listening(playback)
        self._requested = False  # a response was requested, its start not yet seen
        self._active: set[str] = set()  # responses in progress
        self._queued = False
        self._queued_options: ResponseOptions | None = None
        self._turns: dict[str, _Turn] = {}  # turns with state still needed
        self._seen: dict[str, None] = {}  # recently announced turn ids (bounded)
        self._current: _Turn | None = None
        self._settings = SessionSettings(
            turn_detection=False, create_response=False, interrupt_response=False
        )
        self._response_tools: dict[str, Tool] = {}  # tools given per response (later wins)
        self._owed = False  # a response was due when the connection was lost
        self.dropped_audio_deltas = 0
        self.ignored_events = 0
        self.configure(config)

    def configure(self, config: Config) -> None:
        """Use ``config`` from now on (tools, policy, modalities)."""
        self._config = config
        self._registry = ToolRegistry(config.tools)
        td = config.turn_detection
        self._settings = SessionSettings(
            turn_detection=td is not None,
            create_response=td is not None and td.create_response,
            interrupt_response=td is not None and td.interrupt_response,
        )

    @property
    def response_state(self) -> Literal["idle", "requested", "active"]:
        """``idle``, ``requested`` (asked for, not started) or ``active``."""
        if self._active:
            return "active"
        return "requested" if self._requested else "idle"

    @property
    def calls_pending(self) -> bool:
        """Whether a dispatched tool call has no outcome yet."""
        return any(turn.pending for turn in self._turns.values())

    @property
    def current_turn_id(self) -> str | None:
        """The most recent assistant turn, if any."""
        return self._current.turn_id if self._current else None

    def received_ms(self, item_id: str) -> float:
        """Milliseconds of assistant audio received so far for ``item_id`` (0 if none)."""
        return self.listening.received_ms(item_id)

    @property
    def heard(self) -> dict[str, float]:
        """Interrupted audio items: the fraction of their received audio that was heard."""
        return self.listening.heard

    # -- server input -----------------------------------------------------------------------

    def apply(self, item: Decoded, now: float) -> list[Action]:
        """Fold one decoded event or signal in; return the actions it causes, in order."""
        handler = _HANDLERS.get(type(item))
        if handler is not None:
            return handler(self, item, now)
        # an event without a turn, or a signal for the session (the handlers took the rest)
        return [cast(Action, item)]

    def _in_turn(self, event: _TurnEvent, now: float) -> list[Action]:
        if event.turn_id in self._seen:
            return [event]
        self.ignored_events += 1
        return []

    def _on_audio(self, event: AssistantAudioDelta, now: float) -> list[Action]:
        turn = self._turns.get(event.turn_id)
        if turn is None:
            self.ignored_events += 1
            return []
        if turn.interrupted:
            self.dropped_audio_deltas += 1
            return []
        item = event.item_id
        if not self.listening.has_audio(item):
            turn.audio_items.append(item)
        self.listening.received(item, len(event.pcm) >> 1, event.sample_rate, now)
        return [event]

    def _on_turn_started(self, event: AssistantTurnStarted, now: float) -> list[Action]:
        if not event.out_of_band:  # (an out-of-band response is not the default conversation's)
            self._requested = False
            self._active.add(event.turn_id)
        if event.turn_id in self._seen:  # a repeated response.created: one turn, one event
            return []
        remember(self._seen, event.turn_id, None)
        turn = self._turns[event.turn_id] = _Turn(event.turn_id, out_of_band=event.out_of_band)
        if not event.out_of_band:
            self._current = turn
        self._forget_old_turns()  # (also here: a session may run only out-of-band responses)
        return [event]

    def _on_response_done(self, event: AssistantTurnCompleted, now: float) -> list[Action]:
        turn = self._turns.get(event.turn_id)
        if turn is None or not (turn.active if turn.out_of_band else event.turn_id in self._active):
            self.ignored_events += 1
            if not self._active:  # a stray done still ends a request nobody answered
                self._requested = False
            return self.request_response(None) if self._queued and not self._active else []
        self._active.discard(event.turn_id)
        turn.active = False
        turn.done = True
        turn.status = event.status
        actions: list[Action] = [SealBatch(turn.turn_id)] if turn.calls else []
        actions.append(event)
        actions += self._maybe_submit(turn)
        if self._queued:
            actions += self.request_response(None)
        return actions

    def _on_speech_started(self, event: UserSpeechStarted, now: float) -> list[Action]:
        return self.interrupt("barge_in", now, cause=event)

    def _on_item_added(self, signal: AssistantItemAdded, now: float) -> list[Action]:
        turn = self._turns.get(signal.turn_id)
        if turn is None:
            self.ignored_events += 1
        else:
            turn.items.append(signal.item_id)
        return []

    def _on_rejected(self, signal: ResponseRejected, now: float) -> list[Action]:
        self._requested = False
        return []

    def _on_settings(self, signal: SessionSettings, now: float) -> list[Action]:
        self._settings = signal
        return []

    def _on_call_ready(self, ready: ToolCallReady, now: float) -> list[Action]:
        turn = self._turns.get(ready.turn_id)
        if turn is None or ready.call_id in turn.calls:  # unknown turn, or dispatched already
            self.ignored_events += 1
            return []
        turn.calls[ready.call_id] = ready.name
        if turn.interrupted:
            return [self._failed(turn, ready.call_id, "interrupted before the call started")]
        tool = self._registry.get(ready.name) or self._response_tools.get(ready.name)
        if tool is None:
            names = ", ".join([*self._registry.names, *self._response_tools]) or "none"
            message = f"unknown tool {ready.name!r} (available: {names})"
            return self._fail_now(turn, ready.call_id, message)
        try:
            args = tool.parse_arguments(ready.arguments)
        except ToolArgumentsError as exc:
            return self._fail_now(turn, ready.call_id, str(exc))
        turn.pending.add(ready.call_id)
        dispatched = ToolCallDispatched(
            turn_id=turn.turn_id, call_id=ready.call_id, name=ready.name, args=args
        )
        # Start first: an application-answered call is then registered before anyone can see
        # tool_call_dispatched and answer it. The call task runs only after the event is queued.
        return [StartCall(turn.turn_id, ready.call_id, tool, args), dispatched]

    def _on_calls_cancelled(self, signal: ToolCallsCancelled, now: float) -> list[Action]:
        actions: list[Action] = []
        withdrawn = set(signal.call_ids)
        for turn in list(self._turns.values()):
            mine = tuple(c for c in turn.calls if c in withdrawn)
            if not mine:
                continue
            for call_id in mine:  # a finished call's output is withdrawn too
                turn.outputs.pop(call_id, None)
            running = tuple(c for c in mine if c in turn.pending)
            if running:
                actions.append(CancelCalls(turn.turn_id, running))
        return actions

    def _fail_now(self, turn: _Turn, call_id: str, message: str) -> list[Action]:
        turn.outputs[call_id] = encode_error(message)
        return [self._failed(turn, call_id, message), *self._maybe_submit(turn)]

    def _failed(self, turn: _Turn, call_id: str, message: str) -> ToolCallFailed:
        name = turn.calls.get(call_id, "")
        return ToolCallFailed(turn_id=turn.turn_id, call_id=call_id, name=name, error=message)

    # -- tool outcomes ----------------------------------------------------------------------

    def call_succeeded(self, turn_id: str, call_id: str, result: Any, output: str) -> list[Action]:
        """A call returned ``result`` (wire ``output`` already encoded)."""
        turn = self._turns.get(turn_id)
        if turn is None or call_id not in turn.pending:
            return []
        turn.pending.discard(call_id)
        turn.outputs[call_id] = output
        name = turn.calls.get(call_id, "")
        event = ToolCallCompleted(turn_id=turn_id, call_id=call_id, name=name, result=result)
        return [event, *self._maybe_submit(turn)]

    def call_failed(self, turn_id: str, call_id: str, message: str) -> list[Action]:
        """A call raised, timed out or returned something unencodable."""
        turn = self._turns.get(turn_id)
        if turn is None or call_id not in turn.pending:
            return []
        turn.pending.discard(call_id)
        turn.outputs[call_id] = encode_error(message)
        return [self._failed(turn, call_id, message), *self._maybe_submit(turn)]

    def call_cancelled(self, turn_id: str, call_id: str, message: str) -> list[Action]:
        """A call was cancelled (interruption, withdrawal or close): it gets no output."""
        turn = self._turns.get(turn_id)
        if turn is None or call_id not in turn.pending:
            return []
        turn.pending.discard(call_id)
        turn.outputs.pop(call_id, None)
        return [self._failed(turn, call_id, message), *self._maybe_submit(turn)]

    def _maybe_submit(self, turn: _Turn) -> list[Action]:
        if turn.closed or turn.pending or not turn.calls:
            return []
        if not turn.interrupted and not turn.done:
            return []  # wait for the response's end: the model may still add calls
        turn.closed = True
        if turn.out_of_band:
            return []  # its calls are not in the conversation: nothing to answer
        if turn.interrupted and self._config.on_interrupt is InterruptPolicy.DROP:
            return []
        call_ids = tuple(c for c in turn.calls if c in turn.outputs)
        if not call_ids:
            return []
        outputs = [(c, turn.outputs[c]) for c in call_ids]
        actions: list[Action] = [Send(m) for m in self._codec.tool_outputs(outputs)]
        actions.append(ToolBatchSubmitted(turn_id=turn.turn_id, call_ids=call_ids))
        follow_up = not self._codec.traits.responds_to_tool_outputs
        if follow_up and not turn.interrupted and turn.status == "completed":
            actions += self.request_response(None)
        return actions

    # -- commands ---------------------------------------------------------------------------

    def request_response(self, options: ResponseOptions | None) -> list[Action]:
        """Ask for a response: sent now when idle, else queued and coalesced; an out-of-band
        one is sent now (the codec raises ``UnsupportedCommand`` where there are none)."""
        if options is not None and options.tools:
            self._response_tools.update((tool.name, tool) for tool in options.tools)
        if options is not None and options.out_of_band:
            return _send(self._codec.create_response(options))
        if not self._requested and not self._active:
            options = options if options is not None else self._queued_options
            self._queued, self._queued_options = False, None
            message = self._codec.create_response(options)
            if message is None:
                return []
            self._requested = True
            return [Send(message)]
        self._queued = True
        if options is not None:
            self._queued_options = options
        return []

    def cancel_response(self) -> list[Action]:
        """Cancel the active (or requested) response; nothing happens when idle."""
        if not self._requested and not self._active:
            return []
        current = self._current
        turn_id = (
            current.turn_id if current is not None and current.turn_id in self._active else None
        )
        return _send(self._codec.cancel_response(turn_id))

    def interrupt(
        self,
        reason: Literal["barge_in", "manual", "error"],
        now: float,
        *,
        cause: SessionEvent | None = None,
    ) -> list[Action]:
        """Interrupt the live assistant turn, if there is one (otherwise a no-op).

        The effects (cancel, truncation, the batch's interruption) come before the events
        (``cause``, then ``interrupted``), so they happen when the interruption is seen, not
        when a consumer gets to the events. A barge-in also drops a queued response request:
        the user's new turn drives the next response.
        """
        published: list[Action] = [cause] if cause is not None else []
        turn = self._current
        if turn is None or turn.interrupted or not self._is_live(turn, now):
            return published
        turn.interrupted = True
        actions: list[Action] = []
        server_cancels = self._settings.turn_detection and self._settings.interrupt_response
        if turn.active and (reason != "barge_in" or not server_cancels):
            actions += _send(self._codec.cancel_response(turn.turn_id))
        actions += self._truncate(turn, now)
        cancel = bool(turn.pending) and self._config.on_interrupt is not InterruptPolicy.SUBMIT
        actions.append(InterruptBatch(turn.turn_id, cancel=cancel))
        if reason == "barge_in":
            self._queued, self._queued_options = False, None
        actions += published
        actions.append(Interrupted(turn_id=turn.turn_id, reason=reason))
        actions += self._maybe_submit(turn)
        return actions

    # -- the connection ----------------------------------------------------------------------

    def connection_lost(self, now: float) -> list[Action]:
        """The connection dropped: the live turn is interrupted (``reason="error"``, its tools
        per ``on_interrupt``) and every response in progress ends as ``incomplete``; a response
        that was requested and never started is owed to the next connection (:meth:`restored`).
        """
        self._owed = self._requested or self._queued
        actions = self.interrupt("error", now)
        self._active.clear()
        for turn in [t for t in self._turns.values() if t.active]:  # out-of-band ones too
            turn.active, turn.done, turn.status = False, True, "incomplete"
            if turn.calls:
                actions.append(SealBatch(turn.turn_id))
            actions.append(
                AssistantTurnCompleted(
                    turn_id=turn.turn_id,
                    status="incomplete",
                    status_reason="connection_lost",
                    out_of_band=turn.out_of_band,
                )
            )
            actions += self._maybe_submit(turn)
        self._requested = self._queued = False
        return actions

    def rebind(self, codec: Codec) -> None:
        """Speak through ``codec`` from now on (the codec of a new connection)."""
        self._codec = codec

    def restored(self) -> list[Action]:
        """The conversation is on a new connection: request the response that was owed."""
        owed, self._owed = self._owed, False
        return self.request_response(None) if owed else []

    # -- playback and truncation ------------------------------------------------------------

    def _audio_item(self, turn: _Turn) -> str | None:
        """The item an interruption of ``turn`` cuts: its last with audio, else its last."""
        if turn.audio_items:
            return turn.audio_items[-1]
        return turn.items[-1] if turn.items else None

    def _is_live(self, turn: _Turn, now: float) -> bool:
        if turn.active or turn.pending:
            return True
        item = self._audio_item(turn)
        return item is not None and self.listening.still_playing(item, now)

    def _truncate(self, turn: _Turn, now: float) -> list[Action]:
        if not self._config.audio_output:
            return []
        item = self._audio_item(turn)
        if item is None:
            return []
        cut = self.listening.cut(item, now)
        if cut is None:
            return []  # everything received was heard: nothing to cut
        how, played = cut
        if how == "delete":  # nothing was heard: remove the item (if the server has it)
            return _send(self._codec.delete_item(item)) if item in turn.items else []
        return _send(self._codec.truncate(item, played))

    def _forget_old_turns(self) -> None:
        for turn_id in list(self._turns):
            turn = self._turns[turn_id]
            if (
                turn is not self._current
                and not turn.active
                and not turn.pending
                and (turn.closed or not turn.calls)
            ):
                del self._turns[turn_id]


#: The signals :meth:`TurnMachine.apply` passes through for the session to handle.
SESSION_SIGNALS = (SessionReady, ProtocolViolation, GoAway, ResumptionUpdate)


def _send(message: Message | None) -> list[Action]:
    return [] if message is None else [Send(message)]


_HANDLERS: dict[type[Any], Callable[[TurnMachine, Any, float], list[Action]]] = {
    AssistantAudioDelta: TurnMachine._on_audio,
    AssistantTurnStarted: TurnMachine._on_turn_started,
    AssistantTurnCompleted: TurnMachine._on_response_done,
    UserSpeechStarted: TurnMachine._on_speech_started,
    ToolCallReady: TurnMachine._on_call_ready,
    ToolCallsCancelled: TurnMachine._on_calls_cancelled,
    AssistantItemAdded: TurnMachine._on_item_added,
    ResponseRejected: TurnMachine._on_rejected,
    SessionSettings: TurnMachine._on_settings,
    **dict.fromkeys(get_args(_TurnEvent), TurnMachine._in_turn),
}
