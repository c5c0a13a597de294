"""Resumption handles of a server: handle -> the conversation at that point."""

from __future__ import annotations

from collections import OrderedDict

from ._history import History

__all__ = ["SessionStore"]


class SessionStore:
    """The conversations saved under ``sessionResumptionUpdate`` handles, shared by every
    connection of a server; at most ``capacity`` handles are kept (the oldest go first)."""

    def __init__(self, capacity: int = 1000) -> None:
        self._saved: OrderedDict[str, History] = OrderedDict()
        self._capacity = capacity

    def __len__(self) -> int:
        return len(self._saved)

    def save(self, handle: str, history: History) -> None:
        self._saved[handle] = history.snapshot()
        while len(self._saved) > self._capacity:
            self._saved.popitem(last=False)

    def resume(self, handle: str) -> History | None:
        """A copy of the conversation saved under ``handle`` (None: unknown or forgotten)."""
        saved = self._saved.get(handle)
        return saved.snapshot() if saved is not None else None
