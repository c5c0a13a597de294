"""What every example shares: its command line, and where its sessions connect.

By default an example starts the embedded local server (it speaks the OpenAI Realtime wire
protocol; no key, no network) in a nursery and connects to it. With ``--openai`` it connects to
OpenAI's Realtime API instead, with the key from ``OPENAI_API_KEY``.
"""

from __future__ import annotations

import argparse
import functools
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import trio

import trio_realtime as rt
from trio_realtime.server import serve_local_realtime


def parser(description: str | None) -> argparse.ArgumentParser:
    """The shared flags (``--openai``, ``--model``); an example adds its own."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--openai",
        action="store_true",
        help="use OpenAI's Realtime API (reads OPENAI_API_KEY) instead of the local server",
    )
    parser.add_argument("--model", default="gpt-realtime", help="model (default: %(default)s)")
    return parser


def parse_args(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Parse the command line; exit with a clear message if ``--openai`` has no key."""
    args = parser.parse_args()
    if args.openai and not os.environ.get("OPENAI_API_KEY"):
        parser.exit(2, "error: --openai needs your API key in the OPENAI_API_KEY variable\n")
    return args


@asynccontextmanager
async def open_gateway(
    args: argparse.Namespace, **server_options: Any
) -> AsyncIterator[rt.OpenAIGateway]:
    """A gateway to OpenAI (``--openai``), or to a local server that runs for this block.

    ``server_options`` go to ``serve_local_realtime`` (``transcriber=``, ``pacing=``, ...); they
    are ignored with ``--openai``.
    """
    if args.openai:
        yield rt.OpenAIGateway()  # reads OPENAI_API_KEY; the key never shows in a repr
        return
    async with trio.open_nursery() as nursery:
        # nursery.start() returns once the server listens, with its URL (a free port).
        url = await nursery.start(functools.partial(serve_local_realtime, **server_options))
        print(f"(local server at {url}; pass --openai to use OpenAI)")
        try:
            yield rt.OpenAIGateway(url=url)
        finally:
            nursery.cancel_scope.cancel()  # the server runs until cancelled
