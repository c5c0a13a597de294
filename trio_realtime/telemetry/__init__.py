"""Telemetry: named events with measurements and metadata, delivered to attached handlers.

::

    import trio_realtime as rt

    def log(name, measurements, metadata):
        print(".".join(name), dict(measurements), dict(metadata))

    rt.telemetry.attach("my-logger", [rt.telemetry.STT_COMPLETE, rt.telemetry.TTS_COMPLETE], log)
    ...
    rt.telemetry.detach("my-logger")

Names are tuples of strings (the constants below, pinned). ``emit`` costs one dict lookup when no
handler listens, so instrumented code stays fast; :func:`enabled` lets a hot path skip building a
payload altogether. Metadata never carries user content unless a handler asks for it
(``attach(..., include_content=True)``), and never an API key. Adapters (OpenTelemetry, logging,
metrics) are handlers like any other.
"""

from ._core import Handler, HandlerInfo, attach, detach, emit, enabled, list_handlers
from ._names import (
    AGENT_HANDOFF,
    ALL,
    AUDIO_RECEIVED,
    AUDIO_SENT,
    PIPELINE_START,
    PIPELINE_STOP,
    SESSION_ERROR,
    SESSION_START,
    SESSION_STOP,
    STT_COMPLETE,
    STT_START,
    TOOL_CALL,
    TOOL_RESULT,
    TTS_CHUNK,
    TTS_COMPLETE,
    TTS_START,
    TURN_START,
    TURN_STOP,
    Name,
)

__all__ = [
    "AGENT_HANDOFF",
    "ALL",
    "AUDIO_RECEIVED",
    "AUDIO_SENT",
    "PIPELINE_START",
    "PIPELINE_STOP",
    "SESSION_ERROR",
    "SESSION_START",
    "SESSION_STOP",
    "STT_COMPLETE",
    "STT_START",
    "TOOL_CALL",
    "TOOL_RESULT",
    "TTS_CHUNK",
    "TTS_COMPLETE",
    "TTS_START",
    "TURN_START",
    "TURN_STOP",
    "Handler",
    "HandlerInfo",
    "Name",
    "attach",
    "detach",
    "emit",
    "enabled",
    "list_handlers",
]
