"""The writer's two bounded lanes: control messages always go before audio.

Commands put encoded messages into a lane; the single writer task takes them out, control first,
so a ``response.cancel`` never waits behind a second of queued audio appends. Messages within a
lane keep their order. A message put with ``barrier=True`` (a commit, or what must follow one)
marks a point in the audio lane that later turn messages must not overtake, and that
``drop_tail`` stops at. Once closed, every waiting and later ``put`` raises the close error.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Literal

import trio

from .protocol import Message

__all__ = ["Lane", "WriterLanes"]

Lane = Literal["control", "audio"]


class WriterLanes:
    """Two bounded FIFOs (``control`` and ``audio``) drained by one consumer."""

    def __init__(self, *, control_size: int = 256, audio_size: int = 64) -> None:
        self._queues: dict[Lane, deque[tuple[Message, bool]]] = {
            "control": deque(),
            "audio": deque(),
        }
        self._sizes: dict[Lane, int] = {"control": control_size, "audio": audio_size}
        self._not_full: dict[Lane, trio.lowlevel.ParkingLot] = {
            "control": trio.lowlevel.ParkingLot(),
            "audio": trio.lowlevel.ParkingLot(),
        }
        self._not_empty = trio.lowlevel.ParkingLot()
        self._error: Callable[[], BaseException] | None = None
        #: Control messages taken out so far (an observer compares it with what was queued).
        self.control_taken = 0

    @property
    def closed(self) -> bool:
        """Whether puts are refused (the session closed)."""
        return self._error is not None

    def has_room(self, lane: Lane) -> bool:
        """Whether a ``put`` into ``lane`` would not wait."""
        return len(self._queues[lane]) < self._sizes[lane]

    def depth(self, lane: Lane) -> int:
        """Messages waiting in ``lane``."""
        return len(self._queues[lane])

    def _check(self) -> None:
        if self._error is not None:
            raise self._error()

    def has_barrier(self, lane: Lane) -> bool:
        """Whether ``lane`` holds a barrier message not yet sent."""
        return any(barrier for _, barrier in self._queues[lane])

    def drop_tail(self, lane: Lane) -> int:
        """Drop the messages queued after the last barrier in ``lane``; return how many."""
        queue = self._queues[lane]
        count = 0
        while queue and not queue[-1][1]:
            queue.pop()
            count += 1
        self._not_full[lane].unpark_all()
        return count

    def force(self, lane: Lane, message: Message, *, barrier: bool = False) -> None:
        """Queue ``message`` even if ``lane`` is full (raises only the close error).

        For the follow-up messages of a command whose first message was already queued: they
        must go out with it, and must not wait (or be cancelled) half-way. Their number is
        bounded by the commands in flight.
        """
        self._check()
        self._queues[lane].append((message, barrier))
        self._not_empty.unpark()

    def put_nowait(self, lane: Lane, message: Message, *, barrier: bool = False) -> None:
        """Queue ``message`` or raise ``trio.WouldBlock`` when ``lane`` is full."""
        self._check()
        queue = self._queues[lane]
        if len(queue) >= self._sizes[lane]:
            raise trio.WouldBlock
        queue.append((message, barrier))
        self._not_empty.unpark()

    async def wait_room(self, lane: Lane) -> None:
        """Wait until a ``put`` into ``lane`` would not wait (then queue with :meth:`force`).

        For a message that must be encoded only once it can be queued at once (the codec's
        state then never runs ahead of the wire). Cancellation: nothing happened. Raises the
        close error if the lanes are (or become) closed.
        """
        await trio.lowlevel.checkpoint_if_cancelled()
        queue = self._queues[lane]
        while True:
            self._check()
            if len(queue) < self._sizes[lane]:
                return
            await self._not_full[lane].park()

    async def put(self, lane: Lane, message: Message, *, barrier: bool = False) -> None:
        """Queue ``message``, waiting while ``lane`` is full.

        Cancellation: if cancelled, the message was not queued. Raises the close error if the
        lanes are (or become) closed.
        """
        await self.wait_room(lane)
        self._queues[lane].append((message, barrier))
        self._not_empty.unpark()
        await trio.lowlevel.cancel_shielded_checkpoint()

    def get_nowait(self) -> Message:
        """The next message, control first; ``trio.WouldBlock`` when both lanes are empty."""
        for lane in ("control", "audio"):
            queue = self._queues[lane]
            if queue:
                message, _ = queue.popleft()
                self._not_full[lane].unpark()
                if lane == "control":
                    self.control_taken += 1
                return message
        raise trio.WouldBlock

    def take(self, max_bytes: int) -> list[Message]:
        """Take the next message and those queued after it, control first, while their sizes
        add up to less than ``max_bytes`` (at least one, if any is queued)."""
        taken: list[Message] = []
        size = 0
        while size < max_bytes:
            try:
                message = self.get_nowait()
            except trio.WouldBlock:
                break
            taken.append(message)
            size += len(message)
        return taken

    async def wait_message(self) -> None:
        """Wait until a message is queued (takes nothing; then :meth:`get_nowait` has one).

        A checkpoint. Cancel-safe."""
        await trio.lowlevel.checkpoint_if_cancelled()
        while not (self._queues["control"] or self._queues["audio"]):
            await self._not_empty.park()
        await trio.lowlevel.cancel_shielded_checkpoint()

    async def get(self) -> Message:
        """Wait for the next message, control first. Cancel-safe: nothing is taken if cancelled."""
        await trio.lowlevel.checkpoint_if_cancelled()
        while True:
            try:
                message = self.get_nowait()
            except trio.WouldBlock:
                await self._not_empty.park()
            else:
                await trio.lowlevel.cancel_shielded_checkpoint()
                return message

    def close(self, error: Callable[[], BaseException]) -> None:
        """Refuse further puts with ``error()`` and wake every waiting putter. Idempotent.

        Messages already queued stay available to ``get_nowait`` (for a final flush).
        """
        if self._error is None:
            self._error = error
        for lot in self._not_full.values():
            lot.unpark_all()

    def clear(self, lane: Lane) -> int:
        """Drop everything queued in ``lane``; return how many messages were dropped."""
        queue = self._queues[lane]
        count = len(queue)
        queue.clear()
        self._not_full[lane].unpark_all()
        return count
