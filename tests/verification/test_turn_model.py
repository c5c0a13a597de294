"""The turn machine against a reference model: random interleavings, invariants after each step.

A hypothesis ``RuleBasedStateMachine`` drives :class:`TurnMachine` directly (plain data, no
trio): server events in any order a server may send them (responses started by us or by its
VAD, audio, tool calls, withdrawn calls, rejections, barge-ins), the application's commands
(request, cancel, interrupt), tool outcomes as the batch runner reports them (success, failure,
cancellation once a batch or call was cancelled), the clock, and (ending every run) the close.
Every action the machine returns is checked against what must hold:

- every accepted call (dispatched, or failed at once) ends with exactly one outcome, and is
  dispatched at most once;
- at most one ``response.create`` in flight: none is sent while one is requested or active;
- a follow-up ``response.create`` comes only after a completed, uninterrupted turn;
- tool outputs go out once per call, only for calls that finished (never for cancelled ones),
  only once the turn is done or interrupted, exactly as ``tool_batch_submitted`` names them;
  after a ``drop`` interruption nothing of that turn is submitted;
- no audio of an interrupted turn is published; ``interrupted`` once per turn;
- a truncation cuts strictly inside the audio received for that item.
"""

from __future__ import annotations

from typing import Any

import attrs
import orjson
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from trio_realtime._actions import CancelCalls, InterruptBatch, SealBatch, Send, StartCall
from trio_realtime._turns import TurnMachine
from trio_realtime.config import Config, InterruptPolicy, ServerVad
from trio_realtime.events import (
    AssistantAudioDelta,
    AssistantTextDelta,
    AssistantTurnCompleted,
    AssistantTurnStarted,
    Interrupted,
    ToolBatchSubmitted,
    ToolCallCompleted,
    ToolCallDispatched,
    ToolCallFailed,
    UserSpeechStarted,
)
from trio_realtime.protocol import (
    AssistantItemAdded,
    OpenAIProtocol,
    ResponseRejected,
    SessionSettings,
    ToolCallReady,
    ToolCallsCancelled,
)
from trio_realtime.tools import Tool

from ._budget import budget


def get_weather(city: str) -> str:
    """Weather in a city."""
    return city


LOOKUP = Tool(name="lookup", description="Answered by the app.", parameters={"type": "object"})
STATUSES = ["completed", "completed", "cancelled", "failed", "incomplete"]


class Playback:
    def __init__(self) -> None:
        self.played: dict[str, float] = {}

    def played_ms(self, item_id: str) -> float | None:
        return self.played.get(item_id)


@attrs.define
class ModelTurn:
    active: bool = True
    done: bool = False
    status: str = ""
    interrupted: bool = False
    submitted: bool = False
    items: list[str] = attrs.Factory(list)


class TurnMachineModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0
        self.closed = False
        self.next_turn = self.next_call = self.next_item = 0
        self.turns: dict[str, ModelTurn] = {}
        self.current: str | None = None
        self.requested = False
        self.queued = False  # the application asked for a response while one was live
        self.rejected = False
        self.active: set[str] = set()
        self.call_turn: dict[str, str] = {}  # every call the machine accepted -> its turn
        self.dispatched: dict[str, int] = {}
        self.outcomes: dict[str, list[str]] = {}
        self.outputs: dict[str, int] = {}
        self.running: dict[str, str] = {}  # StartCall given, not yet reported by the "runner"
        self.doomed: set[str] = set()  # running calls whose scope was cancelled
        self.received: dict[str, int] = {}  # item -> samples published
        self.withdrawn: set[str] = set()  # calls the server withdrew

    # -- setup ------------------------------------------------------------------------------

    @initialize(
        policy=st.sampled_from(list(InterruptPolicy)),
        audio=st.booleans(),
        vad=st.sampled_from([None, (True, True), (True, False), (False, True)]),
        calls=st.sampled_from([None, 0, 1, 2]),
    )
    def setup(
        self,
        policy: InterruptPolicy,
        audio: bool,
        vad: tuple[bool, bool] | None,
        calls: int | None,
    ) -> None:
        """A configuration; half the runs start inside a response with running calls."""
        turn_detection = None
        if vad is not None:
            turn_detection = ServerVad(create_response=vad[0], interrupt_response=vad[1])
        config = Config(
            modalities=["audio"] if audio else ["text"],
            turn_detection=turn_detection,
            tools=[get_weather, LOOKUP],
            on_interrupt=policy,
        )
        self.policy = policy
        self.server_cancels = vad is not None and vad[1]  # its VAD cancels on barge-in
        self.playback = Playback()
        self.machine = TurnMachine(config, OpenAIProtocol(config), self.playback)
        if calls is not None:
            self.server_starts_a_response(again=False)
            for _ in range(calls):
                self.server_calls_a_tool("lookup", "{}")

    # -- feeding the machine, checking what comes out ----------------------------------------

    def feed(self, item: Any) -> None:
        if isinstance(item, AssistantTurnStarted):
            self.requested = False
            self.active.add(item.turn_id)
        elif isinstance(item, ResponseRejected):
            self.requested = False
            self.rejected = self.queued  # the queued request then waits for the next done
        elif isinstance(item, AssistantTurnCompleted):
            if item.turn_id in self.active:
                self.active.discard(item.turn_id)
            elif not self.active:
                self.requested = False
        self.check(self.machine.apply(item, self.now), cause=item)

    def check(self, actions: list[Any], cause: Any = None) -> None:
        batch_outputs: list[str] = []
        previous: Any = None
        sent = [orjson.loads(a.message)["type"] for a in actions if isinstance(a, Send)]
        for action in actions:
            if isinstance(action, Interrupted) and self.turns[action.turn_id].active:
                by_server = action.reason == "barge_in" and self.server_cancels
                assert by_server or "response.cancel" in sent, "an interrupted response goes on"
            if isinstance(action, Send):
                self.check_send(orjson.loads(action.message), batch_outputs, previous)
            elif isinstance(action, StartCall):
                assert action.call_id not in self.running
                self.running[action.call_id] = action.turn_id
            elif isinstance(action, InterruptBatch):
                running = any(t == action.turn_id for t in self.running.values())
                keep = self.policy is InterruptPolicy.SUBMIT
                assert action.cancel == (running and not keep), f"{action} under {self.policy}"
                if action.cancel:
                    self.doomed |= {c for c, t in self.running.items() if t == action.turn_id}
            elif isinstance(action, CancelCalls):
                self.doomed |= {c for c in action.call_ids if c in self.running}
            elif isinstance(action, SealBatch):
                pass
            else:
                self.check_event(action, batch_outputs)
            previous = action
        assert not batch_outputs, f"outputs {batch_outputs} sent without tool_batch_submitted"

    def check_send(self, wire: dict[str, Any], batch_outputs: list[str], previous: Any) -> None:
        kind = wire["type"]
        if kind == "response.create":
            assert not self.requested, "a second response.create while one is requested"
            assert not self.active, f"response.create while {self.active} is active"
            self.requested = True
            if isinstance(previous, ToolBatchSubmitted):  # a batch's follow-up, or a queued one
                turn = self.turns[previous.turn_id]
                follow_up = not turn.interrupted and turn.done and turn.status == "completed"
                assert follow_up or self.queued, "a follow-up after an unfinished turn"
            self.queued = self.rejected = False
        elif kind == "conversation.item.create" and wire["item"]["type"] == "function_call_output":
            call_id = wire["item"]["call_id"]
            turn = self.turns[self.call_turn[call_id]]
            assert self.outputs.get(call_id, 0) == 0, f"a second output for {call_id}"
            assert self.outcomes.get(call_id, ["?"])[0] in ("completed", "failed")
            assert turn.done or turn.interrupted, "an output before the response was done"
            if turn.interrupted:
                assert self.policy is not InterruptPolicy.DROP, "submitted after a drop"
            self.outputs[call_id] = 1
            batch_outputs.append(call_id)
        elif kind == "conversation.item.truncate":
            item, end = wire["item_id"], wire["audio_end_ms"]
            assert 0 < end < self.received.get(item, 0) * 1000 / 24000

    def check_event(self, event: Any, batch_outputs: list[str]) -> None:
        if isinstance(event, ToolCallDispatched):
            self.call_turn[event.call_id] = event.turn_id
            self.dispatched[event.call_id] = self.dispatched.get(event.call_id, 0) + 1
            assert self.dispatched[event.call_id] == 1, f"{event.call_id} dispatched twice"
        elif isinstance(event, ToolCallCompleted | ToolCallFailed):
            self.call_turn.setdefault(event.call_id, event.turn_id)
            kind = "completed" if isinstance(event, ToolCallCompleted) else "failed"
            if isinstance(event, ToolCallFailed) and event.call_id in self.cancelled_now:
                kind = "cancelled"
            done = self.outcomes.setdefault(event.call_id, [])
            done.append(kind)
            assert len(done) == 1, f"{event.call_id} has outcomes {done}"
        elif isinstance(event, ToolBatchSubmitted):
            turn = self.turns[event.turn_id]
            assert not turn.submitted and event.call_ids
            assert list(event.call_ids) == batch_outputs
            turn.submitted = True
            batch_outputs.clear()
        elif isinstance(event, Interrupted):
            turn = self.turns[event.turn_id]
            assert not turn.interrupted, "interrupted twice"
            turn.interrupted = True
            if event.reason == "barge_in":
                self.queued = False  # the user's new turn drives the next response
        elif isinstance(event, AssistantAudioDelta):
            turn = self.turns[event.turn_id]
            assert not turn.interrupted, "audio of an interrupted turn was published"
            self.received[event.item_id] = self.received.get(event.item_id, 0) + len(event.pcm) // 2
        elif isinstance(event, AssistantTurnStarted):
            assert event.turn_id in self.turns
        elif isinstance(event, AssistantTurnCompleted):
            turn = self.turns[event.turn_id]
            assert not turn.done, "a turn completed twice"
            turn.done, turn.active, turn.status = True, False, event.status

    cancelled_now: frozenset[str] = frozenset()

    # -- the server -----------------------------------------------------------------------------

    @rule(again=st.sampled_from([False, False, False, True]))
    def server_starts_a_response(self, again: bool) -> None:
        if again and self.active:  # a repeated response.created for one in progress
            self.feed(AssistantTurnStarted(turn_id=sorted(self.active)[0]))
            return
        self.next_turn += 1
        turn_id = f"r{self.next_turn}"
        self.turns[turn_id] = ModelTurn()
        self.current = turn_id
        self.feed(AssistantTurnStarted(turn_id=turn_id))

    @precondition(lambda self: self.current in self.active)
    @rule(ms=st.integers(0, 400), new_item=st.booleans())
    def server_sends_audio_or_text(self, ms: int, new_item: bool) -> None:
        assert self.current is not None
        turn = self.turns[self.current]
        if ms == 0:
            self.feed(AssistantTextDelta(turn_id=self.current, item_id="t", delta="hi"))
            return
        if new_item or not turn.items:
            self.next_item += 1
            turn.items.append(f"i{self.next_item}")
            self.feed(AssistantItemAdded(turn_id=self.current, item_id=turn.items[-1]))
        pcm = b"\x01\x00" * (24 * ms)
        item = turn.items[-1]
        self.feed(
            AssistantAudioDelta(turn_id=self.current, item_id=item, pcm=pcm, sample_rate=24000)
        )

    @precondition(lambda self: self.current in self.active)
    @rule(
        name=st.sampled_from(["get_weather", "lookup", "lookup", "launch"]),
        arguments=st.sampled_from(['{"city": "Oslo"}', '{"city": "Oslo"}', "{}", "{not json"]),
    )
    def server_calls_a_tool(self, name: str, arguments: str) -> None:
        assert self.current is not None
        self.next_call += 1
        call_id = f"c{self.next_call}"
        if self.turns[self.current].interrupted:  # too late: it fails without an output
            self.cancelled_now = frozenset({call_id})
        try:
            self.feed(
                ToolCallReady(turn_id=self.current, call_id=call_id, name=name, arguments=arguments)
            )
        finally:
            self.cancelled_now = frozenset()

    @rule(index=st.integers(0, 20), status=st.sampled_from([*STATUSES, "ghost"]))
    def server_finishes_a_response(self, index: int, status: str) -> None:
        if status == "ghost" or not self.active:  # a response.done nobody announced
            self.feed(AssistantTurnCompleted(turn_id="ghost", status="completed"))
            return
        active = sorted(self.active)
        turn_id = active[index % len(active)]
        self.feed(AssistantTurnCompleted(turn_id=turn_id, status=status))  # type: ignore[arg-type]

    @rule()
    def server_hears_the_user(self) -> None:
        self.feed(UserSpeechStarted(at_ms=int(self.now * 1000), item_id="u"))

    @rule(
        kind=st.sampled_from(["withdraw", "reject", "settings"]),
        flags=st.tuples(st.booleans(), st.booleans(), st.booleans()),
        data=st.data(),
    )
    def server_sends_something_rarer(
        self, kind: str, flags: tuple[bool, bool, bool], data: st.DataObject
    ) -> None:
        if kind == "withdraw" and self.call_turn:  # e.g. Gemini's toolCallCancellation
            ids = data.draw(st.lists(st.sampled_from(sorted(self.call_turn)), min_size=1))
            self.withdrawn.update(ids)
            self.feed(ToolCallsCancelled(call_ids=tuple(ids)))
        elif kind == "reject" and self.requested:
            self.feed(ResponseRejected(event_id="cli"))
        elif kind == "settings":
            vad, create, interrupt = flags
            self.server_cancels = vad and interrupt
            self.feed(
                SessionSettings(
                    turn_detection=vad, create_response=create, interrupt_response=interrupt
                )
            )

    # -- the application ---------------------------------------------------------------------

    @rule()
    def app_requests_a_response(self) -> None:
        actions = self.machine.request_response(None)
        if not actions:
            self.queued = True
        self.check(actions)

    @rule(cancel=st.sampled_from([False, False, True]))
    def app_interrupts(self, cancel: bool) -> None:
        if cancel:
            self.check(self.machine.cancel_response())
        else:
            self.check(self.machine.interrupt("manual", self.now))

    @rule(seconds=st.floats(0.001, 2.0), played=st.sampled_from([None, 0.0, 0.5, 1.0, 2.0]))
    def time_passes(self, seconds: float, played: float | None) -> None:
        """The clock moves; maybe the application reports how much of the current item
        played (a fraction of what was received: 1.0 is all of it)."""
        self.now += seconds
        turn = self.turns.get(self.current or "")
        if played is not None and turn is not None and turn.items:
            item = turn.items[-1]
            ms = played * self.received.get(item, 0) * 1000 / 24000
            self.playback.played[item] = max(ms, self.playback.played.get(item, 0.0))

    # -- the batch runner ----------------------------------------------------------------------

    def report(self, call_id: str, outcome: str) -> None:
        turn_id = self.running.pop(call_id)
        self.doomed.discard(call_id)
        if outcome == "completed":
            actions = self.machine.call_succeeded(turn_id, call_id, "ok", '"ok"')
        elif outcome == "failed":
            actions = self.machine.call_failed(turn_id, call_id, "boom")
        else:
            self.cancelled_now = frozenset({call_id})
            actions = self.machine.call_cancelled(turn_id, call_id, "interrupted")
        try:
            self.check(actions)
        finally:
            self.cancelled_now = frozenset()

    @precondition(lambda self: self.running)
    @rule(index=st.integers(0, 20), ok=st.sampled_from([True, True, False]))
    def a_tool_reports(self, index: int, ok: bool) -> None:
        """A running call ends: cancelled if its scope was (it cannot finish), else it
        returns or raises."""
        calls = sorted(self.running)
        call_id = calls[index % len(calls)]
        if call_id in self.doomed:
            self.report(call_id, "cancelled")
        else:
            self.report(call_id, "completed" if ok else "failed")

    def shut_down(self) -> None:
        """What closing does: every running call is cancelled and reports it."""
        self.closed = True
        for call_id in sorted(self.running):
            self.report(call_id, "cancelled")

    # -- invariants ------------------------------------------------------------------------

    @invariant()
    def at_most_one_outcome_and_dispatch(self) -> None:
        assert all(len(v) <= 1 for v in self.outcomes.values())
        assert all(v == 1 for v in self.dispatched.values())

    @invariant()
    def the_machine_agrees_on_the_response_state(self) -> None:
        if not hasattr(self, "machine"):
            return
        state = self.machine.response_state
        assert (state == "active") == bool(self.active)
        assert (state == "requested") == (self.requested and not self.active)

    @invariant()
    def a_queued_request_goes_out_once_nothing_is_live(self) -> None:
        if self.queued and not self.rejected:
            assert self.active or self.requested, "a queued response request was forgotten"

    @invariant()
    def finished_batches_are_submitted(self) -> None:
        """Liveness: once a turn is over (done, or interrupted) and none of its calls runs,
        the outputs of its finished calls went out, unless a drop interruption forbids it."""
        for turn_id, turn in self.turns.items():
            calls = [c for c, t in self.call_turn.items() if t == turn_id]
            if not (turn.done or turn.interrupted) or any(c in self.running for c in calls):
                continue
            finished = [
                c
                for c in calls
                if self.outcomes.get(c, ["?"])[0] in ("completed", "failed")
                and c not in self.withdrawn
            ]
            dropped = turn.interrupted and self.policy is InterruptPolicy.DROP
            if finished and not dropped:
                assert turn.submitted, f"{turn_id}'s outputs {finished} were never sent"

    def teardown(self) -> None:
        if not hasattr(self, "machine"):
            return
        if not self.closed:
            self.shut_down()
        missing = [c for c in self.call_turn if len(self.outcomes.get(c, [])) != 1]
        assert not missing, f"calls without exactly one outcome: {missing}"
        assert not self.running


TestTurnMachineModel = TurnMachineModel.TestCase
TestTurnMachineModel.settings = budget(400, steps=40)
