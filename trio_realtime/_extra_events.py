"""The extra event kinds of OpenAI's server-side features: remote MCP servers and retrieved
conversation items (re-exported by :mod:`trio_realtime.events`; see ``docs/events.md``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal, Union

import attrs

__all__ = [
    "ItemRetrieved",
    "McpApprovalRequested",
    "McpCallCompleted",
    "McpCallFailed",
    "McpCallStarted",
    "McpToolsListed",
    "OpenAIExtraEvent",
]


@attrs.frozen(kw_only=True)
class McpToolsListed:
    """The provider listed the tools of MCP server ``server_label`` (their names)."""

    kind: ClassVar[Literal["mcp_tools_listed"]] = "mcp_tools_listed"
    server_label: str
    item_id: str
    tools: tuple[str, ...]


@attrs.frozen(kw_only=True)
class McpApprovalRequested:
    """The model wants to call MCP tool ``name``; answer with ``session.approve_mcp_call``
    or ``session.reject_mcp_call`` (``approval_id``). ``arguments`` is the call's JSON text."""

    kind: ClassVar[Literal["mcp_approval_requested"]] = "mcp_approval_requested"
    turn_id: str
    approval_id: str
    server_label: str
    name: str
    arguments: str


@attrs.frozen(kw_only=True)
class McpCallStarted:
    """The provider is calling MCP tool ``name`` (item ``item_id``) for ``turn_id``."""

    kind: ClassVar[Literal["mcp_call_started"]] = "mcp_call_started"
    turn_id: str
    item_id: str
    server_label: str
    name: str


@attrs.frozen(kw_only=True)
class McpCallCompleted:
    """An MCP tool call returned ``output`` (its text, as the model reads it)."""

    kind: ClassVar[Literal["mcp_call_completed"]] = "mcp_call_completed"
    turn_id: str
    item_id: str
    server_label: str
    name: str
    arguments: str
    output: str


@attrs.frozen(kw_only=True)
class McpCallFailed:
    """An MCP tool call failed (protocol, HTTP or tool error; ``error`` says which)."""

    kind: ClassVar[Literal["mcp_call_failed"]] = "mcp_call_failed"
    turn_id: str
    item_id: str
    server_label: str
    name: str
    arguments: str
    error: str


@attrs.frozen(kw_only=True)
class ItemRetrieved:
    """The server's copy of conversation item ``item_id`` (``session.retrieve_item``), in the
    provider's wire shape (audio parts carry base64 audio); ``item`` is None and ``error``
    says why when the server refused."""

    kind: ClassVar[Literal["item_retrieved"]] = "item_retrieved"
    item_id: str
    item: Mapping[str, Any] | None
    error: str | None = None


OpenAIExtraEvent = Union[  # noqa: UP007 - a runtime alias usable on Python 3.10 with cattrs
    McpToolsListed,
    McpApprovalRequested,
    McpCallStarted,
    McpCallCompleted,
    McpCallFailed,
    ItemRetrieved,
]
