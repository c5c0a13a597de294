"""trio-realtime: realtime voice sessions with LLMs, on trio's structured concurrency.

::

    import trio, trio_realtime as rt

    broker = rt.Broker("gpt-realtime", gateway=rt.OpenAIGateway(), config=rt.Config())

    async def main():
        async with broker.connect() as session:
            await session.send_text("Hello!")
            async for event in session.events():
                ...
"""

from . import _secrets, history, telemetry
from ._broker import Broker, connect_session, open_session
from ._errors import (
    ProtocolError,
    ProviderError,
    RealtimeConnectionError,
    RealtimeError,
    SessionClosedError,
)
from ._fanout import EventStream, QueueStatistics, SubscriberOverflowError, Subscription
from ._metrics import LatencySummary, SessionMetrics
from ._openai_features import (  # Azure, client secrets, MCP, items, options
    AzureOpenAIGateway,
    ClientSecret,
    ClientSecretError,
    InputImage,
    ItemReference,
    ItemRetrieved,
    McpApprovalRequested,
    McpCallCompleted,
    McpCallFailed,
    McpCallStarted,
    McpServer,
    McpToolChoice,
    McpToolsListed,
    NoiseReduction,
    Prompt,
    SystemMessage,
    Tracing,
    Truncation,
    UnsupportedCommand,
    create_client_secret,
)
from ._prices import DEFAULT_PRICES, ModelPrices, estimate_cost
from ._session import RealtimeSession, SessionStatistics
from .agents import Agent, AgentRef
from .audio.playback import PlaybackTracker
from .config import (
    Config,
    InterruptPolicy,
    ResponseOptions,
    SemanticVad,
    ServerVad,
    Transcription,
)
from .events import (
    AgentHandoff,
    AssistantAudioDelta,
    AssistantText,
    AssistantTextDelta,
    AssistantTranscript,
    AssistantTranscriptDelta,
    AssistantTurnCompleted,
    AssistantTurnStarted,
    Error,
    Interrupted,
    RateLimited,
    RealtimeEvent,
    Reconnected,
    Reconnecting,
    ServerEvent,
    SessionClosed,
    SessionEvent,
    SessionOpened,
    SessionUpdated,
    ToolBatchSubmitted,
    ToolCallArgsDelta,
    ToolCallCompleted,
    ToolCallDispatched,
    ToolCallFailed,
    ToolCallStarted,
    TurnMetrics,
    Usage,
    UserSpeechStarted,
    UserSpeechStopped,
    UserTranscript,
    UserTranscriptDelta,
    event_from_dict,
    event_to_dict,
)
from .facade import AudioChunk, RealtimeVoice, ToolCallRequest, ToolDefinition, TranscriptDelta
from .gateways import Gateway, GeminiGateway, OpenAIGateway
from .history import History
from .reconnect import Reconnect
from .recording import Recorder, ReplayGateway
from .tools import Tool, ToolContext

_secrets.install_log_filter()

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_PRICES",
    "Agent",
    "AgentHandoff",
    "AgentRef",
    "AssistantAudioDelta",
    "AssistantText",
    "AssistantTextDelta",
    "AssistantTranscript",
    "AssistantTranscriptDelta",
    "AssistantTurnCompleted",
    "AssistantTurnStarted",
    "AudioChunk",
    "AzureOpenAIGateway",
    "Broker",
    "ClientSecret",
    "ClientSecretError",
    "Config",
    "Error",
    "EventStream",
    "Gateway",
    "GeminiGateway",
    "History",
    "InputImage",
    "InterruptPolicy",
    "Interrupted",
    "ItemReference",
    "ItemRetrieved",
    "LatencySummary",
    "McpApprovalRequested",
    "McpCallCompleted",
    "McpCallFailed",
    "McpCallStarted",
    "McpServer",
    "McpToolChoice",
    "McpToolsListed",
    "ModelPrices",
    "NoiseReduction",
    "OpenAIGateway",
    "PlaybackTracker",
    "Prompt",
    "ProtocolError",
    "ProviderError",
    "QueueStatistics",
    "RateLimited",
    "RealtimeConnectionError",
    "RealtimeError",
    "RealtimeEvent",
    "RealtimeSession",
    "RealtimeVoice",
    "Reconnect",
    "Reconnected",
    "Reconnecting",
    "Recorder",
    "ReplayGateway",
    "ResponseOptions",
    "SemanticVad",
    "ServerEvent",
    "ServerVad",
    "SessionClosed",
    "SessionClosedError",
    "SessionEvent",
    "SessionMetrics",
    "SessionOpened",
    "SessionStatistics",
    "SessionUpdated",
    "SubscriberOverflowError",
    "Subscription",
    "SystemMessage",
    "Tool",
    "ToolBatchSubmitted",
    "ToolCallArgsDelta",
    "ToolCallCompleted",
    "ToolCallDispatched",
    "ToolCallFailed",
    "ToolCallRequest",
    "ToolCallStarted",
    "ToolContext",
    "ToolDefinition",
    "Tracing",
    "TranscriptDelta",
    "Transcription",
    "Truncation",
    "TurnMetrics",
    "UnsupportedCommand",
    "Usage",
    "UserSpeechStarted",
    "UserSpeechStopped",
    "UserTranscript",
    "UserTranscriptDelta",
    "connect_session",
    "create_client_secret",
    "estimate_cost",
    "event_from_dict",
    "event_to_dict",
    "history",
    "open_session",
    "telemetry",
]
