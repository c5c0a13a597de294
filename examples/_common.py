"""What every example shares: its command line, where its sessions connect, and the voices of
the pipeline examples (the offline ``speech`` extra when installed, else small stand-ins).

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
from trio_realtime import pipeline as vp
from trio_realtime import speech
from trio_realtime.server import serve_local_realtime, synthesize


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


# -- the voices of the pipeline examples: the speech extra when installed, else stand-ins ----


class ScriptedSTT:
    """Stand-in speech-to-text: "hears" the given lines in order (the audio is synthetic)."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = list(lines)

    async def transcribe(self, pcm: bytes, sample_rate: int) -> str:
        return self.lines.pop(0) if self.lines else ""


class SyntheticTTS:
    """Stand-in text-to-speech: the local server's speech-like (wordless) voice."""

    sample_rate = 24_000

    async def synthesize(self, text: str) -> AsyncIterator[bytes]:
        yield synthesize(text, voice="marin", sample_rate=self.sample_rate).pcm


def models(lines: list[str]) -> tuple[vp.STTModel, vp.TTSModel, bool]:
    """(stt, tts, real): Whisper and Hibari with the extra, else the stand-ins."""
    if speech.available():
        return vp.WhisperSTT(), vp.HibariTTS(), True
    print(f"(stand-in voices: {speech.INSTALL_HINT})")
    return ScriptedSTT(lines), SyntheticTTS(), False


async def user_says(text: str, real: bool) -> bytes:
    """24 kHz PCM16 of the user saying ``text`` (Hibari, or the synthetic voice)."""
    if real:
        return b"".join(
            [chunk async for chunk in vp.HibariTTS(voice=None, seed=1).synthesize(text)]
        )
    return synthesize(text, voice="cedar", sample_rate=24_000).pcm
