"""Fan-out of a session's events to its consumers: the primary stream and the subscribers."""

from __future__ import annotations

from collections.abc import Iterable

from ._fanout import EventQueue, EventStream, Overflow, QueueStatistics, Subscription
from .events import RealtimeEvent, SessionClosed

__all__ = ["Publisher"]


class Publisher:
    """Hands every event to the primary queue (if any) and to each subscriber's queue.

    ``publish`` waits where a queue's policy says so (backpressure reaches the reader);
    ``publish_now`` never waits (events caused by a consumer's own command, handshake and
    closing events). ``finish`` ends every stream after the terminal ``session_closed``.
    """

    def __init__(self, *, buffer: int, primary: bool) -> None:
        self._primary = EventQueue(buffer) if primary else None
        self._primary_taken = False
        self._subscribers: list[EventQueue] = []
        self._finished = False
        self.counts: dict[str, int] = {}

    def _queues(self) -> tuple[EventQueue, ...]:
        head = (self._primary,) if self._primary is not None else ()
        return (*head, *self._subscribers)

    async def publish(self, event: RealtimeEvent) -> None:
        """Queue ``event`` for every consumer that wants it, waiting for room if need be."""
        self.counts[event.kind] = self.counts.get(event.kind, 0) + 1
        for queue in self._queues():  # a snapshot: unsubscribing meanwhile loses nothing
            if queue.wants(event):
                await queue.put(event)

    def publish_now(self, event: RealtimeEvent) -> None:
        """Queue ``event`` for every consumer without waiting (see ``EventQueue.push``)."""
        self.counts[event.kind] = self.counts.get(event.kind, 0) + 1
        for queue in self._queues():
            if queue.wants(event):
                queue.push(event)

    def stop_blocking(self) -> None:
        """From now on nothing waits for a consumer (the session is closing)."""
        for queue in self._queues():
            queue.stop_blocking()

    def finish(self, final: SessionClosed) -> None:
        """End every stream after ``final``."""
        self._finished = True
        self.counts[final.kind] = self.counts.get(final.kind, 0) + 1
        for queue in self._queues():
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
            self._subscribers.append(queue)
        return Subscription(queue, self._subscribers)

    def primary_statistics(self) -> QueueStatistics | None:
        """The primary queue's statistics, if there is one."""
        return self._primary.statistics() if self._primary is not None else None

    def subscriber_statistics(self) -> tuple[QueueStatistics, ...]:
        """Each current subscriber's statistics."""
        return tuple(queue.statistics() for queue in self._subscribers)
