"""The trio shell around one sans-I/O protocol state: reader, writer, response tasks.

Everything runs in one per-connection nursery: the reader feeds client frames to the state; the
writer is the only task that sends (it also applies the transport faults); each response is a task
in its own cancel scope, so a cancel or a barge-in stops it at once (the state has already emitted
its final events); transcriptions, timers and the idle watchdog are tasks too. The connection ends
when the client closes or drops, a fault, an expiry or the state closes it, or the client stops
answering keepalive pings (:class:`~.limits.Limits`). The shell is protocol-agnostic: it talks to a
:class:`~._protocol.ProtocolState` (OpenAI Realtime or Gemini Live).
"""

from __future__ import annotations

import contextlib
import inspect
import logging
from collections.abc import Sequence
from typing import Any

import trio
from trio_websocket import ConnectionClosed, WebSocketConnection

from ._commands import (
    ArmIdleTimer,
    AskBrain,
    CallMcpTool,
    Close,
    ListMcpTools,
    Output,
    StartResponse,
    StopResponse,
    Timer,
    Transcribe,
)
from ._outbox import Outbox
from ._protocol import ProtocolState
from .brain import Brain, BrainReply, Transcriber, call_brain, call_transcriber
from .faults import Faults
from .limits import Limits
from .mcp_client import McpError, McpTarget, call_tool, list_tools
from .synth import Speech, Voice, speech_from_pcm

__all__ = ["close_connection", "serve_connection"]

logger = logging.getLogger("trio_realtime.server")

_BRAIN_FAILED = "The server had an error while processing your request. Sorry about that!"
CLOSE_TIMEOUT = 2.0  # a peer that never answers the close handshake


async def close_connection(ws: WebSocketConnection, code: int, reason: str) -> None:
    """Close with ``code``/``reason``, waiting at most :data:`CLOSE_TIMEOUT` for the peer, then
    abort the TCP connection (trio-websocket may otherwise wait for it with no bound).

    Cancellation: shielded for its (bounded) duration, so the socket is always released.
    """
    with trio.move_on_after(CLOSE_TIMEOUT) as scope:
        scope.shield = True
        with contextlib.suppress(ConnectionClosed):
            await ws.aclose(code, reason)
    await trio.aclose_forcefully(ws._stream)


class _Connection:
    def __init__(
        self,
        ws: WebSocketConnection,
        state: ProtocolState,
        *,
        brain: Brain,
        transcriber: Transcriber,
        faults: Faults | None,
        nursery: trio.Nursery,
        voice: Voice | None = None,
    ) -> None:
        self._voice = voice
        self._ws = ws
        self._state = state
        self._brain = brain
        self._transcriber = transcriber
        self._faults = faults if faults is not None and faults.transport_faults else None
        self._nursery = nursery
        self._outbox: Outbox[str | bytes | Close] = Outbox()
        self._responses: dict[str, trio.CancelScope] = {}
        self._transcribing: dict[str, trio.Event] = {}
        self._listing: dict[str, trio.Event] = {}  # MCP servers whose tools are being listed
        self._awaits: dict[str, CallMcpTool | AskBrain] = {}  # what a response task waits on
        self._idle_scope: trio.CancelScope | None = None
        self.last_progress = trio.current_time()
        self.timed_out = False

    # -- outputs of the state ------------------------------------------------------------------

    def apply(self, outputs: Sequence[Output]) -> None:
        """Queue messages and carry out commands, in order (never blocks)."""
        for out in outputs:
            if isinstance(out, dict):
                self._outbox.put(self._state.encode(out))
            elif isinstance(out, StartResponse):
                scope = trio.CancelScope()
                self._responses[out.response_id] = scope
                self._nursery.start_soon(self._run_response, out, scope)
            elif isinstance(out, (CallMcpTool, AskBrain)):
                self._awaits[out.response_id] = out  # the response's own task carries it out
            elif isinstance(out, ListMcpTools):
                listed = trio.Event()
                self._listing[out.item_id] = listed
                self._nursery.start_soon(self._list_mcp_tools, out, listed)
            elif isinstance(out, StopResponse):
                stopped = self._responses.pop(out.response_id, None)
                if stopped is not None:
                    stopped.cancel()
            elif isinstance(out, Transcribe):
                done = trio.Event()
                self._transcribing[out.item_id] = done
                self._nursery.start_soon(self._transcribe, out, done)
            elif isinstance(out, ArmIdleTimer):
                if self._idle_scope is not None:
                    self._idle_scope.cancel()
                self._idle_scope = trio.CancelScope()
                self._nursery.start_soon(self._idle, out, self._idle_scope)
            elif isinstance(out, Timer):
                self._nursery.start_soon(self._timer, out)
            else:
                self._outbox.put(out)

    # -- tasks ---------------------------------------------------------------------------------

    async def reader(self) -> None:
        while True:
            try:
                message = await self._ws.get_message()
            except ConnectionClosed:
                break
            self.last_progress = trio.current_time()
            await self._outbox.wait_writable()
            self.apply(self._state.receive(message))
        self._nursery.cancel_scope.cancel()

    async def watchdog(self, interval: float, timeout: float) -> None:
        """Ping the client after ``interval`` s without progress; end the connection when the
        pong does not come within ``timeout`` s (see :class:`~.limits.Limits`)."""
        pings = 0
        while True:
            await trio.sleep_until(self.last_progress + interval)
            if self.last_progress + interval > trio.current_time():
                continue  # progress was made meanwhile
            pings += 1
            with trio.move_on_after(timeout):
                try:
                    await self._ws.ping(b"keepalive %d" % pings)
                except ConnectionClosed:
                    return
                self.last_progress = trio.current_time()
                continue
            self.timed_out = True
            self._nursery.cancel_scope.cancel()
            return

    async def _run_response(self, start: StartResponse, scope: trio.CancelScope) -> None:
        response_id = start.response_id
        try:
            with scope:
                await self._respond(response_id, ask_brain=start.ask_brain)
        finally:
            if self._responses.get(response_id) is scope:
                del self._responses[response_id]
            self._awaits.pop(response_id, None)

    async def _respond(self, response_id: str, *, ask_brain: bool = True) -> None:
        state = self._state
        # the brain reads audio turns through their transcripts, and MCP servers by their tools
        for pending in [*self._transcribing.values(), *self._listing.values()]:
            await pending.wait()
        if ask_brain:
            try:
                reply, speech = await self._think(response_id)
            except _ResponseOver:
                return
            except Exception as exc:
                logger.exception("brain or voice failed for %s", response_id)
                self.apply(state.fail_response(response_id, _failure(exc)))
                return
            self.apply(state.set_reply(response_id, reply, speech))
        await self._carry_out_awaits(response_id)
        while (delay := state.response_delay(response_id)) is not None:
            if delay > 0:
                await trio.sleep(delay)
            await self._outbox.wait_writable()
            self.apply(state.advance(response_id))
            await self._carry_out_awaits(response_id)

    async def _think(self, response_id: str) -> tuple[BrainReply, Speech | None]:
        """The brain's reply for the response, and its speech when a voice is set."""
        state = self._state
        request = state.brain_request(response_id)
        if request is None:
            raise _ResponseOver
        reply = await call_brain(self._brain, request)
        spoken = state.voice_request(response_id) if self._voice is not None else None
        text = (reply.text or "").strip()
        if spoken is None or not text or self._voice is None:
            return reply, None
        voice, rate, speed = spoken
        pcm = self._voice(text, voice, rate, speed)
        if inspect.isawaitable(pcm):
            pcm = await pcm
        return reply, speech_from_pcm(text, pcm, rate)

    async def _carry_out_awaits(self, response_id: str) -> None:
        """Do the I/O the response's script waits on (an MCP call, the brain), in its task, so
        a cancel or a barge-in stops it too."""
        while (command := self._awaits.pop(response_id, None)) is not None:
            result: Any
            if isinstance(command, CallMcpTool):
                try:
                    result = await call_tool(
                        McpTarget.from_tool(command.tool), command.name, command.arguments
                    )
                except McpError as exc:
                    result = exc
            else:
                try:
                    result = await self._think(response_id)
                except _ResponseOver:
                    return
                except Exception as exc:
                    logger.exception("brain or voice failed for %s", response_id)
                    result = RuntimeError(_failure(exc))
            await self._outbox.wait_writable()
            self.apply(command.resume(result))

    async def _list_mcp_tools(self, command: ListMcpTools, listed: trio.Event) -> None:
        result: Any
        try:
            try:
                result = await list_tools(McpTarget.from_tool(command.tool))
            except McpError as exc:
                result = exc
            await self._outbox.wait_writable()
            self.apply(command.resume(result))  # the tools are known before anyone wakes
        finally:
            listed.set()
            if self._listing.get(command.item_id) is listed:
                del self._listing[command.item_id]

    async def _transcribe(self, command: Transcribe, done: trio.Event) -> None:
        failure = None
        try:
            text = await call_transcriber(self._transcriber, command.pcm, command.sample_rate)
            self._state.set_heard(command.item_id, text)
        except Exception as exc:
            logger.exception("transcriber failed for %s", command.item_id)
            failure = f"{type(exc).__name__}: {exc}"
        finally:
            done.set()
            if self._transcribing.get(command.item_id) is done:
                del self._transcribing[command.item_id]
        if not command.emit:
            return
        await trio.sleep(self._state.pacing.transcription_delay)
        await self._outbox.wait_writable()
        if failure is not None:
            self.apply(self._state.transcription_failed(command.item_id, failure))
        else:
            self.apply(self._state.transcription_events(command.item_id))

    async def _idle(self, command: ArmIdleTimer, scope: trio.CancelScope) -> None:
        with scope:
            await trio.sleep(command.delay)
            await self._outbox.wait_writable()
            self.apply(self._state.idle_timeout(command.generation))

    async def _timer(self, command: Timer) -> None:
        await trio.sleep(command.delay)
        await self._outbox.wait_writable()
        self.apply(self._state.timer_fired(command.name))

    async def writer(self) -> None:
        """Send queued messages in order, applying the transport faults; then end the
        connection.

        Cancellation: cancelled with the connection; nothing is sent after that.
        """
        faults, sent, injected, stalled = self._faults, 0, False, False
        try:
            while True:
                if faults is not None:
                    if faults.error_after == sent and not injected:
                        injected = True
                        for out in self._state.injected_error():
                            if isinstance(out, Close):
                                await close_connection(self._ws, out.code, out.reason)
                                return
                            if isinstance(out, dict):
                                await self._ws.send_message(self._state.encode(out))
                                sent += 1
                        continue
                    if faults.drop_after == sent:
                        await trio.aclose_forcefully(self._ws._stream)  # no close frame
                        return
                    if faults.close_after == sent:
                        await close_connection(self._ws, faults.close_code, faults.close_reason)
                        return
                    stalled = stalled or faults.stall_after == sent
                item = await self._outbox.get()
                if isinstance(item, Close):
                    await close_connection(self._ws, item.code, item.reason)
                    return
                if stalled:
                    continue
                if faults is not None and faults.event_delay:
                    await trio.sleep(faults.event_delay)
                await self._ws.send_message(item)
                self.last_progress = trio.current_time()
                sent += 1
        except ConnectionClosed:
            pass
        finally:
            self._nursery.cancel_scope.cancel()


class _ResponseOver(Exception):
    """The response ended before the brain could be asked."""


def _failure(exc: Exception) -> str:
    return f"{_BRAIN_FAILED} ({type(exc).__name__}: {exc})"


async def serve_connection(
    ws: WebSocketConnection,
    state: ProtocolState,
    *,
    brain: Brain,
    transcriber: Transcriber,
    faults: Faults | None,
    voice: Voice | None = None,
    limits: Limits | None = None,
    refuse: Sequence[Output] | None = None,
) -> None:
    """Run one accepted connection until it ends.

    ``refuse``: instead of a session, send these outputs (ending with a
    :class:`~._commands.Close`) without reading. ``limits``: the keepalive check (see
    :class:`~.limits.Limits`; a connection that fails it is closed here with 1011).

    Cancellation: cancelling this cancels every task of the connection (no close frame is sent;
    the caller owns closing ``ws``).
    """
    async with trio.open_nursery() as nursery:
        conn = _Connection(
            ws,
            state,
            brain=brain,
            transcriber=transcriber,
            faults=faults,
            nursery=nursery,
            voice=voice,
        )
        nursery.start_soon(conn.writer)
        if refuse is not None:
            conn.apply(refuse)
            return
        if limits is not None and limits.ping_interval is not None:
            nursery.start_soon(conn.watchdog, limits.ping_interval, limits.ping_timeout)
        conn.apply(state.start())
        nursery.start_soon(conn.reader)
    if conn.timed_out:
        logger.info("local realtime server: a client stopped answering pings")
        await close_connection(ws, 1011, "keepalive ping timeout")
