"""Internal signals a protocol decoder emits next to the public events.

They carry facts the session's state machine needs but users do not (when a call's arguments are
complete, which assistant item is current, that our ``response.create`` was refused). They are
never published. Like events they are plain frozen data, so the decoder stays sans-I/O.
"""

from __future__ import annotations

from typing import TypeAlias

import attrs

from ..events import ExtraEvent, RealtimeEvent

__all__ = [
    "AssistantItemAdded",
    "Decoded",
    "GoAway",
    "ProtocolViolation",
    "ResponseRejected",
    "ResumptionUpdate",
    "SessionReady",
    "SessionSettings",
    "Signal",
    "ToolCallReady",
    "ToolCallsCancelled",
]


@attrs.frozen(kw_only=True)
class ToolCallReady:
    """A function call's arguments are complete (emitted exactly once per ``call_id``)."""

    turn_id: str
    call_id: str
    name: str
    arguments: str


@attrs.frozen(kw_only=True)
class AssistantItemAdded:
    """The server created an assistant message item for ``turn_id`` (it can be truncated)."""

    turn_id: str
    item_id: str


@attrs.frozen(kw_only=True)
class ResponseRejected:
    """The server refused one of our ``response.create`` requests (a response was active)."""

    event_id: str | None


@attrs.frozen(kw_only=True)
class SessionSettings:
    """Turn-taking facts from the server's effective configuration."""

    turn_detection: bool
    create_response: bool
    interrupt_response: bool


@attrs.frozen
class SessionReady:
    """The handshake is complete: the server confirmed the session and our configuration."""


@attrs.frozen(kw_only=True)
class ProtocolViolation:
    """The server broke the protocol beyond repair; the session must end (``ProtocolError``)."""

    message: str


@attrs.frozen(kw_only=True)
class ToolCallsCancelled:
    """The server withdrew these calls: cancel them and send them no output."""

    call_ids: tuple[str, ...]


@attrs.frozen(kw_only=True)
class GoAway:
    """The server will close the connection soon (``time_left_ms``, when it says)."""

    time_left_ms: int | None


@attrs.frozen(kw_only=True)
class ResumptionUpdate:
    """A new session-resumption handle (``None`` when the session cannot be resumed now)."""

    handle: str | None
    resumable: bool


Signal: TypeAlias = (
    "ToolCallReady | AssistantItemAdded | ResponseRejected | SessionSettings | SessionReady"
    " | ProtocolViolation | ToolCallsCancelled | GoAway | ResumptionUpdate"
)
Decoded: TypeAlias = "RealtimeEvent | ExtraEvent | Signal"
