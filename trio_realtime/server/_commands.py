"""What the sans-I/O state asks its I/O shell to do, in order, between the events it emits."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeAlias

import attrs

__all__ = [
    "ArmIdleTimer",
    "AskBrain",
    "CallMcpTool",
    "Close",
    "Command",
    "ListMcpTools",
    "Output",
    "StartResponse",
    "StopResponse",
    "Timer",
    "Transcribe",
]


@attrs.frozen
class StartResponse:
    """Run response ``response_id``: call the brain (unless ``ask_brain`` is False: the
    response's script starts by itself and asks when it needs to), then step it with its
    pauses."""

    response_id: str
    ask_brain: bool = True


@attrs.frozen
class ListMcpTools:
    """List the tools of the MCP server of ``tool`` (an ``mcp`` tool definition) for the
    ``mcp_list_tools`` item ``item_id``, then give ``resume`` the tools (or the
    :class:`~.mcp_client.McpError`) and carry out what it returns."""

    item_id: str
    tool: Mapping[str, Any] = attrs.field(repr=False)
    resume: Callable[[Any], list[Output]] = attrs.field(repr=False)


@attrs.frozen
class CallMcpTool:
    """Inside response ``response_id``'s task: call MCP tool ``name`` of ``tool``'s server
    with ``arguments``, then give ``resume`` the output text (or the ``McpError``)."""

    response_id: str
    tool: Mapping[str, Any] = attrs.field(repr=False)
    name: str
    arguments: Mapping[str, Any]
    resume: Callable[[Any], list[Output]] = attrs.field(repr=False)


@attrs.frozen
class AskBrain:
    """Inside response ``response_id``'s task: ask the brain again (the response goes on after
    server-side tool calls), then give ``resume`` the ``(reply, speech)`` (or the exception)."""

    response_id: str
    resume: Callable[[Any], list[Output]] = attrs.field(repr=False)


@attrs.frozen
class StopResponse:
    """The response ended early (its final events are already emitted): stop its task."""

    response_id: str


@attrs.frozen
class Transcribe:
    """Transcribe ``pcm`` (PCM16 LE at ``sample_rate``) for user item ``item_id``.

    ``emit``: whether the session wants input-transcription events (the text is always needed,
    because the brain reads audio turns through it).
    """

    item_id: str
    pcm: bytes = attrs.field(repr=lambda pcm: f"<{len(pcm)} bytes>")
    sample_rate: int
    emit: bool


@attrs.frozen
class ArmIdleTimer:
    """(Re)start the idle timer: after ``delay`` s call ``idle_timeout(generation)``."""

    delay: float
    generation: int


@attrs.frozen
class Timer:
    """After ``delay`` s call the state's ``timer_fired(name)`` (once; never cancelled)."""

    name: str
    delay: float


@attrs.frozen
class Close:
    """Close the connection with ``code`` / ``reason`` once everything before it is sent."""

    code: int
    reason: str


Command: TypeAlias = (
    StartResponse
    | StopResponse
    | Transcribe
    | ArmIdleTimer
    | Timer
    | Close
    | ListMcpTools
    | CallMcpTool
    | AskBrain
)
Output: TypeAlias = dict[str, Any] | Command
