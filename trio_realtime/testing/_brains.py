"""Brains for the local server that follow a script (what the assistant says, which tools)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..server.brain import BrainReply, BrainRequest, ToolCallSpec

__all__ = ["ScriptedBrain", "calls"]

Reply = str | BrainReply | Callable[[BrainRequest], "str | BrainReply"]


def calls(*specs: tuple[str, Mapping[str, Any] | str], text: str | None = None) -> BrainReply:
    """A reply that calls tools (in parallel): ``calls(("get_weather", {"city": "Oslo"}))``.

    Arguments given as ``str`` are sent verbatim (to test invalid JSON).
    """
    return BrainReply(
        text=text, tool_calls=tuple(ToolCallSpec(name=n, arguments=a) for n, a in specs)
    )


class ScriptedBrain:
    """Answers each response with the next scripted reply, then with ``then``.

    A reply is a string (what the assistant says), a
    :class:`~trio_realtime.server.BrainReply` (text and/or tool calls, see :func:`calls`) or a
    callable given the :class:`~trio_realtime.server.BrainRequest`. ``requests`` keeps every
    request the brain saw (the conversation as the server holds it), for assertions.
    """

    def __init__(self, replies: Iterable[Reply], *, then: Reply = "OK.") -> None:
        self._replies = list(replies)
        self._then = then
        self.requests: list[BrainRequest] = []

    def __call__(self, request: BrainRequest) -> str | BrainReply:
        self.requests.append(request)
        reply = self._replies.pop(0) if self._replies else self._then
        return reply(request) if callable(reply) else reply
