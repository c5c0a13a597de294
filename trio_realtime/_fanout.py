"""Bounded event queues: the primary ``events()`` stream and ``subscribe()`` consumers.

Each consumer owns one :class:`EventQueue`. The session's reader puts every event into the
primary queue (waiting while it is full: backpressure reaches the socket) and into each
subscriber's queue according to that subscriber's overflow policy. A queue is finished exactly
once, with the terminal ``session_closed`` event, which is always accepted even when the queue is
full, so closing never waits on a stalled consumer.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Literal, TypeAlias

import attrs
import trio

from .events import RealtimeEvent

__all__ = [
    "EventQueue",
    "EventStream",
    "Overflow",
    "QueueStatistics",
    "SubscriberOverflowError",
    "Subscription",
]

Overflow: TypeAlias = Literal["block", "drop_oldest", "close"]

#: How far past its bound a ``block`` queue may grow through :meth:`EventQueue.push`.
SLACK = 64


class SubscriberOverflowError(trio.BrokenResourceError):
    """A subscriber with ``overflow="close"`` fell behind and was closed."""


@attrs.frozen(kw_only=True)
class QueueStatistics:
    """One consumer queue: how full it is and what it lost."""

    buffered: int
    max_buffer: int
    delivered: int
    dropped: int
    overflow: Overflow
    closed: bool


class EventQueue:
    """A bounded FIFO of events for one consumer, with an overflow policy.

    ``put`` waits for room under ``block``; under ``drop_oldest`` it discards the oldest
    buffered event (counted in ``dropped``); under ``close`` it finishes the queue so that the
    consumer gets :class:`SubscriberOverflowError` after the events already buffered.
    """

    def __init__(
        self,
        max_buffer: int,
        overflow: Overflow = "block",
        kinds: Iterable[str] | None = None,
    ) -> None:
        if max_buffer < 1:
            raise ValueError(f"buffer must be at least 1, not {max_buffer}")
        if overflow not in ("block", "drop_oldest", "close"):
            raise ValueError(
                f"overflow must be 'block', 'drop_oldest' or 'close', not {overflow!r}"
            )
        self._items: deque[RealtimeEvent] = deque()
        self._max = max_buffer
        self._overflow: Overflow = overflow
        self._kinds = frozenset(kinds) if kinds is not None else None
        self._finished = False
        self._forced = False
        self._failure: BaseException | None = None
        self._not_empty = trio.lowlevel.ParkingLot()
        self._not_full = trio.lowlevel.ParkingLot()
        self._delivered = 0
        self._dropped = 0

    def wants(self, event: RealtimeEvent) -> bool:
        """Whether this consumer's ``kinds`` filter accepts ``event``."""
        return self._kinds is None or event.kind in self._kinds

    @property
    def finished(self) -> bool:
        """True once the queue was finished (terminal event or overflow close)."""
        return self._finished

    async def put(self, event: RealtimeEvent) -> None:
        """Queue ``event`` per the overflow policy (waits only under ``block``).

        Cancellation: if cancelled while waiting for room, the event was not queued.
        """
        if self._finished:
            await trio.lowlevel.checkpoint()
            return
        while (
            self._overflow == "block"
            and len(self._items) >= self._max
            and not (self._finished or self._forced)
        ):
            await self._not_full.park()
        if self.finished:  # the terminal event is in: nothing may follow it
            await trio.lowlevel.checkpoint()
            return
        if self._forced:
            self.push(event)
        else:
            self._put_now(event)
        await trio.lowlevel.checkpoint()

    def push(self, event: RealtimeEvent) -> None:
        """Queue ``event`` without waiting, even under ``block``.

        For events a consumer's own command causes (it must not wait on its own queue) and for
        the last events of a closing session. A ``block`` queue may exceed its bound by up to
        ``SLACK`` events; past that the oldest event is dropped and counted.
        """
        if self._finished:
            return
        if self._overflow != "block":
            self._put_now(event)
            return
        if len(self._items) >= self._max + SLACK:
            self._items.popleft()
            self._dropped += 1
        self._items.append(event)
        self._not_empty.unpark()

    def stop_blocking(self) -> None:
        """From now on ``put`` never waits (the session is closing: its last events go in even
        when the queue is full, within ``SLACK``, so closing never waits on a stalled
        consumer)."""
        self._forced = True
        self._not_full.unpark_all()

    def _put_now(self, event: RealtimeEvent) -> None:
        if len(self._items) >= self._max:
            if self._overflow == "drop_oldest":
                self._items.popleft()
                self._dropped += 1
            elif self._overflow == "close":
                self._dropped += 1
                self._fail(
                    SubscriberOverflowError(
                        f"subscriber fell behind: its buffer of {self._max} events overflowed"
                    )
                )
                return
        self._items.append(event)
        self._not_empty.unpark()

    def finish(self, final: RealtimeEvent | None = None) -> None:
        """End the stream after ``final`` (always accepted, even when full). Idempotent."""
        if self._finished:
            return
        if final is not None and self.wants(final):
            self._items.append(final)
        self._finished = True
        self._not_empty.unpark_all()
        self._not_full.unpark_all()

    def _fail(self, error: BaseException) -> None:
        self._failure = error
        self.finish()

    async def get(self) -> RealtimeEvent:
        """The next event; ``trio.EndOfChannel`` after the last one.

        Raises :class:`SubscriberOverflowError` at the end of a stream closed for overflow.
        Cancellation: if cancelled, no event was taken.
        """
        while not self._items and not self._finished:
            await self._not_empty.park()
        if self._items:
            event = self._items.popleft()
            self._delivered += 1
            self._not_full.unpark()
            await trio.lowlevel.cancel_shielded_checkpoint()
            return event
        await trio.lowlevel.checkpoint()
        if self._failure is not None:
            raise self._failure
        raise trio.EndOfChannel

    def statistics(self) -> QueueStatistics:
        """Depth, bound, delivered and dropped counts."""
        return QueueStatistics(
            buffered=len(self._items),
            max_buffer=self._max,
            delivered=self._delivered,
            dropped=self._dropped,
            overflow=self._overflow,
            closed=self._finished,
        )


class EventStream:
    """A consumer's view of its queue: ``async for event in stream`` or ``await receive()``.

    Iteration ends after ``session_closed``. Cancelling a ``receive`` (or the loop) loses no
    event: the next call gets it.
    """

    def __init__(self, queue: EventQueue) -> None:
        self._queue = queue

    async def receive(self) -> RealtimeEvent:
        """The next event; ``trio.EndOfChannel`` once the stream has ended."""
        return await self._queue.get()

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> RealtimeEvent:
        try:
            return await self._queue.get()
        except trio.EndOfChannel:
            raise StopAsyncIteration from None

    def statistics(self) -> QueueStatistics:
        """This consumer's queue statistics."""
        return self._queue.statistics()


class Subscription(EventStream):
    """An extra consumer of a session's events, from the moment it subscribed.

    Use it as a sync context manager and iterate it::

        with session.subscribe(kinds={"assistant_text"}) as sub:
            async for event in sub:
                ...

    Leaving the ``with`` block unsubscribes. Iteration ends after ``session_closed``.
    """

    def __init__(self, queue: EventQueue, registry: list[EventQueue]) -> None:
        super().__init__(queue)
        self._registry = registry

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop receiving events (idempotent)."""
        if self._queue in self._registry:
            self._registry.remove(self._queue)
        self._queue.finish()
