"""Connecting: refusals (and the API key never showing), timeouts, refused ports, bad input."""

from __future__ import annotations

import json
import logging
import socket
import traceback

import pytest
import trio
from conftest import Impl
from ws_server import ServerConnection, open_tcp_server, open_ws_server, read_until_eof

from trio_realtime import RealtimeConnectionError

KEY = "sk-test-SECRET-KEY-0123456789"
HEADERS = [("Authorization", f"Bearer {KEY}"), ("api-key", KEY), ("x-goog-api-key", KEY)]


def everything_shown(exc: BaseException) -> str:
    """str, repr and the full formatted traceback (with causes and contexts)."""
    return "\n".join([str(exc), repr(exc), *traceback.format_exception(exc)])


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)  # every logger, trio-websocket's too
    return caplog


async def test_refused_upgrade_carries_status_and_body_but_never_the_key(
    debug_logs: pytest.LogCaptureFixture,
    impl: Impl,
) -> None:
    body = json.dumps(
        {"error": {"message": "Incorrect API key provided.", "code": "invalid_api_key"}}
    ).encode()

    async def handler(conn: ServerConnection) -> None:
        assert conn.headers["authorization"] == f"Bearer {KEY}"  # the key did reach the server
        await conn.reject(401, body)

    with trio.fail_after(10):
        async with open_ws_server(handler) as server, trio.open_nursery() as nursery:
            with pytest.raises(RealtimeConnectionError) as caught:
                await impl.connect(nursery, server.url(f"/v1/realtime?key={KEY}"), headers=HEADERS)
            assert not nursery.child_tasks  # nothing left running
    exc = caught.value
    assert exc.status == 401
    assert exc.body == body
    assert "refused the WebSocket upgrade" in str(exc)
    assert "invalid_api_key" in str(exc)
    assert KEY not in everything_shown(exc)
    assert KEY not in debug_logs.text
    assert debug_logs.records  # the logs were captured (trio-websocket logs at DEBUG)


async def test_key_echoed_in_a_refusal_body_is_redacted(impl: Impl) -> None:
    async def handler(conn: ServerConnection) -> None:
        await conn.reject(403, f'{{"error": "bad key {KEY} for this project"}}'.encode())

    with trio.fail_after(10):
        async with open_ws_server(handler) as server:
            with pytest.raises(RealtimeConnectionError) as caught:
                async with impl.open(server.url(), headers=HEADERS):
                    pass  # pragma: no cover
    assert caught.value.status == 403
    assert caught.value.body == b'{"error": "bad key [redacted] for this project"}'
    assert KEY not in everything_shown(caught.value)


async def test_refusal_without_body(impl: Impl) -> None:
    async def handler(conn: ServerConnection) -> None:
        await conn.reject(403)

    with trio.fail_after(10):
        async with open_ws_server(handler) as server:
            with pytest.raises(RealtimeConnectionError) as caught:
                async with impl.open(server.url()):
                    pass  # pragma: no cover
    assert caught.value.status == 403
    assert caught.value.body == b""  # refused: always bytes, here empty


async def test_connect_timeout_when_the_upgrade_is_never_answered(
    autojump_clock: object, impl: Impl
) -> None:
    server_saw: list[bytes] = []
    server_done = trio.Event()

    async def never_answers(stream: trio.abc.Stream) -> None:
        server_saw.append(await read_until_eof(stream))
        server_done.set()

    async with open_tcp_server(never_answers) as server, trio.open_nursery() as nursery:
        start = trio.current_time()
        with pytest.raises(RealtimeConnectionError, match=r"timed out after 3 s") as caught:
            await impl.connect(
                nursery, server.url("/v1/realtime"), headers=HEADERS, connect_timeout=3
            )
        assert trio.current_time() - start == 3
        assert not nursery.child_tasks  # nothing left running
        assert caught.value.status is None
        assert KEY not in everything_shown(caught.value)
        with trio.fail_after(1):
            await server_done.wait()  # the server sees the socket closed
    assert server_saw[0].startswith(b"GET /v1/realtime HTTP/1.1\r\n")


async def test_server_closing_during_the_handshake_fails_at_once(
    autojump_clock: object, impl: Impl
) -> None:
    async def hangs_up(stream: trio.abc.Stream) -> None:
        await stream.receive_some(65536)  # the request, then close without answering

    async with open_tcp_server(hangs_up) as server, trio.open_nursery() as nursery:
        start = trio.current_time()
        with pytest.raises(RealtimeConnectionError, match="closed the connection during"):
            await impl.connect(nursery, server.url(), connect_timeout=10)
        assert trio.current_time() == start  # no waiting for the timeout
        assert not nursery.child_tasks


async def test_connection_refused(impl: Impl) -> None:
    with socket.socket() as probe:  # find a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with trio.fail_after(10):
        with pytest.raises(RealtimeConnectionError, match="cannot connect") as caught:
            async with impl.open(f"ws://127.0.0.1:{port}/", headers=HEADERS):
                pass  # pragma: no cover
    assert isinstance(caught.value.__cause__, OSError)
    assert KEY not in everything_shown(caught.value)


async def test_open_websocket_transport_raises_body_errors_bare(impl: Impl) -> None:
    async def handler(conn: ServerConnection) -> None:
        await conn.accept()
        await trio.sleep_forever()

    with trio.fail_after(10):
        async with open_ws_server(handler) as server:
            with pytest.raises(ZeroDivisionError):
                async with impl.open(server.url()) as transport:
                    _ = 1 / 0
            assert transport.closed is not None
            assert transport.closed.initiator == "client"


async def test_cancelled_connect_leaves_nothing_running(impl: Impl) -> None:
    async def never_answers(stream: trio.abc.Stream) -> None:
        await read_until_eof(stream)

    with trio.fail_after(10):
        async with open_tcp_server(never_answers) as server, trio.open_nursery() as nursery:
            with trio.CancelScope() as scope:
                nursery.start_soon(cancel_when_blocked, scope)
                await impl.connect(nursery, server.url())
            assert scope.cancelled_caught
            assert not nursery.child_tasks


async def cancel_when_blocked(scope: trio.CancelScope) -> None:
    await trio.testing.wait_all_tasks_blocked()
    scope.cancel()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1/", "must start with"),
        ("ws:///path", "no host"),
    ],
)
async def test_bad_urls(url: str, message: str, impl: Impl) -> None:
    async with trio.open_nursery() as nursery:
        with pytest.raises(ValueError, match=message):
            await impl.connect(nursery, url)


async def test_bad_header_value_is_rejected_without_showing_it(impl: Impl) -> None:
    async with trio.open_nursery() as nursery:
        with pytest.raises(ValueError, match="authorization") as caught:
            await impl.connect(
                nursery, "ws://127.0.0.1:9/", headers=[("authorization", f"Bearer {KEY}\r\n")]
            )
    assert KEY not in everything_shown(caught.value)
