"""``ReplayGateway``: answer a session with the server frames of a recording.

Replay is driven by the client, not by the clock: the server frames recorded before the first
client frame are sent at once, and the frames recorded after the client's n-th frame are sent
as soon as the replaying client has sent its n-th frame. The client's frames are compared by
kind only (their ``type``, or Gemini's top-level field), never by content: ids, timings and
audio may differ. When the client diverges — a frame of another kind, or more frames than
recorded — the replay server closes the connection with code 4000 (:data:`DIVERGED`) and a
reason naming both kinds; the session reports ``session_closed(reason="server", code=4000)``
and later commands raise ``SessionClosedError`` saying so. After the last recorded frame the
recorded close is replayed (a server close, or a dropped connection); a truncated recording
ends with code 4001 (:data:`TRUNCATED`).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from typing import Any

import attrs
import orjson
import trio

from .._errors import RealtimeConnectionError
from ..config import Config
from ..protocol import Codec, GeminiProtocol, OpenAIProtocol
from ..transport import (
    CloseInfo,
    MemoryTransport,
    Transport,
    TransportClosed,
    memory_transport_pair,
)
from ._format import FORMAT_VERSION, frame_kind, frame_of

__all__ = ["DIVERGED", "TRUNCATED", "RecordedConnection", "ReplayGateway", "read_recording"]

DIVERGED = 4000
TRUNCATED = 4001


@attrs.frozen(kw_only=True)
class RecordedConnection:
    """One connection of a recording: its header, and its lines after the header."""

    header: dict[str, Any]
    lines: tuple[dict[str, Any], ...]

    @property
    def provider(self) -> str:
        return str(self.header.get("provider", "openai"))

    def sends(self) -> list[str]:
        """The kinds of the client frames, in order."""
        return [frame_kind(frame_of(x)) for x in self.lines if x.get("dir") == "send"]

    def batches(self) -> list[list[str | bytes]]:
        """Server frames grouped by how many client frames preceded them."""
        out: list[list[str | bytes]] = [[]]
        for record in self.lines:
            if record.get("dir") == "send":
                out.append([])
            elif record.get("dir") == "recv":
                out[-1].append(frame_of(record))
        return out

    @property
    def close(self) -> CloseInfo | None:
        for record in self.lines:
            if record.get("event") == "close":
                return CloseInfo(
                    code=record.get("code"),
                    reason=str(record.get("reason") or ""),
                    initiator=record.get("initiator", "server"),
                )
        return None

    @property
    def truncated(self) -> bool:
        return any(record.get("event") == "truncated" for record in self.lines)


def read_recording(path: str | os.PathLike[str]) -> list[RecordedConnection]:
    """Parse a recording file. Raises ``ValueError`` (with the line number) for a file that is
    not a recording (or of a newer format version)."""
    connections: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
    with open(path, "rb") as file:
        for number, raw in enumerate(file, start=1):
            if not raw.strip():
                continue
            try:
                record = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise ValueError(f"{os.fspath(path)}:{number}: not JSON ({exc})") from None
            if not isinstance(record, dict):
                raise ValueError(f"{os.fspath(path)}:{number}: not a recording line")  # noqa: TRY004
            if record.get("event") == "connection":
                version = record.get("version")
                if version != FORMAT_VERSION:
                    raise ValueError(
                        f"{os.fspath(path)}:{number}: recording format version {version!r} "
                        f"(this library reads version {FORMAT_VERSION})"
                    )
                connections.append((record, []))
            elif not connections:
                raise ValueError(f"{os.fspath(path)}:{number}: a recording starts with a header")
            else:
                connections[-1][1].append(record)
    if not connections:
        raise ValueError(f"{os.fspath(path)}: an empty recording")
    return [RecordedConnection(header=h, lines=tuple(lines)) for h, lines in connections]


class ReplayGateway:
    """A gateway whose sessions are answered from a recording: ``rt.ReplayGateway(path)``.

    The file is read when the gateway is made (``ValueError`` if it is not a recording). Each
    connection opened replays the next recorded connection (a reconnect, or the broker's next
    session); past the last one ``open_transport`` raises ``RealtimeConnectionError``. See the
    module docstring for ordering and divergence. ``divergences`` lists the reasons of the
    connections that diverged.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        connect_timeout: float = 10.0,
        close_timeout: float = 2.0,
    ) -> None:
        self.path = os.fspath(path)
        self.connections = read_recording(path)
        self.connect_timeout = connect_timeout
        self.close_timeout = close_timeout
        self.divergences: list[str] = []
        self._next = 0
        self._provider = self.connections[0].provider

    def __repr__(self) -> str:
        return f"ReplayGateway({self.path!r})"

    @property
    def provider(self) -> str:
        """The provider of the connection being replayed (the first one before any)."""
        return self._provider

    async def open_transport(self, nursery: trio.Nursery, model: str) -> Transport:
        """A memory transport whose server end plays the next recorded connection."""
        if self._next >= len(self.connections):
            raise RealtimeConnectionError(
                f"the recording {self.path!r} has no more connections to replay "
                f"(it holds {len(self.connections)})"
            )
        connection = self.connections[self._next]
        self._provider = connection.provider
        self._next += 1
        client, server = memory_transport_pair(buffer=1024)
        nursery.start_soon(self._play, connection, server)
        await trio.lowlevel.checkpoint()
        return client

    def codec(self, config: Config, *, model: str, server_events: bool = False) -> Codec:
        """The codec of the recorded provider."""
        if self._provider == "gemini":
            return GeminiProtocol(config, model=model, server_events=server_events)
        return OpenAIProtocol(config, server_events=server_events)

    async def _play(self, connection: RecordedConnection, server: MemoryTransport) -> None:
        with contextlib.suppress(TransportClosed):  # the client went away: nothing to play
            await self._play_frames(connection, server)

    async def _play_frames(self, connection: RecordedConnection, server: MemoryTransport) -> None:
        expected = connection.sends()
        batches = connection.batches()
        await _send_all(server, batches[0])
        for index, kind in enumerate(expected):
            got = frame_kind(await server.receive_message())
            if got != kind:
                await self._diverge(
                    server, f"client frame {index + 1}: expected {kind!r}, got {got!r}"
                )
                return
            await _send_all(server, batches[index + 1])
        if connection.truncated:
            await server.aclose(TRUNCATED, "end of a truncated recording")
            return
        close = connection.close
        if close is not None and close.initiator == "server":
            await server.aclose(close.code or 1000, close.reason)
        elif close is not None and close.initiator == "error":
            server.abort()
        else:  # the client closed it: wait for that (anything else is a divergence)
            extra = frame_kind(await server.receive_message())
            await self._diverge(
                server,
                f"client frame {len(expected) + 1}: the recording has no more client frames, "
                f"got {extra!r}",
            )

    async def _diverge(self, server: MemoryTransport, reason: str) -> None:
        message = f"replay diverged at {reason}"
        self.divergences.append(message)
        await server.aclose(DIVERGED, message[:120])


async def _send_all(server: MemoryTransport, frames: Sequence[str | bytes]) -> None:
    for frame in frames:
        await server.send_message(frame)


def iter_frames(connection: RecordedConnection) -> Iterator[tuple[float, str, str | bytes]]:
    """``(t, direction, frame)`` for each recorded frame of ``connection``."""
    for record in connection.lines:
        direction = record.get("dir")
        if direction in ("send", "recv"):
            yield float(record.get("t", 0.0)), str(direction), frame_of(record)
