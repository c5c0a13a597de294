"""The snapshot ``RealtimeSession.statistics()`` returns."""

from __future__ import annotations

import attrs

from ._fanout import QueueStatistics

__all__ = ["SessionStatistics"]


@attrs.frozen(kw_only=True)
class SessionStatistics:
    """A snapshot of a session's counters and queue depths."""

    events_published: dict[str, int]
    frames_received: int
    frames_sent: int
    bytes_received: int
    bytes_sent: int
    malformed_frames: int
    unknown_event_types: dict[str, int]
    unknown_fields: dict[str, int]
    dropped_audio_deltas: int
    control_queue: int
    audio_queue: int
    primary: QueueStatistics | None
    subscribers: tuple[QueueStatistics, ...]
    tools_running: int
