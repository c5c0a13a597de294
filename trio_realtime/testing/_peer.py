"""A scripted OpenAI Realtime peer on an in-memory transport, and the gateway that makes it.

The test plays the server: it ``expect``\\ s the client's next frames and ``send``\\ s server
frames, all in memory and on trio's (virtual) clock, so exact timings can be asserted with
``autojump_clock``. Nothing here touches a socket.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any, Literal

import orjson
import trio

from ..config import Config
from ..protocol import Codec, GeminiProtocol, OpenAIProtocol, UnsupportedCommand
from ..protocol.gemini import GeminiOptions
from ..transport import MemoryTransport, Transport, TransportClosed, memory_transport_pair
from . import frames

__all__ = ["MemoryGateway", "ScriptedPeer"]


class ScriptedPeer:
    """The server end of one session: ``expect`` client frames, ``send`` server frames.

    ``received`` lists every client frame read so far (decoded JSON), in order.
    """

    def __init__(self, transport: MemoryTransport) -> None:
        self.transport = transport
        self.received: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        """The client's next frame (waits for it). Raises ``TransportClosed`` once closed."""
        return self._note(await self.transport.receive_message())

    def _note(self, frame: str | bytes) -> dict[str, Any]:
        event: dict[str, Any] = orjson.loads(frame)
        self.received.append(event)
        return event

    async def expect(
        self, type_: str, *, skip: Iterable[str] = (), **fields: Any
    ) -> dict[str, Any]:
        """The client's next frame, asserting its ``type`` (and the given top-level fields).

        Frames whose type is in ``skip`` (e.g. ``"input_audio_buffer.append"``) are passed
        over. Raises ``AssertionError`` naming what came instead.
        """
        skipped = frozenset(skip)
        while True:
            event = await self.receive()
            if self.kind(event) not in skipped:
                break
        if self.kind(event) != type_:
            raise AssertionError(f"expected a {type_!r} frame from the client, got {event}")
        for key, value in fields.items():
            if event.get(key) != value:
                raise AssertionError(
                    f"expected {key}={value!r} in the client's {type_!r}, got {event.get(key)!r}"
                    f" in {event}"
                )
        return event

    @staticmethod
    def kind(event: dict[str, Any]) -> str:
        """What ``expect`` matches a client frame by (OpenAI: its ``type``)."""
        return str(event.get("type"))

    def pending(self) -> list[dict[str, Any]]:
        """Every client frame already sent but not yet read (without waiting)."""
        out: list[dict[str, Any]] = []
        while True:
            try:
                frame = self.transport.receive_message_nowait()
            except (trio.WouldBlock, TransportClosed):
                return out
            out.append(self._note(frame))

    def assert_nothing_left(self, *, ignore: Iterable[str] = ()) -> None:
        """Assert the client sent nothing that the test has not read (types in ``ignore``
        excepted). Raises ``AssertionError`` listing the unread frames."""
        ignored = frozenset(ignore)
        left = [event for event in self.pending() if self.kind(event) not in ignored]
        if left:
            raise AssertionError(f"the client sent frames the test did not expect: {left}")

    async def send(self, *events: dict[str, Any] | str | bytes) -> None:
        """Send server frames, in order (dicts are JSON-encoded)."""
        for event in events:
            frame = event if isinstance(event, (str, bytes)) else self.encode(event)
            await self.transport.send_message(frame)

    @staticmethod
    def encode(event: dict[str, Any]) -> str | bytes:
        """A server frame for ``event`` (OpenAI: a text frame of JSON)."""
        return orjson.dumps(event).decode()

    async def handshake(self, *, session_id: str = "sess_1", **settings: Any) -> dict[str, Any]:
        """Play the server's side of connecting: ``session.created``, then answer the client's
        ``session.update`` with ``session.updated`` (the update merged over the defaults, then
        ``settings``). Returns the client's ``session.update``."""
        await self.send(frames.session_created(session_id))
        update = await self.expect("session.update")
        session = {**frames.default_session(session_id), **update["session"], **settings}
        await self.send(frames.session_updated(session))
        return update

    def drop(self) -> None:
        """Drop the connection without a close frame (the client sees a lost connection)."""
        self.transport.abort()

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection with a close frame."""
        await self.transport.aclose(code, reason)


class MemoryGateway:
    """A gateway whose every session talks to a :class:`ScriptedPeer` in memory.

    With ``auto_handshake=True`` (the default) each peer plays the handshake by itself (with
    ``session_settings`` merged into the reported session); otherwise the test takes the peer
    with :meth:`next_peer` and calls :meth:`ScriptedPeer.handshake` itself. ``last_peer`` is the
    most recent peer either way. ``provider="gemini"`` speaks Gemini Live instead: the peers are
    :class:`~trio_realtime.testing.GeminiPeer` objects and sessions use ``GeminiProtocol``
    (with ``gemini_options``).
    """

    def __init__(
        self,
        *,
        provider: Literal["openai", "gemini"] = "openai",
        gemini_options: GeminiOptions | None = None,
        auto_handshake: bool = True,
        connect_timeout: float = 10.0,
        close_timeout: float = 2.0,
        buffer: int = 256,
        **session_settings: Any,
    ) -> None:
        if provider not in ("openai", "gemini"):
            raise ValueError(f"provider must be 'openai' or 'gemini', not {provider!r}")
        self.provider = provider
        self.gemini_options = gemini_options
        self.auto_handshake = auto_handshake
        self.session_settings = session_settings
        self.connect_timeout = connect_timeout
        self.close_timeout = close_timeout
        self._buffer = buffer
        self._peers_in, self._peers_out = trio.open_memory_channel[ScriptedPeer](16)
        self.last_peer: ScriptedPeer | None = None

    def __repr__(self) -> str:
        return f"MemoryGateway(provider={self.provider!r})"

    async def open_transport(self, nursery: trio.Nursery, model: str) -> Transport:
        """A memory transport whose other end is a new :class:`ScriptedPeer` (a checkpoint
        first: cancelled, nothing is opened)."""
        await trio.lowlevel.checkpoint()
        client, server = memory_transport_pair(buffer=self._buffer)
        if self.provider == "gemini":
            from ._gemini_peer import GeminiPeer

            peer: ScriptedPeer = GeminiPeer(server)
        else:
            peer = ScriptedPeer(server)
        self.last_peer = peer
        if self.auto_handshake:
            nursery.start_soon(self._handshake, peer)
        else:
            self._peers_in.send_nowait(peer)
        return client

    async def _handshake(self, peer: ScriptedPeer) -> None:
        with contextlib.suppress(TransportClosed):  # the client gave up: nothing to play
            await peer.handshake(**self.session_settings)

    def codec(self, config: Config, *, model: str, server_events: bool = False) -> Codec:
        """The codec of the provider the peer speaks."""
        if self.provider == "gemini":
            options = self.gemini_options
            return GeminiProtocol(config, model=model, options=options, server_events=server_events)
        return OpenAIProtocol(config, server_events=server_events)

    def resume_codec(self, previous: Codec) -> Codec:
        """The codec of a reconnect that resumes ``previous``'s session: Gemini, with the latest
        handle. Raises ``UnsupportedCommand`` when it cannot (OpenAI never can: a reconnect is a
        new server session, the conversation replayed into it)."""
        if isinstance(previous, GeminiProtocol):
            return previous.resumed()
        raise UnsupportedCommand(f"a {previous.provider} session cannot be resumed")

    async def next_peer(self) -> ScriptedPeer:
        """The peer of the next session opened (with ``auto_handshake=False``)."""
        return await self._peers_out.receive()
