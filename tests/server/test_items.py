"""conversation.item.create / delete / retrieve / truncate, including their errors."""

from __future__ import annotations

import base64
from typing import Any

import trio

from trio_realtime.server import Pacing

from .client import RawClient, b64, connect, silence


def message(text: str, role: str = "user", **extra: Any) -> dict[str, Any]:
    kind = "output_text" if role == "assistant" else "input_text"
    return {"type": "message", "role": role, "content": [{"type": kind, "text": text}], **extra}


async def create(client: RawClient, item: dict[str, Any], **fields: Any) -> dict[str, Any]:
    await client.send("conversation.item.create", item=item, **fields)
    added, done = await client.expect("conversation.item.added", "conversation.item.done")
    assert added["item"] == done["item"]
    assert added["previous_item_id"] == done["previous_item_id"]
    return added


async def test_create_orders_items_with_previous_item_id(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    url = await start_server()
    with trio.fail_after(60):
        async with connect(url) as client:
            a = await create(client, message("one", id="item_a"))
            b = await create(client, message("two"))
            first = await create(client, message("zero", role="system"), previous_item_id="root")
            mid = await create(
                client, message("a bis", role="assistant"), previous_item_id="item_a"
            )
            await client.send(
                "conversation.item.create", event_id="e1", item=message("x", id="item_a")
            )
            duplicate = await client.recv()
            await client.send(
                "conversation.item.create",
                event_id="e2",
                item=message("y"),
                previous_item_id="nope",
            )
            unknown_prev = await client.recv()
            await client.send(
                "conversation.item.create",
                event_id="e3",
                item={
                    "type": "message",
                    "role": "assistant",
                    "content": [{"type": "output_audio"}],
                },
            )
            assistant_audio = await client.recv()
            await client.send(
                "conversation.item.create",
                event_id="e4",
                item={"type": "function_call_output", "call_id": "call_missing", "output": "{}"},
            )
            orphan = await client.recv()
            await client.send("conversation.item.create", event_id="e5", item={"role": "user"})
            no_type = await client.recv()
    assert a["previous_item_id"] is None
    assert a["item"] == {
        "id": "item_a",
        "type": "message",
        "status": "completed",
        "role": "user",
        "content": [{"type": "input_text", "text": "one"}],
    }
    assert b["previous_item_id"] == "item_a"
    assert first["previous_item_id"] is None
    assert mid["previous_item_id"] == "item_a"
    assert mid["item"]["content"] == [{"type": "output_text", "text": "a bis"}]
    assert (duplicate["error"]["code"], duplicate["error"]["param"]) == ("invalid_value", "item.id")
    assert unknown_prev["error"]["param"] == "previous_item_id"
    assert unknown_prev["error"]["event_id"] == "e2"
    assert "'nope' does not exist" in unknown_prev["error"]["message"]
    assert assistant_audio["error"]["param"] == "item.content[0].type"
    assert orphan["error"]["message"] == "Tool call ID 'call_missing' not found in conversation."
    assert (no_type["error"]["code"], no_type["error"]["param"]) == (
        "missing_required_parameter",
        "item.type",
    )


async def test_retrieve_and_delete(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    url = await start_server()
    audio = silence(200)
    with trio.fail_after(60):
        async with connect(url) as client:
            text = await create(client, message("hello"))
            spoken = await create(
                client,
                {
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_audio", "audio": b64(audio), "transcript": "hi"}],
                },
            )
            await client.send("conversation.item.retrieve", item_id=spoken["item"]["id"])
            retrieved = await client.recv()
            await client.send("conversation.item.delete", item_id=text["item"]["id"])
            deleted = await client.recv()
            await client.send(
                "conversation.item.retrieve", event_id="r1", item_id=text["item"]["id"]
            )
            gone = await client.recv()
            await client.send("conversation.item.delete", event_id="d1", item_id=text["item"]["id"])
            twice = await client.recv()
            after = await create(client, message("again"))
    assert spoken["item"]["content"] == [{"type": "input_audio", "transcript": "hi"}]
    assert retrieved["type"] == "conversation.item.retrieved"
    part = retrieved["item"]["content"][0]
    assert base64.b64decode(part["audio"]) == audio
    assert part["transcript"] == "hi"
    assert deleted == {
        **deleted,
        "type": "conversation.item.deleted",
        "item_id": text["item"]["id"],
    }
    assert gone["error"] == {
        "type": "invalid_request_error",
        "code": "item_retrieve_invalid_item_id",
        "message": "Error retrieving item: the item with id "
        f"'{text['item']['id']}' does not exist.",
        "param": "item_id",
        "event_id": "r1",
    }
    assert twice["error"]["code"] == "item_delete_invalid_item_id"
    assert twice["error"]["event_id"] == "d1"
    assert after["previous_item_id"] == spoken["item"]["id"]


async def test_truncate(start_server: Any, autojump_clock: trio.testing.MockClock) -> None:
    url = await start_server(pacing=Pacing.instant())
    with trio.fail_after(60):
        async with connect(url) as client:
            user = await create(client, message("What's the capital of Norway?"))
            await client.send("response.create")
            events = await client.response()
            item_id = events[1]["item"]["id"]
            pcm = b"".join(
                base64.b64decode(e["delta"])
                for e in events
                if e["type"] == "response.output_audio.delta"
            )
            total_ms = len(pcm) // 48
            await client.send(
                "conversation.item.truncate",
                event_id="t1",
                item_id=item_id,
                content_index=0,
                audio_end_ms=total_ms + 500,
            )
            too_long = await client.recv()
            await client.send(
                "conversation.item.truncate",
                event_id="t2",
                item_id=user["item"]["id"],
                content_index=0,
                audio_end_ms=10,
            )
            not_audio = await client.recv()
            await client.send(
                "conversation.item.truncate",
                event_id="t3",
                item_id="item_unknown",
                content_index=0,
                audio_end_ms=10,
            )
            unknown = await client.recv()
            await client.send(
                "conversation.item.truncate", item_id=item_id, content_index=0, audio_end_ms=800
            )
            truncated = await client.recv()
            await client.send("conversation.item.retrieve", item_id=item_id)
            retrieved = await client.recv()
    assert events[-2]["response"]["output"][0]["content"][0]["transcript"] == (
        "The capital of Norway is Oslo."
    )
    assert too_long["error"] == {
        "type": "invalid_request_error",
        "code": "invalid_value",
        "message": f"Audio content of {len(pcm) // 48}ms is already shorter than "
        f"{total_ms + 500}ms",
        "param": "audio_end_ms",
        "event_id": "t1",
    }
    assert not_audio["error"]["message"] == "Only model output audio messages can be truncated"
    assert not_audio["error"]["event_id"] == "t2"
    assert unknown["error"]["code"] == "item_truncate_invalid_item_id"
    assert truncated == {
        **truncated,
        "type": "conversation.item.truncated",
        "item_id": item_id,
        "content_index": 0,
        "audio_end_ms": 800,
    }
    part = retrieved["item"]["content"][0]
    assert part["type"] == "output_audio"
    assert part["transcript"] == ""
    assert base64.b64decode(part["audio"]) == pcm[: 800 * 48]
