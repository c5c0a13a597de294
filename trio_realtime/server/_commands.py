"""What the sans-I/O state asks its I/O shell to do, in order, between the events it emits."""

from __future__ import annotations

from typing import Any, TypeAlias

import attrs

__all__ = [
    "ArmIdleTimer",
    "Close",
    "Command",
    "Output",
    "StartResponse",
    "StopResponse",
    "Timer",
    "Transcribe",
]


@attrs.frozen
class StartResponse:
    """Run response ``response_id``: call the brain, then step it with its pauses."""

    response_id: str


@attrs.frozen
class StopResponse:
    """The response ended early (its final events are already emitted): stop its task."""

    response_id: str


@attrs.frozen
class Transcribe:
    """Transcribe ``pcm`` (PCM16 LE at ``sample_rate``) for user item ``item_id``.

    ``emit``: whether the session wants input-transcription events (the text is always needed,
    because the brain reads audio turns through it).
    """

    item_id: str
    pcm: bytes = attrs.field(repr=lambda pcm: f"<{len(pcm)} bytes>")
    sample_rate: int
    emit: bool


@attrs.frozen
class ArmIdleTimer:
    """(Re)start the idle timer: after ``delay`` s call ``idle_timeout(generation)``."""

    delay: float
    generation: int


@attrs.frozen
class Timer:
    """After ``delay`` s call the state's ``timer_fired(name)`` (once; never cancelled)."""

    name: str
    delay: float


@attrs.frozen
class Close:
    """Close the connection with ``code`` / ``reason`` once everything before it is sent."""

    code: int
    reason: str


Command: TypeAlias = StartResponse | StopResponse | Transcribe | ArmIdleTimer | Timer | Close
Output: TypeAlias = dict[str, Any] | Command
