"""A scripted Gemini Live peer on an in-memory transport (``MemoryGateway(provider="gemini")``).

The test plays the Gemini server: it ``expect``\\ s the client's next messages by their kind —
the message's one top-level field, and for ``realtimeInput`` its member, e.g.
``"realtimeInput.audio"``, ``"realtimeInput.activityEnd"``, ``"toolResponse"`` — and ``send``\\ s
server messages (built with :mod:`~trio_realtime.testing.gemini_frames`) as binary frames, as
the service does.
"""

from __future__ import annotations

from typing import Any

import orjson

from . import gemini_frames
from ._peer import ScriptedPeer

__all__ = ["GeminiPeer"]


class GeminiPeer(ScriptedPeer):
    """The Gemini Live server end of one session (see the module docstring)."""

    @staticmethod
    def kind(event: dict[str, Any]) -> str:
        """``"setup"``, ``"clientContent"``, ``"toolResponse"``, ``"realtimeInput.<member>"``."""
        if len(event) != 1:
            return f"<{len(event)} top-level fields>"
        ((field, body),) = event.items()
        if field == "realtimeInput" and isinstance(body, dict) and len(body) == 1:
            return f"realtimeInput.{next(iter(body))}"
        return str(field)

    @staticmethod
    def encode(event: dict[str, Any]) -> bytes:
        """A binary frame of JSON (the Gemini service sends every message that way)."""
        return orjson.dumps(event)

    async def handshake(self, *, session_id: str | None = None, **settings: Any) -> dict[str, Any]:
        """Play the server's side of connecting: read ``setup``, answer ``setupComplete``
        (naming ``session_id``, as Vertex does, when given). Returns the client's ``setup``.

        Gemini echoes no settings, so ``settings`` must be empty (``TypeError`` otherwise).
        """
        if settings:
            raise TypeError(f"Gemini's setupComplete reports no settings: {sorted(settings)}")
        setup = await self.expect("setup")
        await self.send(gemini_frames.setup_complete(session_id))
        body: dict[str, Any] = setup["setup"]
        return body
