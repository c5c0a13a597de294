"""Validation of the ``tools`` and ``tool_choice`` of ``session.update`` / ``response.create``:
flat function tools and remote MCP servers (``type: "mcp"``), as the service checks them."""

from __future__ import annotations

import copy
from typing import Any

from ._apierror import ApiError
from ._check import as_bool, as_enum, as_list, as_object, as_str, check_keys, required

__all__ = ["tool_choice", "tools"]


def tools(value: object, path: str) -> list[dict[str, Any]]:
    out = []
    for i, raw in enumerate(as_list(value, path)):
        where = f"{path}[{i}]"
        tool = as_object(raw, where)
        kind = as_enum(tool.get("type", "function"), f"{where}.type", ("function", "mcp"))
        if kind == "mcp":
            out.append(_mcp_tool(tool, where))
            continue
        check_keys(tool, ("type", "name", "description", "parameters"), where)
        norm: dict[str, Any] = {"type": "function"}
        norm["name"] = as_str(required(tool, "name", where), f"{where}.name")
        if "description" in tool:
            norm["description"] = as_str(tool["description"], f"{where}.description")
        if "parameters" in tool:
            norm["parameters"] = copy.deepcopy(as_object(tool["parameters"], f"{where}.parameters"))
        out.append(norm)
    return out


_MCP_KEYS = (
    "type",
    "server_label",
    "server_url",
    "connector_id",
    "tunnel_id",
    "headers",
    "authorization",
    "allowed_tools",
    "require_approval",
    "server_description",
    "allowed_callers",
    "defer_loading",
)


def _tool_filter(value: object, path: str) -> dict[str, Any]:
    obj = as_object(value, path)
    check_keys(obj, ("tool_names", "read_only"), path)
    if "tool_names" in obj:
        for i, name in enumerate(as_list(obj["tool_names"], f"{path}.tool_names")):
            as_str(name, f"{path}.tool_names[{i}]")
    if "read_only" in obj:
        as_bool(obj["read_only"], f"{path}.read_only")
    return dict(obj)


def _mcp_tool(tool: dict[str, Any], where: str) -> dict[str, Any]:
    """A validated remote MCP server definition (``type: "mcp"``)."""
    check_keys(tool, _MCP_KEYS, where)
    as_str(required(tool, "server_label", where), f"{where}.server_label")
    if not any(key in tool for key in ("server_url", "connector_id", "tunnel_id")):
        raise ApiError(
            f"Missing required parameter: '{where}.server_url' (or 'connector_id', 'tunnel_id').",
            code="missing_required_parameter",
            param=f"{where}.server_url",
        )
    for key in ("server_url", "connector_id", "tunnel_id", "authorization", "server_description"):
        if key in tool:
            as_str(tool[key], f"{where}.{key}")
    for name, value in as_object(tool.get("headers", {}), f"{where}.headers").items():
        as_str(value, f"{where}.headers.{name}")
    allowed = tool.get("allowed_tools")
    if isinstance(allowed, list):
        for i, name in enumerate(allowed):
            as_str(name, f"{where}.allowed_tools[{i}]")
    elif allowed is not None:
        _tool_filter(allowed, f"{where}.allowed_tools")
    policy = tool.get("require_approval")
    if isinstance(policy, dict):
        check_keys(policy, ("always", "never"), f"{where}.require_approval")
        for part in ("always", "never"):
            if part in policy:
                _tool_filter(policy[part], f"{where}.require_approval.{part}")
    elif policy is not None:
        as_enum(policy, f"{where}.require_approval", ("always", "never"))
    return copy.deepcopy(tool)


def tool_choice(value: object, path: str) -> str | dict[str, Any]:
    if isinstance(value, str):
        return as_enum(value, path, ("auto", "none", "required"))
    obj = as_object(value, path)
    kind = as_enum(required(obj, "type", path), f"{path}.type", ("function", "mcp"))
    if kind == "function":
        check_keys(obj, ("type", "name"), path)
        return {"type": "function", "name": as_str(required(obj, "name", path), f"{path}.name")}
    check_keys(obj, ("type", "server_label", "name"), path)
    as_str(required(obj, "server_label", path), f"{path}.server_label")
    return dict(obj)
