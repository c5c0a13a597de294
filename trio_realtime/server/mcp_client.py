"""A small MCP client (Streamable HTTP transport): what the local server uses to reach the
remote MCP servers a session names, as the real service does server-side.

Each operation opens an MCP session (``initialize``, ``notifications/initialized``), does its
request (``tools/list``, following ``nextCursor``, or ``tools/call``) and ends the session. A
response may come as ``application/json`` or as a ``text/event-stream`` carrying the JSON-RPC
response. Failures raise :class:`McpError`, whose :meth:`~McpError.payload` is the ``error``
object of an ``mcp_call`` item (``http_error``, ``protocol_error`` or
``tool_execution_error``). Everything is bounded: a timeout per request (for the request as a
whole, not per read), at most :data:`MAX_PAGES` pages of tools, at most :data:`MAX_BODY` bytes
per response (reading stops there).

Cancellation: cancelling an operation abandons its HTTP request (the MCP session is left to
expire on the remote server).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import httpx
import orjson
import trio

from .._secrets import redact

__all__ = [
    "MAX_BODY",
    "MAX_PAGES",
    "PROTOCOL_VERSION",
    "McpError",
    "McpTarget",
    "call_tool",
    "list_tools",
]

PROTOCOL_VERSION = "2025-06-18"
MAX_PAGES = 20
MAX_BODY = 4 * 2**20
_CLIENT_INFO = {"name": "trio-realtime-local-server", "version": "1"}


class McpError(Exception):
    """An MCP operation failed: ``kind`` is ``http_error``, ``protocol_error`` or
    ``tool_execution_error``; ``code`` the HTTP status or JSON-RPC error code."""

    def __init__(self, kind: str, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.code = code

    def payload(self) -> dict[str, Any]:
        """The ``error`` object of an ``mcp_call`` item."""
        out: dict[str, Any] = {"type": self.kind, "message": self.message}
        if self.kind != "tool_execution_error":
            out["code"] = self.code if self.code is not None else -32603
        return out


@attrs.frozen(kw_only=True)
class McpTarget:
    """Where an MCP server is and how to authenticate (from an ``mcp`` tool definition)."""

    url: str
    headers: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    timeout: float = 30.0

    @classmethod
    def from_tool(cls, tool: Mapping[str, Any], *, timeout: float = 30.0) -> McpTarget:
        """The target of an ``mcp`` tool definition (``server_url``, ``headers``,
        ``authorization``); ``McpError`` when it has no ``server_url``."""
        url = tool.get("server_url")
        if not isinstance(url, str):
            raise McpError("http_error", "this server has no server_url the local server can reach")
        headers = {str(k): str(v) for k, v in (tool.get("headers") or {}).items()}
        token = tool.get("authorization")
        if isinstance(token, str) and token:
            headers.setdefault("Authorization", f"Bearer {token}")
        return cls(url=url, headers=headers, timeout=timeout)


class _Session:
    """One MCP session over one httpx client."""

    def __init__(self, client: httpx.AsyncClient, target: McpTarget) -> None:
        self._client = client
        self._target = target
        self._session_id: str | None = None
        self._next_id = 0

    def _headers(self) -> dict[str, str]:
        headers = {
            **self._target.headers,
            "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream",
        }
        if self._session_id is not None:
            headers["Mcp-Session-Id"] = self._session_id
            headers["MCP-Protocol-Version"] = PROTOCOL_VERSION
        return headers

    async def _post(self, message: dict[str, Any]) -> tuple[httpx.Headers, bytes]:
        """POST ``message``; the response's headers and body (read in full, at most
        :data:`MAX_BODY` bytes, within the target's timeout as a whole)."""
        timeout = self._target.timeout
        try:
            with trio.fail_after(timeout):
                async with self._client.stream(
                    "POST", self._target.url, content=orjson.dumps(message), headers=self._headers()
                ) as response:
                    body = await _read_bounded(response)
        except trio.TooSlowError:
            raise McpError("http_error", f"no answer within {timeout:g} s", 504) from None
        except httpx.HTTPError as exc:
            raise McpError("http_error", redact(f"{type(exc).__name__}: {exc}"), 502) from None
        if response.status_code >= 400:
            shown = (body or b"")[:300].decode("utf-8", "replace")
            text = redact(shown) or response.reason_phrase
            raise McpError(
                "http_error", f"HTTP {response.status_code}: {text}", response.status_code
            )
        if body is None:
            raise McpError("protocol_error", "the MCP server's response is too large", -32600)
        return response.headers, body

    async def request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Send a JSON-RPC request; its ``result`` (``McpError`` for an ``error``)."""
        self._next_id += 1
        request_id = self._next_id
        message = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}
        headers, body = await self._post(message)
        session_id = headers.get("mcp-session-id")
        if session_id and self._session_id is None:
            self._session_id = session_id
        reply = _find_reply(headers, body, request_id)
        error = reply.get("error")
        if isinstance(error, dict):
            code = error.get("code") if isinstance(error.get("code"), int) else -32603
            raise McpError("protocol_error", redact(str(error.get("message", "error"))), code)
        result = reply.get("result")
        if not isinstance(result, dict):
            raise McpError("protocol_error", f"{method}: the reply has no result object", -32603)
        return result

    async def notify(self, method: str) -> None:
        await self._post({"jsonrpc": "2.0", "method": method})

    async def open(self) -> None:
        params = {
            "protocolVersion": PROTOCOL_VERSION,
            "capabilities": {},
            "clientInfo": _CLIENT_INFO,
        }
        await self.request("initialize", params)
        await self.notify("notifications/initialized")


async def _read_bounded(response: httpx.Response) -> bytes | None:
    """The body of ``response``, or None as soon as it passes :data:`MAX_BODY` bytes (the rest
    is never read)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _find_reply(headers: httpx.Headers, body: bytes, request_id: int) -> dict[str, Any]:
    """The JSON-RPC response to ``request_id`` in a JSON or event-stream body."""
    kind = headers.get("content-type", "").split(";")[0].strip().lower()
    messages: list[Any] = []
    try:
        if kind == "text/event-stream":
            data: list[str] = []
            for line in [*body.decode("utf-8", "replace").splitlines(), ""]:
                if line.startswith("data:"):
                    data.append(line[5:].lstrip())
                elif not line and data:
                    messages.append(orjson.loads("\n".join(data)))
                    data = []
        else:
            parsed = orjson.loads(body)
            messages = parsed if isinstance(parsed, list) else [parsed]
    except orjson.JSONDecodeError:
        raise McpError("protocol_error", "the MCP server sent invalid JSON", -32700) from None
    for message in messages:
        if isinstance(message, dict) and message.get("id") == request_id:
            return message
    raise McpError("protocol_error", "the MCP server sent no reply to the request", -32603)


async def list_tools(target: McpTarget) -> list[dict[str, Any]]:
    """Every tool of the server, as it lists them (``name``, ``description``, ``inputSchema``,
    ``annotations``). Raises :class:`McpError`."""
    async with httpx.AsyncClient(timeout=target.timeout) as client:
        session = _Session(client, target)
        await session.open()
        tools: list[dict[str, Any]] = []
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            result = await session.request("tools/list", {"cursor": cursor} if cursor else {})
            page = result.get("tools")
            if not isinstance(page, list):
                raise McpError("protocol_error", "tools/list: the result has no tools", -32603)
            tools += [t for t in page if isinstance(t, dict) and isinstance(t.get("name"), str)]
            cursor = result.get("nextCursor") if isinstance(result.get("nextCursor"), str) else None
            if not cursor:
                break
        return tools


async def call_tool(target: McpTarget, name: str, arguments: Mapping[str, Any]) -> str:
    """Call tool ``name``; its text output (the text parts of its content, joined by
    newlines). Raises :class:`McpError` (``tool_execution_error`` when the tool failed)."""
    async with httpx.AsyncClient(timeout=target.timeout) as client:
        session = _Session(client, target)
        await session.open()
        result = await session.request("tools/call", {"name": name, "arguments": dict(arguments)})
    content = result.get("content")
    parts = content if isinstance(content, list) else []
    texts = [
        str(p.get("text", "")) for p in parts if isinstance(p, dict) and p.get("type") == "text"
    ]
    text = "\n".join(texts)
    if not texts and "structuredContent" in result:
        text = orjson.dumps(result["structuredContent"]).decode()
    if result.get("isError") is True:
        raise McpError("tool_execution_error", text or "the tool failed")
    return text
