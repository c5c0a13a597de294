"""Chat Completions, sans-I/O: the request body and the streamed (SSE) answer accumulated."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import orjson

from ..agents import Agent
from ..tools import Tool

__all__ = ["ChatStream", "ToolCall", "chat_request", "tool_choice_param", "tool_param"]


@attrs.frozen
class ToolCall:
    """A complete function call from the model."""

    id: str
    name: str
    arguments: str

    def param(self) -> dict[str, Any]:
        """As an assistant message's ``tool_calls`` entry."""
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": self.arguments},
        }


def tool_param(tool: Tool) -> dict[str, Any]:
    """A Chat Completions function tool (nested ``function`` object)."""
    definition = tool.definition()
    return {
        "type": "function",
        "function": {
            "name": definition["name"],
            "description": definition["description"],
            "parameters": definition["parameters"],
        },
    }


def tool_choice_param(choice: str) -> Any:
    if choice in ("auto", "none", "required"):
        return choice
    return {"type": "function", "function": {"name": choice}}


def chat_request(
    *,
    model: str,
    agent: Agent,
    messages: Sequence[dict[str, Any]],
    temperature: float | None = None,
) -> dict[str, Any]:
    """The streamed request: the agent's instructions as the system message, its tools
    (own and handoffs), its tool choice."""
    system = [{"role": "system", "content": agent.instructions}] if agent.instructions else []
    body: dict[str, Any] = {
        "model": model,
        "messages": [*system, *messages],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    tools = agent.all_tools
    if tools:
        body["tools"] = [tool_param(tool) for tool in tools]
        if agent.tool_choice is not None:
            body["tool_choice"] = tool_choice_param(agent.tool_choice)
    if temperature is not None:
        body["temperature"] = temperature
    return body


class ChatStreamError(Exception):
    """The stream carried an error object or could not be parsed."""


class ChatStream:
    """Feed the lines of a ``text/event-stream`` answer; collects text and tool calls.

    :meth:`feed` returns the text delta a line carries (``""`` for none); :attr:`done` turns
    True at ``data: [DONE]``. Tool calls are assembled from their deltas by ``index``.
    """

    def __init__(self) -> None:
        self.done = False
        self.content = ""
        self.finish_reason: str | None = None
        self.usage: dict[str, Any] | None = None
        self._calls: dict[int, dict[str, str]] = {}

    def feed(self, line: str) -> str:
        if not line.startswith("data:"):
            return ""  # blank separators, comments, event:/id: lines
        data = line[5:].strip()
        if data == "[DONE]":
            self.done = True
            return ""
        try:
            chunk = orjson.loads(data)
        except orjson.JSONDecodeError:
            raise ChatStreamError(f"unreadable chunk in the stream: {data[:200]!r}") from None
        if not isinstance(chunk, dict):
            raise ChatStreamError(f"unexpected chunk in the stream: {data[:200]!r}")
        if isinstance(chunk.get("error"), dict):
            message = chunk["error"].get("message") or chunk["error"]
            raise ChatStreamError(f"the model failed mid-answer: {message}")
        if isinstance(chunk.get("usage"), dict):
            self.usage = chunk["usage"]
        text = ""
        for choice in chunk.get("choices") or ():
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            piece = delta.get("content")
            if isinstance(piece, str):
                text += piece
            for call in delta.get("tool_calls") or ():
                self._tool_delta(call)
            if choice.get("finish_reason"):
                self.finish_reason = choice["finish_reason"]
        self.content += text
        return text

    def _tool_delta(self, call: dict[str, Any]) -> None:
        slot = self._calls.setdefault(int(call.get("index", 0)), {"id": "", "name": "", "args": ""})
        if call.get("id"):
            slot["id"] = call["id"]
        function = call.get("function") or {}
        if function.get("name"):
            slot["name"] += function["name"]
        if function.get("arguments"):
            slot["args"] += function["arguments"]

    @property
    def tool_calls(self) -> list[ToolCall]:
        return [
            ToolCall(id=slot["id"] or f"call_{index}", name=slot["name"], arguments=slot["args"])
            for index, slot in sorted(self._calls.items())
        ]

    def message(self) -> dict[str, Any]:
        """The assistant message to keep in the conversation."""
        message: dict[str, Any] = {"role": "assistant", "content": self.content or None}
        calls = self.tool_calls
        if calls:
            message["tool_calls"] = [call.param() for call in calls]
        return message
