"""Reconnection (DESIGN 7.6): outages, attempts, the replay, commands meanwhile, renewals.

All on trio's virtual clock over scripted peers: each new connection is a new peer that plays
the handshake by itself, so a test can drop one and watch the next.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
import trio
import trio.testing

import trio_realtime as rt
from trio_realtime.testing import MemoryGateway, ScriptedPeer, frames
from trio_realtime.transport import Transport, memory_transport_pair

EXACT = rt.Reconnect(backoff=(0.5, 8.0), jitter=0, max_attempts=3, command_timeout=5.0)
TEXT = rt.Config(modalities=["text"], turn_detection=None)


class FlakyGateway(MemoryGateway):
    """A MemoryGateway whose next connects can be refused (with an HTTP status, or none)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.refusals: list[int | None] = []
        self.opened: list[float] = []

    async def open_transport(self, nursery: trio.Nursery, model: str) -> Transport:
        self.opened.append(trio.current_time())
        if self.refusals:
            status = self.refusals.pop(0)
            await trio.lowlevel.checkpoint()
            raise rt.RealtimeConnectionError("refused", status=status)
        return await super().open_transport(nursery, model)


async def _until(stream: rt.EventStream, kind: str) -> list[Any]:
    seen = []
    async for event in stream:
        seen.append(event)
        if event.kind == kind:
            return seen
    raise AssertionError(f"the stream ended before {kind}: {[e.kind for e in seen]}")


def _sent(peer: ScriptedPeer) -> list[dict[str, Any]]:
    """Every frame the client sent this peer (read now or before)."""
    peer.pending()
    return list(peer.received)


def _items(frames_: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    out = []
    for frame in frames_:
        if frame["type"] != "conversation.item.create":
            continue
        item = frame["item"]
        if item["type"] == "message":
            out.append((item["role"], item["content"][0]["text"]))
        elif item["type"] == "function_call":
            out.append(("call", item["call_id"], item["name"], item["arguments"]))
        else:
            out.append(("output", item["call_id"], item["output"]))
    return out


async def _text_turn(session: rt.RealtimeSession, peer: ScriptedPeer, rid: str, say: str) -> None:
    await peer.expect("conversation.item.create")
    await peer.expect("response.create")
    await peer.send(*frames.text_turn(rid, f"item_{rid}", say))


async def test_a_drop_reconnects_and_replays_the_conversation(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = FlakyGateway()
    broker = rt.Broker("m", gateway=gateway, config=TEXT, reconnect=EXACT)
    async with broker.connect() as session:
        first = gateway.last_peer
        assert first is not None
        events = session.events()
        await session.send_text("Hello")
        await _text_turn(session, first, "r1", "Hi there.")
        await _until(events, "assistant_turn_completed")
        dropped_at = trio.current_time()
        first.drop()
        seen = await _until(events, "reconnected")
        kinds = [e.kind for e in seen]
        assert kinds == ["reconnecting", "session_opened", "session_updated", "reconnected"]
        assert (seen[0].attempt, seen[0].code) == (1, None)
        assert "without a close frame" in seen[0].reason
        assert seen[-1] == rt.Reconnected(attempt=1, state_restored=True)
        assert gateway.opened[-1] - dropped_at == 0.5  # backoff[0], no jitter
        second = gateway.last_peer
        assert second is not None and second is not first
        await trio.testing.wait_all_tasks_blocked()
        replay = _sent(second)[1:]  # after its session.update
        assert second.received[0]["type"] == "session.update"
        assert _items(replay) == [("user", "Hello"), ("assistant", "Hi there.")]
        await session.send_text("Again")  # the session goes on, on the new connection
        await _text_turn(session, second, "r2", "Sure.")
        await _until(events, "assistant_turn_completed")
        assert session.statistics().reconnects == 1
        history = session.history()
        assert [getattr(i, "text", None) for i in history.items] == [
            "Hello",
            "Hi there.",
            "Again",
            "Sure.",
        ]


async def test_backoff_attempts_and_giving_up(autojump_clock: trio.testing.MockClock) -> None:
    gateway = FlakyGateway()
    broker = rt.Broker("m", gateway=gateway, config=TEXT, reconnect=EXACT)
    async with broker.connect() as session:
        events = session.events()
        gateway.refusals = [503, None, 429]
        start = trio.current_time()
        assert gateway.last_peer is not None
        gateway.last_peer.drop()
        seen = await _until(events, "session_closed")
        assert [e.attempt for e in seen if e.kind == "reconnecting"] == [1, 2, 3]
        assert [t - start for t in gateway.opened[1:]] == [0.5, 0.5 + 1.0, 0.5 + 1.0 + 2.0]
        assert seen[-1].kind == "session_closed" and seen[-1].reason == "error"
        with pytest.raises(rt.SessionClosedError):
            await session.send_text("anyone?")


class DeafGateway(MemoryGateway):
    """A MemoryGateway whose connections after the first take the socket and read nothing."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.deaf: list[Transport] = []  # their ends, kept open
        self.clients: list[Transport] = []  # the session's ends of those connections
        self.opened: list[float] = []

    async def open_transport(self, nursery: trio.Nursery, model: str) -> Transport:
        self.opened.append(trio.current_time())
        if len(self.opened) == 1:
            return await super().open_transport(nursery, model)
        await trio.lowlevel.checkpoint()
        client, server = memory_transport_pair(buffer=0)
        self.deaf.append(server)
        self.clients.append(client)
        return client


async def test_a_new_connection_that_reads_nothing_is_given_up_within_connect_timeout(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = DeafGateway(connect_timeout=4.0)
    broker = rt.Broker("m", gateway=gateway, config=TEXT, reconnect=EXACT)
    async with broker.connect() as session:
        events = session.events()
        await session.send_text("Hello")  # a conversation to restore
        assert gateway.last_peer is not None
        await gateway.last_peer.expect("conversation.item.create")
        gateway.last_peer.drop()
        with trio.fail_after(60):  # (virtual; before the fix this waited forever)
            seen = await _until(events, "session_closed")
        assert [e.attempt for e in seen if e.kind == "reconnecting"] == [1, 2, 3]
        # each attempt: the backoff, then connect_timeout spent on the deaf connection
        gaps = [b - a for a, b in zip(gateway.opened[1:-1], gateway.opened[2:], strict=True)]
        assert gaps == [4.0 + 1.0, 4.0 + 2.0]
        closed = seen[-1]
        assert closed.reason == "error" and "took no restore messages within 4 s" in closed.message


async def test_closing_during_a_deaf_reconnect_returns_at_once(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = DeafGateway(connect_timeout=4.0)
    broker = rt.Broker("m", gateway=gateway, config=TEXT, reconnect=EXACT)
    with trio.fail_after(60):
        async with broker.connect() as session:
            events = session.events()
            await session.send_text("Hello")
            assert gateway.last_peer is not None
            await gateway.last_peer.expect("conversation.item.create")
            gateway.last_peer.drop()
            await _until(events, "reconnecting")
            while len(gateway.opened) < 2:  # the attempt is writing to the deaf peer
                await trio.sleep(0.1)
            await trio.testing.wait_all_tasks_blocked()
            start = trio.current_time()
            await session.aclose()  # cancels the attempt mid-write
            assert trio.current_time() - start < 4.0  # not after connect_timeout
            assert [e.kind async for e in events][-1] == "session_closed"
    assert [client.closed is not None for client in gateway.clients] == [True]  # released


async def test_a_completed_reconnect_resets_the_attempts(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = FlakyGateway()
    broker = rt.Broker("m", gateway=gateway, config=TEXT, reconnect=EXACT)
    async with broker.connect() as session:
        events = session.events()
        for outage in range(4):  # more outages than max_attempts: each one succeeds
            gateway.refusals = [503, 503]
            assert gateway.last_peer is not None
            gateway.last_peer.drop()
            seen = await _until(events, "reconnected")
            assert seen[-1] == rt.Reconnected(attempt=3, state_restored=True), outage
        assert session.statistics().reconnects == 4


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ("close 1008", "server"),
        ("fatal error", "server"),
        ("normal close", "server"),
    ],
)
async def test_what_is_never_retried(
    autojump_clock: trio.testing.MockClock, how: str, expected: str
) -> None:
    gateway = FlakyGateway()
    broker = rt.Broker("m", gateway=gateway, config=TEXT, reconnect=EXACT)
    async with broker.connect() as session:
        events = session.events()
        peer = gateway.last_peer
        assert peer is not None
        if how == "close 1008":
            await peer.close(1008, "policy")
        elif how == "fatal error":
            await peer.send(frames.error("invalid_api_key", "Incorrect API key provided."))
            await peer.close(1011, "bye")
        else:
            await peer.close(1000, "done")
        seen = await _until(events, "session_closed")
        assert not [e for e in seen if e.kind == "reconnecting"]
        assert seen[-1].reason == expected
        assert len(gateway.opened) == 1


async def test_a_refused_key_during_a_reconnect_ends_it(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = FlakyGateway()
    broker = rt.Broker("m", gateway=gateway, config=TEXT, reconnect=EXACT)
    async with broker.connect() as session:
        events = session.events()
        gateway.refusals = [401]
        assert gateway.last_peer is not None
        gateway.last_peer.drop()
        seen = await _until(events, "session_closed")
        assert [e.attempt for e in seen if e.kind == "reconnecting"] == [1]
        with pytest.raises(rt.SessionClosedError) as info:
            await session.send_text("hello?")
        assert isinstance(info.value.__cause__, rt.RealtimeConnectionError)
        assert info.value.__cause__.status == 401


async def test_an_expired_session_is_renewed(autojump_clock: trio.testing.MockClock) -> None:
    gateway = FlakyGateway()
    broker = rt.Broker("m", gateway=gateway, config=TEXT, reconnect=EXACT)
    async with broker.connect() as session:
        events = session.events()
        peer = gateway.last_peer
        assert peer is not None
        await peer.send(frames.error("session_expired", "Your session hit the maximum duration."))
        await peer.close(1001, "session expired")
        seen = await _until(events, "reconnected")
        kinds = [e.kind for e in seen]
        assert kinds.index("error") < kinds.index("reconnecting")
        assert seen[-1] == rt.Reconnected(attempt=1, state_restored=True)


async def test_commands_wait_for_the_reconnect_and_audio_is_dropped(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = FlakyGateway()
    broker = rt.Broker("m", gateway=gateway, config=TEXT, reconnect=EXACT)
    async with broker.connect() as session:
        events = session.events()
        gateway.refusals = [503]
        assert gateway.last_peer is not None
        gateway.last_peer.drop()
        await _until(events, "reconnecting")
        await session.send_audio_frame(b"\0\0" * 240)  # dropped, counted
        start = trio.current_time()
        await session.send_text("Are you back?", respond=False)  # waits for the reconnect
        assert trio.current_time() - start == 0.5 + 1.0  # the second attempt's backoff
        second = gateway.last_peer
        assert second is not None
        await trio.testing.wait_all_tasks_blocked()
        sent = _sent(second)
        assert [f["type"] for f in sent] == ["session.update", "conversation.item.create"]
        assert session.statistics().dropped_audio_frames == 1


async def test_a_command_gives_up_after_command_timeout(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = FlakyGateway()
    slow = rt.Reconnect(backoff=(20.0, 20.0), jitter=0, command_timeout=5.0)
    broker = rt.Broker("m", gateway=gateway, config=TEXT, reconnect=slow)
    async with broker.connect() as session:
        events = session.events()
        assert gateway.last_peer is not None
        gateway.last_peer.drop()
        await _until(events, "reconnecting")
        start = trio.current_time()
        with pytest.raises(rt.SessionClosedError, match="reconnecting"):
            await session.create_response()
        assert trio.current_time() - start == 5.0


async def test_a_cut_response_ends_incomplete_and_an_unstarted_one_is_asked_again(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = FlakyGateway()
    broker = rt.Broker("m", gateway=gateway, config=TEXT, reconnect=EXACT)
    async with broker.connect() as session:
        events = session.events()
        first = gateway.last_peer
        assert first is not None
        await session.send_text("Tell me a story")
        await first.expect("conversation.item.create")
        await first.expect("response.create")
        await first.send(
            frames.response_created("r1"),
            frames.message_added("r1", "i1"),
            frames.text_delta("r1", "i1", "Once upon a time"),
        )
        await session.create_response()  # queued behind r1: owed to the next connection
        await _until(events, "assistant_text_delta")
        first.drop()
        seen = await _until(events, "reconnected")
        assert rt.Interrupted(turn_id="r1", reason="error") in seen
        assert (
            rt.AssistantTurnCompleted(
                turn_id="r1", status="incomplete", status_reason="connection_lost"
            )
            in seen
        )
        second = gateway.last_peer
        assert second is not None
        await trio.testing.wait_all_tasks_blocked()
        sent = _sent(second)
        assert [f["type"] for f in sent][-1] == "response.create"  # after the replay
        assert _items(sent) == [
            ("user", "Tell me a story"),
            ("assistant", "Once upon a time"),  # as far as it came (a text: all of it heard)
        ]


async def test_tool_calls_are_answered_exactly_once_across_a_reconnect(
    autojump_clock: trio.testing.MockClock,
) -> None:
    release = trio.Event()

    async def slow_lookup(q: str) -> str:
        """Looks something up."""
        await release.wait()
        return f"found {q}"

    gateway = FlakyGateway()
    config = rt.Config(
        modalities=["text"], turn_detection=None, tools=[slow_lookup], on_interrupt="submit"
    )
    broker = rt.Broker("m", gateway=gateway, config=config, reconnect=EXACT)
    async with broker.connect() as session:
        events = session.events()
        first = gateway.last_peer
        assert first is not None
        await first.send(*frames.tool_turn("r1", {"c1": ("slow_lookup", '{"q": "x"}')})[:-1])
        await _until(events, "tool_call_dispatched")
        first.drop()  # while the tool runs; the policy lets it finish
        await _until(events, "reconnected")
        release.set()
        seen = await _until(events, "tool_batch_submitted")
        assert seen[-1] == rt.ToolBatchSubmitted(turn_id="r1", call_ids=("c1",))
        second = gateway.last_peer
        assert second is not None
        await trio.testing.wait_all_tasks_blocked()
        sent = _sent(second)
        outputs = [i for i in _items(sent) if i[0] == "output"]
        assert _items(sent)[0] == ("call", "c1", "slow_lookup", '{"q":"x"}')
        assert outputs == [("output", "c1", "found x")]  # once, after the replayed call
        assert "response.create" not in [f["type"] for f in sent]  # an interrupted batch


async def test_renew_after_reconnects_at_a_quiet_moment(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = FlakyGateway()
    policy = rt.Reconnect(renew_after=60.0, jitter=0)
    broker = rt.Broker("m", gateway=gateway, config=TEXT, reconnect=policy)
    async with broker.connect() as session:
        events = session.events()
        first = gateway.last_peer
        assert first is not None
        start = trio.current_time()
        await trio.sleep(59)
        await session.create_response()  # busy at the due time: the renewal waits
        await first.expect("response.create")
        await first.send(frames.response_created("r1"))
        await trio.sleep(5)
        assert len(gateway.opened) == 1
        await first.send(frames.response_done("r1"))
        seen = await _until(events, "reconnected")
        assert trio.current_time() - start == 64  # right after the response ended
        assert seen[-1] == rt.Reconnected(attempt=1, state_restored=True)
        assert first.transport.closed is not None and first.transport.closed.code == 1000


async def test_history_round_trips_and_seeds_a_new_session(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = FlakyGateway()
    async with rt.Broker("m", gateway=gateway, config=TEXT).connect() as session:
        events = session.events()
        peer = gateway.last_peer
        assert peer is not None
        await session.send_text("Remember 42")
        await _text_turn(session, peer, "r1", "I will remember 42.")
        await _until(events, "assistant_turn_completed")
        saved = rt.History.from_json(session.history().to_json())
    assert saved == session.history()
    async with rt.Broker("m", gateway=gateway, config=TEXT, history=saved).connect():
        peer = gateway.last_peer
        assert peer is not None
        await trio.testing.wait_all_tasks_blocked()
        sent = _sent(peer)
        assert _items(sent) == [("user", "Remember 42"), ("assistant", "I will remember 42.")]


def test_reconnect_policy_validation() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        rt.Reconnect(max_attempts=0)
    with pytest.raises(ValueError, match="backoff"):
        rt.Reconnect(backoff=(5.0, 1.0))
    with pytest.raises(ValueError, match="jitter"):
        rt.Reconnect(jitter=1.5)
    policy = rt.Reconnect(backoff=(0.5, 8.0), jitter=0)
    assert [policy.delay(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    jittered = rt.Reconnect(backoff=(1.0, 8.0), jitter=0.2)
    assert all(0.8 <= jittered.delay(1) <= 1.2 for _ in range(100))


def test_history_json_is_plain_data() -> None:
    history = rt.History(
        items=(
            rt.history.UserMessage(text="hi"),
            rt.history.AssistantMessage(text="hello", truncated=True),
            rt.history.FunctionCall(call_id="c1", name="f", arguments="{}"),
            rt.history.FunctionCallOutput(call_id="c1", output="ok"),
        )
    )
    data = orjson.loads(history.to_json())
    assert [item["type"] for item in data["items"]] == [
        "user_message",
        "assistant_message",
        "function_call",
        "function_call_output",
    ]
    assert rt.History.from_dict(data) == history
    with pytest.raises(ValueError, match="unknown history item"):
        rt.History.from_dict({"items": [{"type": "nope"}]})


async def test_gemini_go_away_resumes_with_the_latest_handle(
    autojump_clock: trio.testing.MockClock,
) -> None:
    from trio_realtime.testing import gemini_frames

    gateway = FlakyGateway(provider="gemini")
    policy = rt.Reconnect(jitter=0)
    broker = rt.Broker("gemini-3.8-live", gateway=gateway, config=TEXT, reconnect=policy)
    async with broker.connect() as session:
        events = session.events()
        first = gateway.last_peer
        assert first is not None
        await first.send(gemini_frames.resumption_update("handle-1"))
        await first.send(gemini_frames.go_away("10s"))
        start = trio.current_time()
        seen = await _until(events, "reconnected")
        assert trio.current_time() - start == 0  # quiet: renewed at once, no backoff
        assert seen[-1] == rt.Reconnected(attempt=1, state_restored=True)
        assert first.transport.closed is not None and first.transport.closed.code == 1000
        second = gateway.last_peer
        assert second is not None and second is not first
        setup = second.received[0]["setup"]
        assert setup["sessionResumption"]["handle"] == "handle-1"


async def test_a_silent_server_during_a_response_is_a_dead_connection(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = FlakyGateway()
    broker = rt.Broker("m", gateway=gateway, config=TEXT, idle_timeout=5.0)
    async with broker.connect() as session:
        events = session.events()
        peer = gateway.last_peer
        assert peer is not None
        await trio.sleep(60)  # idle: silence is fine
        await session.create_response()
        start = trio.current_time()
        await peer.expect("response.create")
        await peer.send(frames.response_created("r1"))
        await trio.sleep(2)
        await peer.send(frames.message_added("r1", "i1"))  # still alive at 2 s
        seen = await _until(events, "session_closed")  # then the server says nothing more
        assert trio.current_time() - start == 2 + 5.0
        assert seen[-1].reason == "error" and "no server event for 5 s" in seen[-1].message
        with pytest.raises(rt.SessionClosedError):
            await session.send_text("hello?")


async def test_a_silent_server_is_reconnected_when_asked(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = FlakyGateway()
    broker = rt.Broker("m", gateway=gateway, config=TEXT, idle_timeout=5.0, reconnect=EXACT)
    async with broker.connect() as session:
        events = session.events()
        peer = gateway.last_peer
        assert peer is not None
        await session.create_response()
        await peer.expect("response.create")  # and never answers
        seen = await _until(events, "reconnected")
        assert [e.kind for e in seen if e.kind in ("reconnecting", "reconnected")] == [
            "reconnecting",
            "reconnected",
        ]
        second = gateway.last_peer
        assert second is not None
        await trio.testing.wait_all_tasks_blocked()
        assert [f["type"] for f in _sent(second)][-1] == "response.create"  # the owed answer


async def test_gemini_go_away_lets_a_running_tool_answer_first(
    autojump_clock: trio.testing.MockClock,
) -> None:
    from trio_realtime.testing import gemini_frames

    async def lookup(q: str) -> str:
        """Looks something up (slowly)."""
        await trio.sleep(3)
        return f"found {q}"

    gateway = FlakyGateway(provider="gemini")
    config = rt.Config(modalities=["text"], turn_detection=None, tools=[lookup])
    policy = rt.Reconnect(jitter=0)
    broker = rt.Broker("gemini-3.8-live", gateway=gateway, config=config, reconnect=policy)
    async with broker.connect() as session:
        events = session.events()
        first = gateway.last_peer
        assert first is not None
        await first.send(gemini_frames.resumption_update("handle-1"))
        await first.send(gemini_frames.tool_call({"call_1": ("lookup", {"q": "x"})}))
        await _until(events, "tool_call_dispatched")
        start = trio.current_time()
        await first.send(gemini_frames.go_away("50s"))
        seen = await _until(events, "reconnected")
        assert trio.current_time() - start == 3  # after the tool answered, not before
        assert "tool_batch_submitted" in [e.kind for e in seen]
        responses = [f for f in _sent(first) if "toolResponse" in f]
        assert len(responses) == 1  # answered once, on the connection that asked
        second = gateway.last_peer
        assert second is not None
        assert not [f for f in _sent(second) if "toolResponse" in f]
