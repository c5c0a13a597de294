"""The local server's MCP client stays bounded against a hostile MCP server: it stops reading a
body past ``MAX_BODY`` and gives up on a server that drips its answer, however slowly each byte
comes (the timeout covers the request as a whole, not each read)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import partial

import pytest
import trio

from trio_realtime.server import mcp_client
from trio_realtime.server.mcp_client import McpError, McpTarget

Handler = Callable[[trio.SocketStream], Awaitable[None]]

HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
    b"transfer-encoding: chunked\r\nconnection: close\r\n\r\n"
)


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


async def read_request(stream: trio.SocketStream) -> None:
    """Read until the end of the request's headers (its small body comes with them)."""
    seen = b""
    while b"\r\n\r\n" not in seen:
        data = await stream.receive_some(65536)
        if not data:
            return
        seen += data


@asynccontextmanager
async def raw_http_server(handler: Handler) -> AsyncIterator[str]:
    """A loopback HTTP server answering every connection with ``handler``; yields its URL."""

    async def serve(stream: trio.SocketStream) -> None:
        try:
            await read_request(stream)
            await handler(stream)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            pass  # the client hung up, as it should
        finally:
            await stream.aclose()

    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(partial(trio.serve_tcp, host="127.0.0.1"), serve, 0)
        listener = listeners[0]
        port = listener.socket.getsockname()[1]
        yield f"http://127.0.0.1:{port}/mcp"
        nursery.cancel_scope.cancel()


async def test_a_body_past_the_bound_is_refused_without_being_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(mcp_client, "MAX_BODY", 64 * 1024)
    sent = 0

    async def flood(stream: trio.SocketStream) -> None:
        nonlocal sent
        await stream.send_all(HEAD)
        piece = chunk(b"x" * 16384)
        for _ in range(4096):  # 64 MiB if nobody stops it
            await stream.send_all(piece)
            sent += 16384

    with trio.fail_after(20):
        async with raw_http_server(flood) as url:
            with pytest.raises(McpError) as caught:
                await mcp_client.list_tools(McpTarget(url=url, timeout=10))
    assert caught.value.kind == "protocol_error" and "too large" in caught.value.message
    assert sent < 16 * 2**20  # reading stopped long before the end


async def test_a_server_that_drips_its_answer_times_out_as_a_whole() -> None:
    async def drip(stream: trio.SocketStream) -> None:
        await stream.send_all(HEAD)
        while True:  # one byte every 50 ms: no single read ever waits long
            await stream.send_all(chunk(b" "))
            await trio.sleep(0.05)

    with trio.fail_after(10):
        async with raw_http_server(drip) as url:
            start = trio.current_time()
            with pytest.raises(McpError) as caught:
                await mcp_client.call_tool(McpTarget(url=url, timeout=0.5), "lookup", {})
            elapsed = trio.current_time() - start
    assert caught.value.kind == "http_error" and caught.value.code == 504
    assert "no answer within 0.5 s" in caught.value.message
    assert elapsed < 5
