from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import trio

from trio_realtime.server import serve_local_realtime

StartServer = Callable[..., Awaitable[str]]


@pytest.fixture
def start_server(nursery: trio.Nursery) -> StartServer:
    """``url = await start_server(**serve_local_realtime_kwargs)``; stopped after the test."""

    async def start(**kwargs: Any) -> str:
        url: str = await nursery.start(functools.partial(serve_local_realtime, **kwargs))
        return url

    return start
