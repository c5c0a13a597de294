"""The ``serve``, ``chat`` and ``wav`` commands."""

from __future__ import annotations

import functools
import os
import pathlib
import signal
import sys
import tempfile
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import trio

import trio_realtime as rt

from ..audio import load_audio, write_wav
from ._target import Target
from ._timeline import Timeline, ms

if TYPE_CHECKING:
    from ..server import Limits

__all__ = ["run_chat", "run_serve", "run_wav"]


async def run_serve(
    *,
    host: str,
    port: int,
    audio_speed: float,
    limits: Limits | None = None,
    speech: bool = False,
    tls: bool = False,
) -> None:
    """Serve until cancelled. stdout: the OpenAI URL on the first line, the Gemini Live URL on
    the second, and with ``tls`` the CA file to trust (``SSL_CERT_FILE=...``) on the third.
    With ``speech`` the offline models (the ``speech`` extra) transcribe, speak and detect
    turns; ``limits`` bounds what a client can hold (default ``Limits()``); with ``tls`` the
    server speaks wss:// with a certificate from a local CA (the
    ``tls`` extra), kept in a temporary directory removed on exit."""
    from ..server import Pacing, gemini_url, serve_local_realtime

    options: dict[str, object] = {}
    if speech:
        from .. import speech as offline

        if not offline.available():
            raise rt.RealtimeError(f"serve --speech: {offline.INSTALL_HINT}")
        from ..speech.server import SpeechServerOptions

        engines = SpeechServerOptions()
        await engines.load()
        options = engines.server_kwargs()
    with (
        tempfile.TemporaryDirectory(prefix="trio-realtime-tls-") as directory,
        trio.open_signal_receiver(signal.SIGTERM) as terminated,
    ):
        ca_file = None
        if tls:
            from ..server.tls import LocalTLS

            try:
                local = LocalTLS.create(pathlib.Path(directory))
            except RuntimeError as exc:
                raise rt.RealtimeError(f"serve --tls: {exc}") from None
            options["ssl_context"] = local.server_context
            ca_file = local.ca_file
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_stop_on_signal, terminated, nursery.cancel_scope)
            url = await nursery.start(
                functools.partial(
                    serve_local_realtime,
                    host,
                    port,
                    pacing=Pacing(audio_speed=audio_speed),
                    limits=limits,
                    **options,  # type: ignore[arg-type]
                )
            )
            print(url, flush=True)
            print(gemini_url(url), flush=True)
            if ca_file is not None:
                print(f"SSL_CERT_FILE={ca_file}", flush=True)
                base = url.removesuffix("/v1/realtime").replace("wss://", "https://")
                hint = f"; google-genai: base_url {base!r} with SSL_CERT_FILE set"
            else:
                hint = ""
            print(
                "serving the OpenAI Realtime protocol (connect with ?model=...) and Gemini Live"
                f"{hint} (Ctrl-C stops)",
                file=sys.stderr,
                flush=True,
            )


async def _stop_on_signal(signals: AsyncIterator[int], scope: trio.CancelScope) -> None:
    """SIGTERM stops the server cleanly (so the TLS directory is removed)."""
    async for _ in signals:
        scope.cancel()
        return


async def _lines() -> AsyncIterator[str]:
    stdin = trio.lowlevel.FdStream(os.dup(sys.stdin.fileno()))
    buffer = b""
    async with stdin:
        while True:
            chunk = await stdin.receive_some()
            if not chunk:
                if buffer:
                    yield buffer.decode(errors="replace")
                return
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                yield line.decode(errors="replace")


async def run_chat(*, target: Target, instructions: str | None) -> None:
    """A text REPL against ``target``: each line is a user turn; the streamed answer is
    printed as it arrives."""
    config = rt.Config(modalities=["text"], turn_detection=None, instructions=instructions)
    async with (
        target.open() as gateway,
        rt.Broker(target.model, gateway=gateway, config=config).connect() as session,
    ):
        events = session.events()
        print(
            f"connected (session {session.session_id}); empty line or Ctrl-D quits",
            file=sys.stderr,
        )
        async for line in _lines():
            if not line.strip():
                break
            asked = trio.current_time()
            await session.send_text(line)
            async for event in events:
                if event.kind == "assistant_text_delta":
                    print(event.delta, end="", flush=True)
                elif event.kind == "error":
                    print(f"\n[error] {event.message}", file=sys.stderr)
                elif event.kind == "assistant_turn_completed":
                    print(f"\n  ({ms(trio.current_time() - asked)})", file=sys.stderr)
                    break


async def run_wav(*, source: pathlib.Path, dest: pathlib.Path, target: Target) -> None:
    """Send a WAV to ``target`` as one user turn; write the spoken answer to ``dest``."""
    tl = Timeline(sys.stderr)
    config = rt.Config(modalities=["audio"], turn_detection=None, input_audio_transcription=True)
    audio = load_audio(source, target_rate=config.input_sample_rate)
    async with (
        target.open() as gateway,
        rt.Broker(target.model, gateway=gateway, config=config).connect() as session,
    ):
        events = session.events()
        tl.line("you", f"[audio] {source} ({audio.duration_ms / 1000:.2f} s)")
        await session.send_audio_frame(audio.pcm)
        await session.commit_audio()  # no turn detection: commit requests the response
        pcm = bytearray()
        async for event in events:
            if event.kind == "assistant_audio_delta":
                pcm += event.pcm
            elif event.kind == "user_transcript":
                tl.line("you", f'"{event.text}"')
            elif event.kind == "assistant_transcript":
                tl.line("assistant", f'"{event.text}"')
            elif event.kind == "error":
                tl.line("bad", event.message)
            elif event.kind == "assistant_turn_completed":
                break
    write_wav(dest, bytes(pcm), sample_rate=config.output_sample_rate)
    tl.info(f"wrote {dest} ({len(pcm) / 2 / config.output_sample_rate:.2f} s)")
