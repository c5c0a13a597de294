"""Sans-I/O protocol codecs: wire JSON <-> neutral events and commands (no trio, no sockets).

:class:`Codec` is the interface the session is written against; :class:`OpenAIProtocol`
implements it for the OpenAI Realtime GA protocol, :class:`GeminiProtocol` for Gemini Live.
"""

from ._codec import (
    CloseVerdict,
    Codec,
    CodecCounters,
    CodecStatistics,
    CodecTraits,
    Message,
    Messages,
    Restoration,
    UnsupportedCommand,
    WireMark,
    messages_of,
)
from .gemini import GeminiProtocol, classify_close
from .openai import OpenAIProtocol, classify_error
from .signals import (
    AssistantItemAdded,
    Decoded,
    GoAway,
    ProtocolViolation,
    ResponseRejected,
    ResumptionUpdate,
    SessionReady,
    SessionSettings,
    Signal,
    ToolCallReady,
    ToolCallsCancelled,
)

__all__ = [
    "AssistantItemAdded",
    "CloseVerdict",
    "Codec",
    "CodecCounters",
    "CodecStatistics",
    "CodecTraits",
    "Decoded",
    "GeminiProtocol",
    "GoAway",
    "Message",
    "Messages",
    "OpenAIProtocol",
    "ProtocolViolation",
    "ResponseRejected",
    "Restoration",
    "ResumptionUpdate",
    "SessionReady",
    "SessionSettings",
    "Signal",
    "ToolCallReady",
    "ToolCallsCancelled",
    "UnsupportedCommand",
    "WireMark",
    "classify_close",
    "classify_error",
    "messages_of",
]
