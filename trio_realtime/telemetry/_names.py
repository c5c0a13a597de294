"""The pinned telemetry event names (DESIGN 7.4), as constants.

A name is a tuple of strings. Handlers attach to exact names; :data:`ALL` lists every name the
library emits, so ``attach("log", telemetry.ALL, handler)`` sees everything.
"""

from __future__ import annotations

from typing import Final

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
    "Name",
]

Name = tuple[str, ...]

#: A session opened (metadata: ``session_id``, ``model``, ``provider``, ``agent``).
SESSION_START: Final[Name] = ("realtime", "session", "start")
#: A session ended (measurements: ``duration_s``; metadata: ``session_id``, ``reason``,
#: ``code``, ``message``).
SESSION_STOP: Final[Name] = ("realtime", "session", "stop")
#: A session error (metadata: ``session_id``, ``code``, ``recoverable``; content: ``message``).
SESSION_ERROR: Final[Name] = ("realtime", "session", "error")
#: One audio frame sent (measurements: ``bytes``, ``duration_ms``; metadata: ``session_id``).
AUDIO_SENT: Final[Name] = ("realtime", "audio", "sent")
#: One audio delta received (measurements: ``bytes``, ``duration_ms``; metadata:
#: ``session_id``, ``turn_id``, ``item_id``).
AUDIO_RECEIVED: Final[Name] = ("realtime", "audio", "received")
#: A tool call dispatched (metadata: ``session_id``, ``turn_id``, ``call_id``, ``name``;
#: content: ``arguments``).
TOOL_CALL: Final[Name] = ("realtime", "tool", "call")
#: A tool call finished (measurements: ``duration_s``; metadata: ``session_id``, ``turn_id``,
#: ``call_id``, ``name``, ``ok``; content: ``result`` or ``error``).
TOOL_RESULT: Final[Name] = ("realtime", "tool", "result")
#: An agent handed the conversation to another (metadata: ``session_id``, ``from_agent``,
#: ``to_agent``).
AGENT_HANDOFF: Final[Name] = ("realtime", "agent", "handoff")
#: An assistant turn (one response) started (metadata: ``session_id``, ``turn_id``).
TURN_START: Final[Name] = ("realtime", "turn", "start")
#: An assistant turn ended (measurements: ``duration_s``, the usage's ``input_tokens``,
#: ``output_tokens``, ``cached_tokens``..., and ``time_to_first_audio_s`` /
#: ``time_to_first_text_s`` when known; metadata: ``session_id``, ``turn_id``, ``status``,
#: ``status_reason``).
TURN_STOP: Final[Name] = ("realtime", "turn", "stop")
#: A voice pipeline run started (metadata: ``run_id``, ``workflow_name``, ``mode``).
PIPELINE_START: Final[Name] = ("voice", "pipeline", "start")
#: A voice pipeline run ended (measurements: ``duration_s``, ``turns``, ``errors``).
PIPELINE_STOP: Final[Name] = ("voice", "pipeline", "stop")
#: Speech-to-text started on a turn (measurements: ``audio_ms``).
STT_START: Final[Name] = ("voice", "stt", "start")
#: Speech-to-text finished (measurements: ``duration_s``, ``audio_ms``; content: ``text``).
STT_COMPLETE: Final[Name] = ("voice", "stt", "complete")
#: Text-to-speech started on a sentence (measurements: ``chars``; content: ``text``).
TTS_START: Final[Name] = ("voice", "tts", "start")
#: Text-to-speech produced a chunk (measurements: ``bytes``, ``duration_ms``).
TTS_CHUNK: Final[Name] = ("voice", "tts", "chunk")
#: Text-to-speech finished a sentence (``duration_s``, ``audio_ms``, ``first_chunk_s``).
TTS_COMPLETE: Final[Name] = ("voice", "tts", "complete")

#: Every name the library emits.
ALL: Final[tuple[Name, ...]] = (
    SESSION_START,
    SESSION_STOP,
    SESSION_ERROR,
    AUDIO_SENT,
    AUDIO_RECEIVED,
    TOOL_CALL,
    TOOL_RESULT,
    AGENT_HANDOFF,
    TURN_START,
    TURN_STOP,
    PIPELINE_START,
    PIPELINE_STOP,
    STT_START,
    STT_COMPLETE,
    TTS_START,
    TTS_CHUNK,
    TTS_COMPLETE,
)
