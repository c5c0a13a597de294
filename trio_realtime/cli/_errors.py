"""How the command line reports a failure: one clear line on stderr and exit status 1.

Every command runs under :func:`report_failure`: an expected failure (the server refused or
dropped us, a port in use, a missing or unreadable file, a bad WAV, a bad argument) is printed
as ``error: <what happened>`` on one line, however deep in a nursery it was raised (trio wraps
it in an ``ExceptionGroup``; the user never sees that). ``--debug`` or ``TRIO_REALTIME_DEBUG=1``
prints the traceback first. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
import traceback
from collections.abc import Iterable

from .._errors import RealtimeError

if sys.version_info < (3, 11):  # pragma: no cover
    from exceptiongroup import BaseExceptionGroup

__all__ = ["DEBUG_ENV", "add_debug_option", "report_failure"]

DEBUG_ENV = "TRIO_REALTIME_DEBUG"
_EXPECTED = (RealtimeError, OSError, ValueError)


def add_debug_option(parsers: Iterable[argparse.ArgumentParser]) -> None:
    """Give every command ``--debug`` (show the traceback of a failure)."""
    for parser in parsers:
        parser.add_argument(
            "--debug",
            action="store_true",
            default=argparse.SUPPRESS,  # a subcommand's default must not hide the main one's
            help=f"show the full traceback of a failure (also {DEBUG_ENV}=1)",
        )


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in _leaves(inner)]
    return [exc]


def _describe(exc: BaseException, args: argparse.Namespace) -> str:
    if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
        where = f"{getattr(args, 'host', '')}:{getattr(args, 'port', '')}"
        return f"cannot listen on {where}: address already in use (--port 0 picks a free port)"
    if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
        return f"{exc.strerror}: {exc.filename}"
    text = str(exc) or type(exc).__name__
    return " ".join(text.split())  # one line, whatever a server put in its message


def report_failure(exc: BaseException, args: argparse.Namespace) -> int:
    """Print ``exc`` (bare, or a group of expected failures) as one line each; return the exit
    status (1, or 130 for Ctrl-C). Re-raises ``exc`` when it holds anything unexpected."""
    leaves = _leaves(exc)
    if all(isinstance(leaf, KeyboardInterrupt) for leaf in leaves):
        return 130
    if not all(isinstance(leaf, _EXPECTED) for leaf in leaves):
        raise exc
    if getattr(args, "debug", False) or os.environ.get(DEBUG_ENV, "") not in ("", "0"):
        traceback.print_exception(type(exc), exc, exc.__traceback__)
    for line in dict.fromkeys(_describe(leaf, args) for leaf in leaves):
        print(f"error: {line}", file=sys.stderr)
    return 1
