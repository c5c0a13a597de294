"""The names behind the OpenAI Realtime features beyond the basics (re-exported by the package):
Azure OpenAI, ephemeral client secrets, remote MCP servers, conversation items and images, and
the less common session settings."""

from __future__ import annotations

from ._config_types import NoiseReduction, Prompt, Tracing, Truncation
from ._extra_events import (
    ItemRetrieved,
    McpApprovalRequested,
    McpCallCompleted,
    McpCallFailed,
    McpCallStarted,
    McpToolsListed,
)
from ._gateway_azure import AzureOpenAIGateway
from .client_secrets import ClientSecret, ClientSecretError, create_client_secret
from .items import InputImage, ItemReference, SystemMessage
from .mcp import McpServer, McpToolChoice
from .protocol import UnsupportedCommand

__all__ = [
    "AzureOpenAIGateway",
    "ClientSecret",
    "ClientSecretError",
    "InputImage",
    "ItemReference",
    "ItemRetrieved",
    "McpApprovalRequested",
    "McpCallCompleted",
    "McpCallFailed",
    "McpCallStarted",
    "McpServer",
    "McpToolChoice",
    "McpToolsListed",
    "NoiseReduction",
    "Prompt",
    "SystemMessage",
    "Tracing",
    "Truncation",
    "UnsupportedCommand",
    "create_client_secret",
]
