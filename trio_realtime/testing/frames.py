"""Builders for OpenAI Realtime (GA) server events, for scripting a peer in tests.

Each function returns one server event as a dict, shaped as the OpenAI service sends it (every
builder's output validates against the official ``openai`` package's server event types; the
project's test suite checks that). Send them with :meth:`~trio_realtime.testing.ScriptedPeer.send`::

    await peer.send(*frames.text_turn("resp_1", "item_1", "Hello!"))
"""

from __future__ import annotations

import base64
import itertools
from typing import Any

__all__ = [
    "args_delta",
    "audio_delta",
    "call_added",
    "call_done",
    "default_session",
    "error",
    "message_added",
    "rate_limits",
    "response_created",
    "response_done",
    "session_created",
    "session_updated",
    "speech_started",
    "speech_stopped",
    "text_delta",
    "text_done",
    "text_turn",
    "tool_turn",
    "transcript_delta",
    "transcript_done",
    "user_transcript",
]

_ids = itertools.count(1)


def _eid() -> str:
    return f"event_{next(_ids):04d}"


def default_session(session_id: str = "sess_1", *, model: str = "gpt-realtime") -> dict[str, Any]:
    """A GA session object with the service's defaults (server VAD, PCM16 24 kHz, alloy)."""
    return {
        "type": "realtime",
        "object": "realtime.session",
        "id": session_id,
        "model": model,
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
    """``session.created`` for a session with the default configuration."""
    return {"type": "session.created", "event_id": _eid(), "session": default_session(session_id)}


def session_updated(session: dict[str, Any]) -> dict[str, Any]:
    """``session.updated`` reporting ``session`` as the effective configuration."""
    return {"type": "session.updated", "event_id": _eid(), "session": session}


def response_created(rid: str) -> dict[str, Any]:
    """``response.created`` of response ``rid``."""
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


def response_done(
    rid: str, status: str = "completed", usage: dict[str, Any] | None = None, **details: Any
) -> dict[str, Any]:
    """``response.done`` of ``rid`` with ``status`` (``status_details`` from ``details``)."""
    return {
        "type": "response.done",
        "event_id": _eid(),
        "response": {
            "object": "realtime.response",
            "id": rid,
            "status": status,
            "status_details": details or None,
            "output": [],
            "usage": usage,
        },
    }


def message_added(rid: str, item_id: str, index: int = 0) -> dict[str, Any]:
    """``response.output_item.added`` of an assistant message item."""
    return {
        "type": "response.output_item.added",
        "event_id": _eid(),
        "response_id": rid,
        "output_index": index,
        "item": {
            "id": item_id,
            "type": "message",
            "role": "assistant",
            "status": "in_progress",
            "content": [],
        },
    }


def _part(event_type: str, rid: str, item_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "type": event_type,
        "event_id": _eid(),
        "response_id": rid,
        "item_id": item_id,
        "output_index": 0,
        "content_index": 0,
        **fields,
    }


def text_delta(rid: str, item_id: str, delta: str) -> dict[str, Any]:
    """``response.output_text.delta``."""
    return _part("response.output_text.delta", rid, item_id, delta=delta)


def text_done(rid: str, item_id: str, text: str) -> dict[str, Any]:
    """``response.output_text.done``."""
    return _part("response.output_text.done", rid, item_id, text=text)


def transcript_delta(rid: str, item_id: str, delta: str) -> dict[str, Any]:
    """``response.output_audio_transcript.delta``."""
    return _part("response.output_audio_transcript.delta", rid, item_id, delta=delta)


def transcript_done(rid: str, item_id: str, transcript: str) -> dict[str, Any]:
    """``response.output_audio_transcript.done``."""
    return _part("response.output_audio_transcript.done", rid, item_id, transcript=transcript)


def audio_delta(rid: str, item_id: str, pcm: bytes) -> dict[str, Any]:
    """``response.output_audio.delta`` carrying ``pcm`` (base64 on the wire)."""
    delta = base64.b64encode(pcm).decode()
    return _part("response.output_audio.delta", rid, item_id, delta=delta)


def call_added(rid: str, call_id: str, name: str, index: int = 0) -> dict[str, Any]:
    """``response.output_item.added`` of a ``function_call`` item."""
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


def args_delta(rid: str, call_id: str, delta: str, index: int = 0) -> dict[str, Any]:
    """``response.function_call_arguments.delta``."""
    return {
        "type": "response.function_call_arguments.delta",
        "event_id": _eid(),
        "response_id": rid,
        "item_id": f"item_{call_id}",
        "output_index": index,
        "call_id": call_id,
        "delta": delta,
    }


def call_done(rid: str, call_id: str, name: str, arguments: str, index: int = 0) -> dict[str, Any]:
    """``response.function_call_arguments.done`` (the call's arguments are complete)."""
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
    """``input_audio_buffer.speech_started`` (the server's VAD heard the user: barge-in)."""
    return {
        "type": "input_audio_buffer.speech_started",
        "event_id": _eid(),
        "audio_start_ms": at_ms,
        "item_id": item_id,
    }


def speech_stopped(item_id: str = "item_user", at_ms: int = 2000) -> dict[str, Any]:
    """``input_audio_buffer.speech_stopped``."""
    return {
        "type": "input_audio_buffer.speech_stopped",
        "event_id": _eid(),
        "audio_end_ms": at_ms,
        "item_id": item_id,
    }


def user_transcript(item_id: str, transcript: str) -> dict[str, Any]:
    """``conversation.item.input_audio_transcription.completed``."""
    return {
        "type": "conversation.item.input_audio_transcription.completed",
        "event_id": _eid(),
        "item_id": item_id,
        "content_index": 0,
        "transcript": transcript,
        "usage": {"type": "duration", "seconds": 1},
    }


def error(code: str, message: str = "", event_id: str | None = None) -> dict[str, Any]:
    """An ``error`` event (``event_id`` names the client event it refers to)."""
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


def rate_limits(remaining: int = 1000, reset_seconds: float = 1.0) -> dict[str, Any]:
    """``rate_limits.updated`` with one ``tokens`` limit."""
    limit = {"name": "tokens", "limit": 40000, "remaining": remaining}
    return {
        "type": "rate_limits.updated",
        "event_id": _eid(),
        "rate_limits": [{**limit, "reset_seconds": reset_seconds}],
    }


def text_turn(rid: str, item_id: str, text: str) -> list[dict[str, Any]]:
    """A complete text response: created, item added, one delta, done text, done."""
    return [
        response_created(rid),
        message_added(rid, item_id),
        text_delta(rid, item_id, text),
        text_done(rid, item_id, text),
        response_done(rid),
    ]


def tool_turn(rid: str, calls: dict[str, tuple[str, str]]) -> list[dict[str, Any]]:
    """A complete response that calls tools: ``{call_id: (name, arguments_json)}``."""
    frames = [response_created(rid)]
    for index, (call_id, (name, arguments)) in enumerate(calls.items()):
        frames.append(call_added(rid, call_id, name, index))
        frames.append(call_done(rid, call_id, name, arguments, index))
    frames.append(response_done(rid))
    return frames
