"""Tools, tool choice and voices in the OpenAI Realtime GA shapes.

Function tools are flat (``{"type": "function", "name", ...}``); MCP servers are ``mcp`` tools
carrying their credentials for the provider, which connects to them itself. ``tool_choice`` is
``"auto"`` / ``"none"`` / ``"required"``, ``{"type": "function", "name"}`` for a function tool,
or ``{"type": "mcp", "server_label", "name"?}``.
"""

from __future__ import annotations

from typing import Any

from ..config import Config, ResponseOptions
from ..mcp import McpToolChoice

__all__ = ["response_tools", "session_tools", "tool_choice", "voice"]

_CUSTOM_VOICE_PREFIX = "voice_"


def session_tools(config: Config) -> list[dict[str, Any]]:
    """Every tool of the session: function tools, then MCP servers."""
    return [
        *(tool.definition() for tool in config.tools),
        *(server.definition() for server in config.mcp_servers),
    ]


def response_tools(options: ResponseOptions, config: Config) -> list[dict[str, Any]] | None:
    """The tools of one response (None: the session's). Per-response function tools or MCP
    servers replace the session's of that kind; the other kind is the session's."""
    if options.tools is None and options.mcp_servers is None:
        return None
    tools = options.tools if options.tools is not None else config.tools
    servers = options.mcp_servers if options.mcp_servers is not None else config.mcp_servers
    return [
        *(tool.definition() for tool in tools),
        *(server.definition() for server in servers),
    ]


def tool_choice(choice: str | McpToolChoice) -> Any:
    """The wire ``tool_choice`` for a mode, a function tool's name or an MCP choice."""
    if isinstance(choice, McpToolChoice):
        return choice.definition()
    if choice in ("auto", "none", "required"):
        return choice
    return {"type": "function", "name": choice}


def voice(name: str) -> Any:
    """A built-in voice by name; a custom voice id (``voice_...``) as ``{"id": ...}``."""
    if name.startswith(_CUSTOM_VOICE_PREFIX):
        return {"id": name}
    return name
