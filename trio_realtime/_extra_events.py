"""Extra event kinds beyond the 23 (re-exported by :mod:`trio_realtime.events`; see
``docs/events.md``): raw server events, handoffs, reconnection, and OpenAI's server-side
features (remote MCP servers, retrieved conversation items)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal, Union

import attrs

__all__ = [
    "AgentHandoff",
    "ItemRetrieved",
    "McpApprovalRequested",
    "McpCallCompleted",
    "McpCallFailed",
    "McpCallStarted",
    "McpToolsListed",
    "OpenAIExtraEvent",
    "Reconnected",
    "Reconnecting",
    "ServerEvent",
]


@attrs.frozen(kw_only=True)
class ServerEvent:
    """A provider event the 23 kinds do not cover, as the provider sent it.

    Published only when the session was opened with ``server_events=True``: ``type`` is the
    provider's event type (e.g. ``"input_audio_buffer.timeout_triggered"``) and ``data`` the
    whole decoded JSON object.
    """

    kind: ClassVar[Literal["server_event"]] = "server_event"
    provider: str
    type: str
    data: Mapping[str, Any]


@attrs.frozen(kw_only=True)
class AgentHandoff:
    """The conversation passed from one agent to another (names of both)."""

    kind: ClassVar[Literal["agent_handoff"]] = "agent_handoff"
    from_agent: str
    to_agent: str


@attrs.frozen(kw_only=True)
class Reconnecting:
    """The connection dropped and attempt ``attempt`` to reconnect is starting.

    ``code`` is the close code that ended the connection (None for a drop without close frame).
    """

    kind: ClassVar[Literal["reconnecting"]] = "reconnecting"
    attempt: int
    code: int | None
    reason: str


@attrs.frozen(kw_only=True)
class Reconnected:
    """The session is connected again; ``state_restored`` is False if anything was lost."""

    kind: ClassVar[Literal["reconnected"]] = "reconnected"
    attempt: int
    state_restored: bool


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
