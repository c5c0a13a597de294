"""Conversation-item operations of the OpenAI protocol, as pure functions.

Each takes the :class:`~.conversation.Conversation`, the connection's :class:`~._ids.IdFactory`
and the validated client event, changes the conversation, and returns the server events to send
(raising :class:`~._apierror.ApiError` before changing anything when the event is invalid). The
protocol state (:class:`~.state.RealtimeServerState`) decides everything else: what the brain
hears, what gets transcribed.
"""

from __future__ import annotations

from typing import Any

import attrs

from ._apierror import ApiError
from ._check import as_int, as_str, required
from ._ids import IdFactory
from ._usage import audio_tokens, text_tokens
from .conversation import Conversation, normalize_item, snapshot
from .synth import words

__all__ = [
    "NewConversationItem",
    "create",
    "delete",
    "item_events",
    "retrieve",
    "transcription_completed",
    "transcription_failed",
    "truncate",
    "user_audio_item",
]


def item_events(ids: IdFactory, item: dict[str, Any], previous: str | None) -> list[dict[str, Any]]:
    """``conversation.item.added`` and ``.done`` for an item that is complete when added."""
    return [
        ids.event("conversation.item.added", previous_item_id=previous, item=snapshot(item)),
        ids.event("conversation.item.done", previous_item_id=previous, item=snapshot(item)),
    ]


def user_audio_item(item_id: str) -> dict[str, Any]:
    """A committed user audio message whose transcript is not known yet."""
    return {
        "id": item_id,
        "type": "message",
        "status": "completed",
        "role": "user",
        "content": [{"type": "input_audio", "transcript": None}],
    }


@attrs.frozen(kw_only=True)
class NewConversationItem:
    """The result of ``conversation.item.create``: the events, and the audio of the item (when it
    has ``input_audio``) with the transcript the client gave for it (None: to be transcribed)."""

    events: list[dict[str, Any]]
    item_id: str
    audio: bytes | None
    transcript: str | None


def create(
    conversation: Conversation, ids: IdFactory, event: dict[str, Any], bytes_per_ms: float
) -> NewConversationItem:
    """Insert the event's ``item`` (after ``previous_item_id``); its audio is stored beside it."""
    new = normalize_item(required(event, "item", ""), "item", ids)
    item = new.item
    if item["type"] == "function_call_output" and not conversation.find_call(item["call_id"]):
        raise ApiError(
            f"Tool call ID '{item['call_id']}' not found in conversation.",
            code="invalid_value",
            param="item.call_id",
        )
    if item["type"] == "mcp_approval_response":
        _check_approval(conversation, item["approval_request_id"])
    after = event.get("previous_item_id")
    if after is not None:
        as_str(after, "previous_item_id")
    previous = conversation.insert(item, after)
    transcript = None
    if new.audio is not None:
        conversation.set_audio(item["id"], new.audio, bytes_per_ms)
        transcript = next((p["transcript"] for p in item["content"] if p.get("transcript")), None)
    return NewConversationItem(
        events=item_events(ids, item, previous),
        item_id=item["id"],
        audio=new.audio,
        transcript=transcript,
    )


def _check_approval(conversation: Conversation, request_id: str) -> None:
    """An approval answers an ``mcp_approval_request`` in the conversation, once."""
    request = conversation.get(request_id)
    if request is None or request["type"] != "mcp_approval_request":
        raise ApiError(
            f"MCP approval request '{request_id}' not found in conversation.",
            code="invalid_value",
            param="item.approval_request_id",
        )
    for other in conversation.items():
        if other["type"] == "mcp_approval_response" and other["approval_request_id"] == request_id:
            raise ApiError(
                f"MCP approval request '{request_id}' was already answered.",
                code="invalid_value",
                param="item.approval_request_id",
            )


_VERBS = {"retrieve": "retrieving", "delete": "deleting", "truncate": "truncating"}


def _existing(conversation: Conversation, event: dict[str, Any], action: str) -> str:
    item_id = as_str(required(event, "item_id", ""), "item_id")
    if item_id not in conversation:
        raise ApiError(
            f"Error {_VERBS[action]} item: the item with id '{item_id}' does not exist.",
            code=f"item_{action}_invalid_item_id",
            param="item_id",
        )
    return item_id


def retrieve(
    conversation: Conversation, ids: IdFactory, event: dict[str, Any]
) -> list[dict[str, Any]]:
    item_id = _existing(conversation, event, "retrieve")
    return [ids.event("conversation.item.retrieved", item=conversation.retrieved(item_id))]


def delete(
    conversation: Conversation, ids: IdFactory, event: dict[str, Any]
) -> list[dict[str, Any]]:
    item_id = _existing(conversation, event, "delete")
    conversation.delete(item_id)
    return [ids.event("conversation.item.deleted", item_id=item_id)]


def truncate(
    conversation: Conversation, ids: IdFactory, event: dict[str, Any]
) -> list[dict[str, Any]]:
    """Cut an assistant audio item's audio at ``audio_end_ms`` and empty its transcript."""
    item_id = _existing(conversation, event, "truncate")
    index = as_int(required(event, "content_index", ""), "content_index", 0)
    end_ms = as_int(required(event, "audio_end_ms", ""), "audio_end_ms", 0)
    item = conversation.get(item_id) or {}
    content = item.get("content") or []
    if (
        item.get("role") != "assistant"
        or index >= len(content)
        or content[index].get("type") != "output_audio"
    ):
        raise ApiError("Only model output audio messages can be truncated")
    available = conversation.audio_ms(item_id) or 0.0
    if end_ms > available:
        raise ApiError(
            f"Audio content of {int(available)}ms is already shorter than {end_ms}ms",
            code="invalid_value",
            param="audio_end_ms",
        )
    conversation.truncate_audio(item_id, end_ms)
    content[index]["transcript"] = ""
    return [
        ids.event(
            "conversation.item.truncated", item_id=item_id, content_index=index, audio_end_ms=end_ms
        )
    ]


def transcription_completed(
    conversation: Conversation, ids: IdFactory, item_id: str, text: str
) -> list[dict[str, Any]]:
    """Record ``text`` as the item's transcript; its delta(s) and ``completed`` events."""
    item = conversation.get(item_id)
    if item is not None:
        for part in item.get("content", ()):
            if part.get("type") == "input_audio":
                part["transcript"] = text
    out = [
        ids.event(
            "conversation.item.input_audio_transcription.delta",
            item_id=item_id,
            content_index=0,
            delta=piece,
        )
        for piece in words(text)
    ]
    spent_in = audio_tokens(conversation.audio_ms(item_id) or 0.0)
    spent_out = text_tokens(text)
    out.append(
        ids.event(
            "conversation.item.input_audio_transcription.completed",
            item_id=item_id,
            content_index=0,
            transcript=text,
            usage={
                "type": "tokens",
                "input_tokens": spent_in,
                "output_tokens": spent_out,
                "total_tokens": spent_in + spent_out,
                "input_token_details": {"text_tokens": 0, "audio_tokens": spent_in},
            },
        )
    )
    return out


def transcription_failed(ids: IdFactory, item_id: str, message: str) -> list[dict[str, Any]]:
    error = {
        "type": "invalid_request_error",
        "code": "transcription_failed",
        "message": message,
        "param": None,
    }
    return [
        ids.event(
            "conversation.item.input_audio_transcription.failed",
            item_id=item_id,
            content_index=0,
            error=error,
        )
    ]
