"""Conversation editing commands on a scripted peer (virtual clock): what goes on the wire,
when ``retrieve_item`` returns or fails, cancellation, and providers without items."""

from __future__ import annotations

import orjson
import pytest
import trio
import trio.testing

import trio_realtime as rt
from trio_realtime.testing import MemoryGateway

from .wire import check_client_frame

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 32
CONFIG = rt.Config(modalities=["text"], turn_detection=None, input_audio_transcription=False)


async def test_retrieve_item_returns_the_servers_copy(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway()
    async with rt.open_session("gpt-realtime", gateway=gateway, config=CONFIG) as session:
        peer = gateway.last_peer
        assert peer is not None
        item = {
            "id": "item_1",
            "type": "message",
            "role": "user",
            "status": "completed",
            "content": [{"type": "input_text", "text": "hi"}],
        }

        async def serve() -> None:
            request = await peer.expect("conversation.item.retrieve", item_id="item_1")
            check_client_frame(orjson.dumps(request))
            await trio.sleep(0.5)
            await peer.send({"type": "conversation.item.retrieved", "event_id": "e1", "item": item})

        async with trio.open_nursery() as nursery:
            nursery.start_soon(serve)
            start = trio.current_time()
            assert await session.retrieve_item("item_1") == item
            assert trio.current_time() - start == pytest.approx(0.5)


async def test_retrieve_item_fails_when_the_server_refuses(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway()
    async with rt.open_session("gpt-realtime", gateway=gateway, config=CONFIG) as session:
        peer = gateway.last_peer
        assert peer is not None

        async def serve() -> None:
            request = await peer.expect("conversation.item.retrieve")
            error = {
                "type": "invalid_request_error",
                "code": "item_retrieve_invalid_item_id",
                "message": "no such item",
                "event_id": request["event_id"],
            }
            await peer.send({"type": "error", "event_id": "e1", "error": error})

        async with trio.open_nursery() as nursery:
            nursery.start_soon(serve)
            with pytest.raises(ValueError, match="no such item"):
                await session.retrieve_item("item_x")


async def test_retrieve_item_times_out(autojump_clock: trio.testing.MockClock) -> None:
    gateway = MemoryGateway()
    async with rt.open_session("gpt-realtime", gateway=gateway, config=CONFIG) as session:
        start = trio.current_time()
        with pytest.raises(trio.TooSlowError):
            await session.retrieve_item("item_x", timeout=3.0)
        assert trio.current_time() - start == pytest.approx(3.0)


async def test_retrieve_item_raises_when_the_session_closes(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway()
    async with rt.open_session("gpt-realtime", gateway=gateway, config=CONFIG) as session:
        peer = gateway.last_peer
        assert peer is not None

        async def drop() -> None:
            await peer.expect("conversation.item.retrieve")
            await peer.close(1011, "gone")

        async with trio.open_nursery() as nursery:
            nursery.start_soon(drop)
            with pytest.raises(rt.SessionClosedError):
                await session.retrieve_item("item_x")


async def test_commands_put_the_right_frames_on_the_wire(
    autojump_clock: trio.testing.MockClock, tmp_path: object
) -> None:
    import pathlib

    path = pathlib.Path(str(tmp_path)) / "photo.png"
    path.write_bytes(PNG)
    gateway = MemoryGateway()
    async with rt.open_session("gpt-realtime", gateway=gateway, config=CONFIG) as session:
        peer = gateway.last_peer
        assert peer is not None
        await session.add_item(rt.SystemMessage("Be brief."), previous_item_id="root")
        await session.send_image(path, detail="high", text="What is this?", respond=True)
        await session.send_image(PNG)
        await session.delete_item("item_9")
        await session.approve_mcp_call("mcpr_1", respond=False)
        await session.reject_mcp_call("mcpr_2", reason="no")
        await trio.sleep(0.1)
        frames = [check_client_frame(orjson.dumps(f)) for f in peer.pending()]
    types = [f["type"] for f in frames]
    assert types == [
        "conversation.item.create",
        "conversation.item.create",
        "response.create",
        "conversation.item.create",
        "conversation.item.delete",
        "conversation.item.create",
        "conversation.item.create",
    ]  # the rejection's response request waits behind the image's (one at a time)
    assert frames[0]["previous_item_id"] == "root"
    image = frames[1]["item"]["content"]
    assert [p["type"] for p in image] == ["input_text", "input_image"]
    assert image[1]["detail"] == "high"
    assert image[1]["image_url"].startswith("data:image/png;base64,")
    assert frames[5]["item"]["approve"] is True and frames[6]["item"]["approve"] is False


async def test_bad_input_sends_nothing(autojump_clock: trio.testing.MockClock) -> None:
    gateway = MemoryGateway()
    async with rt.open_session("gpt-realtime", gateway=gateway, config=CONFIG) as session:
        peer = gateway.last_peer
        assert peer is not None
        with pytest.raises(ValueError, match="PNG or JPEG"):
            await session.send_image(b"not an image")
        with pytest.raises(TypeError):
            await session.add_item(object())
        with pytest.raises(FileNotFoundError):
            await session.send_image("/nonexistent/picture.png")
        await trio.sleep(0.1)
        assert peer.pending() == []


async def test_a_cancelled_command_sends_nothing(autojump_clock: trio.testing.MockClock) -> None:
    gateway = MemoryGateway()
    async with rt.open_session("gpt-realtime", gateway=gateway, config=CONFIG) as session:
        peer = gateway.last_peer
        assert peer is not None
        with trio.CancelScope() as scope:
            scope.cancel()
            await session.add_item(rt.SystemMessage("never"))
        await trio.sleep(0.1)
        assert peer.pending() == []


async def test_gemini_has_no_items(autojump_clock: trio.testing.MockClock) -> None:
    gateway = MemoryGateway(provider="gemini")
    async with rt.open_session("gemini-live", gateway=gateway, config=CONFIG) as session:
        for command in (
            session.add_item(rt.SystemMessage("x")),
            session.delete_item("item_1"),
            session.retrieve_item("item_1"),
            session.send_image(PNG),
            session.approve_mcp_call("mcpr_1"),
        ):
            with pytest.raises(rt.UnsupportedCommand, match="gemini cannot"):
                await command
        with pytest.raises(rt.UnsupportedCommand, match="out-of-band"):
            await session.create_response(rt.ResponseOptions(out_of_band=True))
