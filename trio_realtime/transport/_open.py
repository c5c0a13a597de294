"""The context-manager forms of the two WebSocket connects (``async with open_...(url)``)."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import trio

from ._direct import DirectWebSocketTransport, connect_direct_websocket_transport
from ._websocket import WebSocketTransport, connect_websocket_transport

__all__ = ["open_direct_websocket_transport", "open_websocket_transport"]


@asynccontextmanager
async def open_direct_websocket_transport(
    url: str,
    *,
    headers: Sequence[tuple[str, str]] = (),
    connect_timeout: float = 10.0,
    close_timeout: float = 2.0,
    max_message_size: int = 16 * 2**20,
    receive_buffer_size: int = 256 * 2**10,
    ssl_context: ssl.SSLContext | None = None,
    ping_interval: float | None = 20.0,
    ping_timeout: float | None = 20.0,
) -> AsyncIterator[DirectWebSocketTransport]:
    """Async context manager: connect (as :func:`connect_direct_websocket_transport`), yield
    the transport, and ``aclose()`` it on exit (shielded, bounded by ``close_timeout``).

    Exceptions come out bare. Cancellation while connecting leaves nothing open;
    cancellation of the body closes the transport like any other exit.
    """
    transport = await connect_direct_websocket_transport(
        None,
        url,
        headers=headers,
        connect_timeout=connect_timeout,
        close_timeout=close_timeout,
        max_message_size=max_message_size,
        receive_buffer_size=receive_buffer_size,
        ssl_context=ssl_context,
        ping_interval=ping_interval,
        ping_timeout=ping_timeout,
    )
    try:
        yield transport
    finally:
        with trio.CancelScope(shield=True):
            await transport.aclose()


@asynccontextmanager
async def open_websocket_transport(
    url: str,
    *,
    headers: Sequence[tuple[str, str]] = (),
    connect_timeout: float = 10.0,
    close_timeout: float = 2.0,
    max_message_size: int = 16 * 2**20,
    message_queue_size: int = 256,
    receive_buffer_size: int = 64 * 2**10,
    ssl_context: ssl.SSLContext | None = None,
    ping_interval: float | None = 20.0,
    ping_timeout: float | None = 20.0,
) -> AsyncIterator[WebSocketTransport]:
    """Async context manager: connect (as :func:`connect_websocket_transport`), yield the
    transport, and ``aclose()`` it on exit (shielded, bounded by ``close_timeout``).

    It owns its nursery; exceptions from connecting or from the body come out bare (never
    wrapped in an exception group). Cancellation while connecting leaves nothing running;
    cancellation of the body closes the transport like any other exit.
    """
    # Exceptions (from connecting or from the body) are caught inside the nursery and re-raised
    # outside it, so they are never wrapped in an exception group.
    error: BaseException | None = None
    try:
        async with trio.open_nursery() as nursery:
            try:
                transport = await connect_websocket_transport(
                    nursery,
                    url,
                    headers=headers,
                    connect_timeout=connect_timeout,
                    close_timeout=close_timeout,
                    max_message_size=max_message_size,
                    message_queue_size=message_queue_size,
                    receive_buffer_size=receive_buffer_size,
                    ssl_context=ssl_context,
                    ping_interval=ping_interval,
                    ping_timeout=ping_timeout,
                )
            except BaseException as exc:
                error = exc
            else:
                try:
                    yield transport
                except BaseException as exc:
                    error = exc
                finally:
                    with trio.CancelScope(shield=True):
                        await transport.aclose()
    finally:
        if error is not None:
            raise error
