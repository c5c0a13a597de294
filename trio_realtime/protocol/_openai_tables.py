"""Static facts about the OpenAI Realtime wire protocol (from the SDK's GA types)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

__all__ = ["BETA_RENAMES", "FATAL_CODES", "KNOWN_FIELDS", "SILENT_TYPES", "classify_error"]

#: Beta server event name -> GA name.
BETA_RENAMES: Mapping[str, str] = {
    "response.text.delta": "response.output_text.delta",
    "response.text.done": "response.output_text.done",
    "response.audio.delta": "response.output_audio.delta",
    "response.audio.done": "response.output_audio.done",
    "response.audio_transcript.delta": "response.output_audio_transcript.delta",
    "response.audio_transcript.done": "response.output_audio_transcript.done",
    "transcription_session.updated": "session.updated",
}

#: Known server events that carry nothing for the neutral stream.
SILENT_TYPES = frozenset(
    {
        "conversation.created",
        "conversation.item.created",
        "conversation.item.added",
        "conversation.item.done",
        "conversation.item.retrieved",
        "conversation.item.deleted",
        "conversation.item.truncated",
        "conversation.item.input_audio_transcription.segment",
        "input_audio_buffer.committed",
        "input_audio_buffer.cleared",
        "input_audio_buffer.timeout_triggered",
        "input_audio_buffer.dtmf_event_received",
        "response.content_part.added",
        "response.content_part.done",
        "response.output_audio.done",
        "response.audio.done",
        "output_audio_buffer.started",
        "output_audio_buffer.stopped",
        "output_audio_buffer.cleared",
        "mcp_list_tools.in_progress",
        "mcp_list_tools.completed",
        "mcp_list_tools.failed",
        "response.mcp_call_arguments.delta",
        "response.mcp_call_arguments.done",
        "response.mcp_call.in_progress",
        "response.mcp_call.completed",
        "response.mcp_call.failed",
    }
)

_BASE = frozenset({"type", "event_id"})
_STREAM = _BASE | {"response_id", "item_id", "output_index", "content_index"}
_TEXT_DELTA = _STREAM | {"delta", "obfuscation", "logprobs"}

#: Top-level fields the SDK declares per server event (others are counted as unknown).
KNOWN_FIELDS: Mapping[str, frozenset[str]] = {
    "error": _BASE | {"error"},
    "session.created": _BASE | {"session"},
    "session.updated": _BASE | {"session"},
    "input_audio_buffer.speech_started": _BASE | {"audio_start_ms", "item_id"},
    "input_audio_buffer.speech_stopped": _BASE | {"audio_end_ms", "item_id"},
    "input_audio_buffer.committed": _BASE | {"item_id", "previous_item_id"},
    "input_audio_buffer.cleared": _BASE,
    "conversation.item.added": _BASE | {"item", "previous_item_id"},
    "conversation.item.done": _BASE | {"item", "previous_item_id"},
    "conversation.item.created": _BASE | {"item", "previous_item_id"},
    "conversation.item.truncated": _BASE | {"item_id", "content_index", "audio_end_ms"},
    "conversation.item.deleted": _BASE | {"item_id"},
    "conversation.item.input_audio_transcription.delta": _BASE
    | {"item_id", "content_index", "delta", "logprobs", "obfuscation"},
    "conversation.item.input_audio_transcription.completed": _BASE
    | {"item_id", "content_index", "transcript", "usage", "logprobs", "languages"},
    "conversation.item.input_audio_transcription.failed": _BASE
    | {"item_id", "content_index", "error"},
    "response.created": _BASE | {"response"},
    "response.done": _BASE | {"response"},
    "response.output_item.added": _BASE | {"response_id", "output_index", "item"},
    "response.output_item.done": _BASE | {"response_id", "output_index", "item"},
    "response.content_part.added": _STREAM | {"part"},
    "response.content_part.done": _STREAM | {"part"},
    "response.output_text.delta": _TEXT_DELTA,
    "response.output_text.done": _STREAM | {"text"},
    "response.output_audio_transcript.delta": _TEXT_DELTA,
    "response.output_audio_transcript.done": _STREAM | {"transcript"},
    "response.output_audio.delta": _STREAM | {"delta", "obfuscation"},
    "response.output_audio.done": _STREAM,
    "response.function_call_arguments.delta": _BASE
    | {"response_id", "item_id", "output_index", "call_id", "delta", "obfuscation"},
    "response.function_call_arguments.done": _BASE
    | {"response_id", "item_id", "output_index", "call_id", "name", "arguments"},
    "rate_limits.updated": _BASE | {"rate_limits"},
    "conversation.item.retrieved": _BASE | {"item"},
    "mcp_list_tools.in_progress": _BASE | {"item_id"},
    "mcp_list_tools.completed": _BASE | {"item_id"},
    "mcp_list_tools.failed": _BASE | {"item_id"},
    "response.mcp_call_arguments.delta": _BASE
    | {"response_id", "item_id", "output_index", "delta", "obfuscation"},
    "response.mcp_call_arguments.done": _BASE
    | {"response_id", "item_id", "output_index", "arguments"},
    "response.mcp_call.in_progress": _BASE | {"item_id", "output_index"},
    "response.mcp_call.completed": _BASE | {"item_id", "output_index"},
    "response.mcp_call.failed": _BASE | {"item_id", "output_index"},
}

#: Error codes after which the session cannot go on.
FATAL_CODES = frozenset(
    {
        "session_expired",
        "beta_api_shape_disabled",
        "invalid_api_key",
        "insufficient_quota",
        "account_deactivated",
        "model_not_found",
    }
)

_BENIGN_CODES = frozenset({"response_cancel_not_active"})


def classify_error(code: str | None) -> Literal["benign", "recoverable", "fatal"]:
    """How serious an ``error`` event with ``code`` is.

    ``benign`` errors are swallowed (cancelling a response that already ended is routine),
    ``fatal`` ones end the session (the server closes it), everything else — including codes
    this table does not know — is ``recoverable``: the session goes on.
    """
    if code in _BENIGN_CODES:
        return "benign"
    if code in FATAL_CODES:
        return "fatal"
    return "recoverable"
