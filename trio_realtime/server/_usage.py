"""Deterministic token estimates for ``response.done.usage`` and ``rate_limits.updated``.

Text: one token per 4 characters (rounded up). Audio: 20 tokens per second. Cached input tokens:
the previous response's input, in whole blocks of 64, when the conversation only grew.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import attrs
import orjson

__all__ = ["RATE_LIMIT_TOKENS", "InputUsage", "audio_tokens", "input_usage", "text_tokens", "usage"]

RATE_LIMIT_TOKENS = 40000


def text_tokens(text: str) -> int:
    return math.ceil(len(text) / 4)


def audio_tokens(ms: float) -> int:
    return math.ceil(ms / 50)


@attrs.frozen(kw_only=True)
class InputUsage:
    text: int
    audio: int
    cached_text: int = 0
    cached_audio: int = 0

    @property
    def total(self) -> int:
        return self.text + self.audio


def input_usage(
    items: Iterable[dict[str, Any]],
    audio_ms: dict[str, float],
    instructions: str,
    tools: Iterable[dict[str, Any]],
    previous_total: int,
) -> InputUsage:
    """Estimate the input of a response over ``items`` (``audio_ms``: audio length per item)."""
    text = text_tokens(instructions) + sum(text_tokens(orjson.dumps(t).decode()) for t in tools)
    audio = 0
    for item in items:
        if item["id"] in audio_ms:
            audio += audio_tokens(audio_ms[item["id"]])
        for part in item.get("content", ()):
            text += text_tokens(part.get("text") or "")
        text += text_tokens(item.get("arguments", "") + item.get("output", ""))
    cached = min(previous_total, text + audio) // 64 * 64
    cached_audio = min(cached, audio)
    return InputUsage(
        text=text, audio=audio, cached_text=cached - cached_audio, cached_audio=cached_audio
    )


def usage(inputs: InputUsage, out_text: int, out_audio: int) -> dict[str, Any]:
    """The wire ``usage`` object."""
    output = out_text + out_audio
    cached = inputs.cached_text + inputs.cached_audio
    return {
        "total_tokens": inputs.total + output,
        "input_tokens": inputs.total,
        "output_tokens": output,
        "input_token_details": {
            "text_tokens": inputs.text,
            "audio_tokens": inputs.audio,
            "image_tokens": 0,
            "cached_tokens": cached,
            "cached_tokens_details": {
                "text_tokens": inputs.cached_text,
                "audio_tokens": inputs.cached_audio,
                "image_tokens": 0,
            },
        },
        "output_token_details": {"text_tokens": out_text, "audio_tokens": out_audio},
    }
