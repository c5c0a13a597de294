"""A real session under random interleavings, checked on the wire and on the event stream.

Each example is a program: a ``RealtimeSession`` over ``MemoryGateway`` (the peer plays the
server frame by frame) on trio's virtual clock, driven by a random sequence of server frames
(responses, audio, tool calls, response.done with any status, VAD barge-ins, rejections),
application commands (``interrupt()``, ``create_response()``, answers to app-answered tools with
``send_tool_result``/``send_tool_error``), the clock (a function tool that takes 1.5 s, a 5 s
tool timeout), and an ending (``aclose()``, a server close, a dropped connection, or leaving
``connect()``). Every frame the client sends and receives is logged in the client's order.

What must hold, whatever the program:

- no event after ``session_closed``, which comes exactly once and ends the stream;
- every ``tool_call_dispatched`` has exactly one ``tool_call_completed`` or
  ``tool_call_failed``, and no call is dispatched twice;
- never two ``response.create`` without a ``response.done`` (or the server's rejection of the
  first) received in between;
- tool outputs on the wire are exactly those of ``tool_batch_submitted`` events, once each, and
  never for a cancelled call; after a ``drop`` interruption nothing of that turn is submitted;
- no audio of an interrupted turn is published after its ``interrupted``;
- the session ends cleanly: ``connect()`` returns, nothing is left running.
"""

from __future__ import annotations

from typing import Any

import attrs
import orjson
import trio
import trio.testing
from hypothesis import given
from hypothesis import strategies as st

import trio_realtime as rt
from trio_realtime.testing import MemoryGateway, ScriptedPeer, frames
from trio_realtime.transport import Transport, TransportClosed

from ._budget import budget

# -- the client's view of the wire -------------------------------------------------------------


class LoggingTransport:
    """Delegates to the client's transport, logging ``("sent"|"received", frame)`` in order."""

    def __init__(self, inner: Transport, log: list[tuple[str, dict[str, Any]]]) -> None:
        self._inner = inner
        self._log = log

    @property
    def closed(self) -> Any:
        return self._inner.closed

    async def send_message(self, message: str | bytes) -> None:
        await self._inner.send_message(message)
        self._log.append(("sent", orjson.loads(message)))

    async def receive_message(self) -> str | bytes:
        message = await self._inner.receive_message()
        self._log.append(("received", orjson.loads(message)))
        return message

    async def aclose(self, code: int = 1000, reason: str = "") -> None:
        await self._inner.aclose(code, reason)

    def statistics(self) -> Any:
        return self._inner.statistics()


class LoggingGateway(MemoryGateway):
    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.log: list[tuple[str, dict[str, Any]]] = []

    async def open_transport(self, nursery: trio.Nursery, model: str) -> Transport:
        inner = await super().open_transport(nursery, model)
        return LoggingTransport(inner, self.log)  # type: ignore[return-value]


# -- the tools -------------------------------------------------------------------------------

LOOKUP = rt.Tool(name="lookup", description="Answered by the app.", parameters={"type": "object"})


async def slow() -> str:
    """Takes a second and a half."""
    await trio.sleep(1.5)
    return "slow done"


# -- programs --------------------------------------------------------------------------------

Step = tuple[Any, ...]
STEP = st.one_of(
    st.just(("created",)),
    st.tuples(st.just("audio"), st.integers(1, 12)),
    st.just(("text",)),
    st.tuples(
        st.just("call"),
        st.sampled_from(["lookup", "lookup", "slow", "launch"]),
        st.sampled_from(["{}", "{}", "{not json"]),
    ),
    st.tuples(st.just("done"), st.sampled_from(["completed", "completed", "cancelled", "failed"])),
    st.just(("speech",)),
    st.just(("reject",)),
    st.just(("interrupt",)),
    st.just(("respond",)),
    st.tuples(st.just("answer"), st.integers(0, 3), st.booleans()),
    st.tuples(st.just("wait"), st.sampled_from([0.2, 1.0, 2.0, 6.0])),
)
PROGRAM = st.lists(STEP, max_size=30)
ENDING = st.sampled_from(["aclose", "server_close", "drop", "leave"])


@attrs.define
class Run:
    """What one program did and saw."""

    events: list[rt.SessionEvent] = attrs.Factory(list)
    log: list[tuple[str, dict[str, Any]]] = attrs.Factory(list)
    after_close: list[rt.SessionEvent] = attrs.Factory(list)


class Server:
    """The peer's side of the program: response ids, the current response, its item."""

    def __init__(self, peer: ScriptedPeer, log: list[tuple[str, dict[str, Any]]]) -> None:
        self.peer = peer
        self.log = log
        self.responses = self.calls = 0
        self.current: str | None = None
        self.has_item = False

    async def step(self, step: Step) -> None:
        kind, peer, rid = step[0], self.peer, self.current
        if kind == "created":
            self.responses += 1
            self.current, self.has_item = f"resp_{self.responses}", False
            await peer.send(frames.response_created(self.current))
        elif kind in ("audio", "text") and rid is not None:
            item = f"item_{rid}"
            if not self.has_item:
                self.has_item = True
                await peer.send(frames.message_added(rid, item))
            if kind == "text":
                await peer.send(frames.transcript_delta(rid, item, "hi "))
            else:
                await peer.send(frames.audio_delta(rid, item, b"\x01\x00" * 480 * step[1]))
        elif kind == "call" and rid is not None:
            self.calls += 1
            call_id, name, arguments = f"call_{self.calls}", step[1], step[2]
            await peer.send(
                frames.call_added(rid, call_id, name),
                frames.call_done(rid, call_id, name, arguments),
            )
        elif kind == "done" and rid is not None:
            self.current = None
            await peer.send(frames.response_done(rid, step[1]))
        elif kind == "speech":
            await peer.send(frames.speech_started())
        elif kind == "reject":
            creates = [f for way, f in self.log if way == "sent" and f["type"] == "response.create"]
            if creates:
                event_id = creates[-1]["event_id"]
                code = "conversation_already_has_active_response"
                await peer.send(frames.error(code, "busy", event_id=event_id))


def pending_app_calls(events: list[rt.SessionEvent]) -> list[str]:
    ended = {e.call_id for e in events if isinstance(e, rt.ToolCallCompleted | rt.ToolCallFailed)}
    return [
        e.call_id
        for e in events
        if isinstance(e, rt.ToolCallDispatched) and e.name == "lookup" and e.call_id not in ended
    ]


async def play(program: list[Step], ending: str, config: rt.Config, run: Run) -> None:
    gateway = LoggingGateway()
    run.log = gateway.log
    closed = trio.Event()

    async def consume(session: rt.RealtimeSession) -> None:
        async for event in session.events():
            (run.after_close if closed.is_set() else run.events).append(event)
            if isinstance(event, rt.SessionClosed):
                closed.set()

    async def drain(peer: ScriptedPeer) -> None:
        try:
            while True:
                await peer.receive()
        except TransportClosed:
            pass

    async with trio.open_nursery() as outer:
        async with rt.open_session("gpt-realtime", gateway=gateway, config=config) as session:
            peer = gateway.last_peer
            assert peer is not None
            outer.start_soon(drain, peer)
            outer.start_soon(consume, session)
            server = Server(peer, gateway.log)
            clock = trio.lowlevel.current_clock()
            assert isinstance(clock, trio.testing.MockClock)
            for step in program:
                kind = step[0]
                if kind == "interrupt":
                    await session.interrupt()
                elif kind == "respond":
                    await session.create_response()
                elif kind == "answer":
                    waiting = pending_app_calls(run.events)
                    if waiting:
                        call_id = waiting[step[1] % len(waiting)]
                        if step[2]:
                            await session.send_tool_result(call_id, {"answer": 42})
                        else:
                            await session.send_tool_error(call_id, "no luck")
                elif kind == "wait":
                    clock.jump(step[1])
                else:
                    await server.step(step)
                await trio.testing.wait_all_tasks_blocked()
            clock.autojump_threshold = 0  # from here on, every timeout may pass
            if ending == "aclose":
                await session.aclose()
            elif ending == "server_close":
                await peer.close(1000, "bye")
                await closed.wait()
            elif ending == "drop":
                peer.drop()
                await closed.wait()
        await closed.wait()


# -- the properties ---------------------------------------------------------------------------


def _answers(frame: dict[str, Any], create: str | None) -> bool:
    """Whether a server frame ends the wait for our ``response.create`` (id ``create``)."""
    if frame["type"] == "response.done":
        return True
    return frame["type"] == "error" and frame["error"].get("event_id") == create


def check(run: Run, config: rt.Config) -> None:
    events, log = run.events, run.log
    assert not run.after_close, f"events after session_closed: {run.after_close}"
    assert isinstance(events[-1], rt.SessionClosed)
    assert sum(isinstance(e, rt.SessionClosed) for e in events) == 1

    dispatched = [e.call_id for e in events if isinstance(e, rt.ToolCallDispatched)]
    assert len(dispatched) == len(set(dispatched)), f"dispatched twice: {dispatched}"
    outcomes: dict[str, list[str]] = {}
    for e in events:
        if isinstance(e, rt.ToolCallCompleted | rt.ToolCallFailed):
            outcomes.setdefault(e.call_id, []).append(e.kind)
    for call_id in dispatched:
        assert len(outcomes.get(call_id, [])) == 1, f"{call_id}: {outcomes.get(call_id)}"
    assert all(len(v) == 1 for v in outcomes.values()), outcomes

    # at most one response.create in flight
    open_create: str | None = None
    for way, frame in log:
        if way == "sent" and frame["type"] == "response.create":
            wire = [f"{w} {f['type']}" for w, f in log]
            assert open_create is None, f"a second response.create before a response.done: {wire}"
            open_create = frame["event_id"]
        elif way == "received" and _answers(frame, open_create):
            open_create = None

    # tool outputs: exactly what was submitted, once, never for cancelled calls
    submitted: dict[str, str] = {}
    for e in events:
        if isinstance(e, rt.ToolBatchSubmitted):
            for call_id in e.call_ids:
                assert call_id not in submitted, f"{call_id} submitted twice"
                submitted[call_id] = e.turn_id
    wire = [
        f["item"]["call_id"]
        for way, f in log
        if way == "sent"
        and f["type"] == "conversation.item.create"
        and f["item"]["type"] == "function_call_output"
    ]
    assert len(wire) == len(set(wire)), f"an output sent twice: {wire}"
    assert set(wire) <= set(submitted), f"outputs {set(wire) - set(submitted)} never submitted"
    cancelled = {
        e.call_id for e in events if isinstance(e, rt.ToolCallFailed) and "interrupted" in e.error
    }
    assert not cancelled & set(wire), f"cancelled calls got outputs: {cancelled & set(wire)}"

    interrupted: set[str] = set()
    for e in events:
        if isinstance(e, rt.Interrupted):
            assert e.turn_id not in interrupted, "interrupted twice"
            interrupted.add(e.turn_id)
        elif isinstance(e, rt.AssistantAudioDelta):
            assert e.turn_id not in interrupted, "audio of an interrupted turn was published"
        elif isinstance(e, rt.ToolBatchSubmitted) and e.turn_id in interrupted:
            assert config.on_interrupt is not rt.InterruptPolicy.DROP, "submitted after a drop"


@budget(300)
@given(
    program=PROGRAM,
    ending=ENDING,
    policy=st.sampled_from(list(rt.InterruptPolicy)),
    vad=st.booleans(),
    audio=st.booleans(),
)
def test_a_session_keeps_its_promises(
    program: list[Step], ending: str, policy: rt.InterruptPolicy, vad: bool, audio: bool
) -> None:
    config = rt.Config(
        modalities=["audio"] if audio else ["text"],
        turn_detection=rt.ServerVad() if vad else None,
        tools=[LOOKUP, slow],
        tool_timeout=5.0,
        on_interrupt=policy,
    )
    run = Run()

    async def main() -> None:
        with trio.fail_after(600):  # virtual: a hang becomes a failure, not a stuck test
            await play(program, ending, config, run)

    # The watchdog jumps the clock only when everything has been stuck for a real second.
    trio.run(main, clock=trio.testing.MockClock(autojump_threshold=1.0))
    check(run, config)
