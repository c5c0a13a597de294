"""Helpers shared by the session review tests (scripted peer scaffolding, small tools)."""

from __future__ import annotations

import numpy as np
import trio
import trio.testing

import trio_realtime as rt

from .peer import (
    ScriptedPeer,
    call_added,
    call_done,
    response_created,
)


def pcm(ms: int, rate: int = 24000) -> bytes:
    return (np.arange(rate * ms // 1000) % 200).astype("<i2").tobytes()


def app_tool(name: str = "lookup") -> rt.Tool:
    return rt.Tool(name=name, description="Answered by the app.", parameters={"type": "object"})


def client_types(peer: ScriptedPeer) -> list[str]:
    return [f["type"] for f in peer.pending()]


async def tool_call(
    peer: ScriptedPeer, rid: str, call_id: str, name: str, args: str = "{}"
) -> None:
    await peer.send(
        response_created(rid), call_added(rid, call_id, name), call_done(rid, call_id, name, args)
    )


async def block_the_writer(session: rt.RealtimeSession, lane: str, queued: int = 8) -> None:
    """The peer reads nothing: fill the transport buffer and the writer's hand, so that the
    last ``queued`` messages stay in ``lane`` (audio or control) until the peer reads again."""
    while True:
        if lane == "audio":
            await session.send_audio_frame(b"\x00\x00" * 10)
        else:
            await session.send_text("filler", respond=False)
        await trio.testing.wait_all_tasks_blocked()
        stats = session.statistics()
        if (stats.audio_queue if lane == "audio" else stats.control_queue) >= queued:
            return


async def drain(peer: ScriptedPeer, seconds: float = 1.0) -> list[str]:
    """Read every client frame the peer gets within ``seconds`` (virtual)."""
    types: list[str] = []
    with trio.move_on_after(seconds):
        while True:
            types.append((await peer.receive())["type"])
    return types


slow_end: dict[str, float] = {}


async def slow_tool() -> str:
    """Takes five seconds."""
    try:
        await trio.sleep(5)
    except trio.Cancelled:
        slow_end["cancelled"] = trio.current_time()
        raise
    slow_end["done"] = trio.current_time()
    return "done"


async def drain_one_slot(session: rt.RealtimeSession, peer: ScriptedPeer) -> None:
    """Let exactly one message leave the full control lane."""
    depth = session.statistics().control_queue
    await peer.receive()
    await trio.testing.wait_all_tasks_blocked()
    assert session.statistics().control_queue == depth - 1


async def one_second() -> str:
    """Sleeps a second."""
    await trio.sleep(1)
    return "done"


async def inner_timeout() -> str:
    """Uses its own deadline, which expires."""
    with trio.fail_after(0.5):
        await trio.sleep(1)
    return "unreachable"


async def hang_up(ctx: rt.ToolContext) -> str:
    """Ends the call."""
    start = trio.current_time()
    await ctx.session.aclose()
    slow_end["aclose_took"] = trio.current_time() - start
    return "bye"


async def quick() -> str:
    """Half a second."""
    await trio.sleep(0.5)
    return "quick"


async def quick2() -> str:
    """0.6 s."""
    await trio.sleep(0.6)
    return "quick2"
