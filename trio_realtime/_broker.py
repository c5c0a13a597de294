"""Entry points: ``Broker``, ``open_session`` and ``connect_session``.

A :class:`Broker` is long-lived configuration (model, gateway, config); each ``connect()`` opens
a short-lived session in a nursery of its own. ``connect_session`` is the lower-level form that
puts the session's tasks into a nursery the caller owns (as trio-websocket's
``connect_websocket`` does).
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Any

import trio

from ._handoffs import AgentSwitch
from ._observe import SessionObserver
from ._prices import DEFAULT_PRICES, ModelPrices
from ._session import RealtimeSession, new_session
from .agents import Agent, AgentGraph, validate_agent_graph
from .audio.playback import PlaybackTracker
from .config import Config
from .gateways import Gateway
from .history import History
from .reconnect import Reconnect

if TYPE_CHECKING:
    from .recording import Recorder

__all__ = ["Broker", "connect_session", "open_session"]

if sys.version_info < (3, 11):  # pragma: no cover
    from exceptiongroup import BaseExceptionGroup


class Broker:
    """Opens sessions against ``model`` through ``gateway`` with ``config``.

    ``playback`` is a :class:`~trio_realtime.audio.PlaybackTracker` shared with an audio sink
    (each session gets a fresh one by default). ``event_buffer`` bounds the primary stream.
    ``primary_events=False`` opens sessions without the primary ``events()`` stream, for
    applications that only ``subscribe()``. ``server_events=True`` also publishes the provider
    events the 23 kinds do not cover, as ``server_event`` (:class:`~trio_realtime.ServerEvent`).
    ``reconnect`` (a :class:`~trio_realtime.reconnect.Reconnect`) makes sessions survive dropped
    connections (off by default; the first connect is never retried). ``history`` (a
    :class:`~trio_realtime.history.History`, e.g. a saved ``session.history()``) seeds every
    new session's conversation. ``idle_timeout`` (seconds): while a response is in progress,
    a server that sends nothing for that long is a dead connection (``session_closed`` with
    reason "error", or a reconnect); ``None`` (the default) relies on keepalive pings alone.

    ``agent`` makes an :class:`~trio_realtime.Agent` speak (its instructions and tools replace
    the config's; its handoff graph is checked here: two different agents with one name, or a
    reference to no agent, raise ``ValueError``). ``recorder`` records every session
    (:class:`~trio_realtime.Recorder`). ``prices`` maps model name prefixes to
    :class:`~trio_realtime.ModelPrices` for ``session.metrics()``'s cost estimate (None: no
    estimate); ``turn_metrics=True`` publishes a ``turn_metrics`` event per turn.
    """

    def __init__(
        self,
        model: str,
        *,
        gateway: Gateway,
        config: Config | None = None,
        playback: PlaybackTracker | None = None,
        event_buffer: int = 256,
        primary_events: bool = True,
        server_events: bool = False,
        reconnect: Reconnect | None = None,
        history: History | None = None,
        idle_timeout: float | None = None,
        agent: Agent | None = None,
        recorder: Recorder | None = None,
        prices: Mapping[str, ModelPrices] | None = DEFAULT_PRICES,
        turn_metrics: bool = False,
    ) -> None:
        if idle_timeout is not None and not idle_timeout > 0:
            raise ValueError(
                f"idle_timeout must be a positive number of seconds, not {idle_timeout}"
            )
        self.model = model
        self.gateway = gateway
        self.config = config if config is not None else Config()
        self.agent = agent
        self._graph = validate_agent_graph(agent) if agent is not None else None
        self._options: dict[str, Any] = {
            "playback": playback,
            "event_buffer": event_buffer,
            "primary_events": primary_events,
            "server_events": server_events,
            "reconnect": reconnect,
            "history": history,
            "idle_timeout": idle_timeout,
            "recorder": recorder,
            "prices": prices,
            "turn_metrics": turn_metrics,
        }

    def __repr__(self) -> str:
        return f"Broker(model={self.model!r}, gateway={self.gateway!r})"

    @asynccontextmanager
    async def connect(self, *, config: Config | None = None) -> AsyncIterator[RealtimeSession]:
        """Open a session; it is closed (``aclose``) when the block is left.

        Returns once the server confirmed the session (``session.created`` and the
        ``session.updated`` for our configuration), within the gateway's ``connect_timeout``;
        otherwise raises :class:`RealtimeConnectionError` leaving nothing running. A single
        failure propagates as itself, never wrapped in an ExceptionGroup.
        """
        with _unwrap_single_exception():
            async with trio.open_nursery() as nursery:
                session = await connect_session(
                    nursery,
                    self.model,
                    gateway=self.gateway,
                    config=config if config is not None else self.config,
                    agent=self._graph,
                    **self._options,
                )
                try:
                    yield session
                finally:
                    await session.aclose()


def open_session(
    model: str, *, gateway: Gateway, config: Config | None = None, **options: Any
) -> AbstractAsyncContextManager[RealtimeSession]:
    """``Broker(model, gateway=..., config=...).connect()`` in one call."""
    return Broker(model, gateway=gateway, config=config, **options).connect()


async def connect_session(
    nursery: trio.Nursery,
    model: str,
    *,
    gateway: Gateway,
    config: Config | None = None,
    playback: PlaybackTracker | None = None,
    event_buffer: int = 256,
    primary_events: bool = True,
    server_events: bool = False,
    reconnect: Reconnect | None = None,
    history: History | None = None,
    idle_timeout: float | None = None,
    agent: Agent | AgentGraph | None = None,
    recorder: Recorder | None = None,
    prices: Mapping[str, ModelPrices] | None = DEFAULT_PRICES,
    turn_metrics: bool = False,
) -> RealtimeSession:
    """Open a session whose tasks run in ``nursery``; the caller must ``aclose()`` it.

    Raises :class:`RealtimeConnectionError` when the connection or the handshake fails or times
    out (``gateway.connect_timeout`` covers both); nothing is left running then. Cancellation:
    a cancelled connect leaves nothing running either. The other options are the
    :class:`Broker`'s.
    """
    config = config if config is not None else Config()
    if event_buffer < 1:
        raise ValueError(f"event_buffer must be at least 1, not {event_buffer}")
    switch = None
    if agent is not None:
        graph = agent if isinstance(agent, AgentGraph) else validate_agent_graph(agent)
        switch = AgentSwitch(graph, config)
        config = switch.initial_config()
    deadline = trio.current_time() + gateway.connect_timeout
    transport = await gateway.open_transport(nursery, model)
    try:
        codec = gateway.codec(config, model=model, server_events=server_events)
        if recorder is not None:
            transport = await recorder.attach(
                transport, nursery, gateway=gateway, model=model, provider=codec.provider
            )
        session = new_session(
            transport,
            codec,
            config,
            gateway=gateway,
            model=model,
            server_events=server_events,
            reconnect=reconnect,
            history=history,
            idle_timeout=idle_timeout,
            close_timeout=gateway.close_timeout,
            playback=playback,
            event_buffer=event_buffer,
            primary_events=primary_events,
            observer=SessionObserver(
                model=model, provider=codec.provider, prices=prices, turn_metrics=turn_metrics
            ),
            agents=switch,
            recorder=recorder,
        )
    except BaseException:
        with trio.CancelScope(shield=True):
            await transport.aclose()
        raise
    try:
        await nursery.start(session._rt.run)
        await session._rt.wait_ready(deadline)
    except BaseException:
        with trio.CancelScope(shield=True):
            await session.aclose()
        raise
    return session


@contextmanager
def _unwrap_single_exception() -> Iterator[None]:
    """Re-raise a group holding exactly one exception as that exception."""
    try:
        yield
    except BaseExceptionGroup as group:
        leaves = list(_leaves(group))
        if len(leaves) != 1:
            raise
        exc = leaves[0]
        context = exc.__context__
        try:
            raise exc
        finally:
            exc.__context__ = context
            del exc, context


def _leaves(group: BaseExceptionGroup[BaseException]) -> Iterator[BaseException]:
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            yield from _leaves(exc)
        else:
            yield exc
