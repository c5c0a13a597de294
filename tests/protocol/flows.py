"""Server frames of typical OpenAI Realtime (GA) flows, loaded from ``data/*.jsonl``.

Each data file holds one flow, one server frame per line, exactly as the wire carries it. They are
derived from the reference flows (text turn, audio turn with VAD and transcription, one tool call,
two parallel calls, barge-in, a rate-limited response) with long objects trimmed, but with real
audio: every ``response.output_audio.delta`` is base64 PCM16 of a deterministic tone
(:func:`tone`), split at odd byte offsets so the decoder must carry a byte to the next delta.
:func:`to_beta` rewrites a flow with the beta event names.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import orjson

Frame = dict[str, Any]

DATA = Path(__file__).with_name("data")
FLOW_NAMES = ("text_turn", "audio_turn", "tool_call", "parallel_calls", "barge_in", "rate_limited")


def load(name: str) -> list[Frame]:
    """The frames of flow ``name`` (fresh dicts on every call)."""
    lines = (DATA / f"{name}.jsonl").read_bytes().splitlines()
    return [orjson.loads(line) for line in lines if line.strip()]


def tone(ms: int, *, rate: int = 24_000, freq: float = 440.0, amp: int = 9000) -> bytes:
    """``ms`` milliseconds of a sine as PCM16 little-endian mono at ``rate``."""
    t = np.arange(rate * ms // 1000, dtype=np.float64)
    return (amp * np.sin(2 * np.pi * freq * t / rate)).astype("<i2").tobytes()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


#: audio_turn: 200 ms of 440 Hz in three deltas of 3201, 3200 and 3199 bytes.
AUDIO_REPLY = tone(200)
#: tool_call: the follow-up answer, 60 ms of 330 Hz in one delta.
ANSWER_AUDIO = tone(60, freq=330.0)
#: barge_in: 80 ms of 523.25 Hz in deltas of 1921 and 1919 bytes.
BARGE_AUDIO = tone(80, freq=523.25)

CALL_ID = "call_9Q9eysr6LstYMEx6"
CALL_A, CALL_B = "call_Ak41pZ0", "call_Bm77qX3"
RATE_LIMIT_ERROR = {
    "type": "tokens",
    "code": "rate_limit_exceeded",
    "message": "Rate limit reached for gpt-realtime in organization org-XXXX on tokens per min "
    "(TPM): Limit 40000, Used 39000, Requested 3188. Please try again in 3.282s.",
}
WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Get the current weather for a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}


def error_frame(code: str, message: str, *, event_id: str | None = None) -> Frame:
    """An ``error`` server event with ``code`` (``error.event_id`` = the offending client event)."""
    err = {
        "type": "invalid_request_error",
        "code": code,
        "message": message,
        "param": None,
        "event_id": event_id,
    }
    return {"type": "error", "event_id": "event_9000", "error": err}


_TO_BETA = {
    "response.output_text.delta": "response.text.delta",
    "response.output_text.done": "response.text.done",
    "response.output_audio.delta": "response.audio.delta",
    "response.output_audio.done": "response.audio.done",
    "response.output_audio_transcript.delta": "response.audio_transcript.delta",
    "response.output_audio_transcript.done": "response.audio_transcript.done",
    "conversation.item.added": "conversation.item.created",
}


def to_beta(frames: Iterable[Frame]) -> list[Frame]:
    """``frames`` as a beta server sends them (renamed events, no ``conversation.item.done``)."""
    out = []
    for frame in frames:
        if frame["type"] == "conversation.item.done":
            continue
        out.append({**frame, "type": _TO_BETA.get(frame["type"], frame["type"])})
    return out
