"""A connection's outgoing queue: producers wait for room *before* committing to an event.

The protocol state emits events synchronously, so a producer first awaits
:meth:`Outbox.wait_writable` (cancellable, nothing lost) and then puts the events it got with
:meth:`Outbox.put` (never blocks). The queue is therefore bounded by ``high_water`` plus the
events of one state step.
"""

from __future__ import annotations

from collections import deque
from typing import Generic, TypeVar

import trio

__all__ = ["Outbox"]

T = TypeVar("T")


class Outbox(Generic[T]):
    """FIFO between the state's producers and the single writer task."""

    def __init__(self, high_water: int = 64) -> None:
        self._items: deque[T] = deque()
        self._high_water = high_water
        self._readers = trio.lowlevel.ParkingLot()
        self._writers = trio.lowlevel.ParkingLot()

    def __len__(self) -> int:
        return len(self._items)

    async def wait_writable(self) -> None:
        """Wait until the queue is below its high-water mark (a checkpoint either way).

        Cancellation: safe; nothing has been queued yet.
        """
        if len(self._items) < self._high_water:
            await trio.lowlevel.checkpoint()
            return
        while len(self._items) >= self._high_water:
            await self._writers.park()

    def put(self, item: T) -> None:
        self._items.append(item)
        self._readers.unpark_all()

    async def get(self) -> T:
        """The oldest item, waiting for one if needed (cancellation-safe: nothing is lost)."""
        while not self._items:
            await self._readers.park()
        item = self._items.popleft()
        if len(self._items) < self._high_water:
            self._writers.unpark_all()
        return item
