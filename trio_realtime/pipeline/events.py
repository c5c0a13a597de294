"""The events of a voice pipeline run (frozen attrs; pinned names and fields)."""

from __future__ import annotations

from typing import Literal, TypeAlias

import attrs
import numpy as np
import numpy.typing as npt

from ..audio import pcm16_to_array

__all__ = [
    "Lifecycle",
    "Speaker",
    "Stage",
    "VoiceStreamEvent",
    "VoiceStreamEventAudio",
    "VoiceStreamEventError",
    "VoiceStreamEventLifecycle",
    "VoiceStreamEventTranscript",
]

Lifecycle = Literal["turn_started", "turn_ended", "session_ended"]
Speaker = Literal["user", "assistant"]
Stage = Literal["stt", "workflow", "tts"]


@attrs.frozen(repr=False)
class VoiceStreamEventAudio:
    """Assistant speech: ``data`` is PCM16 LE mono at ``sample_rate`` (the TTS model's rate)."""

    data: bytes
    sample_rate: int
    kind: Literal["audio"] = attrs.field(default="audio", init=False)

    @property
    def samples(self) -> npt.NDArray[np.int16]:
        """A read-only int16 view of :attr:`data`."""
        return pcm16_to_array(self.data)

    @property
    def duration_ms(self) -> float:
        return len(self.data) / 2 * 1000 / self.sample_rate

    def __repr__(self) -> str:
        return (
            f"VoiceStreamEventAudio({len(self.data)} bytes, sample_rate={self.sample_rate}, "
            f"{self.duration_ms:.0f} ms)"
        )


@attrs.frozen
class VoiceStreamEventLifecycle:
    """``turn_started`` / ``turn_ended`` around every turn; ``session_ended`` last of all."""

    event: Lifecycle
    kind: Literal["lifecycle"] = attrs.field(default="lifecycle", init=False)


@attrs.frozen
class VoiceStreamEventTranscript:
    """What the user said (one per turn), or a sentence the assistant is about to speak."""

    text: str
    speaker: Speaker
    kind: Literal["transcript"] = attrs.field(default="transcript", init=False)


@attrs.frozen
class VoiceStreamEventError:
    """A stage failed; the turn still ends with ``turn_ended`` and the run goes on.

    ``error`` is a message (exception type and text; never an API key), never an exception.
    """

    error: str
    stage: Stage
    kind: Literal["error"] = attrs.field(default="error", init=False)


VoiceStreamEvent: TypeAlias = (
    VoiceStreamEventAudio
    | VoiceStreamEventLifecycle
    | VoiceStreamEventTranscript
    | VoiceStreamEventError
)
