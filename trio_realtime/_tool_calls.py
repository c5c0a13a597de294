"""Running one tool's function under trio (the tools package itself is trio-free)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import trio

from .tools import Tool, ToolContext

__all__ = ["call_tool"]


async def call_tool(
    tool: Tool,
    args: Mapping[str, Any],
    context: ToolContext,
    *,
    threads: trio.CapacityLimiter | None = None,
) -> Any:
    """Call ``tool``'s function with validated ``args``: an async one is awaited, a sync one
    runs in ``trio.to_thread.run_sync`` under the ``threads`` limiter (trio's default one when
    None). An abandoned thread keeps its token until its function returns.

    Raises ``ToolArgumentsError`` before anything runs when ``args`` cannot be bound, and
    whatever the function raises. Cancellation: an async tool is cancelled; a sync one's thread
    is abandoned (its result discarded) — it can poll ``context.interrupted`` to stop early.
    """
    bound = tool.bind(args, context)
    if tool.is_async:
        return await bound()
    return await trio.to_thread.run_sync(bound, abandon_on_cancel=True, limiter=threads)
