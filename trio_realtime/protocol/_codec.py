"""The codec interface: what a session needs from one provider's wire protocol.

A codec is a pure, synchronous object for one connection (as ``h11.Connection`` or
``wsproto.WSConnection`` are): commands go in and wire messages come out; server frames go in
and neutral events plus internal :mod:`~trio_realtime.protocol.signals` come out. It imports no
trio and owns no socket, so every provider is tested with plain data. The session, the turn
machine and the gateways are typed against :class:`Codec` only; ``OpenAIProtocol`` and
``GeminiProtocol`` implement it.

Encoders return one message (``str`` for a text frame, ``bytes`` for a binary frame), or
``None`` when the provider has nothing to send for that command (e.g. Gemini has no
``truncate``). ``append_audio`` and ``user_text`` may return a tuple of messages that must go
out together, in order (e.g. Gemini's ``activityStart`` before the first audio of a turn).
Where a provider cannot do something at all, the encoder raises :class:`UnsupportedCommand`
before anything is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol, TypeAlias

import attrs

from ..config import Config, ResponseOptions
from ..events import RealtimeEvent
from ..history import History
from .signals import Decoded

__all__ = [
    "CloseVerdict",
    "Codec",
    "CodecCounters",
    "CodecStatistics",
    "CodecTraits",
    "Message",
    "Messages",
    "Restoration",
    "UnsupportedCommand",
    "WireMark",
    "messages_of",
]

#: One WebSocket message: ``str`` travels as a text frame, ``bytes`` as a binary frame.
Message: TypeAlias = "str | bytes"
#: What an encoder that may need several messages returns: none, one, or several in order.
Messages: TypeAlias = "Message | tuple[Message, ...] | None"
#: What a client message means for latency (:meth:`Codec.wire_mark`).
WireMark: TypeAlias = Literal["speech_end", "request"]


def messages_of(encoded: Messages) -> tuple[Message, ...]:
    """``encoded`` as a tuple of messages (empty for None)."""
    if encoded is None:
        return ()
    if isinstance(encoded, tuple):
        return encoded
    return (encoded,)


#: How many distinct server-chosen names the statistics keep before folding the rest.
MAX_STATISTICS_KEYS = 64
OTHER_KEY = "<other>"


class UnsupportedCommand(ValueError):
    """The provider cannot do this (e.g. change tools mid-session); nothing was sent."""


@attrs.frozen(kw_only=True)
class CodecTraits:
    """What a provider does by itself, which the turn machine must not do for it.

    ``responds_to_tool_outputs``: the server continues the turn on its own once it has the tool
    outputs (Gemini), so no follow-up response request is sent; OpenAI needs one.
    """

    responds_to_tool_outputs: bool = False


@attrs.frozen(kw_only=True)
class CloseVerdict:
    """What a WebSocket close means on this provider (:meth:`Codec.describe_close`).

    ``error_code`` names the provider failure behind the close (None for a clean or a
    transport-level close) and ``message`` describes it; ``retryable`` says whether a reconnect
    may help; ``events`` are published before ``session_closed`` (e.g. ``rate_limited`` for a
    Gemini quota close).
    """

    retryable: bool
    error_code: str | None = None
    message: str = ""
    events: tuple[RealtimeEvent, ...] = ()


@attrs.frozen(kw_only=True)
class Restoration:
    """How a new connection takes over a conversation (:meth:`Codec.restore`).

    ``messages`` go out right after :meth:`Codec.open`'s, or with ``after_ready`` once the
    server has confirmed the session (:class:`SessionReady`), before anything else; ``complete``
    is False when part of the conversation could not be carried over.
    """

    messages: tuple[Message, ...] = ()
    complete: bool = True
    after_ready: bool = False


@attrs.frozen(kw_only=True)
class CodecStatistics:
    """A snapshot of what a codec saw while decoding (wire counters live on the transport).

    ``unknown_event_types`` maps each server event type we do not know to how often it came;
    ``unknown_fields`` maps ``"<type>.<field>"`` for undeclared fields. Both keep at most
    64 names, counting any further ones under ``"<other>"`` (a hostile server cannot grow them).
    """

    malformed_frames: int
    unknown_event_types: dict[str, int]
    unknown_fields: dict[str, int]


class CodecCounters:
    """The live counters behind :class:`CodecStatistics` (mutated by the decoder)."""

    __slots__ = ("malformed_frames", "unknown_event_types", "unknown_fields")

    def __init__(self) -> None:
        self.malformed_frames = 0
        self.unknown_event_types: dict[str, int] = {}
        self.unknown_fields: dict[str, int] = {}

    @staticmethod
    def bump(table: dict[str, int], key: str) -> None:
        """Count ``key`` in ``table``, folding new keys into ``"<other>"`` once it is full."""
        if key not in table and len(table) >= MAX_STATISTICS_KEYS:
            key = OTHER_KEY
        table[key] = table.get(key, 0) + 1

    def snapshot(self) -> CodecStatistics:
        """An immutable copy of the counters."""
        return CodecStatistics(
            malformed_frames=self.malformed_frames,
            unknown_event_types=dict(self.unknown_event_types),
            unknown_fields=dict(self.unknown_fields),
        )


class Codec(Protocol):
    """The sans-I/O protocol of one connection (create a new one per connection).

    Decoding never raises on server input: malformed frames become recoverable ``error``
    events. Encoders never touch the network; they may update the codec's own state (e.g. the
    configuration in effect, request ids) and raise ``ValueError`` for bad arguments.
    """

    provider: str
    traits: CodecTraits

    @property
    def config(self) -> Config:
        """The configuration in effect (as last sent)."""
        ...

    def open(self) -> Sequence[Message]:
        """The messages that start the session (e.g. ``session.update`` or ``setup``)."""
        ...

    def receive(self, frame: Message) -> list[Decoded]:
        """Decode one server frame into events and signals, in order. Never raises."""
        ...

    def statistics(self) -> CodecStatistics:
        """A snapshot of the decoder's counters."""
        ...

    def describe_close(self, code: int | None, reason: str) -> CloseVerdict:
        """What the server's close (``code`` None: dropped without a close frame) means."""
        ...

    def restore(self, history: History) -> Restoration:
        """The messages that give this (new) connection the conversation ``history``; called
        before :meth:`open` (the opening may announce them), sent right after it."""
        ...

    # -- commands -------------------------------------------------------------------------

    def session_update(self, config: Config, *, previous: Config | None = None) -> Message | None:
        """Change the session to ``config`` (only what changed since ``previous``); None when
        the provider has nothing to hear (e.g. only local settings changed)."""
        ...

    def append_audio(self, pcm: bytes) -> Messages:
        """Append PCM16 at ``config.input_sample_rate`` to the input audio buffer."""
        ...

    def commit_audio(self) -> Message | None:
        """End the user's audio turn (commit the buffer)."""
        ...

    def clear_audio(self) -> Message | None:
        """Discard the uncommitted input audio."""
        ...

    def user_text(self, text: str) -> Messages:
        """Add a user text message to the conversation."""
        ...

    def create_response(self, options: ResponseOptions | None = None) -> Message | None:
        """Ask the model to respond now."""
        ...

    def cancel_response(self, response_id: str | None = None) -> Message | None:
        """Stop the response in progress."""
        ...

    def tool_outputs(self, outputs: Sequence[tuple[str, str]]) -> Sequence[Message]:
        """Hand the outputs ``(call_id, output)`` of one batch to the model, in order."""
        ...

    def truncate(self, item_id: str, audio_end_ms: int) -> Message | None:
        """Cut the assistant audio item at what the listener heard."""
        ...

    def delete_item(self, item_id: str) -> Message | None:
        """Remove an item the listener never heard."""
        ...

    def wire_mark(self, message: Message) -> WireMark | None:
        """What ``message`` (one this codec encoded) means for latency: ``"request"`` asks for
        an answer, ``"speech_end"`` ends the user's speech, None neither. Called for every
        message written, so it must be cheap (encoders write these with a fixed prefix)."""
        ...
