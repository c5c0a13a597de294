"""What the turn machine asks the session to do: the actions of one step.

A step's result is a list whose entries are either an event to publish (any
:data:`~trio_realtime.events.SessionEvent`, as is: no wrapper on the hot path), one of the
command records below, or a session-level signal (:data:`SessionSignal`) the machine passes
through. The session carries them out synchronously, in order. Pure data, no trio.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeAlias

import attrs

from .events import SessionEvent
from .protocol import GoAway, Message, ProtocolViolation, ResumptionUpdate, SessionReady
from .tools import Tool

__all__ = [
    "Action",
    "CancelCalls",
    "InterruptBatch",
    "SealBatch",
    "Send",
    "SessionSignal",
    "StartCall",
]


@attrs.frozen
class Send:
    """Queue ``message`` (already encoded) for the server."""

    message: Message


@attrs.frozen
class StartCall:
    """Run ``tool`` with ``args`` as part of ``turn_id``'s batch."""

    turn_id: str
    call_id: str
    tool: Tool
    args: Mapping[str, Any]


@attrs.frozen
class InterruptBatch:
    """``turn_id`` was interrupted: tell its tools, and cancel its batch scope if ``cancel``."""

    turn_id: str
    cancel: bool


@attrs.frozen
class SealBatch:
    """No more calls will join ``turn_id``'s batch."""

    turn_id: str


@attrs.frozen
class CancelCalls:
    """Cancel these calls of ``turn_id``'s batch (the server withdrew them)."""

    turn_id: str
    call_ids: tuple[str, ...]


#: Signals the machine does not consume: the session handles them itself.
SessionSignal: TypeAlias = "SessionReady | ProtocolViolation | GoAway | ResumptionUpdate"

Command: TypeAlias = "Send | StartCall | InterruptBatch | SealBatch | CancelCalls"
Action: TypeAlias = "SessionEvent | Command | SessionSignal"
