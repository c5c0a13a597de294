"""Remote MCP servers as tools: the model calls them, the provider runs the calls.

An :class:`McpServer` in ``Config(tools=[...])`` (or ``Config(mcp_servers=[...])``) tells the
provider to connect to a remote `Model Context Protocol <https://modelcontextprotocol.io>`_
server itself, list its tools, and call them when the model wants to: the application runs
nothing. What the application sees (extra event kinds, see ``docs/mcp.md``):

- ``mcp_tools_listed`` once the provider has listed a server's tools (an ``error`` event if it
  could not);
- ``mcp_approval_requested`` when a call needs the application's approval: answer it with
  ``session.approve_mcp_call(approval_id)`` or ``session.reject_mcp_call(approval_id)``;
- ``mcp_call_started``, then ``mcp_call_completed`` (with the tool's output) or
  ``mcp_call_failed`` (with the error).

:class:`McpToolChoice` forces the model to use a server (or one of its tools). Only OpenAI's
Realtime API runs remote MCP servers; other providers ignore them (with a warning).

The ``authorization`` token and the values of credential headers (``Authorization``,
``X-Api-Key``, any name with auth, key, token, secret, cookie, password or credential in it)
are registered for redaction: never in a log line, an exception or a published event. A repr
shows no header value at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal, TypeAlias

import attrs

from ._secrets import register_secret

__all__ = ["ApprovalPolicy", "McpServer", "McpToolChoice"]

#: ``"always"``, ``"never"``, or the names of the tools that need approval (the others do not).
ApprovalPolicy: TypeAlias = "Literal['always', 'never'] | tuple[str, ...]"

_LABEL = re.compile(r"[a-zA-Z0-9_-]{1,64}")


def _check_label(_: Any, __: Any, label: Any) -> None:
    if not isinstance(label, str) or _LABEL.fullmatch(label) is None:
        raise ValueError(
            f"an MCP server label must be 1-64 characters from a-z, A-Z, 0-9, '_' and '-', "
            f"not {label!r}"
        )


def _check_url(server: McpServer, _: Any, url: Any) -> None:
    if url is None:
        return
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise ValueError(f"MCP server {server.label!r}: url must be an http(s) URL, not {url!r}")


_CREDENTIAL_NAMES = ("auth", "key", "token", "secret", "cookie", "password", "credential")


def _to_headers(value: Mapping[str, str] | None) -> Mapping[str, str]:
    """The headers, with the values of credential headers (``Authorization``, ``X-Api-Key``,
    ...) registered for redaction."""
    headers = dict(value or {})
    for name, item in headers.items():
        if not isinstance(name, str) or not isinstance(item, str):
            raise TypeError("MCP server headers must map str to str")
        if any(word in name.lower() for word in _CREDENTIAL_NAMES):
            register_secret(item)
    return headers


def _to_names(value: Iterable[str] | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        raise TypeError("allowed_tools must be a collection of tool names, not a str")
    names = tuple(value)
    if not all(isinstance(n, str) and n for n in names):
        raise TypeError("allowed_tools must hold non-empty tool names (str)")
    return names


def _to_policy(value: str | Iterable[str]) -> ApprovalPolicy:
    if value in ("always", "never"):
        return value  # type: ignore[return-value]
    if isinstance(value, str):
        raise ValueError(  # noqa: TRY004 - a str is the right type with a wrong value
            f"require_approval must be 'always', 'never' or a collection of tool names, "
            f"not {value!r}"
        )
    names = tuple(value)
    if not all(isinstance(n, str) and n for n in names):
        raise TypeError("require_approval must hold non-empty tool names (str)")
    return names


def _hide(value: object) -> str:
    return "<set>" if value else repr(value)


def _hide_headers(headers: Mapping[str, str]) -> str:
    return "{" + ", ".join(f"{name!r}: '<set>'" for name in headers) + "}"


@attrs.frozen
class McpServer:
    """A remote MCP server the provider connects to and calls on the model's behalf.

    - ``label`` names the server for the model and in every MCP event;
    - ``url`` is its Streamable HTTP endpoint (or give ``connector_id`` for one of OpenAI's
      connectors instead);
    - ``headers`` are sent to the server with every request (e.g. ``Authorization``);
      ``authorization`` is an OAuth access token, sent for you;
    - ``allowed_tools`` limits which of its tools the model sees (None: all);
    - ``require_approval``: ``"always"`` (the default, as OpenAI's), ``"never"``, or the
      names of the tools that need the application's approval before each call;
    - ``description`` tells the model what the server is for.
    """

    label: str = attrs.field(validator=_check_label)
    url: str | None = attrs.field(default=None, validator=_check_url)
    headers: Mapping[str, str] = attrs.field(
        factory=dict, converter=_to_headers, repr=_hide_headers, kw_only=True
    )
    allowed_tools: tuple[str, ...] | None = attrs.field(
        default=None, converter=_to_names, kw_only=True
    )
    require_approval: ApprovalPolicy = attrs.field(
        default="always", converter=_to_policy, kw_only=True
    )
    description: str | None = attrs.field(default=None, kw_only=True)
    authorization: str | None = attrs.field(default=None, repr=_hide, kw_only=True)
    connector_id: str | None = attrs.field(default=None, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if (self.url is None) == (self.connector_id is None):
            raise ValueError(f"MCP server {self.label!r}: give exactly one of url and connector_id")
        register_secret(self.authorization)

    def needs_approval(self, tool: str) -> bool:
        """Whether a call of ``tool`` waits for the application's approval."""
        if isinstance(self.require_approval, tuple):
            return tool in self.require_approval
        return self.require_approval == "always"

    def allows(self, tool: str) -> bool:
        """Whether the model may see and call ``tool``."""
        return self.allowed_tools is None or tool in self.allowed_tools

    def definition(self) -> dict[str, Any]:
        """The OpenAI Realtime (GA) ``mcp`` tool definition (carries the credentials)."""
        out: dict[str, Any] = {"type": "mcp", "server_label": self.label}
        if self.url is not None:
            out["server_url"] = self.url
        if self.connector_id is not None:
            out["connector_id"] = self.connector_id
        if self.headers:
            out["headers"] = dict(self.headers)
        if self.authorization is not None:
            out["authorization"] = self.authorization
        if self.allowed_tools is not None:
            out["allowed_tools"] = list(self.allowed_tools)
        if isinstance(self.require_approval, tuple):
            out["require_approval"] = {"always": {"tool_names": list(self.require_approval)}}
        else:
            out["require_approval"] = self.require_approval
        if self.description is not None:
            out["server_description"] = self.description
        return out


@attrs.frozen
class McpToolChoice:
    """Force the model to use MCP server ``server_label`` (or its tool ``name``)."""

    server_label: str = attrs.field(validator=_check_label)
    name: str | None = None

    def definition(self) -> dict[str, Any]:
        """The OpenAI Realtime ``tool_choice`` object."""
        out: dict[str, Any] = {"type": "mcp", "server_label": self.server_label}
        if self.name is not None:
            out["name"] = self.name
        return out
