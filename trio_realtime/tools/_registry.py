"""An immutable, ordered collection of tools with unique names."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ._tool import Tool, as_tool

__all__ = ["ToolRegistry"]


class ToolRegistry:
    """Tools by name, in the order given.

    Each item is a :class:`Tool` or a callable (converted with :func:`as_tool`). Raises
    ``ValueError`` naming the tool when two tools share a name, and the ``TypeError``/``ValueError``
    of :func:`as_tool` for an item that cannot be a tool. The registry cannot be changed after
    construction.
    """

    __slots__ = ("_tools",)

    _tools: dict[str, Tool]

    def __init__(self, tools: Iterable[Tool | Callable[..., Any]] = ()) -> None:
        by_name: dict[str, Tool] = {}
        positions: dict[str, int] = {}
        for index, item in enumerate(tools):
            tool = as_tool(item)
            if tool.name in by_name:
                raise ValueError(
                    f"duplicate tool name {tool.name!r}: tools #{positions[tool.name] + 1} and "
                    f"#{index + 1} are both called {tool.name!r}; tool names must be unique"
                )
            by_name[tool.name] = tool
            positions[tool.name] = index
        object.__setattr__(self, "_tools", by_name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("ToolRegistry is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("ToolRegistry is immutable")

    def get(self, name: str) -> Tool | None:
        """The tool called *name*, or ``None``."""
        return self._tools.get(name)

    def __getitem__(self, name: str) -> Tool:
        return self._tools[name]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._tools

    def __iter__(self) -> Iterator[Tool]:
        return iter(tuple(self._tools.values()))

    def __len__(self) -> int:
        return len(self._tools)

    @property
    def names(self) -> tuple[str, ...]:
        """The tool names, in order."""
        return tuple(self._tools)

    def definitions(self) -> list[dict[str, Any]]:
        """Every tool's :meth:`Tool.definition`, in order (fresh copies)."""
        return [tool.definition() for tool in self._tools.values()]

    def __repr__(self) -> str:
        return f"ToolRegistry({list(self._tools)!r})"
