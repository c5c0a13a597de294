"""The recording file format: one JSON object per line (JSONL), pure functions, no I/O.

A recording holds one or more *connections*, each starting with a header line::

    {"event": "connection", "version": 1, "index": 0, "provider": "openai",
     "model": "gpt-realtime", "url": "ws://127.0.0.1:8765/v1/realtime?model=gpt-realtime",
     "headers": [["Authorization", "[redacted]"]], "audio": true, "started_at": "2025-..."}

then one line per frame, in the order the client saw them, ``t`` in seconds since the
connection started (trio's monotonic clock)::

    {"t": 0.0012, "dir": "send", "json": {...}}      a text frame holding JSON
    {"t": 0.0043, "dir": "recv", "binary": {...}}    a binary frame holding JSON (Gemini)
    {"t": 0.0050, "dir": "recv", "text": "..."}      any other text frame
    {"t": 0.0051, "dir": "recv", "b64": "..."}       any other binary frame

and events: ``{"t": ..., "event": "close", "code": 1000, "reason": "...", "initiator":
"client"}``, ``{"t": ..., "event": "audio_off"}`` (audio elided from here on: the size bound),
``{"t": ..., "event": "truncated"}`` (nothing recorded after it: the size bound).

Secrets never reach the file: every string except audio payloads goes through
:func:`trio_realtime._secrets.redact`, the URL through ``redact_url``, and credential headers
are replaced whole. Audio payloads (base64 in ``input_audio_buffer.append``, audio deltas,
``inlineData``/``audio`` blobs with an ``audio/`` MIME type) are kept, or *elided*: replaced by
``"<audio N bytes>"`` (the line then has ``"elided": true``); a replay sends N zero bytes there.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import orjson

from .._secrets import REDACTED, redact, redact_url

__all__ = [
    "FORMAT_VERSION",
    "encode_frame",
    "frame_kind",
    "frame_of",
    "headers_for",
    "line",
    "url_for",
]

FORMAT_VERSION = 1
Direction = Literal["send", "recv"]

_AUDIO_TYPES = {
    "response.output_audio.delta": "delta",
    "response.audio.delta": "delta",
    "input_audio_buffer.append": "audio",
}
_PLACEHOLDER = re.compile(r"<audio (\d+) bytes>")
#: Headers whose values are credentials: never recorded.
CREDENTIAL_HEADERS = frozenset(
    {"authorization", "x-goog-api-key", "api-key", "x-api-key", "cookie", "proxy-authorization"}
)


def line(record: Mapping[str, Any]) -> bytes:
    """One JSONL line (with its newline)."""
    return orjson.dumps(record) + b"\n"


def _audio_key(obj: Mapping[str, Any]) -> str | None:
    kind = obj.get("type")
    if isinstance(kind, str) and kind in _AUDIO_TYPES:
        return _AUDIO_TYPES[kind]
    mime = obj.get("mimeType", obj.get("mime_type"))
    if isinstance(mime, str) and mime.startswith("audio/"):
        return "data"
    return None


class _Cleaner:
    def __init__(self, keep_audio: bool) -> None:
        self.keep_audio = keep_audio
        self.audio = False  # an audio payload was seen
        self.elided = False

    def clean(self, value: Any) -> Any:
        if isinstance(value, str):
            return redact(value)
        if isinstance(value, list):
            return [self.clean(item) for item in value]
        if isinstance(value, dict):
            audio = _audio_key(value)
            out = {}
            for key, item in value.items():
                if key == audio and isinstance(item, str):
                    out[key] = self._audio(item)
                else:
                    out[key] = self.clean(item)
            return out
        return value

    def _audio(self, payload: str) -> str:
        self.audio = True
        if self.keep_audio:
            return payload
        self.elided = True
        size = len(payload) * 3 // 4 - payload[-2:].count("=")
        return f"<audio {size} bytes>"


def encode_frame(
    direction: Direction, t: float, message: str | bytes, *, audio: bool
) -> tuple[bytes, bool]:
    """The line recording ``message``, and whether it carried audio (kept or elided)."""
    record: dict[str, Any] = {"t": round(t, 6), "dir": direction}
    text = message if isinstance(message, str) else _utf8(message)
    parsed: Any = None
    if text is not None:
        try:
            parsed = orjson.loads(text)
        except orjson.JSONDecodeError:
            parsed = None
    if isinstance(parsed, dict | list):
        cleaner = _Cleaner(audio)
        record["json" if isinstance(message, str) else "binary"] = cleaner.clean(parsed)
        if cleaner.elided:
            record["elided"] = True
        return line(record), cleaner.audio
    if isinstance(message, str):
        record["text"] = redact(message)
    else:
        record["b64"] = base64.b64encode(message).decode("ascii")
    return line(record), False


def _utf8(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _restore(value: Any) -> Any:
    if isinstance(value, str):
        match = _PLACEHOLDER.fullmatch(value)
        if match is None:
            return value
        return base64.b64encode(bytes(int(match.group(1)))).decode("ascii")
    if isinstance(value, list):
        return [_restore(item) for item in value]
    if isinstance(value, dict):
        return {key: _restore(item) for key, item in value.items()}
    return value


def frame_of(record: Mapping[str, Any]) -> str | bytes:
    """The frame a recorded line stands for (elided audio as zero bytes of the same length)."""
    if "json" in record or "binary" in record:
        body = record["json"] if "json" in record else record["binary"]
        if record.get("elided"):
            body = _restore(body)
        data = orjson.dumps(body)
        return data.decode() if "json" in record else data
    if "text" in record:
        return str(record["text"])
    if "b64" in record:
        return base64.b64decode(record["b64"])
    raise ValueError(f"not a frame line: {dict(record)!r}")


def frame_kind(message: str | bytes | Mapping[str, Any]) -> str:
    """A short name for a frame, for ordering checks and timelines: the OpenAI ``type``, or
    Gemini's top-level field (with ``realtimeInput``'s member: ``realtimeInput.audio``)."""
    body: Any = message
    if isinstance(message, str | bytes):
        try:
            body = orjson.loads(message)
        except orjson.JSONDecodeError:
            return "<binary>" if isinstance(message, bytes) else "<text>"
    if not isinstance(body, Mapping) or not body:
        return "<json>"
    kind = body.get("type")
    if isinstance(kind, str):
        return kind
    first = next(iter(body))
    inner = body[first]
    if first in ("realtimeInput", "serverContent") and isinstance(inner, Mapping) and inner:
        return f"{first}.{next(iter(inner))}"
    return str(first)


def url_for(gateway: object, model: str) -> str | None:
    """The gateway's endpoint for ``model`` without credentials (None if it has none)."""
    endpoint = getattr(gateway, "endpoint", None)
    if not callable(endpoint):
        return None
    try:
        return redact_url(str(endpoint(model)))
    except Exception:  # a gateway whose endpoint cannot be built here: leave it out
        return None


def headers_for(gateway: object) -> list[list[str]]:
    """The gateway's handshake headers, credentials replaced whole, other values redacted."""
    build = getattr(gateway, "_headers", None)
    pairs: Iterable[tuple[str, str]] = build() if callable(build) else ()
    return [
        [name, REDACTED if name.lower() in CREDENTIAL_HEADERS else redact(value)]
        for name, value in pairs
    ]
