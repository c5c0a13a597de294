"""The optional context argument a tool function may declare."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import attrs

if TYPE_CHECKING:
    from ..config import Config
    from ..history import History

__all__ = ["InterruptFlag", "ToolContext", "ToolSession"]


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


class ToolSession(Protocol):
    """What a tool may use of the session that dispatched its call (``ToolContext.session``).

    :class:`trio_realtime.RealtimeSession` is one; the tools layer names only this much of it
    (and imports no trio). The commands have the session's semantics, cancellation included
    (``docs/cancellation.md``); for anything else, narrow with
    ``isinstance(ctx.session, rt.RealtimeSession)``.
    """

    @property
    def session_id(self) -> str | None:
        """The provider's id for the session."""
        ...

    @property
    def provider(self) -> str:
        """The wire protocol spoken (``"openai"``, ``"gemini"``)."""
        ...

    @property
    def closed(self) -> bool:
        """True once the session closed."""
        ...

    @property
    def config(self) -> Config:
        """The configuration in effect."""
        ...

    def history(self) -> History:
        """The conversation so far, as the client knows it."""
        ...

    async def send_text(self, text: str, *, respond: bool = True) -> None:
        """Add a user text message and (unless ``respond=False``) request a response."""
        ...

    async def update(self, **changes: Any) -> None:
        """Change the session configuration (only the changed fields are sent)."""
        ...

    async def update_instructions(self, text: str) -> None:
        """Replace the instructions."""
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
            outside a session. Typed :class:`ToolSession` (what a tool may use of it) because the
            tools layer sits below the session and does not import it; narrow it with
            ``isinstance(ctx.session, rt.RealtimeSession)`` for the rest.
    """

    call_id: str
    turn_id: str
    name: str
    interrupted: InterruptFlag
    session: ToolSession | None = None
