"""Sans-I/O protocol codecs: wire JSON <-> neutral events and commands (no trio, no sockets)."""

from .openai import OpenAIProtocol, ProtocolStatistics, classify_error
from .signals import (
    AssistantItemAdded,
    Decoded,
    ResponseRejected,
    SessionSettings,
    Signal,
    ToolCallReady,
)

__all__ = [
    "AssistantItemAdded",
    "Decoded",
    "OpenAIProtocol",
    "ProtocolStatistics",
    "ResponseRejected",
    "SessionSettings",
    "Signal",
    "ToolCallReady",
    "classify_error",
]
