"""Keepalive at session level: a server that goes silent (pongs included) ends the session.

The local server sits behind a TCP relay that the test freezes once the session is open: the
sockets stay open but nothing more gets through, so the client's pings go unanswered. Real
sockets, so the real clock, with sub-second keepalive settings and ``fail_after`` bounds.
"""

from __future__ import annotations

import functools
from typing import Literal

import pytest
import trio

import trio_realtime as rt
from tests.integration.relay import TcpRelay
from trio_realtime.server import Pacing, serve_local_realtime

pytestmark = pytest.mark.filterwarnings("ignore::trio.TrioDeprecationWarning")

PING_INTERVAL = 0.2
PING_TIMEOUT = 0.3


@pytest.mark.parametrize("transport", ["websockets", "trio-websocket"])
async def test_unanswered_pings_close_the_session_with_an_error(
    transport: Literal["websockets", "trio-websocket"],
) -> None:
    relay = TcpRelay()
    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            server_url = await nursery.start(
                functools.partial(serve_local_realtime, pacing=Pacing.instant())
            )
            url = await nursery.start(relay.serve, server_url)
            gateway = rt.OpenAIGateway(
                url=url,
                transport=transport,
                connect_timeout=5,
                ping_interval=PING_INTERVAL,
                ping_timeout=PING_TIMEOUT,
            )
            config = rt.Config(modalities=["text"], turn_detection=None)
            async with rt.open_session("gpt-realtime", gateway=gateway, config=config) as session:
                events = session.events()
                await session.send_text("Hello?")  # the connection works before the freeze
                async for event in events:
                    if event.kind == "assistant_turn_completed":
                        break
                relay.freeze()
                frozen_at = trio.current_time()
                closed = [e async for e in events if e.kind == "session_closed"]
                waited = trio.current_time() - frozen_at
                with pytest.raises(rt.SessionClosedError) as info:
                    await session.send_text("anyone there?")
            nursery.cancel_scope.cancel()
    (event,) = closed
    assert isinstance(event, rt.SessionClosed)
    assert (event.reason, event.code) == ("error", 1011)  # 1011: as the client aborted it
    assert "keepalive" in event.message
    assert (info.value.code, info.value.reason) == (1011, event.message)
    assert "keepalive" in str(info.value)
    # not before a ping could have gone unanswered for ping_timeout
    assert waited >= PING_TIMEOUT
