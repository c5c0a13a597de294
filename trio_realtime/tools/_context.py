"""The optional context argument a tool function may declare."""

from __future__ import annotations

from typing import Protocol

import attrs

__all__ = ["InterruptFlag", "ToolContext"]


class InterruptFlag(Protocol):
    """What :attr:`ToolContext.interrupted` offers: a one-way flag (``trio.Event`` is one).

    The tools layer does not import trio; in a session the flag is the turn's ``trio.Event``.
    """

    def is_set(self) -> bool:
        """Whether the turn has been interrupted (safe to call from a worker thread)."""
        ...

    async def wait(self) -> None:
        """Return once the turn is interrupted (async tools only; not from a worker thread)."""
        ...


@attrs.frozen(kw_only=True)
class ToolContext:
    """What a tool call knows about itself.

    A tool function receives it by annotating one parameter (any name) with ``ToolContext``; that
    parameter never appears in the tool's JSON Schema.

    Attributes:
        call_id: The provider's id of this call.
        turn_id: The id of the response (turn) that made the call.
        name: The tool's name.
        interrupted: Set when the turn is interrupted. Async tools are cancelled anyway (unless the
            policy is ``"submit"``) and may ``await interrupted.wait()``; a sync tool running in a
            worker thread can poll ``interrupted.is_set()`` and return early.
        session: The :class:`trio_realtime.RealtimeSession` that dispatched the call, or ``None``
            outside a session. Typed ``object`` because the tools layer sits below the session
            and does not import it; narrow it with ``isinstance(ctx.session, rt.RealtimeSession)``
            before calling its methods.
    """

    call_id: str
    turn_id: str
    name: str
    interrupted: InterruptFlag
    session: object = None
