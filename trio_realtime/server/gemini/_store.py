"""Resumption handles of a server: handle -> the conversation at that point."""

from __future__ import annotations

from collections import OrderedDict, deque

from ._history import History

__all__ = ["SessionStore"]


class SessionStore:
    """The conversations saved under ``sessionResumptionUpdate`` handles, shared by every
    connection of a server.

    Each conversation (its connections, resumed ones included) keeps its ``per_conversation``
    latest handles, and the server at most ``capacity`` handles in all (the oldest go first), so
    a long conversation is held a few times, not once per turn. Clients resume from the latest
    handle they were given; an older one is then unknown (``INVALID_ARGUMENT``, as an expired
    handle is).
    """

    def __init__(self, capacity: int = 1000, *, per_conversation: int = 4) -> None:
        self._saved: OrderedDict[str, History] = OrderedDict()
        self._capacity = capacity
        self._per_conversation = per_conversation
        self._root: dict[str, str] = {}  # handle -> the first handle of its conversation
        self._lines: dict[str, deque[str]] = {}  # first handle -> its conversation's handles

    def __len__(self) -> int:
        return len(self._saved)

    def save(self, handle: str, history: History, *, after: str | None = None) -> None:
        """Keep a copy of ``history`` under ``handle``; ``after`` is the conversation's
        previous handle (None for a conversation's first)."""
        root = self._root.get(after, handle) if after is not None else handle
        self._saved[handle] = history.snapshot()
        self._root[handle] = root
        line = self._lines.setdefault(root, deque())
        line.append(handle)
        while len(line) > self._per_conversation:
            self._forget(line[0])
        while len(self._saved) > self._capacity:
            self._forget(next(iter(self._saved)))

    def resume(self, handle: str) -> History | None:
        """A copy of the conversation saved under ``handle`` (None: unknown or forgotten)."""
        saved = self._saved.get(handle)
        return saved.snapshot() if saved is not None else None

    def _forget(self, handle: str) -> None:
        del self._saved[handle]
        root = self._root.pop(handle)
        line = self._lines[root]
        line.remove(handle)
        if not line:
            del self._lines[root]
