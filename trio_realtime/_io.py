"""The session's two I/O tasks: the reader (one synchronous step per frame) and the writer.

Both run in the session runtime's nursery and work on its state (:mod:`._runtime`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import trio

from ._errors import ProtocolError
from .protocol import Decoded
from .transport import CloseInfo, TransportClosed

if TYPE_CHECKING:
    from ._runtime import SessionRuntime

__all__ = ["check_handshake", "read_frames", "watch_deadline", "write_messages"]

#: The writer joins queued messages into one socket write up to this many bytes (a batch of
#: audio never holds a control message back for long).
WRITE_BATCH = 32 * 1024


async def read_frames(rt: SessionRuntime) -> CloseInfo | None:
    """Read, decode, step and publish, one frame at a time, until the transport closes
    (returns how) or the session ends (None).

    Each frame is one synchronous step (module docstring); the reader waits only in
    ``receive_message`` and, after a frame that filled a ``block`` consumer, for room.
    Frames the transport already holds are taken with ``receive_message_nowait`` (when
    it has one) as long as the reader has not yielded since its last cancel point: the
    same frames, in the same order, without a cancel point per frame that could not
    observe anything new. ``now`` is the time of that cancel point.

    The watch's deadline is the liveness rule: a reconnect's handshake must complete within
    the gateway's ``connect_timeout``, and with an ``idle_timeout`` a response in progress
    must hear from the server that often. Waiting for a slow consumer never counts.
    """
    transport, fanout = rt.transport, rt.fanout
    decode, step = rt.codec.receive, rt.machine.apply
    dispatch, ready, stepped = rt.dispatch, rt.ready, rt.stepped
    publish: Callable[[Any], None] = fanout.publish
    plain = rt.plain
    nowait = getattr(transport, "receive_message_nowait", None)
    clock = trio.lowlevel.current_clock()
    handshaking = True
    try:
        with trio.CancelScope(deadline=watch_deadline(rt)) as watch:
            rt.watch = watch
            while True:
                frame = await transport.receive_message()
                now = clock.current_time()
                while True:
                    for item in decode(frame):
                        if handshaking:
                            handshaking = not ready.is_set()
                            if handshaking:
                                check_handshake(rt, item)
                        for action in step(item, now):
                            if type(action) in plain:
                                publish(action)
                            else:
                                dispatch[type(action)](rt, action, "control")
                    if stepped:  # (someone waits for a quiet moment)
                        stepped.unpark_all()
                    if rt.violation is not None:
                        await rt.fail_protocol(rt.violation)
                        return None
                    # (nobody can read before connect returns: no waiting in the handshake)
                    if fanout.maybe_full and fanout.full and ready.is_set():
                        watch.deadline = math.inf
                        await fanout.wait_room()
                        break  # it yielded: the next frame comes through a cancel point
                    if nowait is None:
                        break
                    try:
                        frame = nowait()
                    except trio.WouldBlock:
                        break
                watch.deadline = watch_deadline(rt)
    except TransportClosed as exc:
        return exc.info
    finally:
        rt.watch = None
    with trio.CancelScope(shield=True):
        await transport.aclose()
    if rt.outage:
        reason = "the server did not confirm the session in time"
    else:
        reason = f"no server event for {rt.idle_timeout:g} s during a response"
    return CloseInfo(code=None, reason=reason, initiator="error")


def watch_deadline(rt: SessionRuntime) -> float:
    """When the reader's watch gives up on a silent server (see :func:`read_frames`)."""
    if rt.outage:  # a reconnect's handshake
        return rt.reconnector.handshake_deadline  # type: ignore[union-attr]
    if rt.idle_timeout is not None and rt.machine.response_state != "idle":
        return trio.current_time() + rt.idle_timeout
    return math.inf


def check_handshake(rt: SessionRuntime, item: Decoded) -> None:
    """Nothing can have asked for a turn before the handshake: a turn event then means
    the server broke the protocol beyond repair."""
    turn_id = getattr(item, "turn_id", None)
    if turn_id is not None and rt.violation is None:
        rt.violation = ProtocolError(
            f"the server sent {type(item).__name__} for {turn_id!r} before it confirmed the session"
        )


async def write_messages(rt: SessionRuntime) -> None:
    """Send what the lanes hold, control first. Messages already queued together go out in
    one write when the transport can (``send_messages``), up to ``WRITE_BATCH`` bytes, so
    e.g. a barge-in's cancel and truncate cost one wake-up and one write."""
    lanes, sending, sent = rt.lanes, rt.observer.sending, rt.observer.sent
    while True:
        await lanes.wait_message()
        transport = rt.transport
        send_many = getattr(transport, "send_messages", None)
        batch = lanes.take(WRITE_BATCH if send_many is not None else 1)
        if not batch:  # (cleared meanwhile: a reconnect)
            continue
        rt.sending = True  # taken and marked in one step: wait_flushed sees either
        for message in batch:
            sending(message)
        try:
            if send_many is None or len(batch) == 1:
                await transport.send_message(batch[0])
            else:
                await send_many(batch)
        except TransportClosed as exc:
            if rt.reconnector is not None and not rt.closing:
                # The reader reconnects; this message was for the lost connection.
                await rt.reconnector.wait_new_transport(transport)
                continue
            # Refuse further commands now, but let the reader deliver what the server
            # sent before the close: it reports the close itself when its receive fails.
            rt.note_close(exc.info)
            rt.lanes.close(rt.closed_error)
            return
        finally:
            rt.sending = False
        sent()
        if rt.closing and not lanes.depth("control"):
            rt.drained.set()
        if rt.flushed:
            rt.flushed.unpark_all()
