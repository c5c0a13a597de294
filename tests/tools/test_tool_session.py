"""``ToolContext.session`` is a :class:`~trio_realtime.tools.ToolSession`: what a tool may use of
the session that dispatched its call. The session is one (mypy checks it statically in
``_session.py``; here, the signatures and a tool using it in a live session)."""

from __future__ import annotations

import inspect
from typing import Any

import trio
import trio.testing

import trio_realtime as rt
from trio_realtime.history import History
from trio_realtime.testing import MemoryGateway, frames
from trio_realtime.tools import ToolSession

MEMBERS = [name for name in vars(ToolSession) if not name.startswith("_")]


def test_the_session_has_every_member_with_the_same_signature() -> None:
    assert set(MEMBERS) == {
        "session_id",
        "provider",
        "closed",
        "config",
        "history",
        "send_text",
        "update",
        "update_instructions",
    }
    for name in MEMBERS:
        promised, actual = getattr(ToolSession, name), getattr(rt.RealtimeSession, name)
        assert isinstance(actual, property) == isinstance(promised, property), name
        if not isinstance(promised, property):
            assert inspect.iscoroutinefunction(actual) == inspect.iscoroutinefunction(promised)
            assert inspect.signature(actual) == inspect.signature(promised), name


async def test_a_tool_uses_its_session_through_the_protocol(
    autojump_clock: trio.testing.MockClock,
) -> None:
    seen: dict[str, Any] = {}

    async def brief(ctx: rt.ToolContext) -> str:
        """Make the assistant brief."""
        session = ctx.session
        assert session is not None
        seen.update(id=session.session_id, provider=session.provider, closed=session.closed)
        seen["history"] = session.history()
        await session.update_instructions(session.config.instructions + " Be brief.")
        return "ok"

    config = rt.Config(modalities=["text"], turn_detection=None, instructions="Hi.", tools=[brief])
    gateway = MemoryGateway()
    async with rt.open_session("m", gateway=gateway, config=config) as session:
        peer = gateway.last_peer
        assert peer is not None
        await trio.testing.wait_all_tasks_blocked()
        peer.pending()  # (the handshake's frames)
        await peer.send(*frames.tool_turn("r1", {"c1": ("brief", "{}")}))
        update = await peer.expect("session.update")
        assert update["session"]["instructions"] == "Hi. Be brief."
        await peer.expect("conversation.item.create")  # the call's output
        assert isinstance(seen.pop("history"), History)
        assert seen == {"id": "sess_1", "provider": "openai", "closed": False}
        assert session.config.instructions == "Hi. Be brief."
