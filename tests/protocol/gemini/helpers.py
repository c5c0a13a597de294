"""Shared helpers of the Gemini codec tests (plain data, no trio)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from trio_realtime.config import Config
from trio_realtime.protocol import Message, Messages, messages_of
from trio_realtime.protocol.gemini import GeminiOptions, GeminiProtocol
from trio_realtime.protocol.signals import Decoded

from .flows import MODEL
from .genai_wire import validate_client


def codec(config: Config, *, options: GeminiOptions | None = None, **kwargs: Any) -> GeminiProtocol:
    """A codec for ``MODEL`` whose session id is ``"sess_g"`` (deterministic events)."""
    return GeminiProtocol(config, model=MODEL, options=options, session_id="sess_g", **kwargs)


def feed(protocol: GeminiProtocol, messages: Iterable[dict[str, Any]]) -> list[Decoded]:
    """Decode ``messages`` sent as binary frames (as the service sends them)."""
    out: list[Decoded] = []
    for message in messages:
        out += protocol.receive(orjson.dumps(message))
    return out


def sent(encoded: Messages | Iterable[Message]) -> list[dict[str, Any]]:
    """The client messages of one command, each validated against google-genai."""
    if encoded is None or isinstance(encoded, (str, bytes, tuple)):
        frames: Iterable[Message] = messages_of(encoded)  # type: ignore[arg-type]
    else:
        frames = encoded
    return [validate_client(frame) for frame in frames]


def setup_of(protocol: GeminiProtocol) -> dict[str, Any]:
    """Open ``protocol``; return its validated ``setup`` object."""
    (message,) = sent(protocol.open())
    body: dict[str, Any] = message["setup"]
    return body
