"""The pytest plugin of :mod:`trio_realtime.testing` (registered as ``trio_realtime``).

Fixtures (use them from trio tests, i.e. with pytest-trio):

- ``realtime_server``: a :class:`~trio_realtime.testing.LocalServer` started in the test's
  nursery; options for ``serve_local_realtime`` come from the
  ``@pytest.mark.realtime_server(**options)`` marker;
- ``realtime_gateway``: an ``OpenAIGateway`` pointed at ``realtime_server``;
- ``scripted_gateway``: a :class:`~trio_realtime.testing.MemoryGateway` (sessions talk to
  :class:`~trio_realtime.testing.ScriptedPeer` objects), with options from the
  ``@pytest.mark.scripted_gateway(**options)`` marker.
"""

from __future__ import annotations

from typing import Any

import pytest
import trio

from ..gateways import OpenAIGateway
from ._peer import MemoryGateway
from ._server import LocalServer, start_local_server


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "realtime_server(**options): options for the realtime_server fixture"
    )
    config.addinivalue_line(
        "markers", "scripted_gateway(**options): options for the scripted_gateway fixture"
    )


def _marker_options(request: pytest.FixtureRequest, name: str) -> dict[str, Any]:
    marker = request.node.get_closest_marker(name)
    return dict(marker.kwargs) if marker is not None else {}


@pytest.fixture
async def realtime_server(request: pytest.FixtureRequest, nursery: trio.Nursery) -> LocalServer:
    """The local realtime server, running for the duration of the test."""
    return await start_local_server(nursery, **_marker_options(request, "realtime_server"))


@pytest.fixture
def realtime_gateway(realtime_server: LocalServer) -> OpenAIGateway:
    """An ``OpenAIGateway`` for the ``realtime_server``."""
    return realtime_server.gateway()


@pytest.fixture
def scripted_gateway(request: pytest.FixtureRequest) -> MemoryGateway:
    """A gateway whose sessions talk to scripted peers in memory."""
    return MemoryGateway(**_marker_options(request, "scripted_gateway"))
