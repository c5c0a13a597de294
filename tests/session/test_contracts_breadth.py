"""trio's contracts for the public async calls added after the core (issue 10.5).

Conversation editing, images, MCP approvals, handoffs, ``retrieve_item``, subscriptions,
opening a session (``Broker.connect``, ``open_session``, ``connect_session``, the
``RealtimeVoice`` facade) and ``create_client_secret``: each is a checkpoint, and a cancelled
call had the effect ``docs/cancellation.md`` states for it.
"""

from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import orjson
import pytest
import trio
import trio.testing

import trio_realtime as rt
from trio_realtime.testing import MemoryGateway, ScriptedPeer, frames

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 32
CONFIG = rt.Config(modalities=["text"], turn_detection=None, input_audio_transcription=False)
SUPPORT = rt.Agent(name="Support", instructions="Fix technical problems.")
GREETER = rt.Agent(name="Greeter", instructions="Greet and route.").with_handoff(
    SUPPORT, condition="technical issues"
)


async def _open(
    nursery: trio.Nursery, gateway: MemoryGateway | None = None
) -> tuple[rt.RealtimeSession, ScriptedPeer]:
    gateway = gateway if gateway is not None else MemoryGateway()
    session = await rt.connect_session(nursery, "m", gateway=gateway, config=CONFIG, agent=GREETER)
    assert gateway.last_peer is not None
    await trio.testing.wait_all_tasks_blocked()
    gateway.last_peer.pending()  # (the handshake's frames)
    return session, gateway.last_peer


def _tasks() -> set[trio.lowlevel.Task]:
    """Every task of this run."""
    found: set[trio.lowlevel.Task] = set()
    todo = [trio.lowlevel.current_root_task()]
    while todo:
        task = todo.pop()
        found.add(task)
        for nursery in task.child_nurseries:
            todo.extend(nursery.child_tasks)
    return found


Command = Callable[[rt.RealtimeSession], Awaitable[Any]]

#: Each command, and the frames it puts on the wire when it runs to completion.
COMMANDS: dict[str, tuple[Command, list[str]]] = {
    "add_item": (lambda s: s.add_item(rt.SystemMessage("Be brief.")), ["conversation.item.create"]),
    "delete_item": (lambda s: s.delete_item("item_9"), ["conversation.item.delete"]),
    "send_image": (lambda s: s.send_image(PNG), ["conversation.item.create"]),
    "send_image(respond=True)": (
        lambda s: s.send_image(PNG, text="What is it?", respond=True),
        ["conversation.item.create", "response.create"],
    ),
    "approve_mcp_call": (
        lambda s: s.approve_mcp_call("mcpr_1"),
        ["conversation.item.create", "response.create"],
    ),
    "reject_mcp_call": (
        lambda s: s.reject_mcp_call("mcpr_1", reason="no", respond=False),
        ["conversation.item.create"],
    ),
    "handoff": (lambda s: s.handoff(SUPPORT), ["session.update", "response.create"]),
    "handoff(respond=False)": (lambda s: s.handoff(SUPPORT, respond=False), ["session.update"]),
}


@pytest.mark.parametrize("name", list(COMMANDS))
async def test_every_command_is_a_checkpoint_and_sends_its_frames(
    autojump_clock: trio.testing.MockClock, name: str
) -> None:
    command, expected = COMMANDS[name]
    async with trio.open_nursery() as nursery:
        session, peer = await _open(nursery)
        with trio.testing.assert_checkpoints():
            await command(session)
        await trio.testing.wait_all_tasks_blocked()
        assert [f["type"] for f in peer.pending()] == expected
        await session.aclose()


@pytest.mark.parametrize("name", list(COMMANDS))
async def test_a_command_cancelled_before_it_queued_anything_did_nothing(
    autojump_clock: trio.testing.MockClock, name: str
) -> None:
    command, _ = COMMANDS[name]
    async with trio.open_nursery() as nursery:
        session, peer = await _open(nursery)
        config, agent = session.config, session.agent
        with session.subscribe() as sub:
            with trio.CancelScope() as scope:
                scope.cancel()
                await command(session)
            assert scope.cancelled_caught
            await trio.testing.wait_all_tasks_blocked()
            assert peer.pending() == []
            assert session.config == config  # a handoff changed nothing
            assert session.agent is agent
            assert sub.statistics().buffered == 0  # and published nothing (no agent_handoff)
        await session.aclose()


async def test_sending_an_image_file_is_a_checkpoint_and_cancellable_while_reading(
    autojump_clock: trio.testing.MockClock, tmp_path: pathlib.Path
) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(PNG)
    async with trio.open_nursery() as nursery:
        session, peer = await _open(nursery)
        with trio.testing.assert_checkpoints():
            await session.send_image(path)
        await trio.testing.wait_all_tasks_blocked()
        assert [f["type"] for f in peer.pending()] == ["conversation.item.create"]
        with trio.CancelScope() as scope:
            scope.cancel()
            await session.send_image(path, respond=True)
        assert scope.cancelled_caught
        await trio.testing.wait_all_tasks_blocked()
        assert peer.pending() == []
        await session.aclose()


# -- cancelled while waiting for room ----------------------------------------------------------

WAITING: dict[str, Command] = {
    "add_item": lambda s: s.add_item(rt.SystemMessage("late")),
    "delete_item": lambda s: s.delete_item("item_9"),
    "retrieve_item": lambda s: s.retrieve_item("item_9"),
    "send_image": lambda s: s.send_image(PNG, respond=True),
    "approve_mcp_call": lambda s: s.approve_mcp_call("mcpr_1"),
    "reject_mcp_call": lambda s: s.reject_mcp_call("mcpr_1"),
}


def _is_filler(frame: dict[str, Any]) -> bool:
    filler = [{"type": "input_text", "text": "filler"}]
    return frame["type"] == "conversation.item.create" and frame["item"].get("content") == filler


async def _fill_control_lane(session: rt.RealtimeSession) -> None:
    """Queue fillers until the control lane is full and the writer waits for the peer."""
    queued = -1
    while queued:
        queued = 0
        while True:
            try:
                session.send_text_nowait("filler")
            except trio.WouldBlock:
                break
            queued += 1
        await trio.testing.wait_all_tasks_blocked()  # the writer takes what it can


@pytest.mark.parametrize("name", list(WAITING))
async def test_a_command_cancelled_while_waiting_for_room_queued_nothing(
    autojump_clock: trio.testing.MockClock, name: str
) -> None:
    async with trio.open_nursery() as nursery:
        gateway = MemoryGateway(buffer=0)  # the peer holds the writer until it reads
        session, peer = await _open(nursery, gateway)
        await _fill_control_lane(session)
        with trio.move_on_after(5) as scope:
            await WAITING[name](session)
        assert scope.cancelled_caught
        assert session.statistics().subscribers == ()  # retrieve_item left nothing behind
        received = []
        with trio.move_on_after(1):
            while True:
                received.append(await peer.receive())
        assert received and all(_is_filler(frame) for frame in received)
        await session.aclose()


# -- retrieve_item -----------------------------------------------------------------------------

TEXT = [{"type": "input_text", "text": "hi"}]
ITEM = {"id": "item_1", "type": "message", "role": "user", "status": "completed", "content": TEXT}


def _retrieved(item_id: str = "item_1") -> dict[str, Any]:
    item = {**ITEM, "id": item_id}
    return {"type": "conversation.item.retrieved", "event_id": "e1", "item": item}


async def test_retrieve_item_is_a_checkpoint(autojump_clock: trio.testing.MockClock) -> None:
    async with trio.open_nursery() as nursery:
        session, peer = await _open(nursery)

        async def serve() -> None:
            await peer.expect("conversation.item.retrieve", item_id="item_1")
            await peer.send(_retrieved())

        nursery.start_soon(serve)
        with trio.testing.assert_checkpoints():
            assert await session.retrieve_item("item_1") == ITEM
        assert session.statistics().subscribers == ()
        await session.aclose()


async def test_retrieve_item_cancelled_before_the_request_sent_nothing(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with trio.open_nursery() as nursery:
        session, peer = await _open(nursery)
        with trio.CancelScope() as scope:
            scope.cancel()
            await session.retrieve_item("item_1")
        assert scope.cancelled_caught
        await trio.testing.wait_all_tasks_blocked()
        assert peer.pending() == []
        assert session.statistics().subscribers == ()
        await session.aclose()


async def test_retrieve_item_cancelled_while_waiting_for_the_answer(
    autojump_clock: trio.testing.MockClock,
) -> None:
    """The request went out; the caller gave up; the late answer is only an event."""
    async with trio.open_nursery() as nursery:
        session, peer = await _open(nursery)
        events = session.events()
        with trio.move_on_after(1) as scope:
            await session.retrieve_item("item_1")
        assert scope.cancelled_caught
        assert session.statistics().subscribers == ()  # nothing left waiting for it
        await peer.expect("conversation.item.retrieve", item_id="item_1")
        await peer.send(_retrieved())
        async for event in events:
            if event.kind == "item_retrieved":
                assert event == rt.ItemRetrieved(item_id="item_1", item=ITEM)
                break
        assert not session.closed
        # the next retrieval is answered by its own answer, not by the late one
        nursery.start_soon(peer.send, _retrieved("item_2"))
        assert (await session.retrieve_item("item_2"))["id"] == "item_2"
        await session.aclose()


# -- subscriptions -----------------------------------------------------------------------------


async def test_subscription_receive_is_a_checkpoint_and_loses_nothing_when_cancelled(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with trio.open_nursery() as nursery:
        session, peer = await _open(nursery)
        with session.subscribe(kinds={"assistant_text"}) as sub:
            with trio.move_on_after(1) as scope:
                await sub.receive()  # waiting: nothing comes
            assert scope.cancelled_caught
            nursery.start_soon(peer.send, *frames.text_turn("r1", "i1", "Hi"))
            with trio.testing.assert_checkpoints():
                first = await sub.receive()  # waits for it
            assert first == rt.AssistantText(turn_id="r1", item_id="i1", text="Hi")
            await peer.send(*frames.text_turn("r2", "i2", "Bye"))
            await trio.testing.wait_all_tasks_blocked()
            assert sub.statistics().buffered == 1
            with trio.CancelScope() as scope:
                scope.cancel()
                await sub.receive()  # an event is there, but the call is cancelled first
            assert scope.cancelled_caught
            assert sub.statistics().buffered == 1  # it took nothing
            second = await sub.receive()
            assert second == rt.AssistantText(turn_id="r2", item_id="i2", text="Bye")
        await session.aclose()


# -- opening a session -------------------------------------------------------------------------


async def _server_stalls_after_created(gateway: MemoryGateway) -> None:
    """Plays the server up to ``session.created``, then never confirms the update."""
    peer = await gateway.next_peer()
    await peer.send(frames.session_created())
    await trio.sleep_forever()


def _opener(entry: str, gateway: MemoryGateway) -> Any:
    """The async context manager that opens a session by ``entry``."""
    if entry == "Broker.connect":
        return rt.Broker("m", gateway=gateway, config=CONFIG).connect()
    if entry == "open_session":
        return rt.open_session("m", gateway=gateway, config=CONFIG)
    return rt.RealtimeVoice(gateway=gateway, config=CONFIG).connect()


ENTRIES = ["Broker.connect", "open_session", "RealtimeVoice.connect"]


@pytest.mark.parametrize("entry", ENTRIES)
async def test_entering_and_leaving_are_checkpoints(
    autojump_clock: trio.testing.MockClock, entry: str
) -> None:
    gateway = MemoryGateway()
    manager = _opener(entry, gateway)
    with trio.testing.assert_checkpoints():
        session = await manager.__aenter__()
    with trio.testing.assert_checkpoints():
        await manager.__aexit__(None, None, None)
    assert session.closed
    assert gateway.last_peer is not None and gateway.last_peer.transport.closed is not None


@pytest.mark.parametrize("entry", ENTRIES)
async def test_opening_cancelled_during_the_handshake_leaves_nothing_running(
    autojump_clock: trio.testing.MockClock, entry: str
) -> None:
    gateway = MemoryGateway(auto_handshake=False)
    async with trio.open_nursery() as server:
        server.start_soon(_server_stalls_after_created, gateway)
        before = _tasks()
        with trio.move_on_after(3) as scope:  # well within connect_timeout (10 s)
            async with _opener(entry, gateway):
                pytest.fail("connected without the server's confirmation")
        assert scope.cancelled_caught  # Cancelled, not RealtimeConnectionError
        assert trio.current_time() == pytest.approx(3)
        assert _tasks() == before
        assert gateway.last_peer is not None and gateway.last_peer.transport.closed is not None
        server.cancel_scope.cancel()


@pytest.mark.parametrize("entry", ENTRIES)
async def test_opening_times_out_with_realtime_connection_error(
    autojump_clock: trio.testing.MockClock, entry: str
) -> None:
    gateway = MemoryGateway(auto_handshake=False, connect_timeout=4.0)
    async with trio.open_nursery() as server:
        server.start_soon(_server_stalls_after_created, gateway)
        before = _tasks()
        with pytest.raises(rt.RealtimeConnectionError):  # bare, not in an ExceptionGroup
            async with _opener(entry, gateway):
                pytest.fail("connected without the server's confirmation")
        assert trio.current_time() == pytest.approx(4)
        assert _tasks() == before
        server.cancel_scope.cancel()


async def test_opening_cancelled_before_it_started_leaves_nothing_running(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway()
    before = _tasks()
    with trio.CancelScope() as scope:
        scope.cancel()
        async with rt.open_session("m", gateway=gateway, config=CONFIG):
            pytest.fail("opened under a cancelled scope")
    assert scope.cancelled_caught
    assert _tasks() == before


async def test_connect_session_cancelled_during_the_handshake_leaves_the_nursery_empty(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway(auto_handshake=False)
    async with trio.open_nursery() as server:
        server.start_soon(_server_stalls_after_created, gateway)
        async with trio.open_nursery() as nursery:
            with trio.move_on_after(3) as scope:
                await rt.connect_session(nursery, "m", gateway=gateway, config=CONFIG)
            assert scope.cancelled_caught
            # the session's task is cancelled; it ends at its next turn, waiting for nothing
            await trio.testing.wait_all_tasks_blocked()
            assert nursery.child_tasks == frozenset()
        assert gateway.last_peer is not None and gateway.last_peer.transport.closed is not None
        server.cancel_scope.cancel()


# -- the RealtimeVoice facade ------------------------------------------------------------------


async def test_realtime_voice_connect_cancelled_in_its_block_cancels_callbacks_and_closes(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway()
    voice = rt.RealtimeVoice(gateway=gateway, config=CONFIG)
    cancelled = trio.Event()

    @voice.on_transcript
    async def on_transcript(text: str, is_final: bool) -> None:
        try:
            await trio.sleep_forever()
        except trio.Cancelled:
            cancelled.set()
            raise

    before = _tasks()
    with trio.CancelScope() as scope:
        async with voice.connect() as session:
            peer = gateway.last_peer
            assert peer is not None
            await peer.send(*frames.text_turn("r1", "i1", "Hi"))
            await trio.testing.wait_all_tasks_blocked()  # the callback is running
            scope.cancel()
            await trio.sleep_forever()
    assert scope.cancelled_caught
    assert cancelled.is_set()  # the callback got trio.Cancelled
    assert session.closed and peer.transport.closed is not None
    assert _tasks() == before


async def test_realtime_voice_run_cancelled_stops_feeding_and_closes(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway()
    voice = rt.RealtimeVoice(gateway=gateway, config=CONFIG)

    async def microphone() -> AsyncIterator[bytes]:
        while True:
            yield b"\0\0" * 480
            await trio.sleep(0.02)

    before = _tasks()
    with trio.move_on_after(1) as scope:
        async with voice.run(microphone()) as stream:
            async for _ in stream:
                pass
    assert scope.cancelled_caught
    assert _tasks() == before
    peer = gateway.last_peer
    assert peer is not None and peer.transport.closed is not None
    appended = [f for f in peer.pending() if f["type"] == "input_audio_buffer.append"]
    assert 0 < len(appended) <= 50  # fed while the block ran, never after


# -- create_client_secret ----------------------------------------------------------------------


def _mint(request: httpx.Request) -> httpx.Response:
    session = orjson.loads(request.content)["session"]
    body = {"value": "ek_contract", "expires_at": 1_767_000_000, "session": session}
    return httpx.Response(200, content=orjson.dumps(body))


async def _mint_after(request: httpx.Request) -> httpx.Response:
    await trio.sleep(1)  # the network, on the virtual clock
    return _mint(request)


async def _create_secret(handler: Any) -> rt.ClientSecret:
    return await rt.create_client_secret(
        api_key="sk-test", http_transport=httpx.MockTransport(handler)
    )


async def test_create_client_secret_is_a_checkpoint_over_a_network(
    autojump_clock: trio.testing.MockClock,
) -> None:
    with trio.testing.assert_checkpoints():
        secret = await _create_secret(_mint_after)
    assert secret.value == "ek_contract"


async def test_create_client_secret_cancelled_in_flight_raises_cancelled(
    autojump_clock: trio.testing.MockClock,
) -> None:
    requests: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        await trio.sleep_forever()
        raise AssertionError("unreachable")

    with trio.move_on_after(2) as scope:
        await _create_secret(handler)
    assert scope.cancelled_caught  # Cancelled, not ClientSecretError
    assert len(requests) == 1  # abandoned in flight


async def test_create_client_secret_checkpoints_whatever_the_transport() -> None:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return _mint(request)

    with trio.testing.assert_checkpoints():
        await _create_secret(handler)
    with trio.CancelScope() as scope:
        scope.cancel()
        await _create_secret(handler)
    assert scope.cancelled_caught
    assert len(requests) == 1
