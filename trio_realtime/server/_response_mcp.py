"""The server-side tool steps of a response: MCP calls, approval requests, asking the brain again.

A base of :class:`~._response.ResponseRun`. These steps need I/O the sans-I/O state cannot do
(an HTTP request to the MCP server, the brain), so a step emits a command
(:class:`~._commands.CallMcpTool`, :class:`~._commands.AskBrain`) and the script pauses on
:data:`WAIT` until the shell resumes it with the result (:meth:`ResponseRun.resume`).

Wire order of an ``mcp_call`` item: ``response.output_item.added`` -> ``conversation.item.added``
-> ``response.mcp_call_arguments.delta``... -> ``response.mcp_call_arguments.done`` ->
``response.mcp_call.in_progress`` -> (the call) -> ``response.mcp_call.completed`` or
``.failed`` -> ``response.output_item.done`` -> ``conversation.item.done``. An
``mcp_approval_request`` item is added and done at once.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from typing import TYPE_CHECKING, Any

import orjson

from ._commands import AskBrain, CallMcpTool, Output
from ._ids import IdFactory
from .brain import BrainReply, ToolCallSpec
from .config import ResponseConfig
from .mcp_client import McpError

if TYPE_CHECKING:
    from ._response import _Open

__all__ = ["WAIT", "McpSteps"]


class _Wait:
    """What a response script yields while the shell does its I/O."""

    def __repr__(self) -> str:
        return "WAIT"


WAIT = _Wait()

Step = Generator[Any, Any, Any]


class McpSteps:
    """Server-side tool steps of a response (module docstring)."""

    if TYPE_CHECKING:
        id: str
        config: ResponseConfig
        _ids: IdFactory
        _buf: list[Output]

        def _add_item(self, item: dict[str, Any], kind: str) -> _Open: ...

        def _emit(self, type_: str, **fields: Any) -> None: ...

        def _fields(self, opened: _Open) -> dict[str, Any]: ...

        def _close_open(self, status: str) -> None: ...

    mcp_annotations: Mapping[tuple[str, str], dict[str, Any]] = {}

    def _await(self, command: CallMcpTool | AskBrain) -> Step:
        """Hand ``command`` to the shell and pause until it resumes the script with the result."""
        self._buf.append(command)
        result = yield WAIT
        return result

    def _ask_brain(self) -> Step:
        """The brain's next ``(reply, speech)`` (failures end the response outside the script)."""
        result = yield from self._await(AskBrain(self.id, self._resume_hook()))
        return result

    def _resume_hook(self) -> Any:
        raise NotImplementedError  # the Responses owner sets the real one

    def _mcp_tool(self, label: str) -> dict[str, Any] | None:
        return next(
            (t for t in self.config.tools if t.get("type") == "mcp" and t["server_label"] == label),
            None,
        )

    def _mcp_step(self, spec: ToolCallSpec) -> Step:
        """One MCP call the brain made: an approval request, or the call itself. Returns True
        when it asked for approval."""
        label = spec.server_label or ""
        tool = self._mcp_tool(label)
        annotations = self.mcp_annotations.get((label, spec.name), {})
        from ._mcp import needs_approval

        if tool is not None and needs_approval(tool, spec.name, annotations):
            self._approval_item(label, spec.name, spec.arguments_json())
            return True
        yield from self._mcp_call_item(tool, label, spec.name, spec.arguments_json(), None)
        return False

    def _approval_item(self, label: str, name: str, arguments: str) -> None:
        item = {
            "id": self._ids.new("mcpr"),
            "type": "mcp_approval_request",
            "server_label": label,
            "name": name,
            "arguments": arguments,
        }
        self._add_item(item, "approval")
        self._close_open("completed")

    def _mcp_call_item(
        self,
        tool: dict[str, Any] | None,
        label: str,
        name: str,
        arguments: str,
        approval_request_id: str | None,
    ) -> Step:
        item: dict[str, Any] = {
            "id": self._ids.new("mcp"),
            "type": "mcp_call",
            "server_label": label,
            "name": name,
            "arguments": "",
        }
        if approval_request_id is not None:
            item["approval_request_id"] = approval_request_id
        opened = self._add_item(item, "mcp")
        fields = self._fields(opened)
        size = max(8, len(arguments) // 3 + 1)
        for start in range(0, len(arguments), size):
            piece = arguments[start : start + size]
            self._emit("response.mcp_call_arguments.delta", **fields, delta=piece)
        item["arguments"] = arguments
        self._emit("response.mcp_call_arguments.done", **fields, arguments=arguments)
        progress = {"item_id": item["id"], "output_index": opened.index}
        self._emit("response.mcp_call.in_progress", **progress)
        if tool is None:
            result: Any = McpError("protocol_error", f"Unknown MCP server '{label}'.", -32602)
        else:
            try:
                args = orjson.loads(arguments) if arguments.strip() else {}
            except orjson.JSONDecodeError:
                args = None
            if not isinstance(args, dict):
                result = McpError("protocol_error", "Invalid arguments: not a JSON object.", -32602)
            else:
                result = yield from self._await(
                    CallMcpTool(self.id, tool, name, args, self._resume_hook())
                )
        if isinstance(result, McpError):
            item["error"] = result.payload()
            self._emit("response.mcp_call.failed", **progress)
        else:
            item["output"] = str(result)
            self._emit("response.mcp_call.completed", **progress)
        self._close_open("completed")

    def _approved_calls(self, approved: list[dict[str, Any]]) -> Step:
        """The calls the client approved since the last response, in order."""
        for request in approved:
            label = request["server_label"]
            yield from self._mcp_call_item(
                self._mcp_tool(label), label, request["name"], request["arguments"], request["id"]
            )


def split_calls(reply: BrainReply) -> tuple[list[ToolCallSpec], list[ToolCallSpec]]:
    """``(function calls, MCP calls)`` of a reply."""
    functions = [c for c in reply.tool_calls if c.server_label is None]
    return functions, [c for c in reply.tool_calls if c.server_label is not None]
