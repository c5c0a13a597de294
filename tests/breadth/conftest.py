"""Fixtures of the breadth tests: the local server, an MCP stub, validating gateways."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import trio

import trio_realtime as rt
from trio_realtime.server import McpStub, Pacing, serve_local_realtime, serve_mcp_stub

from .wire import ValidatingTransport


def lookup_order(order_id: int) -> str:
    """Look up an order by its number."""
    return f"Order {order_id}: shipped"


def cancel_order(order_id: int) -> str:
    """Cancel an order by its number."""
    return f"Order {order_id}: cancelled"


def broken_tool(note: str) -> str:
    """Break something on purpose."""
    raise RuntimeError("the warehouse is on fire")


class ValidatingGateway(rt.OpenAIGateway):
    """An OpenAIGateway whose transports check every frame both ways (``transports``)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.transports: list[ValidatingTransport] = []

    async def open_transport(self, nursery: trio.Nursery, model: str) -> Any:
        transport = ValidatingTransport(await super().open_transport(nursery, model))
        self.transports.append(transport)
        return transport


class ValidatingAzureGateway(rt.AzureOpenAIGateway):
    """The same for Azure."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.transports: list[ValidatingTransport] = []

    async def open_transport(self, nursery: trio.Nursery, model: str) -> Any:
        transport = ValidatingTransport(await super().open_transport(nursery, model))
        self.transports.append(transport)
        return transport


@asynccontextmanager
async def local_server(**options: Any) -> AsyncIterator[str]:
    """The local server (instant pacing unless given) on loopback; yields its URL."""
    options.setdefault("pacing", Pacing.instant())
    async with trio.open_nursery() as nursery:
        url: str = await nursery.start(functools.partial(serve_local_realtime, **options))
        yield url
        nursery.cancel_scope.cancel()


@asynccontextmanager
async def mcp_stub(
    tools: Any = (lookup_order, cancel_order), **options: Any
) -> AsyncIterator[McpStub]:
    async with trio.open_nursery() as nursery:
        stub: McpStub = await nursery.start(
            functools.partial(serve_mcp_stub, list(tools), **options)
        )
        yield stub
        nursery.cancel_scope.cancel()


async def next_of(events: rt.EventStream, kind: str, *, collect: list[Any] | None = None) -> Any:
    """The next event of ``kind`` (the ones before it go to ``collect``)."""
    async for event in events:
        if collect is not None:
            collect.append(event)
        if event.kind == kind:
            return event
    raise AssertionError(f"the stream ended before a {kind!r} event")


@pytest.fixture
def text_config() -> rt.Config:
    return rt.Config(modalities=["text"], turn_detection=None, input_audio_transcription=False)
