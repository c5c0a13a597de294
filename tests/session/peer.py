"""Session-test helpers: the public testing kit, plus a broker shortcut."""

from __future__ import annotations

from typing import Any

from trio_realtime import Broker, Config
from trio_realtime.testing import MemoryGateway, ScriptedPeer
from trio_realtime.testing.frames import (
    audio_delta,
    call_added,
    call_done,
    default_session,
    error,
    message_added,
    response_created,
    response_done,
    session_created,
    speech_started,
    text_delta,
    text_done,
    text_turn,
)

__all__ = [
    "MemoryGateway",
    "ScriptedPeer",
    "audio_delta",
    "broker",
    "call_added",
    "call_done",
    "default_session",
    "error",
    "message_added",
    "response_created",
    "response_done",
    "session_created",
    "speech_started",
    "text_delta",
    "text_done",
    "text_turn",
]


def broker(gateway: MemoryGateway, **config: Any) -> Broker:
    return Broker("gpt-realtime", gateway=gateway, config=Config(**config))
