"""Workflows: what the assistant answers to a user's turn (text in, text chunks out)."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable
from typing import Any, Protocol, TypeAlias, runtime_checkable

__all__ = ["SimpleWorkflow", "Workflow", "WorkflowOutput", "iterate_output"]

WorkflowOutput: TypeAlias = str | Iterable[str] | AsyncIterable[str]


@runtime_checkable
class Workflow(Protocol):
    """Turns a user's words into the assistant's words.

    ``greeting()`` is spoken as its own turn when a streamed run starts (``None``: no greeting).
    ``run(text)`` returns the answer as text chunks: an iterable or an async iterable of
    ``str`` (deltas: they are concatenated, so include the spaces). It may also be an
    ``async def`` returning one of those.
    """

    def greeting(self) -> str | None: ...

    def run(self, text: str) -> Any: ...


async def iterate_output(output: Any) -> AsyncIterator[str]:
    """The chunks of a workflow's output, whatever its shape (see :class:`Workflow`).

    Raises ``TypeError`` for anything that is not text. An async iterator given here is closed
    (``aclose``) when this generator is closed early.
    """
    if inspect.isawaitable(output):
        output = await output
    if isinstance(output, str):
        yield output
        return
    if isinstance(output, AsyncIterable):
        iterator = aiter(output)
        try:
            async for chunk in iterator:
                yield _check(chunk)
        finally:
            close = getattr(iterator, "aclose", None)
            if close is not None:
                await close()
        return
    if isinstance(output, Iterable):
        for chunk in output:
            yield _check(chunk)
        return
    raise TypeError(
        "a workflow must return a str, an iterable or an async iterable of str, "
        f"not {type(output).__name__}"
    )


def _check(chunk: object) -> str:
    if not isinstance(chunk, str):
        raise TypeError(f"a workflow yielded {type(chunk).__name__}, not str: {chunk!r}")
    return chunk


SimpleFunction: TypeAlias = Callable[[str], WorkflowOutput | Awaitable[WorkflowOutput]]


class SimpleWorkflow:
    """A workflow from one function: ``fn(text)`` (sync or async) returns a string, an
    iterable of strings or an async iterator of strings.

    ::

        vp.SimpleWorkflow(lambda text: [f"I understood: {text}"], greeting="Hello!")

    A sync ``fn`` runs on the event loop: keep it quick (do blocking work in an async ``fn``
    with ``trio.to_thread.run_sync``).
    """

    def __init__(self, fn: SimpleFunction, *, greeting: str | None = None) -> None:
        if not callable(fn):
            raise TypeError(f"SimpleWorkflow needs a function, not {type(fn).__name__}")
        self._fn = fn
        self._greeting = greeting

    def greeting(self) -> str | None:
        return self._greeting

    def run(self, text: str) -> WorkflowOutput | Awaitable[WorkflowOutput]:
        return self._fn(text)

    def __repr__(self) -> str:
        return f"SimpleWorkflow({getattr(self._fn, '__name__', self._fn)!r})"
