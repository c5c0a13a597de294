"""Live microphone and speaker through PortAudio (the optional ``sounddevice`` package).

Install with ``pip install 'trio-realtime[sounddevice]'``. Nothing else in the library imports
this module. ``sounddevice`` is imported when a device is opened, not at import time.

PortAudio calls back from its own audio thread. The callbacks never block on trio: they hand
data to the trio thread with :meth:`trio.lowlevel.TrioToken.run_sync_soon` (the non-blocking
primitive under :mod:`trio.from_thread`), and all channel operations happen on the trio
thread. Channels are bounded; the overflow policy of each direction is documented below.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from typing import Any, Final

import trio

from .pcm import ms_to_bytes
from .playback import JitterBuffer, PlaybackTracker

if sys.version_info < (3, 11):  # pragma: no cover
    from exceptiongroup import BaseExceptionGroup

__all__ = ["CLEAR", "SpeakerItem", "open_microphone", "open_speaker"]

log = logging.getLogger(__name__)


class _Clear:
    def __repr__(self) -> str:
        return "trio_realtime.audio.devices.CLEAR"


CLEAR: Final = _Clear()
"""Send this to a speaker channel to discard all audio queued in the device buffer."""

SpeakerItem = bytes | tuple[str, bytes] | _Clear


def _import_sounddevice() -> Any:
    try:
        import sounddevice  # type: ignore[import-not-found,unused-ignore]
    except ImportError as exc:
        raise ImportError(
            "live audio devices need the optional 'sounddevice' package: "
            "pip install 'trio-realtime[sounddevice]'"
        ) from exc
    except OSError as exc:  # the package is there but the PortAudio library is not
        raise ImportError(
            f"sounddevice could not load the PortAudio library ({exc}); install PortAudio "
            "(e.g. apt install libportaudio2) for 'trio-realtime[sounddevice]'"
        ) from exc
    return sounddevice


def _soon(token: trio.lowlevel.TrioToken, fn: Callable[..., object], *args: object) -> None:
    """Schedule ``fn(*args)`` on the trio thread from a foreign thread; never blocks."""
    with suppress(trio.RunFinishedError):
        token.run_sync_soon(fn, *args)


@contextmanager
def _bare_errors() -> Iterator[None]:
    """Re-raise an exception group holding a single exception as that exception."""
    try:
        yield
    except BaseExceptionGroup as group:
        if len(group.exceptions) != 1 or isinstance(group.exceptions[0], BaseExceptionGroup):
            raise
        exc = group.exceptions[0]
        context = exc.__context__
        try:
            raise exc
        finally:
            exc.__context__ = context
            del exc, context


@asynccontextmanager
async def _running(stream: Any) -> AsyncIterator[None]:
    """Start a PortAudio stream; on exit stop (if started) and close it, off the trio thread
    and shielded from cancellation. ``stop()`` waits for a running callback, and the callbacks
    never wait for trio, so it returns."""
    started = False
    try:
        await trio.to_thread.run_sync(stream.start)
        started = True
        yield
    finally:
        with trio.CancelScope(shield=True):
            if started:
                await trio.to_thread.run_sync(stream.stop)
            await trio.to_thread.run_sync(stream.close)


@asynccontextmanager
async def open_microphone(
    *,
    sample_rate: int = 24000,
    channels: int = 1,
    frame_ms: float = 20,
    device: int | str | None = None,
    max_frames: int = 50,
) -> AsyncIterator[trio.MemoryReceiveChannel[bytes]]:
    """Capture PCM16 LE audio; yield a channel of ``frame_ms`` frames.

    At most ``max_frames`` frames wait in the channel; when the consumer falls further behind,
    new frames are dropped (logged) rather than blocking the audio thread. Leaving the block
    stops the device and closes the channel (iteration over it ends). Cancellation: opening
    the device runs in a worker thread and may be cancelled; closing it is shielded and
    completes.
    """
    sd = _import_sounddevice()
    token = trio.lowlevel.current_trio_token()
    send, receive = trio.open_memory_channel[bytes](max_frames)
    dropped = 0

    def deliver(data: bytes) -> None:  # trio thread
        nonlocal dropped
        try:
            send.send_nowait(data)
        except trio.WouldBlock:
            dropped += 1
            if dropped == 1 or dropped % 100 == 0:
                log.warning("microphone consumer is behind: %d frames dropped", dropped)
        except (trio.ClosedResourceError, trio.BrokenResourceError):
            pass

    def callback(indata: Any, _frames: int, _time: Any, _status: Any) -> None:  # audio thread
        _soon(token, deliver, bytes(indata))

    stream = sd.RawInputStream(
        samplerate=sample_rate,
        channels=channels,
        dtype="int16",
        blocksize=ms_to_bytes(frame_ms, rate=sample_rate) // 2,
        device=device,
        callback=callback,
    )
    try:
        async with _running(stream), receive:
            yield receive
    finally:
        send.close()


class _SpeakerState:
    """Audio queued for the device; shared by the trio thread and the audio thread."""

    def __init__(self, buffer: JitterBuffer) -> None:
        self.lock = threading.Lock()
        self.buffer = buffer
        self.segments: deque[list[Any]] = deque()  # [item_id | None, bytes left to play]
        self.waiting = False  # the pump waits for room (or for the buffer to empty)
        self.wakeup = trio.Event()

    def take_played(self, n: int) -> list[tuple[str, int]]:
        """Attribute ``n`` played bytes to items, oldest first (call with the lock held)."""
        played: list[tuple[str, int]] = []
        while n and self.segments:
            segment = self.segments[0]
            step = min(n, segment[1])
            segment[1] -= step
            n -= step
            if segment[0] is not None:
                if played and played[-1][0] == segment[0]:  # one item's sample may span two
                    played[-1] = (segment[0], played[-1][1] + step)
                else:
                    played.append((segment[0], step))
            if not segment[1]:
                self.segments.popleft()
        return played


@asynccontextmanager
async def open_speaker(
    *,
    sample_rate: int = 24000,
    channels: int = 1,
    frame_ms: float = 20,
    device: int | str | None = None,
    buffer_ms: float = 200,
    max_items: int = 8,
    tracker: PlaybackTracker | None = None,
) -> AsyncIterator[trio.MemorySendChannel[SpeakerItem]]:
    """Play PCM16 LE audio; yield a channel to send it on.

    Send ``bytes``, or ``(item_id, bytes)`` to have the played duration of that item reported
    into ``tracker`` (:meth:`~trio_realtime.audio.PlaybackTracker.advance`) as the device
    actually plays it, or :data:`CLEAR` to drop everything not yet played (e.g. on barge-in; it
    takes effect after the items sent before it, within about ``buffer_ms``). Backpressure: the
    device buffer holds ``buffer_ms`` and the channel ``max_items`` items; beyond that ``send``
    waits. Gaps play as silence.

    Leaving the block normally closes the channel and waits until the queued audio has been
    played; an exception or cancellation stops playback at once (an exception from the block
    propagates as itself, not inside an ExceptionGroup). Closing the device is shielded from
    cancellation.
    """
    sd = _import_sounddevice()
    token = trio.lowlevel.current_trio_token()
    frame_bytes = 2 * channels
    state = _SpeakerState(
        JitterBuffer(max_ms=buffer_ms, sample_rate=sample_rate, channels=channels)
    )
    send, receive = trio.open_memory_channel[SpeakerItem](max_items)

    def report(played: list[tuple[str, int]], wake: trio.Event | None) -> None:  # trio thread
        if tracker is not None:
            for item_id, n in played:
                tracker.advance(item_id, n // frame_bytes, sample_rate)
        if wake is not None:
            wake.set()

    def callback(outdata: Any, _frames: int, _time: Any, _status: Any) -> None:  # audio thread
        with state.lock:
            before = state.buffer.buffered_bytes
            data = state.buffer.pop(len(outdata))
            played = state.take_played(before - state.buffer.buffered_bytes)
            wake = state.wakeup if state.waiting else None
            state.waiting = False
        outdata[:] = data
        if played or wake is not None:
            _soon(token, report, played, wake)

    async def wait_until(ready: Callable[[], bool]) -> None:
        while True:
            with state.lock:
                if ready():
                    return
                state.wakeup = trio.Event()
                state.waiting = True
                wakeup = state.wakeup
            await wakeup.wait()

    def has_room(n: int) -> Callable[[], bool]:
        return lambda: state.buffer.free_bytes >= n

    async def pump() -> None:
        capacity = state.buffer.max_bytes - state.buffer.max_bytes % frame_bytes
        async for item in receive:
            if isinstance(item, _Clear):
                with state.lock:
                    state.buffer.clear()
                    state.segments.clear()
                continue
            item_id, data = item if isinstance(item, tuple) else (None, item)
            for at in range(0, len(data), capacity):
                piece = data[at : at + capacity]
                await wait_until(has_room(len(piece)))
                with state.lock:
                    state.buffer.push(piece)
                    state.segments.append([item_id, len(piece)])
        await wait_until(lambda: state.buffer.buffered_bytes == 0)

    stream = sd.RawOutputStream(
        samplerate=sample_rate,
        channels=channels,
        dtype="int16",
        blocksize=ms_to_bytes(frame_ms, rate=sample_rate) // 2,
        device=device,
        callback=callback,
    )
    try:
        with _bare_errors():
            async with _running(stream), trio.open_nursery() as nursery:
                nursery.start_soon(pump)
                async with send:
                    yield send
    finally:
        receive.close()
