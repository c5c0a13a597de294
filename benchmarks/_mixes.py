"""The event mixes the session benchmarks stream: realistic OpenAI Realtime GA server frames.

Every frame is built with :mod:`trio_realtime.testing.frames` (whose output validates against the
``openai`` package's server event types) or, for the few events it has no builder for, in the
same GA shape here. A mix is a list of JSON texts, serialized once, before anything is timed:

- ``text``: text responses: ``response.created``, ``output_item.added``,
  ``content_part.added``, 48 ``output_text.delta`` of a token or two each,
  ``output_text.done``, ``content_part.done``, ``output_item.done``, ``response.done``;
- ``audio``: audio responses: per 100 ms of 24 kHz PCM16 (4,800 bytes, 6,400 base64 characters)
  one ``output_audio.delta`` and two ``output_audio_transcript.delta``, 20 of them a turn
  (2 s of audio), with the created / added / done frames around them;
- ``tools``: tool-calling responses: two ``function_call`` items a turn, each with its
  ``output_item.added``, 12 ``function_call_arguments.delta``, ``.done`` and
  ``output_item.done``, then ``response.done``.

The handshake (``session.created``, ``session.updated``) comes first, outside the mix.
"""

from __future__ import annotations

import json
from typing import Any

from trio_realtime.testing import frames

MIXES = ("text", "audio", "tools")
#: 100 ms of 24 kHz PCM16 mono.
AUDIO_CHUNK_BYTES = 4800
AUDIO_RATE = 24000
TOKENS = ["Hello", ",", " I", " can", " help", " with", " that", ".", " The", " answer", " is"]
TOOL_NAME = "lookup"


def _dump(event: dict[str, Any]) -> str:
    return json.dumps(event, separators=(",", ":"))


def _pcm(seed: int) -> bytes:
    return bytes((seed * 7 + k * 13) % 251 for k in range(AUDIO_CHUNK_BYTES))


def _part_event(kind: str, rid: str, item_id: str) -> dict[str, Any]:
    part = {"type": "text", "text": ""} if "text" in kind else {"type": "audio", "transcript": ""}
    return {
        "type": f"response.content_part.{kind.split('/')[0]}",
        "event_id": "event_part",
        "response_id": rid,
        "item_id": item_id,
        "output_index": 0,
        "content_index": 0,
        "part": part,
    }


def _item_done(rid: str, item: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "response.output_item.done",
        "event_id": "event_item_done",
        "response_id": rid,
        "output_index": 0,
        "item": item,
    }


def _message_item(item_id: str) -> dict[str, Any]:
    return {
        "id": item_id,
        "type": "message",
        "role": "assistant",
        "status": "completed",
        "content": [],
    }


def _usage() -> dict[str, Any]:
    return {"total_tokens": 120, "input_tokens": 40, "output_tokens": 80}


def text_turn(n: int, deltas: int = 48) -> list[str]:
    rid, item = f"resp_{n:06d}", f"item_{n:06d}"
    events = [
        frames.response_created(rid),
        frames.message_added(rid, item),
        _part_event("added/text", rid, item),
    ]
    text = ""
    for i in range(deltas):
        token = TOKENS[i % len(TOKENS)]
        text += token
        events.append(frames.text_delta(rid, item, token))
    events += [
        frames.text_done(rid, item, text),
        _part_event("done/text", rid, item),
        _item_done(rid, _message_item(item)),
        frames.response_done(rid, usage=_usage()),
    ]
    return [_dump(e) for e in events]


def audio_turn(n: int, chunks: int = 20) -> list[str]:
    rid, item = f"resp_{n:06d}", f"item_{n:06d}"
    events = [
        frames.response_created(rid),
        frames.message_added(rid, item),
        _part_event("added/audio", rid, item),
    ]
    text = ""
    for i in range(chunks):
        events.append(frames.audio_delta(rid, item, _pcm(n + i)))
        for k in range(2):
            token = TOKENS[(2 * i + k) % len(TOKENS)]
            text += token
            events.append(frames.transcript_delta(rid, item, token))
    events += [
        frames.transcript_done(rid, item, text),
        _part_event("done/audio", rid, item),
        _item_done(rid, _message_item(item)),
        frames.response_done(rid, usage=_usage()),
    ]
    return [_dump(e) for e in events]


def tools_turn(n: int, calls: int = 2, deltas: int = 12) -> list[str]:
    rid = f"resp_{n:06d}"
    events = [frames.response_created(rid)]
    for c in range(calls):
        call_id = f"call_{n:06d}_{c}"
        arguments = json.dumps({"query": f"order {n}-{c}", "limit": 10})
        events.append(frames.call_added(rid, call_id, TOOL_NAME, c))
        step = -(-len(arguments) // deltas)
        for i in range(deltas):
            piece = arguments[i * step : (i + 1) * step]
            events.append(frames.args_delta(rid, call_id, piece, c))
        events.append(frames.call_done(rid, call_id, TOOL_NAME, arguments, c))
        item = {
            "id": f"item_{call_id}",
            "type": "function_call",
            "status": "completed",
            "name": TOOL_NAME,
            "call_id": call_id,
            "arguments": arguments,
        }
        events.append(_item_done(rid, item))
    events.append(frames.response_done(rid, usage=_usage()))
    return [_dump(e) for e in events]


TURNS = {"text": text_turn, "audio": audio_turn, "tools": tools_turn}


def mix(name: str, frames_wanted: int) -> list[str]:
    """Whole turns of ``name`` until at least ``frames_wanted`` frames."""
    out: list[str] = []
    n = 0
    while len(out) < frames_wanted:
        out += TURNS[name](n)
        n += 1
    return out


def audio_seconds(messages: list[str]) -> float:
    """Seconds of audio the ``output_audio.delta`` frames of ``messages`` carry."""
    deltas = sum(1 for m in messages if '"response.output_audio.delta"' in m)
    return deltas * AUDIO_CHUNK_BYTES / 2 / AUDIO_RATE


def handshake(*, interrupt_response: bool = True) -> list[str]:
    """``session.created`` and ``session.updated`` (server VAD; whether the server cancels a
    response itself on barge-in is ``interrupt_response``)."""
    session = frames.default_session("sess_bench")
    session["audio"]["input"]["turn_detection"]["interrupt_response"] = interrupt_response
    created = frames.session_created("sess_bench")
    created["session"] = session
    return [_dump(created), _dump(frames.session_updated(session))]
