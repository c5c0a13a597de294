"""Bounded event queues and the fan-out that feeds them.

Every consumer owns one :class:`EventQueue`: the primary ``events()`` stream and each
``subscribe()`` consumer. The session's reader hands every event of a frame to :class:`Fanout`
without waiting (``publish``), then — before it reads the next frame — waits until every
``block`` queue is back under its bound (``wait_room``). So:

- a ``block`` queue (the primary stream, and subscribers that ask for it) is **lossless** and
  bounded: it may exceed its bound by the events of one frame (plus the few events a user's own
  command causes, e.g. ``interrupted``), and past ``bound + SLACK`` its oldest event is dropped
  and counted (a backstop that a consumer reading its stream never reaches);
- a ``drop_oldest`` queue discards its oldest event when full (counted);
- a ``close`` queue ends with :class:`SubscriberOverflowError` when full.

Each queue is finished exactly once, with the terminal ``session_closed`` event, which is always
accepted, so closing never waits on a stalled consumer.

**Fairness.** A consumer that finds events already queued takes them without a full schedule
point each: every ``receive()`` is a cancel point, and a schedule point at least every
:data:`FAIRNESS` events and whenever it has to wait, so no task starves while a fast producer
and consumer hand over batches.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Literal, TypeAlias

import attrs
import trio

from ._compat import assert_never
from .events import SessionClosed, SessionEvent

__all__ = [
    "FAIRNESS",
    "SLACK",
    "EventQueue",
    "EventStream",
    "Fanout",
    "Overflow",
    "QueueStatistics",
    "SubscriberOverflowError",
    "Subscription",
]

Overflow: TypeAlias = Literal["block", "drop_oldest", "close"]

#: How far past its bound a ``block`` queue may grow before its oldest event is dropped.
SLACK = 256
#: A consumer makes a schedule point at least every this many events.
FAIRNESS = 32


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
    """A bounded FIFO of events for one consumer, with an overflow policy (module docstring)."""

    __slots__ = (
        "_blocks",
        "_closed",
        "_consumers_parked",
        "_delivered",
        "_dropped",
        "_failure",
        "_finished",
        "_items",
        "_kinds",
        "_low_water",
        "_max",
        "_not_empty",
        "_not_full",
        "_overflow",
        "_producers_parked",
        "_released",
        "_streak",
    )

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
        self._items: deque[SessionEvent] = deque()
        self._max = max_buffer
        self._low_water = max_buffer // 2  # a waiting producer resumes at or below this
        self._overflow: Overflow = overflow
        self._blocks = overflow == "block"
        self._kinds = frozenset(kinds) if kinds is not None else None
        self._finished = False  # no more events will come (terminal event in, or failed)
        self._closed = False  # the consumer closed its end
        self._released = False  # the session is closing: the producer never waits again
        self._failure: BaseException | None = None
        self._not_empty = trio.lowlevel.ParkingLot()
        self._not_full = trio.lowlevel.ParkingLot()
        self._consumers_parked = 0  # (counted here: a ParkingLot's len() is a Python call)
        self._producers_parked = 0
        self._delivered = 0
        self._dropped = 0
        self._streak = 0

    def wants(self, event: SessionEvent) -> bool:
        """Whether this consumer's ``kinds`` filter accepts ``event``."""
        return self._kinds is None or event.kind in self._kinds

    @property
    def finished(self) -> bool:
        """True once the queue was finished (terminal event, overflow close or consumer close)."""
        return self._finished

    @property
    def full(self) -> bool:
        """True while a ``block`` queue is at or past its bound (its producer should wait)."""
        return (
            len(self._items) >= self._max
            and self._overflow == "block"
            and not (self._finished or self._released)
        )

    # -- producer side ----------------------------------------------------------------------

    def push(self, event: SessionEvent) -> bool:
        """Queue ``event`` now, per the overflow policy; never waits (module docstring).

        Returns whether this is now a full ``block`` queue (its producer should wait), as
        :attr:`full` would (a hint for the fan-out; ``full`` stays the authority).
        """
        if self._finished:
            return False
        kinds = self._kinds
        if kinds is not None and event.kind not in kinds:
            return False
        items = self._items
        if len(items) >= self._max:
            overflow = self._overflow
            if overflow == "block":
                if len(items) >= self._max + SLACK:
                    items.popleft()
                    self._dropped += 1
            elif overflow == "drop_oldest":
                items.popleft()
                self._dropped += 1
            elif overflow == "close":
                self._dropped += 1
                self._fail(
                    SubscriberOverflowError(
                        f"subscriber fell behind: its buffer of {self._max} events overflowed"
                    )
                )
                return False
            else:
                assert_never(overflow)
        items.append(event)
        if self._consumers_parked:
            self._not_empty.unpark()
        return self._blocks and len(items) >= self._max and not self._released

    async def wait_room(self) -> None:
        """If this is a full ``block`` queue, wait until it drains to half its bound.

        Not a checkpoint when there is room. Cancellation: nothing is lost (the events are
        already queued).
        """
        if not self.full:
            return
        while len(self._items) > self._low_water and not (self._finished or self._released):
            self._producers_parked += 1
            try:
                await self._not_full.park()
            finally:
                self._producers_parked -= 1

    def release(self) -> None:
        """Never make the producer wait again (the session is closing)."""
        self._released = True
        self._not_full.unpark_all()

    def finish(self, final: SessionEvent | None = None) -> None:
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

    # -- consumer side ----------------------------------------------------------------------

    async def get(self) -> SessionEvent:
        """The next event; ``trio.EndOfChannel`` after the last one.

        Raises :class:`SubscriberOverflowError` at the end of a stream closed for overflow, and
        ``trio.ClosedResourceError`` after the consumer closed it. Always a cancel point (if
        cancelled, no event was taken); a schedule point at least every ``FAIRNESS`` events.
        """
        items = self._items
        if items and self._streak < FAIRNESS:
            await trio.lowlevel.checkpoint_if_cancelled()
            self._streak += 1
        else:
            self._streak = 0
            if items or self._finished:
                await trio.lowlevel.checkpoint()
            while not items and not self._finished:
                self._consumers_parked += 1
                try:
                    await self._not_empty.park()
                finally:
                    self._consumers_parked -= 1
            if not items:
                if self._closed:
                    raise trio.ClosedResourceError("this event stream was closed")
                if self._failure is not None:
                    raise self._failure
                raise trio.EndOfChannel
        event = items.popleft()
        self._delivered += 1
        if self._producers_parked and len(items) <= self._low_water:
            self._not_full.unpark_all()
        return event

    def close(self) -> None:
        """The consumer is done: drop what is queued and never hold the producer again."""
        self._closed = True
        self._items.clear()
        self.finish()

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


class EventStream(trio.abc.ReceiveChannel[SessionEvent]):
    """A consumer's view of its queue: ``async for event in stream`` or ``await receive()``.

    A :class:`trio.abc.ReceiveChannel`. Iteration ends after ``session_closed``. Every
    ``receive`` (and every step of ``async for``) is a cancel point, and a schedule point at
    least every 32 events (``FAIRNESS``) and whenever it has to wait: events already queued are
    handed over without yielding each time. Cancelling a ``receive`` (or the loop) loses no
    event: the next call gets it. ``aclose()`` stops receiving: the session stops holding
    events for this consumer (for the primary stream, the reader no longer waits for it).
    """

    def __init__(self, queue: EventQueue) -> None:
        self._queue = queue

    async def receive(self) -> SessionEvent:
        """The next event; ``trio.EndOfChannel`` once the stream has ended (see the class)."""
        return await self._queue.get()

    async def __anext__(self) -> SessionEvent:
        # ReceiveChannel's, without the extra ``receive()`` frame per event.
        try:
            return await self._queue.get()
        except trio.EndOfChannel:
            raise StopAsyncIteration from None

    async def aclose(self) -> None:
        """Stop receiving (idempotent). A checkpoint."""
        self._queue.close()
        await trio.lowlevel.checkpoint()

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

    def __init__(self, queue: EventQueue, fanout: Fanout) -> None:
        super().__init__(queue)
        self._fanout = fanout

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop receiving events (idempotent)."""
        self._fanout.unsubscribe(self._queue)
        self._queue.close()

    async def aclose(self) -> None:
        """:meth:`close`, as an async resource. A checkpoint."""
        self.close()
        await trio.lowlevel.checkpoint()


class Fanout:
    """Hands every event to the primary queue (if any) and to each subscriber's queue.

    ``publish`` never waits; the reader calls ``wait_room`` between frames (module docstring).
    ``finish`` ends every stream after the terminal ``session_closed``.
    """

    def __init__(self, *, buffer: int, primary: bool) -> None:
        self._primary = EventQueue(buffer) if primary else None
        self._primary_taken = False
        self._queues: tuple[EventQueue, ...] = (self._primary,) if self._primary else ()
        self._finished = False
        self.counts: dict[str, int] = {}
        #: Set when a publish left some ``block`` queue full; cleared by :meth:`wait_room`.
        #: ``full`` is then the exact answer (a consumer may have taken events since).
        self.maybe_full = False

    def publish(self, event: SessionEvent) -> None:
        """Queue ``event`` for every consumer that wants it, without waiting."""
        kind = event.kind
        counts = self.counts
        counts[kind] = counts.get(kind, 0) + 1
        for queue in self._queues:
            if queue.push(event):
                self.maybe_full = True

    @property
    def full(self) -> bool:
        """Whether some ``block`` consumer is at its bound."""
        return any(queue.full for queue in self._queues)

    async def wait_room(self) -> None:
        """Wait until every ``block`` consumer has room. Cancellation: nothing is lost."""
        self.maybe_full = False
        for queue in self._queues:  # a snapshot: unsubscribing meanwhile loses nothing
            await queue.wait_room()

    def stop_blocking(self) -> None:
        """From now on nothing waits for a consumer (the session is closing)."""
        self._finished = True
        for queue in self._queues:
            queue.release()

    def finish(self, final: SessionClosed) -> None:
        """End every stream after ``final``."""
        self._finished = True
        self.counts[final.kind] = self.counts.get(final.kind, 0) + 1
        for queue in self._queues:
            queue.finish(final)

    def primary_stream(self) -> EventStream:
        """The primary stream (once)."""
        if self._primary is None:
            raise RuntimeError("this session was opened with primary_events=False; use subscribe()")
        if self._primary_taken:
            raise RuntimeError(
                "events() can be consumed only once; use session.subscribe() for more consumers"
            )
        self._primary_taken = True
        return EventStream(self._primary)

    def subscribe(
        self, kinds: Iterable[str] | None, buffer: int, overflow: Overflow
    ) -> Subscription:
        """A new subscriber, from now on (an already finished one if the session is closed)."""
        queue = EventQueue(buffer, overflow, kinds)
        if self._finished:
            queue.finish()
        else:
            self._queues = (*self._queues, queue)
        return Subscription(queue, self)

    def unsubscribe(self, queue: EventQueue) -> None:
        """Stop feeding ``queue`` (idempotent)."""
        self._queues = tuple(q for q in self._queues if q is not queue)

    def primary_statistics(self) -> QueueStatistics | None:
        """The primary queue's statistics, if there is one."""
        return self._primary.statistics() if self._primary is not None else None

    def subscriber_statistics(self) -> tuple[QueueStatistics, ...]:
        """Each current subscriber's statistics."""
        return tuple(q.statistics() for q in self._queues if q is not self._primary)
