"""A raw trio-websocket Gemini Live client for the local server: every message it sends is
validated as ``LiveClientMessage``, every frame it receives as ``LiveServerMessage``."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import orjson
import trio
from trio_websocket import ConnectionClosed, WebSocketConnection, open_websocket_url

from trio_realtime.server import gemini_url, synthesize

from .gemini_validation import assert_valid_client_message, assert_valid_server_message

__all__ = [
    "GeminiClient",
    "b64",
    "close_after",
    "connect_gemini",
    "pcm16k",
    "setup_message",
    "speech16k",
]

MODEL = "models/gemini-2.5-flash-native-audio-preview-12-2025"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def pcm16k(ms: int) -> bytes:
    return bytes(32 * ms)


def speech16k(text: str = "Hello there, how are you?") -> bytes:
    return synthesize(text, voice="Puck", sample_rate=16000).pcm


class GeminiClient:
    """Send client messages; receive server messages (validated, binary frames)."""

    def __init__(self, ws: WebSocketConnection) -> None:
        self.ws = ws
        self.received: list[dict[str, Any]] = []

    async def send(self, message: dict[str, Any]) -> None:
        assert_valid_client_message(message)
        await self.ws.send_message(orjson.dumps(message).decode())

    async def send_raw(self, frame: str | bytes) -> None:
        """Send anything (not validated): for testing how bad input is refused."""
        await self.ws.send_message(frame)

    async def recv(self) -> dict[str, Any]:
        frame = await self.ws.get_message()
        assert_valid_server_message(frame)
        message: dict[str, Any] = orjson.loads(frame)
        self.received.append(message)
        return message

    async def recv_until(self, where: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
        """Messages up to and including the first one matching ``where``."""
        messages = []
        while True:
            message = await self.recv()
            messages.append(message)
            if where(message):
                return messages

    async def turn(self) -> list[dict[str, Any]]:
        """Messages up to and including the next ``turnComplete``."""
        return await self.recv_until(
            lambda m: m.get("serverContent", {}).get("turnComplete", False)
        )

    async def closed(self) -> tuple[int | None, str | None]:
        """Read until the server closes; its close code and reason."""
        try:
            while True:
                await self.recv()
        except ConnectionClosed as closed:
            return closed.reason.code, closed.reason.reason

    async def text(self, text: str) -> None:
        await self.send({"realtimeInput": {"text": text}})

    async def audio(self, pcm: bytes, *, rate: int = 16000, chunk_ms: int = 100) -> None:
        size = rate * 2 * chunk_ms // 1000
        for start in range(0, len(pcm), size):
            blob = {"mimeType": f"audio/pcm;rate={rate}", "data": b64(pcm[start : start + size])}
            await self.send({"realtimeInput": {"audio": blob}})

    async def nothing_pending(self, timeout: float = 30.0) -> bool:
        with trio.move_on_after(timeout):
            await self.recv()
            return False
        return True


def setup_message(**fields: Any) -> dict[str, Any]:
    return {"setup": {"model": MODEL, **fields}}


async def close_after(
    url: str, *frames: str | bytes | dict[str, Any], version: str = "v1beta"
) -> tuple[int | None, str | None]:
    """Send ``frames`` (dicts as JSON text, not validated) on a fresh connection; the close code
    and reason the server answers with."""
    async with open_websocket_url(gemini_url(url, version)) as ws:
        client = GeminiClient(ws)
        for frame in frames:
            await client.send_raw(
                orjson.dumps(frame).decode() if isinstance(frame, dict) else frame
            )
        return await client.closed()


@asynccontextmanager
async def connect_gemini(
    url: str,
    *,
    version: str = "v1beta",
    setup: dict[str, Any] | None = None,
    headers: list[tuple[str, str]] | None = None,
    query: str = "",
) -> AsyncIterator[GeminiClient]:
    """Connect to the local server's Gemini path, send ``setup`` and await ``setupComplete``."""
    async with open_websocket_url(
        gemini_url(url, version) + query,
        extra_headers=[(k.encode(), v.encode()) for k, v in headers or []],
        max_message_size=2**25,
        message_queue_size=256,
    ) as ws:
        client = GeminiClient(ws)
        await client.send(setup if setup is not None else setup_message())
        first = await client.recv()
        assert first == {"setupComplete": {}}, first
        yield client
