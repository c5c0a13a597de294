"""Conversation items in the OpenAI Realtime GA shape (``conversation.item.create`` and
``response.create``'s ``input``).

An item is given as one of:

- a mapping in the wire shape (``{"type": "message", "role": "user", "content": [...]}``),
  copied as is after a shape check;
- a :mod:`trio_realtime.items` value (:class:`~trio_realtime.items.SystemMessage`,
  :class:`~trio_realtime.items.InputImage`, :class:`~trio_realtime.items.ItemReference`);
- a :mod:`trio_realtime.history` item (``UserMessage``, ``AssistantMessage``,
  ``FunctionCall``, ``FunctionCallOutput``, ``McpCall``), as ``session.history()`` returns
  them.

Anything else raises ``ValueError`` (``TypeError`` for a wrong Python type) before anything is
sent.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from ..history import (
    AssistantMessage,
    FunctionCall,
    FunctionCallOutput,
    HistoryItem,
    McpCall,
    UserMessage,
)
from ..items import InputImage, ItemReference, SystemMessage

__all__ = [
    "approval_item",
    "conversation_item",
    "history_item",
    "image_message",
    "new_item_id",
    "response_input",
]

_ITEM_TYPES = (
    "message",
    "function_call",
    "function_call_output",
    "mcp_approval_response",
    "mcp_call",
)
_HISTORY_TYPES = (UserMessage, AssistantMessage, FunctionCall, FunctionCallOutput, McpCall)
_ROLES = ("user", "assistant", "system")


def new_item_id() -> str:
    """A fresh client-chosen item id (unique within any conversation)."""
    return "item_" + secrets.token_hex(12)


def image_message(image: InputImage, text: str | None = None) -> dict[str, Any]:
    """A user message carrying ``image`` (as a data URL), after ``text`` when given."""
    content: list[dict[str, Any]] = []
    if text:
        content.append({"type": "input_text", "text": text})
    part: dict[str, Any] = {"type": "input_image", "image_url": image.data_url()}
    if image.detail is not None:
        part["detail"] = image.detail
    content.append(part)
    return {"type": "message", "role": "user", "content": content}


def approval_item(approval_id: str, approve: bool, reason: str | None) -> dict[str, Any]:
    """An ``mcp_approval_response`` item answering approval request ``approval_id``."""
    item: dict[str, Any] = {
        "type": "mcp_approval_response",
        "id": new_item_id(),
        "approval_request_id": approval_id,
        "approve": approve,
    }
    if reason is not None:
        item["reason"] = reason
    return item


def _text_message(role: str, kind: str, text: object) -> dict[str, Any]:
    if not isinstance(text, str):
        raise ValueError(f"a {role} message needs its text, not {text!r}")  # noqa: TRY004
    return {"type": "message", "role": role, "content": [{"type": kind, "text": text}]}


def history_item(item: HistoryItem) -> dict[str, Any]:
    """A :mod:`trio_realtime.history` item as a wire item (an ``McpCall`` keeps its item id;
    its error is sent as a ``tool_execution_error``)."""
    if isinstance(item, UserMessage):
        return _text_message("user", "input_text", item.text)
    if isinstance(item, AssistantMessage):
        return _text_message("assistant", "output_text", item.text)
    if isinstance(item, FunctionCall):
        call = {"type": "function_call", "call_id": item.call_id, "name": item.name}
        return {**call, "arguments": item.arguments}
    if isinstance(item, FunctionCallOutput):
        return {"type": "function_call_output", "call_id": item.call_id, "output": item.output}
    mcp: dict[str, Any] = {
        "type": "mcp_call",
        "id": item.item_id,
        "server_label": item.server_label,
        "name": item.name,
        "arguments": item.arguments,
    }
    if item.output is not None:
        mcp["output"] = item.output
    if item.error is not None:
        mcp["error"] = {"type": "tool_execution_error", "message": item.error}
    return mcp


def _from_mapping(item: Mapping[str, Any]) -> dict[str, Any]:
    kind = item.get("type")
    if kind not in _ITEM_TYPES:
        raise ValueError(f"an item's type must be one of {_ITEM_TYPES}, not {kind!r}")
    if kind == "message":
        if item.get("role") not in _ROLES:
            raise ValueError(f"a message's role must be one of {_ROLES}, not {item.get('role')!r}")
        if not isinstance(item.get("content"), (list, tuple)):
            raise ValueError("a message needs a list of content parts")
    return dict(item)


def conversation_item(item: object) -> dict[str, Any]:
    """``item`` (see the module docstring) as a wire item for ``conversation.item.create``."""
    if isinstance(item, Mapping):
        return _from_mapping(item)
    if isinstance(item, SystemMessage):
        return _text_message("system", "input_text", item.text)
    if isinstance(item, InputImage):
        return image_message(item)
    if isinstance(item, ItemReference):
        raise ValueError(  # noqa: TRY004 - right type, wrong place
            "an ItemReference only works in ResponseOptions(input=...)"
        )
    if isinstance(item, _HISTORY_TYPES):
        return history_item(item)
    raise TypeError(
        "an item must be a wire-shaped mapping, a trio_realtime.items value or a history "
        f"item, not {type(item).__name__}"
    )


def response_input(items: Iterable[object]) -> list[dict[str, Any]]:
    """``ResponseOptions.input`` as the wire list (references as ``item_reference``)."""
    out: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, ItemReference):
            out.append({"type": "item_reference", "id": item.id})
        else:
            out.append(conversation_item(item))
    return out
