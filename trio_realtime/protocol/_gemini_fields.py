"""Small decoders for Gemini Live's proto3-JSON values: base64, durations, int64, usage."""

from __future__ import annotations

import binascii
import math
import re
from collections.abc import Mapping
from typing import Any

from ..events import Usage
from ._openai_fields import BadField, json_type

__all__ = ["audio_rate", "b64decode", "duration_ms", "req_list", "usage_of"]

_URL_SAFE = str.maketrans("-_", "+/")
_RATE = re.compile(r"rate=(\d+)")
_DURATION = re.compile(r"\s*(-?\d+(?:\.\d*)?|\.\d+)s\s*")


def b64decode(data: str, field: str) -> bytes:
    """Standard or URL-safe base64, padded or not (``BadField`` naming ``field`` if invalid)."""
    if "-" in data or "_" in data:
        data = data.translate(_URL_SAFE)
    if len(data) & 3:
        data += "=" * (-len(data) & 3)
    try:
        return binascii.a2b_base64(data)
    except binascii.Error:
        raise BadField(field, "is not valid base64") from None


def audio_rate(mime_type: str, default: int = 24_000) -> int | None:
    """The sample rate of an ``audio/pcm;rate=N`` blob (``default`` without ``rate``).

    None when the blob is not raw PCM audio (another MIME type).
    """
    base = mime_type.split(";", 1)[0].strip().lower()
    if base not in ("audio/pcm", "audio/l16"):
        return None
    match = _RATE.search(mime_type)
    rate = int(match.group(1)) if match else default
    return rate if 0 < rate <= 384_000 else None


def duration_ms(value: object) -> int | None:
    """A proto3 JSON duration (``"50s"``, ``"1.5s"``; a number of seconds too) in whole ms."""
    seconds: float
    if isinstance(value, str):
        match = _DURATION.fullmatch(value)
        if match is None:
            return None
        seconds = float(match.group(1))
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    else:
        return None
    ms = seconds * 1000
    return round(ms) if math.isfinite(ms) and ms >= 0 else None


def req_list(obj: Mapping[str, Any], key: str, path: str = "") -> list[Any]:
    """``obj[key]``, which must be an array (``BadField`` otherwise)."""
    if key not in obj:
        raise BadField(path + key, "is missing")
    value = obj[key]
    if not isinstance(value, list):
        raise BadField(path + key, f"must be an array, not {json_type(value)}")
    return value


def _count(obj: Mapping[str, Any], key: str) -> int:
    """A token count: an int, or an int64 sent as a decimal string (else 0)."""
    value = obj.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return max(value, 0)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return 0


def _by_modality(details: object) -> dict[str, int]:
    out: dict[str, int] = {}
    if isinstance(details, list):
        for entry in details:
            if isinstance(entry, dict) and isinstance(entry.get("modality"), str):
                modality = entry["modality"]
                out[modality] = out.get(modality, 0) + _count(entry, "tokenCount")
    return out


def usage_of(raw: object) -> Usage | None:
    """``usageMetadata`` as :class:`Usage` (None when absent or empty; lenient).

    ``responseTokenCount`` (Gemini API) or ``candidatesTokenCount`` (Vertex) is the output;
    image and video prompt tokens count as image tokens.
    """
    if not isinstance(raw, dict) or not raw:
        return None
    prompt = _count(raw, "promptTokenCount")
    response = _count(raw, "responseTokenCount") or _count(raw, "candidatesTokenCount")
    inp = _by_modality(raw.get("promptTokensDetails"))
    out = _by_modality(raw.get("responseTokensDetails") or raw.get("candidatesTokensDetails"))
    cached = _by_modality(raw.get("cacheTokensDetails"))
    return Usage(
        input_tokens=prompt,
        output_tokens=response,
        total_tokens=_count(raw, "totalTokenCount") or prompt + response,
        input_text_tokens=inp.get("TEXT", 0),
        input_audio_tokens=inp.get("AUDIO", 0),
        input_image_tokens=inp.get("IMAGE", 0) + inp.get("VIDEO", 0),
        cached_tokens=_count(raw, "cachedContentTokenCount"),
        output_text_tokens=out.get("TEXT", 0),
        output_audio_tokens=out.get("AUDIO", 0),
        cached_text_tokens=cached.get("TEXT", 0),
        cached_audio_tokens=cached.get("AUDIO", 0),
        cached_image_tokens=cached.get("IMAGE", 0) + cached.get("VIDEO", 0),
    )
