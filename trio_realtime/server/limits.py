"""Resource bounds of the local server, so one client can neither pin a connection forever nor
grow a session's memory without end."""

from __future__ import annotations

from typing import Any

import attrs

__all__ = ["Limits"]


def _positive_or_none(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not value > 0:
        raise ValueError(f"{attribute.name} must be > 0 or None, got {value!r}")


def _positive(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not value > 0:
        raise ValueError(f"{attribute.name} must be > 0, got {value!r}")


@attrs.frozen(kw_only=True)
class Limits:
    """Per-connection bounds (both protocols).

    - ``ping_interval`` / ``ping_timeout``: once a connection has made no progress for
      ``ping_interval`` seconds (no complete client message received, no server frame fully
      sent), the server sends a WebSocket ping; without the pong within ``ping_timeout`` seconds
      it ends the connection (close 1011 "keepalive ping timeout", not waiting more than 2 s for
      the close handshake). A quiet but healthy client answers pings (every WebSocket library
      does) and is kept; one that stalled mid-frame, stopped reading, or vanished without a
      FIN is dropped. ``ping_interval=None`` disables the check.
    - ``retained_audio_seconds``: audio a session keeps. The OpenAI path stores the audio of
      conversation items (for ``conversation.item.retrieve`` and truncation): beyond this many
      seconds in total, the oldest items' audio is forgotten (their lengths, transcripts and
      usage stay; a retrieve then returns them without ``audio``). Input audio not yet committed
      (both paths) is capped at the same length: the oldest part is dropped. What the brain
      reads (transcripts) and what the transcriber gets (the committed turn) are unaffected.
    """

    ping_interval: float | None = attrs.field(default=30.0, validator=_positive_or_none)
    ping_timeout: float = attrs.field(default=30.0, validator=_positive)
    retained_audio_seconds: float = attrs.field(default=600.0, validator=_positive)
