"""Running a turn's tool calls: one cancel scope and child nursery per batch.

A :class:`BatchRunner` lives inside the session's nursery. The first call of a turn creates that
turn's batch — its :class:`trio.CancelScope` exists from that moment, so an interruption that
arrives before the batch task runs still takes effect — and starts the batch task, which holds a
child nursery open until the batch is sealed (the response is done) and its calls have finished.
:meth:`start` is synchronous: the session carries out a step's actions without waiting.

Every call runs in its own task, inside its own cancel scope (so the provider can withdraw one
call) nested in the batch's: async tools are awaited, sync tools run in
``trio.to_thread.run_sync``, application-answered tools wait for
``send_tool_result``/``send_tool_error``. A ``CapacityLimiter`` bounds how many run at once and a
per-tool timeout bounds each. Sync tools take their worker threads from a second limiter of the
session's own (same size): a sync tool abandoned by its timeout keeps its thread until it
returns, so hung sync tools make this session's next sync calls wait (within their timeouts),
never the rest of the process. Only ``Exception`` is caught from a tool, never ``trio.Cancelled``:
cancelling the batch scope (interruption, close) cancels its calls at once, and each call's
outcome — including a cancellation — is reported exactly once, synchronously, through ``apply``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, cast

import attrs
import trio

from ._actions import Action, StartCall
from ._tool_calls import call_tool
from ._turns import TurnMachine
from .tools import ToolArgumentsError, ToolContext, ToolResultError, ToolSession, encode_result

__all__ = ["BatchRunner"]


@attrs.define(eq=False)
class _Batch:
    turn_id: str
    scope: trio.CancelScope = attrs.Factory(trio.CancelScope)
    interrupted: trio.Event = attrs.Factory(trio.Event)
    sealed: trio.Event = attrs.Factory(trio.Event)
    nursery: trio.Nursery | None = None
    waiting: list[StartCall] = attrs.Factory(list)  # started before the nursery opened
    call_scopes: dict[str, trio.CancelScope] = attrs.Factory(dict)


@attrs.define(eq=False)
class _AppCall:
    done: trio.Event = attrs.Factory(trio.Event)
    result: Any = None
    error: str | None = None


class BatchRunner:
    """Starts, cancels and reports tool calls for a session.

    ``apply`` is called (synchronously) with the actions the turn machine returns for each
    outcome; ``session`` is what tools see as ``ToolContext.session``.
    """

    def __init__(
        self,
        nursery: trio.Nursery,
        *,
        machine: TurnMachine,
        apply: Callable[[Sequence[Action]], None],
        default_timeout: float | None,
        max_concurrent: int,
        session: object = None,
    ) -> None:
        self._nursery = nursery
        self._machine = machine
        self._apply = apply
        self._limiter = trio.CapacityLimiter(max_concurrent)
        # sync tools' worker threads: the session's own, so abandoned ones (a sync tool that
        # timed out runs on) starve this session's sync tools, never the process's threads
        self._threads = trio.CapacityLimiter(max_concurrent)
        # (the runtime passes its owner: the RealtimeSession, a ToolSession)
        self._session = cast("ToolSession | None", session)
        self.default_timeout = default_timeout
        self._batches: dict[str, _Batch] = {}
        self._app_calls: dict[str, _AppCall] = {}
        self._idle = trio.lowlevel.ParkingLot()
        self._call_tasks: set[trio.lowlevel.Task] = set()

    @property
    def running(self) -> int:
        """Calls currently holding the limiter."""
        return self._limiter.borrowed_tokens

    def in_tool(self) -> bool:
        """Whether the calling task is one of the tool calls."""
        return trio.lowlevel.current_task() in self._call_tasks

    async def wait_idle(self) -> None:
        """Wait until no batch is running (e.g. after ``cancel_all``)."""
        while self._batches:
            await self._idle.park()
        await trio.lowlevel.checkpoint()

    def batch_scope(self, turn_id: str) -> trio.CancelScope | None:
        """The cancel scope of ``turn_id``'s batch, if it has one (for tests and tracing)."""
        batch = self._batches.get(turn_id)
        return batch.scope if batch else None

    def start(self, action: StartCall) -> None:
        """Run ``action``'s call in its turn's batch (creating the batch if needed)."""
        if action.tool.answered_by_app:  # registered before tool_call_dispatched is published
            self._app_calls[action.call_id] = _AppCall()
        batch = self._batches.get(action.turn_id)
        if batch is None:
            batch = self._batches[action.turn_id] = _Batch(action.turn_id)
            self._nursery.start_soon(self._run_batch, batch)
        batch.call_scopes[action.call_id] = trio.CancelScope()
        if batch.nursery is None:
            batch.waiting.append(action)
        else:
            batch.nursery.start_soon(self._run_call, batch, action)

    def seal(self, turn_id: str) -> None:
        """No more calls will join ``turn_id``'s batch."""
        batch = self._batches.get(turn_id)
        if batch is not None:
            batch.sealed.set()

    def interrupted(self, turn_id: str) -> None:
        """Tell ``turn_id``'s tools (through their context) that the turn was interrupted."""
        batch = self._batches.get(turn_id)
        if batch is not None:
            batch.interrupted.set()

    def cancel(self, turn_id: str) -> None:
        """Cancel ``turn_id``'s batch scope: its running calls end now."""
        batch = self._batches.get(turn_id)
        if batch is not None:
            batch.interrupted.set()
            batch.scope.cancel()

    def cancel_calls(self, turn_id: str, call_ids: Sequence[str]) -> None:
        """Cancel only these calls of ``turn_id``'s batch (the provider withdrew them)."""
        batch = self._batches.get(turn_id)
        if batch is not None:
            for call_id in call_ids:
                scope = batch.call_scopes.get(call_id)
                if scope is not None:
                    scope.cancel()

    def cancel_all(self) -> None:
        """Cancel every batch (the session is closing)."""
        for turn_id in list(self._batches):
            self.cancel(turn_id)

    def answer(self, call_id: str, *, result: Any = None, error: str | None = None) -> None:
        """Deliver an application's answer to a pending application-answered call."""
        call = self._app_calls.get(call_id)
        if call is None or call.done.is_set():
            raise ValueError(
                f"no pending application-answered tool call with call_id {call_id!r} "
                "(unknown, not answered by the application, or already answered)"
            )
        call.result, call.error = result, error
        call.done.set()

    async def _run_batch(self, batch: _Batch) -> None:
        try:
            with batch.scope:
                async with trio.open_nursery() as nursery:
                    batch.nursery = nursery
                    for action in batch.waiting:
                        nursery.start_soon(self._run_call, batch, action)
                    batch.waiting.clear()
                    await batch.sealed.wait()
        finally:
            batch.nursery = None
            for action in batch.waiting:  # never started: the batch failed to open
                self._report_cancelled(action, "interrupted before the call started")
            self._batches.pop(batch.turn_id, None)
            if not self._batches:
                self._idle.unpark_all()

    async def _run_call(self, batch: _Batch, action: StartCall) -> None:
        tool, machine = action.tool, self._machine
        timeout = tool.timeout if tool.timeout is not None else self.default_timeout
        context = ToolContext(
            call_id=action.call_id,
            turn_id=action.turn_id,
            name=tool.name,
            interrupted=batch.interrupted,
            session=self._session,
        )
        task = trio.lowlevel.current_task()
        self._call_tasks.add(task)
        try:
            with batch.call_scopes[action.call_id] as own:
                async with self._limiter:  # the timeout starts once the call may actually run
                    with trio.move_on_after(math.inf if timeout is None else timeout) as deadline:
                        result = await self._invoke(action, context)
            if own.cancelled_caught:
                message = "cancelled: the provider withdrew the call"
                actions = machine.call_cancelled(action.turn_id, action.call_id, message)
            elif deadline.cancelled_caught:
                message = f"tool {tool.name!r} timed out after {timeout:g} s"
                actions = machine.call_failed(action.turn_id, action.call_id, message)
            else:
                output = encode_result(result)
                actions = machine.call_succeeded(action.turn_id, action.call_id, result, output)
        except trio.Cancelled:
            self._report_cancelled(
                action, "interrupted: the turn was interrupted or the session closed"
            )
            raise
        except (_AppError, ToolArgumentsError, ToolResultError) as exc:
            actions = machine.call_failed(action.turn_id, action.call_id, str(exc))
        except Exception as exc:  # a tool's own failure never kills the session
            message = f"tool {tool.name!r} raised {type(exc).__name__}: {exc}"
            actions = machine.call_failed(action.turn_id, action.call_id, message)
        finally:
            self._app_calls.pop(action.call_id, None)
            self._call_tasks.discard(task)
            batch.call_scopes.pop(action.call_id, None)
        self._apply(actions)

    def _report_cancelled(self, action: StartCall, message: str) -> None:
        self._app_calls.pop(action.call_id, None)
        self._apply(self._machine.call_cancelled(action.turn_id, action.call_id, message))

    async def _invoke(self, action: StartCall, context: ToolContext) -> Any:
        """Run the call: await an async tool, a sync one in a worker thread (abandoned if
        cancelled: it can poll ``context.interrupted``), or wait for the application."""
        if action.tool.answered_by_app:
            return await self._wait_for_app(action.call_id)
        return await call_tool(action.tool, action.args, context, threads=self._threads)

    async def _wait_for_app(self, call_id: str) -> Any:
        call = self._app_calls[call_id]
        await call.done.wait()
        if call.error is not None:
            raise _AppError(call.error)
        return call.result


class _AppError(Exception):
    """The application answered a call with ``send_tool_error``."""
