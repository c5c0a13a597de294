"""Client messages of Gemini Live, parsed and validated (pure functions).

A client message is one JSON object with exactly one of ``setup``, ``clientContent``,
``realtimeInput``, ``toolResponse``, ``contextUpdate`` (either spelling); anything else closes
the connection with 1007, worded like Google's proto JSON parser.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

import attrs
import orjson

from ._wire import (
    GeminiClose,
    as_bool,
    as_enum,
    as_list,
    as_str,
    camel,
    fields,
    invalid_argument,
)

__all__ = ["AudioBlob", "parse_blob", "parse_contents", "parse_message", "parse_responses"]

_KINDS = ("setup", "clientContent", "realtimeInput", "toolResponse", "contextUpdate")
_PART = (
    "text",
    "inlineData",
    "functionCall",
    "functionResponse",
    "fileData",
    "executableCode",
    "codeExecutionResult",
    "thought",
    "thoughtSignature",
    "videoMetadata",
    "mediaResolution",
    "partMetadata",
)
_RESPONSE = ("id", "name", "response", "willContinue", "scheduling", "parts")
_MIME_RATE = re.compile(r"audio/(?:pcm|l16)(?:;\s*rate=(\d+))?", re.IGNORECASE)


def parse_message(frame: str | bytes) -> tuple[str, Any]:
    """``(kind, body)`` of one client frame (text or binary, UTF-8 JSON)."""
    try:
        message = orjson.loads(frame)
    except orjson.JSONDecodeError:
        raise GeminiClose(1007, "Invalid JSON payload received. Unexpected token.") from None
    found = fields(message, _KINDS, "")
    if not found:
        raise invalid_argument()
    if len(found) > 1:
        second = list(found)[1]
        raise GeminiClose(
            1007,
            "Invalid JSON payload received. Oneof field 'message_type' is already set. "
            f"Cannot set '{second}'",
        )
    return next(iter(found.items()))


@attrs.frozen
class AudioBlob:
    """PCM16 LE mono ``pcm`` at ``sample_rate``; ``audio`` False for an image/video blob."""

    pcm: bytes = attrs.field(repr=lambda pcm: f"<{len(pcm)} bytes>")
    sample_rate: int
    audio: bool = True


def _bytes(value: object, path: str) -> bytes:
    text = as_str(value, path)
    try:
        return base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        shown = text if len(text) <= 16 else text[:16] + "..."
        where = path.replace("realtimeInput", "realtime_input").replace("inlineData", "inline_data")
        raise GeminiClose(
            1007,
            f"Invalid value at '{where}' (TYPE_BYTES), Base64 decoding failed for \"{shown}\"",
        ) from None


def parse_blob(value: object, path: str) -> AudioBlob:
    """A ``Blob``: audio (``audio/pcm;rate=N``, 16 kHz when no rate) or an image/video."""
    blob = fields(value, ("mimeType", "data", "displayName"), path)
    mime = as_str(blob.get("mimeType", ""), f"{path}.mimeType")
    data = _bytes(blob.get("data", ""), f"{path}.data")
    if mime.split("/", 1)[0].lower() in ("image", "video"):
        return AudioBlob(b"", 0, audio=False)
    match = _MIME_RATE.fullmatch(mime.strip())
    if match is None:
        raise invalid_argument()  # only raw PCM16 audio is understood
    rate = int(match.group(1) or 16000)
    if not 8000 <= rate <= 48000 or len(data) % 2:
        raise invalid_argument()
    return AudioBlob(data, rate)


def parse_contents(value: object, path: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """``turns`` (``Content`` objects; ``role`` "user" or "model" required)."""
    out = []
    for i, raw in enumerate(as_list(value, path)):
        where = f"{path}[{i}]"
        content = fields(raw, ("parts", "role"), where)
        role = as_str(content.get("role", ""), f"{where}.role")
        if role not in ("user", "model"):
            raise invalid_argument()  # an omitted role, or "system"
        parts = []
        for j, part in enumerate(as_list(content.get("parts", []), f"{where}.parts")):
            parts.append(_part(part, f"{where}.parts[{j}]"))
        out.append((role, parts))
    return out


def _part(value: object, path: str) -> dict[str, Any]:
    part = fields(value, _PART, path)
    if "text" in part:
        as_str(part["text"], f"{path}.text")
    if "thought" in part:
        as_bool(part["thought"], f"{path}.thought")
    if "inlineData" in part:
        parse_blob(part["inlineData"], f"{path}.inlineData")
        part["inlineData"] = {camel(k): v for k, v in part["inlineData"].items()}
    if "functionCall" in part:
        call = fields(
            part["functionCall"],
            ("id", "name", "args", "partialArgs", "willContinue"),
            f"{path}.functionCall",
        )
        as_str(call.get("name", ""), f"{path}.functionCall.name")
        part["functionCall"] = call
    if "functionResponse" in part:
        part["functionResponse"] = _response(part["functionResponse"], f"{path}.functionResponse")
    return part


def _response(value: object, path: str) -> dict[str, Any]:
    response = fields(value, _RESPONSE, path)
    as_str(response.get("name", ""), f"{path}.name")
    if "id" in response:
        as_str(response["id"], f"{path}.id")
    if "response" in response and not isinstance(response["response"], dict):
        raise invalid_argument()  # a JSON object (a Struct)
    if "willContinue" in response:
        as_bool(response["willContinue"], f"{path}.willContinue")
    if "scheduling" in response:
        as_enum(
            response["scheduling"],
            f"{path}.scheduling",
            ("SCHEDULING_UNSPECIFIED", "SILENT", "WHEN_IDLE", "INTERRUPT"),
        )
    return response


def parse_responses(value: object) -> list[dict[str, Any]]:
    """``toolResponse.functionResponses`` (each must carry the call's ``id``)."""
    body = fields(value, ("functionResponses",), "toolResponse")
    path = "toolResponse.functionResponses"
    out = []
    for i, raw in enumerate(as_list(body.get("functionResponses", []), path)):
        response = _response(raw, f"{path}[{i}]")
        if not response.get("id"):
            raise invalid_argument()  # the Gemini API requires the call's id
        out.append(response)
    return out
