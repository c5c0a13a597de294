"""A scripted OpenAI-Realtime peer on an in-memory transport, for session tests.

The test plays the server: it expects client frames and emits server frames, all on trio's
virtual clock. Frames are built with the small helpers below (shapes from the GA reference).
"""

from __future__ import annotations

import base64
import itertools
from typing import Any

import orjson
import trio

from trio_realtime import Broker, Config
from trio_realtime.protocol.openai import OpenAIProtocol
from trio_realtime.transport import MemoryTransport, Transport, memory_transport_pair

_ids = itertools.count(1)


def _eid() -> str:
    return f"event_{next(_ids):04d}"


class MemoryGateway:
    """A gateway whose transport is one end of a memory pair; the test gets the other end."""

    def __init__(
        self,
        *,
        connect_timeout: float = 10.0,
        close_timeout: float = 2.0,
        auto_handshake: bool = True,
        **settings: Any,
    ) -> None:
        self.auto_handshake = auto_handshake
        self.settings = settings
        self.connect_timeout = connect_timeout
        self.close_timeout = close_timeout
        self.peers: trio.MemorySendChannel[ScriptedPeer]
        self.peers, self._peers_out = trio.open_memory_channel[ScriptedPeer](16)
        self.last_peer: ScriptedPeer | None = None

    async def open_transport(self, nursery: trio.Nursery, model: str) -> Transport:
        client, server = memory_transport_pair()
        self.last_peer = ScriptedPeer(server)
        if self.auto_handshake:
            nursery.start_soon(lambda: self.last_peer.handshake(**self.settings))  # type: ignore[union-attr]
        else:
            self.peers.send_nowait(self.last_peer)
        return client

    def codec(self, config: Config) -> OpenAIProtocol:
        return OpenAIProtocol(config)

    async def next_peer(self) -> ScriptedPeer:
        return await self._peers_out.receive()


class ScriptedPeer:
    """The server end: ``expect`` client frames, ``send`` server frames."""

    def __init__(self, transport: MemoryTransport) -> None:
        self.transport = transport
        self.received: list[dict[str, Any]] = []

    async def recv(self) -> dict[str, Any]:
        frame = await self.transport.receive_message()
        event: dict[str, Any] = orjson.loads(frame)
        self.received.append(event)
        return event

    async def expect(self, type_: str, **fields: Any) -> dict[str, Any]:
        event = await self.recv()
        assert event["type"] == type_, f"expected {type_}, got {event}"
        for key, value in fields.items():
            assert event[key] == value, (key, event)
        return event

    def pending(self) -> list[dict[str, Any]]:
        """Every client frame already sent but not yet received (without waiting)."""
        out = []
        while True:
            try:
                frame = self.transport._receive_channel.receive_nowait()
            except (trio.WouldBlock, trio.EndOfChannel, trio.ClosedResourceError):
                return out
            event = orjson.loads(frame)
            self.received.append(event)
            out.append(event)

    async def send(self, *events: dict[str, Any]) -> None:
        for event in events:
            await self.transport.send_message(orjson.dumps(event).decode())

    async def handshake(self, *, session_id: str = "sess_1", **settings: Any) -> dict[str, Any]:
        """session.created, then answer the client's session.update with session.updated."""
        await self.send(session_created(session_id))
        update = await self.expect("session.update")
        session = {**default_session(session_id), **update["session"], **settings}
        await self.send({"type": "session.updated", "event_id": _eid(), "session": session})
        return update


def default_session(session_id: str = "sess_1") -> dict[str, Any]:
    return {
        "type": "realtime",
        "object": "realtime.session",
        "id": session_id,
        "model": "gpt-realtime",
        "output_modalities": ["audio"],
        "audio": {
            "input": {
                "format": {"type": "audio/pcm", "rate": 24000},
                "transcription": None,
                "noise_reduction": None,
                "turn_detection": {
                    "type": "server_vad",
                    "create_response": True,
                    "interrupt_response": True,
                },
            },
            "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "alloy"},
        },
    }


def session_created(session_id: str = "sess_1") -> dict[str, Any]:
    return {"type": "session.created", "event_id": _eid(), "session": default_session(session_id)}


def response_created(rid: str) -> dict[str, Any]:
    return {
        "type": "response.created",
        "event_id": _eid(),
        "response": {
            "object": "realtime.response",
            "id": rid,
            "status": "in_progress",
            "output": [],
        },
    }


def response_done(rid: str, status: str = "completed", **details: Any) -> dict[str, Any]:
    return {
        "type": "response.done",
        "event_id": _eid(),
        "response": {
            "object": "realtime.response",
            "id": rid,
            "status": status,
            "status_details": details or None,
            "output": [],
            "usage": None,
        },
    }


def message_added(rid: str, item_id: str) -> dict[str, Any]:
    return {
        "type": "response.output_item.added",
        "event_id": _eid(),
        "response_id": rid,
        "output_index": 0,
        "item": {
            "id": item_id,
            "type": "message",
            "role": "assistant",
            "status": "in_progress",
            "content": [],
        },
    }


def text_delta(rid: str, item_id: str, delta: str) -> dict[str, Any]:
    return {
        "type": "response.output_text.delta",
        "event_id": _eid(),
        "response_id": rid,
        "item_id": item_id,
        "output_index": 0,
        "content_index": 0,
        "delta": delta,
    }


def text_done(rid: str, item_id: str, text: str) -> dict[str, Any]:
    return {
        "type": "response.output_text.done",
        "event_id": _eid(),
        "response_id": rid,
        "item_id": item_id,
        "output_index": 0,
        "content_index": 0,
        "text": text,
    }


def audio_delta(rid: str, item_id: str, pcm: bytes) -> dict[str, Any]:
    return {
        "type": "response.output_audio.delta",
        "event_id": _eid(),
        "response_id": rid,
        "item_id": item_id,
        "output_index": 0,
        "content_index": 0,
        "delta": base64.b64encode(pcm).decode(),
    }


def call_added(rid: str, call_id: str, name: str, index: int = 0) -> dict[str, Any]:
    return {
        "type": "response.output_item.added",
        "event_id": _eid(),
        "response_id": rid,
        "output_index": index,
        "item": {
            "id": f"item_{call_id}",
            "type": "function_call",
            "status": "in_progress",
            "name": name,
            "call_id": call_id,
            "arguments": "",
        },
    }


def call_done(rid: str, call_id: str, name: str, arguments: str, index: int = 0) -> dict[str, Any]:
    return {
        "type": "response.function_call_arguments.done",
        "event_id": _eid(),
        "response_id": rid,
        "item_id": f"item_{call_id}",
        "output_index": index,
        "call_id": call_id,
        "name": name,
        "arguments": arguments,
    }


def speech_started(item_id: str = "item_user", at_ms: int = 1000) -> dict[str, Any]:
    return {
        "type": "input_audio_buffer.speech_started",
        "event_id": _eid(),
        "audio_start_ms": at_ms,
        "item_id": item_id,
    }


def error(code: str, message: str = "", event_id: str | None = None) -> dict[str, Any]:
    return {
        "type": "error",
        "event_id": _eid(),
        "error": {
            "type": "invalid_request_error",
            "code": code,
            "message": message or code,
            "param": None,
            "event_id": event_id,
        },
    }


def text_turn(rid: str, item_id: str, text: str) -> list[dict[str, Any]]:
    """A complete text response."""
    return [
        response_created(rid),
        message_added(rid, item_id),
        text_delta(rid, item_id, text),
        text_done(rid, item_id, text),
        response_done(rid),
    ]


def broker(gateway: MemoryGateway, **config: Any) -> Broker:
    return Broker("gpt-realtime", gateway=gateway, config=Config(**config))
