"""``AgentWorkflow``: an :class:`~trio_realtime.Agent` answered by a chat model over HTTP."""

from __future__ import annotations

import os
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from typing import Any, Final

import httpx
import trio

from .. import telemetry
from .._tool_calls import call_tool
from ..agents import Agent, validate_agent_graph
from ..tools import Tool, ToolContext, encode_error, encode_result
from ._chat import ChatStream, ChatStreamError, ToolCall, chat_request
from .config import resolve_base_url
from .http import HTTPModelError, OpenAIHTTP

__all__ = ["AgentWorkflow", "invoke_tool"]

DEFAULT_TOOL_TIMEOUT: Final = 30.0


async def invoke_tool(tool: Tool, call: ToolCall, *, timeout: float) -> str:
    """Run one tool call; the output string the model reads (errors included, as
    ``{"error": ...}``). The one place the pipeline calls a tool's function.

    Cancellation: propagates (an async tool is cancelled; a sync one, running in a worker
    thread, is abandoned).
    """
    try:
        args = tool.parse_arguments(call.arguments)
        context = ToolContext(call_id=call.id, turn_id="", name=tool.name, interrupted=trio.Event())
        with trio.move_on_after(tool.timeout or timeout) as scope:
            result = await call_tool(tool, args, context)
        if scope.cancelled_caught:
            return encode_error(f"tool {tool.name!r} timed out")
        return encode_result(result)
    except Exception as exc:
        return encode_error(f"tool {tool.name!r} raised {type(exc).__name__}: {exc}")


class AgentWorkflow:
    """A :class:`~trio_realtime.pipeline.Workflow` whose answers come from a chat model
    (OpenAI Chat Completions, streamed, or any server speaking it: ``base_url``).

    The agent's instructions are the system message; its tools are called (concurrently, each
    under its timeout) and their outputs sent back until the model answers in text; a call of
    a handoff tool (``transfer_to_*``) makes the target agent answer from then on. The
    conversation is remembered across turns (:attr:`history`); a turn that fails or is cancelled
    is left out of it, so the next turn starts from a consistent conversation.

    Errors: :class:`~trio_realtime.pipeline.HTTPModelError` and its subclasses.
    """

    def __init__(
        self,
        agent: Agent,
        *,
        model: str = "gpt-4o-mini",
        greeting: str | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        http_client: httpx.AsyncClient | None = None,
        temperature: float | None = None,
        max_tool_rounds: int = 8,
        tool_timeout: float = DEFAULT_TOOL_TIMEOUT,
        timeout: float = 60.0,
        max_retries: int = 2,
    ) -> None:
        self.graph = validate_agent_graph(agent)
        self.model = model
        self.temperature = temperature
        self.max_tool_rounds = max_tool_rounds
        self.tool_timeout = tool_timeout
        self._greeting = greeting
        self._agent = agent
        self._history: list[dict[str, Any]] = []
        self._http = OpenAIHTTP(
            api_key=api_key if api_key is not None else os.environ.get("OPENAI_API_KEY"),
            base_url=resolve_base_url(base_url),
            timeout=timeout,
            max_retries=max_retries,
            http_client=http_client,
        )

    @property
    def agent(self) -> Agent:
        """The agent answering now (changes after a handoff)."""
        return self._agent

    @property
    def history(self) -> list[dict[str, Any]]:
        """The conversation so far, as Chat Completions messages (a copy)."""
        return [dict(message) for message in self._history]

    def reset(self) -> None:
        """Forget the conversation and go back to the first agent."""
        self._history.clear()
        self._agent = self.graph.root

    def greeting(self) -> str | None:
        return self._greeting

    async def run(self, text: str) -> AsyncIterator[str]:
        """Answer ``text``: yields the answer's text as the model streams it.

        Cancellation / ``aclose()``: the request is abandoned and the turn is not remembered.
        """
        agent = self._agent
        messages = [*self._history, {"role": "user", "content": text}]
        for _ in range(self.max_tool_rounds + 1):
            stream = ChatStream()
            async with aclosing(self._complete(agent, messages, stream)) as deltas:
                async for delta in deltas:
                    yield delta
            messages.append(stream.message())
            calls = stream.tool_calls
            if not calls:
                self._history, self._agent = messages, agent
                return
            outputs, agent = await self._call_tools(agent, calls)
            messages.extend(
                {"role": "tool", "tool_call_id": call.id, "content": output}
                for call, output in zip(calls, outputs, strict=True)
            )
        raise HTTPModelError(
            f"the model kept calling tools for {self.max_tool_rounds} rounds without answering"
        )

    async def _complete(
        self, agent: Agent, messages: list[dict[str, Any]], stream: ChatStream
    ) -> AsyncGenerator[str, None]:
        body = chat_request(
            model=self.model, agent=agent, messages=messages, temperature=self.temperature
        )
        what = f"chat completion ({self.model})"
        async with self._http.stream_json(
            "/chat/completions", body, what=what, accept="text/event-stream"
        ) as response:
            try:
                async for line in response.aiter_lines():
                    delta = stream.feed(line)
                    if delta:
                        yield delta
                    if stream.done:
                        break
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                raise self._http.broken_stream(what, exc) from None
            except ChatStreamError as exc:
                raise HTTPModelError(f"{what}: {exc}", status=response.status_code) from None

    async def _call_tools(self, agent: Agent, calls: list[ToolCall]) -> tuple[list[str], Agent]:
        """Every call's output, in order, and the agent answering next."""
        outputs: list[str] = [""] * len(calls)
        tools = {tool.name: tool for tool in agent.tools}
        speaker = agent

        async def one(index: int, call: ToolCall, tool: Tool) -> None:
            started = trio.current_time()
            meta = {"name": call.name, "call_id": call.id, "agent": agent.name}
            telemetry.emit(telemetry.TOOL_CALL, {}, meta)
            outputs[index] = await invoke_tool(tool, call, timeout=self.tool_timeout)
            spent = {"duration_s": trio.current_time() - started}
            telemetry.emit(telemetry.TOOL_RESULT, spent, meta)

        async with trio.open_nursery() as nursery:
            for index, call in enumerate(calls):
                target = self.graph.resolve(agent, call.name)
                if target is not None:
                    if speaker is agent:
                        speaker = target
                        outputs[index] = encode_result({"transferred_to": target.name})
                        meta = {"from_agent": agent.name, "to_agent": target.name}
                        telemetry.emit(telemetry.AGENT_HANDOFF, {}, meta)
                    else:
                        outputs[index] = encode_error("only the first handoff of a turn counts")
                elif call.name in tools:
                    nursery.start_soon(one, index, call, tools[call.name])
                else:
                    known = ", ".join(t.name for t in agent.all_tools) or "none"
                    outputs[index] = encode_error(f"unknown tool {call.name!r} (tools: {known})")
        return outputs, speaker

    async def aclose(self) -> None:
        """Close the HTTP client if this workflow created it."""
        await self._http.aclose()

    def __repr__(self) -> str:
        return f"AgentWorkflow(agent={self._agent.name!r}, model={self.model!r})"
