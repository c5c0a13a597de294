"""A stub MCP server on loopback: real tools behind the MCP protocol, for tests and examples.

It speaks MCP's Streamable HTTP transport (JSON-RPC 2.0 over ``POST``, answering with
``application/json``, or with ``text/event-stream`` when ``event_stream=True``): ``initialize``
(which opens a session, ``Mcp-Session-Id``), ``notifications/initialized``, ``tools/list`` and
``tools/call``. Tools are plain functions (or :class:`~trio_realtime.Tool` objects), described
from their signatures and docstrings as for ``Config(tools=...)``::

    def lookup_order(order_id: int) -> str:
        \"\"\"Look up an order.\"\"\"
        return f"Order {order_id}: shipped"

    stub = await nursery.start(functools.partial(serve_mcp_stub, [lookup_order]))
    rt.McpServer("orders", stub.url, require_approval="never")

A tool that raises answers with ``isError`` (a tool execution error); an unknown tool or invalid
arguments get a JSON-RPC error. ``require_headers`` refuses requests without those header values
(HTTP 401). :attr:`McpStub.calls` records every call the stub ran, so a test can check the
server really called it. One HTTP/1.1 connection at a time per client, keep-alive, bodies up to
1 MiB.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NoReturn

import attrs
import h11
import orjson
import trio

from ..tools import Tool, ToolArgumentsError, as_tool, encode_result
from .mcp_client import PROTOCOL_VERSION

__all__ = ["McpCallRecord", "McpStub", "serve_mcp_stub"]

MAX_REQUEST_BODY = 2**20


@attrs.frozen
class McpCallRecord:
    """One ``tools/call`` the stub ran: the tool's ``name``, its ``arguments``, the request's
    ``headers`` (lowercase names)."""

    name: str
    arguments: Mapping[str, Any]
    headers: Mapping[str, str] = attrs.field(repr=False)


@attrs.define
class McpStub:
    """A running stub: its ``url``, the calls it ran and how often it listed its tools."""

    url: str
    tools: tuple[Tool, ...]
    calls: list[McpCallRecord] = attrs.Factory(list)
    lists: int = 0


class _App:
    def __init__(self, stub: McpStub, require: Mapping[str, str], event_stream: bool) -> None:
        self.stub = stub
        self._tools = {tool.name: tool for tool in stub.tools}
        self._require = {k.lower(): v for k, v in require.items()}
        self._event_stream = event_stream
        self._sessions: set[str] = set()

    async def handle(
        self, method: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        if any(headers.get(name) != value for name, value in self._require.items()):
            return 401, [("Content-Type", "application/json")], b'{"error":"unauthorized"}'
        if method != "POST":
            return 405, [("Allow", "POST")], b""
        try:
            message = orjson.loads(body)
        except orjson.JSONDecodeError:
            return 400, [], b""
        if not isinstance(message, dict) or "method" not in message:
            return 400, [], b""
        if "id" not in message:  # a notification
            return 202, [], b""
        extra: list[tuple[str, str]] = []
        if message["method"] == "initialize":
            session = secrets.token_hex(8)
            self._sessions.add(session)
            extra.append(("Mcp-Session-Id", session))
        elif headers.get("mcp-session-id") not in self._sessions:
            return 400, [], b"missing or unknown Mcp-Session-Id"
        reply = {"jsonrpc": "2.0", "id": message["id"], **await self._answer(message, headers)}
        data = orjson.dumps(reply)
        if self._event_stream:
            return 200, [("Content-Type", "text/event-stream"), *extra], b"data: " + data + b"\n\n"
        return 200, [("Content-Type", "application/json"), *extra], data

    async def _answer(self, message: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        method, params = message["method"], message.get("params") or {}
        if method == "initialize":
            info = {"name": "trio-realtime-mcp-stub", "version": "1"}
            return {
                "result": {
                    "protocolVersion": PROTOCOL_VERSION,
                    "capabilities": {"tools": {}},
                    "serverInfo": info,
                }
            }
        if method == "tools/list":
            self.stub.lists += 1
            return {"result": {"tools": [_describe(tool) for tool in self.stub.tools]}}
        if method == "tools/call":
            return await self._call(params, headers)
        return {"error": {"code": -32601, "message": f"Method not found: {method}"}}

    async def _call(self, params: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        tool = self._tools.get(params.get("name"))  # type: ignore[arg-type]
        if tool is None:
            return {"error": {"code": -32602, "message": f"Unknown tool: {params.get('name')}"}}
        arguments = params.get("arguments") or {}
        try:
            args = tool.parse_arguments(orjson.dumps(arguments).decode())
            bound = tool.bind(args)
        except ToolArgumentsError as exc:
            return {"error": {"code": -32602, "message": str(exc)}}
        self.stub.calls.append(McpCallRecord(tool.name, args, headers))
        try:
            result = await bound() if tool.is_async else bound()
            text, failed = encode_result(result), False
        except Exception as exc:
            text, failed = f"{type(exc).__name__}: {exc}", True
        return {"result": {"content": [{"type": "text", "text": text}], "isError": failed}}


def _describe(tool: Tool) -> dict[str, Any]:
    return {"name": tool.name, "description": tool.description, "inputSchema": tool.parameters}


async def _read(conn: h11.Connection, stream: trio.SocketStream) -> Any:
    while True:
        event = conn.next_event()
        if event is not h11.NEED_DATA:
            return event
        conn.receive_data(await stream.receive_some(65536))


async def _serve_connection(app: _App, path: str, stream: trio.SocketStream) -> None:
    conn = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_REQUEST_BODY)
    try:
        while True:
            request = await _read(conn, stream)
            if not isinstance(request, h11.Request):
                return  # closed (or a protocol error we cannot answer)
            headers = {k.decode().lower(): v.decode() for k, v in request.headers}
            body = bytearray()
            while not isinstance(event := await _read(conn, stream), h11.EndOfMessage):
                if isinstance(event, h11.Data):
                    body += event.data
                    if len(body) > MAX_REQUEST_BODY:
                        return
                elif isinstance(event, h11.ConnectionClosed):
                    return
            extra: list[tuple[str, str]] = []
            if request.target.decode().split("?")[0] != path:
                status, payload = 404, b""
            else:
                method = request.method.decode()
                status, extra, payload = await app.handle(method, headers, bytes(body))
            response_headers = [*extra, ("Content-Length", str(len(payload)))]
            for item in (
                h11.Response(status_code=status, headers=response_headers),
                h11.Data(data=payload),
                h11.EndOfMessage(),
            ):
                data = conn.send(item)
                if data:
                    await stream.send_all(data)
            if conn.our_state is h11.MUST_CLOSE:
                return
            conn.start_next_cycle()
    except (h11.ProtocolError, trio.BrokenResourceError, trio.ClosedResourceError):
        return
    finally:
        await trio.aclose_forcefully(stream)


async def serve_mcp_stub(
    tools: Iterable[Tool | Callable[..., Any]],
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    require_headers: Mapping[str, str] | None = None,
    event_stream: bool = False,
    path: str = "/mcp",
    task_status: trio.TaskStatus[McpStub] = trio.TASK_STATUS_IGNORED,
) -> NoReturn:
    """Serve ``tools`` over MCP on ``http://host:port{path}`` until cancelled.

    Use ``stub = await nursery.start(functools.partial(serve_mcp_stub, [fn, ...]))``: the
    :class:`McpStub` (with the bound ``url``) is reported once it accepts connections.
    Cancellation: cancelling closes the listener and every connection.
    """
    stub_tools = tuple(as_tool(t) for t in tools)
    listeners = await trio.open_tcp_listeners(port, host=host)
    bound = listeners[0].socket.getsockname()
    shown = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
    stub = McpStub(url=f"http://{shown}:{bound[1]}{path}", tools=stub_tools)
    app = _App(stub, require_headers or {}, event_stream)
    task_status.started(stub)
    await trio.serve_listeners(functools.partial(_serve_connection, app, path), listeners)
    raise AssertionError("serve_listeners returned")  # pragma: no cover
