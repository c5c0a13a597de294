"""A raw trio-websocket client for the local server that validates every frame it receives."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import numpy as np
import orjson
import trio
from trio_websocket import WebSocketConnection, open_websocket_url

from trio_realtime.server import synthesize

from .wire_validation import assert_valid_server_event

__all__ = ["RawClient", "audio_chunks", "b64", "connect", "silence", "speech"]


class RawClient:
    """Send JSON events; receive server events (each validated against the SDK types)."""

    def __init__(self, ws: WebSocketConnection) -> None:
        self.ws = ws
        self.received: list[dict[str, Any]] = []

    async def send(self, type_: str, **fields: Any) -> None:
        await self.ws.send_message(orjson.dumps({"type": type_, **fields}).decode())

    async def send_raw(self, text: str) -> None:
        await self.ws.send_message(text)

    async def recv(self) -> dict[str, Any]:
        frame = await self.ws.get_message()
        assert isinstance(frame, str), "the server must send text frames"
        assert_valid_server_event(frame)
        event: dict[str, Any] = orjson.loads(frame)
        self.received.append(event)
        return event

    async def recv_until(
        self, type_: str, where: Callable[[dict[str, Any]], bool] | None = None
    ) -> list[dict[str, Any]]:
        """Events up to and including the first ``type_`` event matching ``where``."""
        events = []
        while True:
            event = await self.recv()
            events.append(event)
            if event["type"] == type_ and (where is None or where(event)):
                return events

    async def expect(self, *types: str) -> list[dict[str, Any]]:
        """Receive exactly these event types, in order."""
        events = [await self.recv() for _ in types]
        assert [e["type"] for e in events] == list(types)
        return events

    async def response(self) -> list[dict[str, Any]]:
        """Events up to and including the next ``rate_limits.updated`` (ends a response)."""
        return await self.recv_until("rate_limits.updated")

    async def update(self, **session: Any) -> dict[str, Any]:
        await self.send("session.update", session={"type": "realtime", **session})
        event = await self.recv()
        assert event["type"] == "session.updated", event
        return event

    async def say(self, text: str) -> None:
        item = {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": text}],
        }
        await self.send("conversation.item.create", item=item)
        await self.expect("conversation.item.added", "conversation.item.done")

    async def nothing_pending(self, timeout: float = 30.0) -> bool:
        """True when no frame arrives within ``timeout`` (use on autojump_clock: instant)."""
        with trio.move_on_after(timeout):
            await self.recv()
            return False
        return True


@asynccontextmanager
async def connect(
    url: str, *, model: str = "gpt-realtime", headers: list[tuple[str, str]] | None = None
) -> AsyncIterator[RawClient]:
    extra = headers if headers is not None else [("Authorization", "Bearer sk-test")]
    async with open_websocket_url(
        f"{url}?model={model}",
        extra_headers=[(k.encode(), v.encode()) for k, v in extra],
        max_message_size=2**25,
        message_queue_size=256,
    ) as ws:
        client = RawClient(ws)
        first = await client.recv()
        assert first["type"] == "session.created", first
        yield client


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def silence(ms: int, rate: int = 24000) -> bytes:
    return bytes(2 * rate * ms // 1000)


def speech(text: str = "Hello there, how are you?", rate: int = 24000) -> bytes:
    return synthesize(text, voice="echo", sample_rate=rate).pcm


def audio_chunks(pcm: bytes, chunk_ms: int = 100, rate: int = 24000) -> list[str]:
    size = 2 * rate * chunk_ms // 1000
    return [b64(pcm[i : i + size]) for i in range(0, len(pcm), size)]


def pcm_samples(data: bytes) -> np.ndarray[Any, np.dtype[np.int16]]:
    return np.frombuffer(data, dtype="<i2")
