"""How fast the local server "talks"; every pause is a ``trio.sleep`` (autojump_clock: instant)."""

from __future__ import annotations

import math

import attrs

__all__ = ["Pacing"]


def _non_negative(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not value >= 0:
        raise ValueError(f"{attribute.name} must be >= 0, got {value!r}")


@attrs.frozen(kw_only=True)
class Pacing:
    """Timing of server output, modelled on the real service.

    - ``response_latency``: seconds from ``response.created`` to the first output item.
    - ``text_delta_interval``: seconds between text deltas and function-argument deltas.
    - ``audio_speed``: audio is produced this many times faster than real time (the service
      streams faster than playback); ``math.inf`` sends audio unpaced.
    - ``audio_chunk_ms``: audio per ``response.output_audio.delta``.
    - ``transcription_delay``: seconds from a commit to its input-transcription events.
    - ``playback_wait``: Gemini Live holds ``turnComplete`` until the turn's audio has played
      (estimated from its length and ``audio_speed``), as the service does.
    """

    response_latency: float = attrs.field(default=0.2, validator=_non_negative)
    text_delta_interval: float = attrs.field(default=0.02, validator=_non_negative)
    audio_speed: float = attrs.field(default=4.0)
    audio_chunk_ms: int = attrs.field(default=100)
    transcription_delay: float = attrs.field(default=0.3, validator=_non_negative)
    playback_wait: bool = True

    @audio_speed.validator
    def _check_speed(self, attribute: attrs.Attribute[float], value: float) -> None:
        if not value > 0:
            raise ValueError(f"audio_speed must be > 0, got {value!r}")

    @audio_chunk_ms.validator
    def _check_chunk(self, attribute: attrs.Attribute[int], value: int) -> None:
        if not 10 <= value <= 2000:
            raise ValueError(f"audio_chunk_ms must be within 10..2000, got {value!r}")

    @classmethod
    def instant(cls) -> Pacing:
        """No pauses at all: events go out as fast as the socket takes them."""
        return cls(
            response_latency=0.0,
            text_delta_interval=0.0,
            audio_speed=math.inf,
            transcription_delay=0.0,
            playback_wait=False,
        )

    @property
    def audio_chunk_delay(self) -> float:
        """Seconds between two audio deltas."""
        return self.audio_chunk_ms / 1000.0 / self.audio_speed
