"""Remote MCP servers, as the OpenAI service runs them server-side: pure conversation logic.

- When ``session.update`` (or a response's ``tools``) names an ``mcp`` server not listed yet, the
  server adds an ``mcp_list_tools`` item (``conversation.item.added``, empty ``tools``), sends
  ``mcp_list_tools.in_progress``, lists the tools (the shell does the I/O,
  :class:`~._commands.ListMcpTools`), then ``mcp_list_tools.completed`` (or ``.failed``) and
  ``conversation.item.done`` with the tools.
- The brain sees the listed tools its response may call (``BrainRequest.mcp_tools``, filtered by
  ``allowed_tools``). A call that needs approval (``require_approval``) becomes an
  ``mcp_approval_request`` output item and the response ends there; the client answers with an
  ``mcp_approval_response`` item and ``response.create``, and the next response makes the
  approved calls first (``mcp_call`` items with ``approval_request_id``).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterable
from typing import Any

from ._commands import ListMcpTools, Output
from ._ids import IdFactory
from .conversation import Conversation, snapshot
from .mcp_client import McpError, McpTarget

__all__ = ["McpLists", "mcp_tools_of", "needs_approval", "pending_approvals", "tool_names"]


def mcp_tools_of(tools: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The ``mcp`` tool definitions among ``tools``, by server label."""
    return {t["server_label"]: t for t in tools if t.get("type") == "mcp"}


def _matches(spec: object, name: str, annotations: dict[str, Any]) -> bool:
    if not isinstance(spec, dict):
        return False
    names = spec.get("tool_names")
    if isinstance(names, list) and name in names:
        return True
    read_only = spec.get("read_only")
    return read_only is not None and bool(annotations.get("readOnlyHint")) == bool(read_only)


def needs_approval(tool: dict[str, Any], name: str, annotations: dict[str, Any]) -> bool:
    """Whether a call of ``name`` on ``tool``'s server waits for the client's approval.

    ``require_approval`` missing or ``"always"``: yes; ``"never"``: no; a filter: a match in
    ``always`` says yes, one in ``never`` says no; otherwise yes when the filter has only a
    ``never`` part, no when it has only an ``always`` part.
    """
    policy = tool.get("require_approval", "always")
    if policy in (None, "always"):
        return True
    if policy == "never" or not isinstance(policy, dict):
        return False
    if _matches(policy.get("always"), name, annotations):
        return True
    if _matches(policy.get("never"), name, annotations):
        return False
    return "always" not in policy


def _allowed(tool: dict[str, Any], listed: dict[str, Any]) -> bool:
    allowed = tool.get("allowed_tools")
    if allowed is None:
        return True
    if isinstance(allowed, list):
        return listed.get("name") in allowed
    return _matches(allowed, str(listed.get("name")), listed.get("annotations") or {})


def tool_names(item: dict[str, Any]) -> list[str]:
    return [t["name"] for t in item.get("tools", ())]


def pending_approvals(conversation: Conversation) -> list[dict[str, Any]]:
    """Approved ``mcp_approval_request`` items whose call has not been made yet, in order."""
    items = conversation.items()
    made = {i.get("approval_request_id") for i in items if i["type"] == "mcp_call"}
    approved = {
        i["approval_request_id"]
        for i in items
        if i["type"] == "mcp_approval_response" and i.get("approve") is True
    }
    return [
        i
        for i in items
        if i["type"] == "mcp_approval_request" and i["id"] in approved and i["id"] not in made
    ]


class McpLists:
    """The ``mcp_list_tools`` items of one connection, and which server definitions they
    list (a server whose definition changed is listed again)."""

    def __init__(self, conversation: Conversation, ids: IdFactory) -> None:
        self._conversation = conversation
        self._ids = ids
        self._listed: dict[str, dict[str, Any]] = {}  # label -> definition being/been listed

    def refresh(self, tools: Iterable[dict[str, Any]]) -> list[Output]:
        """Start listing every ``mcp`` tool among ``tools`` not listed with this definition."""
        out: list[Output] = []
        for label, tool in mcp_tools_of(tools).items():
            if self._listed.get(label) == tool:
                continue
            self._listed[label] = copy.deepcopy(tool)
            out += self._start(tool)
        return out

    def _start(self, tool: dict[str, Any]) -> list[Output]:
        item_id = self._ids.new("item")
        item = {"id": item_id, "type": "mcp_list_tools", "server_label": tool["server_label"]}
        item["tools"] = []
        previous = self._conversation.insert(item)
        resume = functools.partial(self._done, item_id, tool)
        return [
            self._ids.event(
                "conversation.item.added", previous_item_id=previous, item=snapshot(item)
            ),
            self._ids.event("mcp_list_tools.in_progress", item_id=item_id),
            ListMcpTools(item_id, copy.deepcopy(tool), resume),
        ]

    def _done(
        self, item_id: str, tool: dict[str, Any], result: list[dict[str, Any]] | McpError
    ) -> list[Output]:
        item = self._conversation.get(item_id)
        if item is None:  # deleted meanwhile
            return []
        out: list[Output] = []
        if isinstance(result, McpError):
            out.append(self._ids.event("mcp_list_tools.failed", item_id=item_id))
        else:
            listed = [_listed_tool(t) for t in result]
            item["tools"] = [t for t in listed if _allowed(tool, t)]  # what the model may use
            out.append(self._ids.event("mcp_list_tools.completed", item_id=item_id))
        previous = self._conversation.previous_of(item_id)
        out.append(
            self._ids.event(
                "conversation.item.done", previous_item_id=previous, item=snapshot(item)
            )
        )
        return out

    def tools_for(self, tools: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """What a brain may call: the listed, allowed tools of the ``mcp`` servers among
        ``tools`` (each ``{"server_label", "name", "description", "parameters"}``)."""
        out = []
        latest: dict[str, dict[str, Any]] = {}
        for item in self._conversation.items():
            if item["type"] == "mcp_list_tools":
                latest[item["server_label"]] = item
        for label, tool in mcp_tools_of(tools).items():
            listing = latest.get(label)
            for listed in listing["tools"] if listing is not None else ():
                if _allowed(tool, listed):
                    out.append(
                        {
                            "server_label": label,
                            "name": listed["name"],
                            "description": listed.get("description") or "",
                            "parameters": copy.deepcopy(listed["input_schema"]),
                            "annotations": listed.get("annotations") or {},
                        }
                    )
        return out


def _listed_tool(tool: dict[str, Any]) -> dict[str, Any]:
    """An MCP ``tools/list`` entry in the ``mcp_list_tools`` item's shape."""
    out: dict[str, Any] = {"name": tool["name"], "input_schema": tool.get("inputSchema") or {}}
    if tool.get("description") is not None:
        out["description"] = str(tool["description"])
    if tool.get("annotations") is not None:
        out["annotations"] = tool["annotations"]
    return out


def target_of(tool: dict[str, Any]) -> McpTarget:
    """Where the shell sends the MCP requests of ``tool`` (raises ``McpError``)."""
    return McpTarget.from_tool(tool)
