"""The optional context argument a tool function may declare."""

from __future__ import annotations

from typing import Any

import attrs
import trio

__all__ = ["ToolContext"]


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
            policy is ``"submit"``); a sync tool running in a thread can poll
            ``interrupted.is_set()`` and return early.
        session: The session that dispatched the call (``None`` outside a session).
    """

    call_id: str
    turn_id: str
    name: str
    interrupted: trio.Event
    session: Any = None
