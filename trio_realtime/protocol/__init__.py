"""Sans-I/O protocol codecs: wire JSON <-> neutral events and commands (no trio, no sockets).

:class:`Codec` is the interface the session is written against; :class:`OpenAIProtocol`
implements it for the OpenAI Realtime GA protocol.
"""

from ._codec import (
    Codec,
    CodecCounters,
    CodecStatistics,
    CodecTraits,
    Message,
    UnsupportedCommand,
)
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
    "Codec",
    "CodecCounters",
    "CodecStatistics",
    "CodecTraits",
    "Decoded",
    "GoAway",
    "Message",
    "OpenAIProtocol",
    "ProtocolViolation",
    "ResponseRejected",
    "ResumptionUpdate",
    "SessionReady",
    "SessionSettings",
    "Signal",
    "ToolCallReady",
    "ToolCallsCancelled",
    "UnsupportedCommand",
    "classify_error",
]
