"""``DirectWebSocketTransport.send_messages``: several messages, in order, in one write."""

from __future__ import annotations

import trio
import trio.testing
from conftest import DIRECT
from ws_server import open_tcp_server, raw_upgrade
from wsproto.events import BytesMessage, TextMessage

from trio_realtime._lanes import WriterLanes


async def test_a_batch_arrives_in_order_in_one_write() -> None:
    reads: list[int] = []
    got: list[str | bytes] = []
    done = trio.Event()

    async def handler(stream: trio.abc.Stream) -> None:
        ws, _ = await raw_upgrade(stream)
        while len(got) < 3:
            data = await stream.receive_some(65536)
            reads.append(len(data))
            ws.receive_data(bytes(data))
            for event in ws.events():
                if isinstance(event, (TextMessage, BytesMessage)):
                    got.append(event.data)
        done.set()
        await trio.sleep_forever()

    with trio.fail_after(10):
        async with open_tcp_server(handler) as server, DIRECT.open(server.url()) as transport:
            await transport.send_messages(["cancel", b"\x01\x02", "truncate"])
            await done.wait()
            assert got == ["cancel", b"\x01\x02", "truncate"]
            assert len(reads) == 1  # one write: the three frames arrived together
            stats = transport.statistics()
            assert (stats.messages_sent, stats.bytes_sent) == (3, 6 + 2 + 8)


async def test_lanes_take_control_first_within_a_byte_budget() -> None:
    lanes = WriterLanes()
    await lanes.put("audio", "a" * 10)
    await lanes.put("control", "c" * 10)
    await lanes.put("audio", "b" * 10)
    assert lanes.take(15) == ["c" * 10, "a" * 10]  # stops once the budget is reached
    assert lanes.take(1) == ["b" * 10]  # at least one, whatever its size
    assert lanes.take(100) == []
