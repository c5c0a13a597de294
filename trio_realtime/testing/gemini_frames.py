"""Builders for Gemini Live server messages, for scripting a
:class:`~trio_realtime.testing.GeminiPeer` in tests.

Each function returns one server message as a dict, shaped as the Gemini service sends it
(camelCase; every builder's output validates against ``google-genai``'s ``LiveServerMessage``,
which the project's test suite checks). ``GeminiPeer.send`` sends them as binary frames, as the
service does::

    await peer.send(*gemini_frames.spoken_turn("Hello!", pcm=bytes(4800)))  # 0.1 s of silence
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "audio",
    "generation_complete",
    "go_away",
    "input_transcript",
    "interrupted",
    "output_transcript",
    "resumption_update",
    "setup_complete",
    "spoken_turn",
    "text",
    "tool_call",
    "tool_call_cancellation",
    "turn_complete",
    "usage",
    "voice_activity",
]


def setup_complete(session_id: str | None = None) -> dict[str, Any]:
    """``setupComplete`` (empty on the Gemini API; Vertex names the session)."""
    return {"setupComplete": {"sessionId": session_id} if session_id else {}}


def audio(pcm: bytes, rate: int = 24_000) -> dict[str, Any]:
    """A ``modelTurn`` part of ``pcm`` (PCM16 LE at ``rate``, base64 on the wire)."""
    blob = {"mimeType": f"audio/pcm;rate={rate}", "data": base64.b64encode(pcm).decode()}
    return {"serverContent": {"modelTurn": {"parts": [{"inlineData": blob}]}}}


def text(value: str, *, thought: bool = False) -> dict[str, Any]:
    """A ``modelTurn`` text part (``TEXT`` sessions; ``thought=True`` marks reasoning)."""
    part: dict[str, Any] = {"text": value}
    if thought:
        part["thought"] = True
    return {"serverContent": {"modelTurn": {"parts": [part]}}}


def output_transcript(value: str) -> dict[str, Any]:
    """A fragment of the transcript of the model's speech."""
    return {"serverContent": {"outputTranscription": {"text": value}}}


def input_transcript(value: str, *, finished: bool | None = None) -> dict[str, Any]:
    """A fragment of the transcript of the user's speech (``finished`` on some models)."""
    body: dict[str, Any] = {"text": value}
    if finished is not None:
        body["finished"] = finished
    return {"serverContent": {"inputTranscription": body}}


def generation_complete() -> dict[str, Any]:
    """``generationComplete``: the model produced all of this turn."""
    return {"serverContent": {"generationComplete": True}}


def turn_complete(
    usage_metadata: Mapping[str, Any] | None = None, *, reason: str | None = None
) -> dict[str, Any]:
    """``turnComplete`` (with ``usageMetadata``, and a ``turnCompleteReason``, when given)."""
    content: dict[str, Any] = {"turnComplete": True}
    if reason is not None:
        content["turnCompleteReason"] = reason
    message: dict[str, Any] = {"serverContent": content}
    if usage_metadata is not None:
        message["usageMetadata"] = dict(usage_metadata)
    return message


def usage(prompt: int, response: int, *, audio_in: int = 0, audio_out: int = 0) -> dict[str, Any]:
    """A ``usageMetadata`` object (``audio_*`` of the counts are audio, the rest text)."""
    return {
        "promptTokenCount": prompt,
        "responseTokenCount": response,
        "totalTokenCount": prompt + response,
        "promptTokensDetails": [
            {"modality": "TEXT", "tokenCount": prompt - audio_in},
            {"modality": "AUDIO", "tokenCount": audio_in},
        ],
        "responseTokensDetails": [
            {"modality": "TEXT", "tokenCount": response - audio_out},
            {"modality": "AUDIO", "tokenCount": audio_out},
        ],
    }


def interrupted() -> dict[str, Any]:
    """``interrupted``: the user's activity cut the model's turn (the barge-in)."""
    return {"serverContent": {"interrupted": True}}


def tool_call(calls: Mapping[str, tuple[str, Mapping[str, Any]]]) -> dict[str, Any]:
    """``toolCall`` with ``{call_id: (name, args)}`` (arguments as objects, whole)."""
    function_calls = [
        {"id": call_id, "name": name, "args": dict(args)} for call_id, (name, args) in calls.items()
    ]
    return {"toolCall": {"functionCalls": function_calls}}


def tool_call_cancellation(ids: Iterable[str]) -> dict[str, Any]:
    """``toolCallCancellation``: these calls must not be answered."""
    return {"toolCallCancellation": {"ids": list(ids)}}


def go_away(time_left: str = "50s") -> dict[str, Any]:
    """``goAway``: the server will abort the connection after ``time_left``."""
    return {"goAway": {"timeLeft": time_left}}


def resumption_update(handle: str, *, resumable: bool = True) -> dict[str, Any]:
    """``sessionResumptionUpdate`` (a non-resumable one carries no handle)."""
    body: dict[str, Any] = {"resumable": resumable}
    if resumable:
        body["newHandle"] = handle
    return {"sessionResumptionUpdate": body}


def voice_activity(kind: str, offset: str | None = None) -> dict[str, Any]:
    """``voiceActivity`` (``ACTIVITY_START``/``ACTIVITY_END``), sent by some models."""
    body: dict[str, Any] = {"type": kind}
    if offset is not None:
        body["audioOffset"] = offset
    return {"voiceActivity": body}


def spoken_turn(
    transcript: str, pcm: bytes, *, chunks: int = 2, usage_metadata: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    """A whole spoken answer: audio in ``chunks`` with the transcript, then the end markers."""
    size = -(-len(pcm) // max(chunks, 1))
    size += size & 1
    frames = [audio(pcm[i : i + size]) for i in range(0, len(pcm), size)]
    frames.insert(1 if frames else 0, output_transcript(transcript))
    frames += [generation_complete(), turn_complete(usage_metadata)]
    return frames
