"""Settings of a voice pipeline: speech-to-text, text-to-speech, turn detection."""

from __future__ import annotations

import math
import os
from typing import Any, Final

import attrs

__all__ = [
    "DEFAULT_BASE_URL",
    "OPENAI_TTS_VOICES",
    "PipelineConfig",
    "STTSettings",
    "TTSSettings",
    "TurnDetection",
    "resolve_base_url",
]

DEFAULT_BASE_URL: Final = "https://api.openai.com/v1"

#: The built-in voices of OpenAI's speech endpoint (``/v1/audio/speech``).
OPENAI_TTS_VOICES: Final = (
    "alloy",
    "ash",
    "ballad",
    "coral",
    "echo",
    "fable",
    "nova",
    "onyx",
    "sage",
    "shimmer",
    "verse",
    "marin",
    "cedar",
)


def resolve_base_url(base_url: str | None) -> str:
    """``base_url``, else ``OPENAI_BASE_URL``, else :data:`DEFAULT_BASE_URL` (no trailing /)."""
    url = base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL
    return url.rstrip("/")


def _positive(_: Any, attribute: attrs.Attribute[Any], value: float) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise ValueError(f"{attribute.name} must be a positive number, not {value!r}")


def _retries(_: Any, __: Any, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"max_retries must be an int >= 0, not {value!r}")


@attrs.frozen(kw_only=True)
class STTSettings:
    """Speech-to-text settings.

    ``model`` names OpenAI's transcription model (``gpt-4o-transcribe``,
    ``gpt-4o-mini-transcribe``, ``whisper-1``, ...); the offline Whisper ignores it.
    ``language`` (ISO-639-1, e.g. ``"en"``) and ``prompt`` (words to expect, style) go to both.
    ``base_url`` defaults to ``OPENAI_BASE_URL``, else ``https://api.openai.com/v1``.
    ``timeout`` bounds each HTTP request (s); 429 and 5xx answers and network errors are
    retried ``max_retries`` times.
    """

    model: str = "gpt-4o-transcribe"
    language: str | None = None
    prompt: str | None = None
    base_url: str | None = None
    timeout: float = attrs.field(default=30.0, validator=_positive)
    max_retries: int = attrs.field(default=2, validator=_retries)


def _check_voice(_: Any, __: Any, value: str) -> None:
    if value in OPENAI_TTS_VOICES or (isinstance(value, str) and value.startswith("voice_")):
        return
    raise ValueError(
        f"unknown voice {value!r}: use one of {', '.join(OPENAI_TTS_VOICES)} "
        "(or a custom voice id 'voice_...')"
    )


def _check_speed(_: Any, __: Any, value: float) -> None:
    if not (isinstance(value, int | float) and 0.25 <= value <= 4.0):
        raise ValueError(f"speed must be between 0.25 and 4.0, not {value!r}")


@attrs.frozen(kw_only=True)
class TTSSettings:
    """Text-to-speech settings.

    ``voice``: one of :data:`OPENAI_TTS_VOICES` (alloy, ash, ballad, coral, echo, fable, nova,
    onyx, sage, shimmer, verse, marin, cedar) or a custom voice id ``"voice_..."``; the offline
    Hibari voice ignores it. ``speed`` (0.25 to 4.0) applies to both; ``instructions`` (tone,
    accent, pace; not for ``tts-1``) to OpenAI only. Speech is requested as 24 kHz PCM16.
    ``base_url``, ``timeout`` and ``max_retries`` as in :class:`STTSettings`.
    """

    model: str = "gpt-4o-mini-tts"
    voice: str = attrs.field(default="alloy", validator=_check_voice)
    speed: float = attrs.field(default=1.0, validator=_check_speed)
    instructions: str | None = None
    base_url: str | None = None
    timeout: float = attrs.field(default=30.0, validator=_positive)
    max_retries: int = attrs.field(default=2, validator=_retries)


@attrs.frozen(kw_only=True)
class TurnDetection:
    """How :meth:`VoicePipeline.run_streamed` cuts the input into turns (the VAD decides per
    32 ms frame whether it is speech).

    A turn starts after ``start_ms`` of speech (its audio then includes ``prefix_padding_ms``
    before that), ends after ``silence_ms`` without speech, and is cut at ``max_turn_ms``.
    """

    start_ms: int = attrs.field(default=64, validator=_positive)
    silence_ms: int = attrs.field(default=500, validator=_positive)
    prefix_padding_ms: int = attrs.field(default=256, validator=attrs.validators.ge(0))
    max_turn_ms: int = attrs.field(default=30_000, validator=_positive)


@attrs.frozen(kw_only=True)
class PipelineConfig:
    """Everything a :class:`VoicePipeline` is configured with.

    ``workflow_name`` names the run in telemetry. ``buffer_events`` bounds the events waiting
    for the consumer (the run pauses when it is full).
    """

    workflow_name: str = "Voice pipeline"
    stt_settings: STTSettings = attrs.field(factory=STTSettings)
    tts_settings: TTSSettings = attrs.field(factory=TTSSettings)
    turn_detection: TurnDetection = attrs.field(factory=TurnDetection)
    buffer_events: int = attrs.field(default=64, validator=_positive)
