"""``Recorder``: write every frame of a session, both ways, to a JSONL file.

The recorder wraps the session's transport (:class:`RecordingTransport`): each frame is
encoded (:mod:`._format`) when it is sent or received and appended to an in-memory buffer that
a writer task flushes to the file through ``trio.to_thread.run_sync`` (file I/O never blocks the
event loop). The buffer is bounded: when the disk falls behind, sending and receiving wait for
it (``receive_message_nowait`` reports ``trio.WouldBlock``), so memory stays bounded.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Sequence
from typing import IO, Any

import trio

from ..transport import CloseInfo, Transport, TransportClosed, TransportStatistics
from ._format import FORMAT_VERSION, Direction, encode_frame, headers_for, line, url_for

__all__ = ["Recorder", "RecordingTransport"]

#: Bytes waiting for the disk before the session waits for the writer.
MAX_BUFFER = 4 * 2**20
#: Room kept for the closing lines when ``max_bytes`` is reached.
_RESERVE = 512
_MIN_MAX_BYTES = 4096


class Recorder:
    """Records sessions to ``path`` as JSONL: ``Broker(..., recorder=rt.Recorder("call.jsonl"))``.

    Every frame both ways is written with its time since the connection opened (trio's
    monotonic clock), after a header naming the provider, the model, the URL and the handshake
    headers — credentials redacted, never the key (see ``docs/recording.md`` for the format).
    ``audio=False`` elides audio payloads (their size is kept, so a replay yields the same
    events, with silence).

    ``max_bytes`` bounds the file: past three quarters of it audio is elided (an ``audio_off``
    line marks where), and at the bound recording stops with a ``truncated`` line (the session
    goes on; a replay of it ends there). The first connection truncates ``path``; later ones
    (the broker's next sessions) are appended, one at a time: a recorder records one connection
    at a time (``RuntimeError`` otherwise).
    """

    def __init__(
        self, path: str | os.PathLike[str], *, audio: bool = True, max_bytes: int | None = None
    ) -> None:
        if max_bytes is not None and max_bytes < _MIN_MAX_BYTES:
            raise ValueError(f"max_bytes must be at least {_MIN_MAX_BYTES}, not {max_bytes}")
        self.path = os.fspath(path)
        self.audio = audio
        self.max_bytes = max_bytes
        self.connections = 0
        self.bytes_written = 0
        self.truncated = False
        self._audio_on = audio
        self._busy = False

    def __repr__(self) -> str:
        return f"Recorder({self.path!r}, audio={self.audio}, max_bytes={self.max_bytes})"

    async def attach(
        self,
        transport: Transport,
        nursery: trio.Nursery,
        *,
        gateway: object,
        model: str,
        provider: str,
    ) -> RecordingTransport:
        """Start recording a new connection over ``transport`` (internal: the broker's job).

        The file is opened in a worker thread; its writer task runs in ``nursery`` until the
        transport is closed.
        """
        if self._busy:
            raise RuntimeError(
                "this Recorder is already recording a connection; give each concurrent "
                "session its own Recorder"
            )
        index = self.connections
        mode = "wb" if index == 0 else "ab"
        file = await trio.to_thread.run_sync(open, self.path, mode)
        self._busy = True
        self.connections += 1
        if index == 0:
            self.bytes_written, self.truncated, self._audio_on = 0, False, self.audio
        sink = _Sink(self, file)
        nursery.start_soon(sink.run)
        header = {
            "event": "connection",
            "version": FORMAT_VERSION,
            "index": index,
            "provider": provider,
            "model": model,
            "url": url_for(gateway, model),
            "headers": headers_for(gateway),
            "audio": self._audio_on,
            "started_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        }
        sink.write(line(header), force=True)
        return RecordingTransport(transport, sink)

    def _admit(self, size: int, *, force: bool = False) -> bool:
        """Count ``size`` bytes against ``max_bytes``; False once recording stopped."""
        if self.truncated and not force:
            return False
        limit = self.max_bytes
        if limit is not None and not force and self.bytes_written + size > limit - _RESERVE:
            return False
        self.bytes_written += size
        return True


class _Sink:
    """The buffer and writer task of one recorded connection."""

    def __init__(self, recorder: Recorder, file: IO[bytes]) -> None:
        self._recorder = recorder
        self._file = file
        self._start = trio.current_time()
        self._buffer = bytearray()
        self._wake = trio.lowlevel.ParkingLot()
        self._room = trio.lowlevel.ParkingLot()
        self._closed = False
        self._close_recorded = False

    @property
    def full(self) -> bool:
        return len(self._buffer) >= MAX_BUFFER

    async def wait_room(self) -> None:
        while self.full and not self._closed:
            await self._room.park()

    def write(self, data: bytes, *, force: bool = False) -> None:
        if self._closed or not self._recorder._admit(len(data), force=force):
            return
        self._buffer += data
        self._wake.unpark_all()

    def _now(self) -> float:
        return round(trio.current_time() - self._start, 6)

    def frame(self, direction: Direction, message: str | bytes) -> None:
        recorder = self._recorder
        if recorder.truncated or self._closed:
            return
        data, audio = encode_frame(direction, self._now(), message, audio=recorder._audio_on)
        limit = recorder.max_bytes
        audio_full = limit is not None and recorder.bytes_written + len(data) > limit * 3 // 4
        if audio and recorder._audio_on and audio_full:
            recorder._audio_on = False
            self.write(line({"t": self._now(), "event": "audio_off"}))
            data, _ = encode_frame(direction, self._now(), message, audio=False)
        if not recorder._admit(len(data)):
            recorder.truncated = True
            self.write(line({"t": self._now(), "event": "truncated"}), force=True)
            return
        self._buffer += data
        self._wake.unpark_all()

    def closed(self, info: CloseInfo | None) -> None:
        """Record how the connection ended (once) and let the writer finish."""
        if not self._close_recorded and info is not None:
            self._close_recorded = True
            record: dict[str, Any] = {
                "t": self._now(),
                "event": "close",
                "code": info.code,
                "reason": info.reason,
                "initiator": info.initiator,
            }
            self.write(line(record), force=True)
        self._closed = True
        self._wake.unpark_all()
        self._room.unpark_all()

    async def run(self) -> None:
        """Write the buffer to the file until the connection is closed; then close the file."""
        try:
            while True:
                while not self._buffer and not self._closed:
                    await self._wake.park()
                if not self._buffer:
                    break
                chunk = bytes(self._buffer)
                self._buffer.clear()
                self._room.unpark_all()
                await trio.to_thread.run_sync(self._file.write, chunk)
        finally:
            with trio.CancelScope(shield=True):
                chunk = bytes(self._buffer)
                self._buffer.clear()
                await trio.to_thread.run_sync(self._finish, chunk)
                self._recorder._busy = False

    def _finish(self, chunk: bytes) -> None:
        try:
            if chunk:
                self._file.write(chunk)
        finally:
            self._file.close()


class RecordingTransport:
    """A transport that records what passes through it (see :class:`Recorder`).

    Frames are recorded when they are handed over: a sent frame just before it is written, a
    received one as it is returned; the close as it is observed. Cancellation is the wrapped
    transport's (waiting for the recorder's buffer loses nothing).
    """

    def __init__(self, inner: Transport, sink: _Sink) -> None:
        self._inner = inner
        self._sink = sink

    @property
    def closed(self) -> CloseInfo | None:
        return self._inner.closed

    async def send_message(self, message: str | bytes) -> None:
        if self._sink.full:
            await self._sink.wait_room()
        self._sink.frame("send", message)
        await self._inner.send_message(message)

    async def send_messages(self, messages: Sequence[str | bytes]) -> None:
        """Record then send a batch: one write when the wrapped transport batches (so recording
        keeps the session's write batching), else one message at a time."""
        if self._sink.full:
            await self._sink.wait_room()
        for message in messages:
            self._sink.frame("send", message)
        send_many = getattr(self._inner, "send_messages", None)
        if send_many is not None:
            await send_many(messages)
            return
        for message in messages:
            await self._inner.send_message(message)

    async def receive_message(self) -> str | bytes:
        if self._sink.full:
            await self._sink.wait_room()
        try:
            message = await self._inner.receive_message()
        except TransportClosed as exc:
            self._sink.closed(exc.info)
            raise
        self._sink.frame("recv", message)
        return message

    def receive_message_nowait(self) -> str | bytes:
        """The next buffered frame, or ``trio.WouldBlock`` (also while the recorder is behind)."""
        nowait = getattr(self._inner, "receive_message_nowait", None)
        if nowait is None or self._sink.full:
            raise trio.WouldBlock
        try:
            message: str | bytes = nowait()
        except TransportClosed as exc:
            self._sink.closed(exc.info)
            raise
        self._sink.frame("recv", message)
        return message

    async def aclose(self, code: int = 1000, reason: str = "") -> None:
        try:
            await self._inner.aclose(code, reason)
        finally:
            self._sink.closed(self._inner.closed)

    def statistics(self) -> TransportStatistics:
        return self._inner.statistics()
