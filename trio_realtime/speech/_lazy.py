"""Load a model once, lazily, in a worker thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

import trio

__all__ = ["Lazy"]

T = TypeVar("T")


class Lazy(Generic[T]):
    """``await lazy.get()`` loads the value on first use with ``trio.to_thread.run_sync``
    (never on the event loop) and returns the same value afterwards. Concurrent first calls
    share one load (they wait for it in their threads); a failed load is retried on the next
    call. Works across ``trio.run`` calls (the lock is a thread lock).

    Cancellation: a cancelled ``get`` waits for the load running in its thread (loading is
    not interruptible), then raises ``trio.Cancelled``; the loaded value is kept.
    """

    def __init__(self, load: Callable[[], T]) -> None:
        self._load = load
        self._lock = threading.Lock()
        self._value: T | None = None

    @property
    def loaded(self) -> bool:
        return self._value is not None

    def get_sync(self) -> T:
        """The value, loading it in this thread if needed (call from a worker thread)."""
        value = self._value
        if value is not None:
            return value
        with self._lock:
            if self._value is None:
                self._value = self._load()
            return self._value

    async def get(self) -> T:
        value = self._value
        if value is not None:
            await trio.lowlevel.checkpoint()
            return value
        return await trio.to_thread.run_sync(self.get_sync)
