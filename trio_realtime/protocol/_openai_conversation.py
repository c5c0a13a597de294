"""Decoding what the OpenAI server says about conversation items and remote MCP servers.

A helper of :class:`~._openai_decode.OpenAIDecoder` (which registers :attr:`handlers` and calls
the ``output_item_*`` methods for items of types it does not handle itself):

- ``mcp_list_tools`` items: ``mcp_tools_listed`` once both the item's final tools
  (``conversation.item.done``) and ``mcp_list_tools.completed`` arrived, in either order; a
  recoverable ``error`` (code ``mcp_list_tools_failed``) for ``mcp_list_tools.failed``;
- ``mcp_call`` output items: ``mcp_call_started`` when added, ``mcp_call_completed`` or
  ``mcp_call_failed`` when done;
- ``mcp_approval_request`` output items: ``mcp_approval_requested`` when done (once per id);
- ``conversation.item.retrieved``: ``item_retrieved``; an ``error`` naming one of our
  ``conversation.item.retrieve`` requests also ends it (``item_retrieved`` with ``error``).

Every table here is bounded. With ``server_events`` the raw server events are published too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from .._extra_events import (
    ItemRetrieved,
    McpApprovalRequested,
    McpCallCompleted,
    McpCallFailed,
    McpCallStarted,
    McpToolsListed,
)
from ..events import Error, ServerEvent
from ._openai_fields import opt_obj, opt_str, req_obj, req_str
from ._openai_shared import Shared
from .signals import Decoded

__all__ = ["ConversationDecoder"]

_MAX_TRACKED = 64

_Handler = Callable[[dict[str, Any]], list[Decoded]]


def _remember(table: dict[str, Any], key: str, value: Any) -> None:
    if key not in table and len(table) >= _MAX_TRACKED:
        del table[next(iter(table))]
    table[key] = value


def _tool_names(item: dict[str, Any]) -> tuple[str, ...]:
    tools = item.get("tools")
    if not isinstance(tools, list):
        return ()
    return tuple(t["name"] for t in tools if isinstance(t, dict) and isinstance(t.get("name"), str))


def _call_error(error: object) -> str | None:
    """A readable message for an ``mcp_call`` item's ``error`` (None when it has none)."""
    if error is None:
        return None
    if isinstance(error, dict):
        message = opt_str(error, "message") or "the MCP call failed"
        kind = opt_str(error, "type")
        code = error.get("code")
        detail = ", ".join(str(x) for x in (kind, code) if x is not None)
        return f"{message} ({detail})" if detail else message
    if isinstance(error, str):
        return error
    return orjson.dumps(error).decode()


class ConversationDecoder:
    """MCP and conversation-item events of one connection (see the module docstring)."""

    def __init__(self, shared: Shared, *, server_events: bool = False) -> None:
        self._shared = shared
        self._server_events = server_events
        self._list_labels: dict[str, str] = {}  # mcp_list_tools item id -> server label
        self._list_tools: dict[str, tuple[str, ...]] = {}  # item id -> tools (item done)
        self._list_completed: dict[str, None] = {}  # item ids whose listing completed
        self._approvals: dict[str, None] = {}  # approval ids already published
        self.handlers: dict[str, _Handler] = {
            "conversation.item.added": self._on_item,
            "conversation.item.created": self._on_item,
            "conversation.item.done": self._on_item,
            "conversation.item.retrieved": self._on_retrieved,
            "mcp_list_tools.in_progress": self._raw,
            "mcp_list_tools.completed": self._on_list_completed,
            "mcp_list_tools.failed": self._on_list_failed,
        }

    def _raw(self, msg: dict[str, Any]) -> list[Decoded]:
        if not self._server_events:
            return []
        return [ServerEvent(provider="openai", type=msg["type"], data=msg)]

    # -- mcp_list_tools -----------------------------------------------------------------------

    def _on_item(self, msg: dict[str, Any]) -> list[Decoded]:
        item = opt_obj(msg, "item")
        out: list[Decoded] = []
        if item.get("type") == "mcp_list_tools":
            item_id = req_str(item, "id", "item.")
            _remember(self._list_labels, item_id, req_str(item, "server_label", "item."))
            if msg["type"] != "conversation.item.added":
                _remember(self._list_tools, item_id, _tool_names(item))
                out += self._listed(item_id)
        return out + self._raw(msg)

    def _on_list_completed(self, msg: dict[str, Any]) -> list[Decoded]:
        item_id = req_str(msg, "item_id")
        _remember(self._list_completed, item_id, None)
        return self._listed(item_id) + self._raw(msg)

    def _listed(self, item_id: str) -> list[Decoded]:
        if item_id not in self._list_completed or item_id not in self._list_tools:
            return []
        del self._list_completed[item_id]
        tools = self._list_tools.pop(item_id)
        label = self._list_labels.pop(item_id, item_id)
        return [McpToolsListed(server_label=label, item_id=item_id, tools=tools)]

    def _on_list_failed(self, msg: dict[str, Any]) -> list[Decoded]:
        item_id = req_str(msg, "item_id")
        label = self._list_labels.pop(item_id, item_id)
        self._list_tools.pop(item_id, None)
        error = Error(
            code="mcp_list_tools_failed",
            message=f"the provider could not list the tools of MCP server {label!r}",
            recoverable=True,
        )
        return [error, *self._raw(msg)]

    # -- output items of a response -----------------------------------------------------------

    def output_item_added(self, turn_id: str, item: dict[str, Any]) -> list[Decoded]:
        """``response.output_item.added`` of an item the main decoder does not handle."""
        if item.get("type") != "mcp_call":
            return []
        return [
            McpCallStarted(
                turn_id=turn_id,
                item_id=req_str(item, "id", "item."),
                server_label=req_str(item, "server_label", "item."),
                name=req_str(item, "name", "item."),
            )
        ]

    def output_item_done(self, msg: dict[str, Any], item: dict[str, Any]) -> list[Decoded]:
        """``response.output_item.done`` (``msg``) of an ``item`` the main decoder does not
        handle."""
        kind = item.get("type")
        if kind not in ("mcp_approval_request", "mcp_call"):
            return []
        turn_id = req_str(msg, "response_id")
        if kind == "mcp_approval_request":
            approval_id = req_str(item, "id", "item.")
            if approval_id in self._approvals:
                return []
            _remember(self._approvals, approval_id, None)
            request = McpApprovalRequested(
                turn_id=turn_id,
                approval_id=approval_id,
                server_label=req_str(item, "server_label", "item."),
                name=req_str(item, "name", "item."),
                arguments=opt_str(item, "arguments") or "",
            )
            return [request]
        fields = {
            "turn_id": turn_id,
            "item_id": req_str(item, "id", "item."),
            "server_label": req_str(item, "server_label", "item."),
            "name": req_str(item, "name", "item."),
            "arguments": opt_str(item, "arguments") or "",
        }
        error = _call_error(item.get("error"))
        if error is None and item.get("status") == "incomplete":
            error = "the call was interrupted"
        if error is not None:
            return [McpCallFailed(**fields, error=error)]
        return [McpCallCompleted(**fields, output=opt_str(item, "output") or "")]

    # -- conversation.item.retrieve -----------------------------------------------------------

    def _on_retrieved(self, msg: dict[str, Any]) -> list[Decoded]:
        item = req_obj(msg, "item")
        item_id = req_str(item, "id", "item.")
        pending = self._shared.pending_retrieves
        for event_id, wanted in list(pending.items()):
            if wanted == item_id:
                del pending[event_id]
                break
        return [ItemRetrieved(item_id=item_id, item=item), *self._raw(msg)]

    def retrieve_failed(self, event_id: str | None, message: str) -> list[Decoded]:
        """An ``error`` for ``event_id``: ``item_retrieved`` with the error when it names one
        of our retrieve requests."""
        if event_id is None:
            return []
        item_id = self._shared.pending_retrieves.pop(event_id, None)
        if item_id is None:
            return []
        return [ItemRetrieved(item_id=item_id, item=None, error=message)]
