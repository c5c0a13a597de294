"""The pure turn state machine: responses, tool batches, interruption and truncation.

:class:`TurnMachine` consumes what the protocol decoded (events and signals) plus the session's
own inputs (a response request, an interruption, a tool outcome) and answers with *actions*:
events to publish, wire messages to send, tool calls to start, batches to cancel or seal. It
owns no task and no clock: the session passes ``now`` (trio's clock) in, so every rule here is
testable with plain data. The session carries the actions out in order.

Rules (DESIGN 4.1-4.3, 4.5):

- One response at a time: ``idle -> requested -> active -> idle``. A ``response.create``
  requested while one is requested or active is queued, and all queued requests coalesce into
  one, sent right after ``response.done``.
- A turn's tool calls are collected as a batch. When the response is done and every call has an
  outcome, all outputs go out as ``function_call_output`` items and exactly one
  ``response.create`` follows — only if the response completed: after a cancelled, failed or
  incomplete response the outputs are added but no new response is requested.
- Interruption (barge-in or manual) of a live turn publishes ``interrupted``, cancels the
  response when the server will not, truncates (or deletes) the assistant audio item at the
  played position, drops the turn's late audio, and applies ``on_interrupt`` to its batch; no
  ``response.create`` is sent for an interrupted batch.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal, Protocol, TypeAlias

import attrs

from .config import Config, InterruptPolicy, ResponseOptions
from .events import (
    AssistantAudioDelta,
    AssistantTurnCompleted,
    AssistantTurnStarted,
    Error,
    Interrupted,
    RealtimeEvent,
    ToolBatchSubmitted,
    ToolCallCompleted,
    ToolCallDispatched,
    ToolCallFailed,
    UserSpeechStarted,
)
from .protocol.signals import (
    AssistantItemAdded,
    Decoded,
    ResponseRejected,
    SessionSettings,
    ToolCallReady,
)
from .tools import Tool, ToolArgumentsError, ToolRegistry, encode_error

__all__ = [
    "Action",
    "Codec",
    "InterruptBatch",
    "PlaybackSource",
    "Publish",
    "SealBatch",
    "Send",
    "StartCall",
    "TurnMachine",
]


class Codec(Protocol):
    """What the machine needs from a protocol codec (encoders and received-audio counts)."""

    def create_response(self, options: ResponseOptions | None = None) -> str: ...
    def cancel_response(self, response_id: str | None = None) -> str: ...
    def tool_output(self, call_id: str, output: str) -> str: ...
    def truncate(self, item_id: str, audio_end_ms: int) -> str: ...
    def delete_item(self, item_id: str) -> str: ...
    def received_ms(self, item_id: str) -> float: ...


class PlaybackSource(Protocol):
    """Where the application reports how much of an item it has played."""

    def played_ms(self, item_id: str) -> float | None: ...


@attrs.frozen
class Publish:
    """Publish ``event`` to the session's consumers."""

    event: RealtimeEvent


@attrs.frozen
class Send:
    """Send a control message (already encoded) to the server."""

    message: str


@attrs.frozen
class StartCall:
    """Run ``tool`` with ``args`` as part of ``turn_id``'s batch."""

    turn_id: str
    call_id: str
    tool: Tool
    args: Mapping[str, Any]


@attrs.frozen
class InterruptBatch:
    """``turn_id`` was interrupted: tell its tools, and cancel its batch scope if ``cancel``."""

    turn_id: str
    cancel: bool


@attrs.frozen
class SealBatch:
    """No more calls will join ``turn_id``'s batch."""

    turn_id: str


Action: TypeAlias = "Publish | Send | StartCall | InterruptBatch | SealBatch"


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
    first_audio: dict[str, float] = attrs.Factory(dict)


class TurnMachine:
    """Response, tool-batch and interruption state of one session (see the module docstring)."""

    def __init__(self, config: Config, codec: Codec, playback: PlaybackSource | None = None):
        self._codec = codec
        self._playback = playback
        self._requested = False  # a response.create is out, its response.created not yet in
        self._active: set[str] = set()  # responses in progress (out-of-band ones too)
        self._queued = False
        self._queued_options: ResponseOptions | None = None
        self._turns: dict[str, _Turn] = {}
        self._current: _Turn | None = None
        self._settings = SessionSettings(
            turn_detection=False, create_response=False, interrupt_response=False
        )
        self._response_tools: dict[str, Tool] = {}  # tools given per response (ResponseOptions)
        self.dropped_audio_deltas = 0
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
        """``idle``, ``requested`` (create sent, not started) or ``active``."""
        if self._active:
            return "active"
        return "requested" if self._requested else "idle"

    @property
    def current_turn_id(self) -> str | None:
        """The most recent assistant turn, if any."""
        return self._current.turn_id if self._current else None

    # -- server input -----------------------------------------------------------------------

    def apply(self, item: Decoded, now: float) -> list[Action]:
        """Fold one decoded event or signal in; return the actions it causes, in order."""
        if isinstance(item, AssistantAudioDelta):
            turn = self._turns.get(item.turn_id)
            if turn is not None:
                if turn.interrupted:
                    self.dropped_audio_deltas += 1
                    return []
                turn.first_audio.setdefault(item.item_id, now)
            return [Publish(item)]
        if isinstance(item, AssistantTurnStarted):
            self._requested = False
            self._active.add(item.turn_id)
            turn = self._turns.get(item.turn_id)
            if turn is None:  # (a repeated response.created keeps the turn it already has)
                turn = self._turns[item.turn_id] = _Turn(item.turn_id)
            self._current = turn
            self._forget_old_turns()
            return [Publish(item)]
        if isinstance(item, AssistantTurnCompleted):
            return self._on_response_done(item)
        if isinstance(item, UserSpeechStarted):
            return self.interrupt("barge_in", now, cause=item)
        if isinstance(item, ToolCallReady):
            return self._on_call_ready(item)
        if isinstance(item, AssistantItemAdded):
            turn = self._turns.get(item.turn_id)
            if turn is not None:
                turn.items.append(item.item_id)
            return []
        if isinstance(item, ResponseRejected):
            self._requested = False
            return []
        if isinstance(item, SessionSettings):
            self._settings = item
            return []
        return [Publish(item)]

    def _on_response_done(self, event: AssistantTurnCompleted) -> list[Action]:
        if event.turn_id in self._active:
            self._active.discard(event.turn_id)
        elif not self._active:  # a done whose start we never saw still ends what we asked for
            self._requested = False
        actions: list[Action] = []
        turn = self._turns.get(event.turn_id)
        if turn is not None:
            turn.active = False
            turn.done = True
            turn.status = event.status
            if turn.calls:
                actions.append(SealBatch(turn.turn_id))
        actions.append(Publish(event))
        if turn is not None:
            actions += self._maybe_submit(turn)
        if self._queued:
            actions += self.request_response(None)
        return actions

    def _on_call_ready(self, ready: ToolCallReady) -> list[Action]:
        turn = self._turns.get(ready.turn_id)
        if turn is None:  # a call for a turn we never saw start: adopt it
            turn = self._turns[ready.turn_id] = _Turn(ready.turn_id)
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
        return [StartCall(turn.turn_id, ready.call_id, tool, args), Publish(dispatched)]

    def _fail_now(self, turn: _Turn, call_id: str, message: str) -> list[Action]:
        turn.outputs[call_id] = encode_error(message)
        return [self._failed(turn, call_id, message), *self._maybe_submit(turn)]

    def _failed(self, turn: _Turn, call_id: str, message: str) -> Publish:
        name = turn.calls.get(call_id, "")
        return Publish(
            ToolCallFailed(turn_id=turn.turn_id, call_id=call_id, name=name, error=message)
        )

    # -- tool outcomes ----------------------------------------------------------------------

    def call_succeeded(self, turn_id: str, call_id: str, result: Any, output: str) -> list[Action]:
        """A call returned ``result`` (wire ``output`` already encoded)."""
        turn = self._turns.get(turn_id)
        if turn is None:
            return []
        turn.pending.discard(call_id)
        turn.outputs[call_id] = output
        name = turn.calls.get(call_id, "")
        event = ToolCallCompleted(turn_id=turn_id, call_id=call_id, name=name, result=result)
        return [Publish(event), *self._maybe_submit(turn)]

    def call_failed(self, turn_id: str, call_id: str, message: str) -> list[Action]:
        """A call raised, timed out or returned something unencodable."""
        turn = self._turns.get(turn_id)
        if turn is None:
            return []
        turn.pending.discard(call_id)
        turn.outputs[call_id] = encode_error(message)
        return [self._failed(turn, call_id, message), *self._maybe_submit(turn)]

    def call_cancelled(self, turn_id: str, call_id: str, message: str) -> list[Action]:
        """A call was cancelled (interruption or close): it fails and never gets an output."""
        turn = self._turns.get(turn_id)
        if turn is None:
            return []
        turn.pending.discard(call_id)
        return [self._failed(turn, call_id, message), *self._maybe_submit(turn)]

    def _maybe_submit(self, turn: _Turn) -> list[Action]:
        if turn.closed or turn.pending or not turn.calls:
            return []
        if not turn.interrupted and not turn.done:
            return []  # wait for response.done: the model may still add calls
        turn.closed = True
        if turn.interrupted and self._config.on_interrupt is InterruptPolicy.DROP:
            return []
        call_ids = tuple(c for c in turn.calls if c in turn.outputs)
        if not call_ids:
            return []
        actions: list[Action] = [
            Send(self._codec.tool_output(c, turn.outputs[c])) for c in call_ids
        ]
        actions.append(Publish(ToolBatchSubmitted(turn_id=turn.turn_id, call_ids=call_ids)))
        if not turn.interrupted and turn.status == "completed":
            actions += self.request_response(None)
        return actions

    # -- commands ---------------------------------------------------------------------------

    def request_response(self, options: ResponseOptions | None) -> list[Action]:
        """Ask for a response: sent now when idle, else queued and coalesced."""
        if options is not None and options.tools:
            self._response_tools.update((tool.name, tool) for tool in options.tools)
        if not self._requested and not self._active:
            self._requested = True
            options = options if options is not None else self._queued_options
            self._queued, self._queued_options = False, None
            return [Send(self._codec.create_response(options))]
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
        return [Send(self._codec.cancel_response(turn_id))]

    def interrupt(
        self,
        reason: Literal["barge_in", "manual", "error"],
        now: float,
        *,
        cause: RealtimeEvent | None = None,
    ) -> list[Action]:
        """Interrupt the live assistant turn, if there is one (otherwise a no-op).

        The effects (``response.cancel``, truncation, the batch's interruption) come before the
        events (``cause``, then ``interrupted``), so they happen when the interruption is seen,
        not when a consumer gets to the events. A barge-in also drops a queued response
        request: the user's new turn drives the next response.
        """
        published: list[Action] = [Publish(cause)] if cause is not None else []
        turn = self._current
        if turn is None or turn.interrupted or not self._is_live(turn, now):
            return published
        turn.interrupted = True
        actions: list[Action] = []
        server_cancels = self._settings.turn_detection and self._settings.interrupt_response
        if turn.active and (reason != "barge_in" or not server_cancels):
            actions.append(Send(self._codec.cancel_response(turn.turn_id)))
        actions += self._truncate(turn, now)
        cancel = bool(turn.pending) and self._config.on_interrupt is not InterruptPolicy.SUBMIT
        actions.append(InterruptBatch(turn.turn_id, cancel=cancel))
        if reason == "barge_in":
            self._queued, self._queued_options = False, None
        actions += published
        actions.append(Publish(Interrupted(turn_id=turn.turn_id, reason=reason)))
        actions += self._maybe_submit(turn)
        return actions

    def close(self) -> list[Action]:
        """The session is closing: cancel every running batch."""
        return [InterruptBatch(t.turn_id, cancel=True) for t in self._turns.values() if t.pending]

    # -- playback and truncation ------------------------------------------------------------

    def _played_ms(self, turn: _Turn, item_id: str, now: float) -> float:
        reported = self._playback.played_ms(item_id) if self._playback is not None else None
        if reported is not None:
            return reported
        first = turn.first_audio.get(item_id)
        return 0.0 if first is None else (now - first) * 1000

    def _audio_item(self, turn: _Turn) -> str | None:
        with_audio = [item for item in turn.items if item in turn.first_audio]
        with_audio += [item for item in turn.first_audio if item not in with_audio]
        if with_audio:
            return with_audio[-1]
        return turn.items[-1] if turn.items else None

    def _is_live(self, turn: _Turn, now: float) -> bool:
        if turn.active or turn.pending:
            return True
        item = self._audio_item(turn)
        if item is None or item not in turn.first_audio:
            return False
        return self._played_ms(turn, item, now) < self._codec.received_ms(item)

    def _truncate(self, turn: _Turn, now: float) -> list[Action]:
        if not self._config.audio_output:
            return []
        item = self._audio_item(turn)
        if item is None:
            return []
        received = self._codec.received_ms(item)
        played = math.floor(self._played_ms(turn, item, now))
        if played <= 0:
            # Nothing was heard: remove the item (the server has it, we saw it added).
            return [Send(self._codec.delete_item(item))] if item in turn.items else []
        if played >= received:
            return []  # everything received was heard: nothing to cut
        return [Send(self._codec.truncate(item, played))]

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


def error_is_fatal(event: Error) -> bool:
    """True for an error after which the provider ends the session."""
    return not event.recoverable
