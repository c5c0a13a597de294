"""The command line: ``python -m trio_realtime {serve,demo,chat,wav,replay}`` (also
``trio-realtime``)."""

from __future__ import annotations

import argparse
import pathlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import trio

from ._errors import add_debug_option, report_failure
from ._target import Target, TargetError, add_target_options

if TYPE_CHECKING:
    from ..server import Limits

__all__ = ["main"]


def _seconds(*, allow_zero: bool) -> Callable[[str], float]:
    """An argparse type: a number of seconds, > 0 (or >= 0 with ``allow_zero``)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
        if not (value >= 0 if allow_zero else value > 0) or value != value:  # (NaN)
            bound = ">= 0" if allow_zero else "> 0"
            raise argparse.ArgumentTypeError(f"must be {bound} seconds, not {text}")
        return value

    return parse


def _limits(args: argparse.Namespace) -> Limits:
    from ..server import Limits

    return Limits(
        ping_interval=args.ping_interval or None,
        ping_timeout=args.ping_timeout,
        retained_audio_seconds=args.retained_audio,
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trio-realtime",
        description="Realtime voice sessions with LLMs, on trio (no key needed locally).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser(
        "serve", help="serve the OpenAI Realtime and Gemini Live protocols locally"
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    serve.add_argument(
        "--audio-speed",
        type=float,
        default=4.0,
        help="audio is produced this many times faster than real time",
    )
    serve.add_argument(
        "--retained-audio",
        type=_seconds(allow_zero=False),
        default=600.0,
        metavar="SECONDS",
        help="audio a session keeps (item audio; uncommitted input): the oldest goes first",
    )
    serve.add_argument(
        "--ping-interval",
        type=_seconds(allow_zero=True),
        default=30.0,
        metavar="SECONDS",
        help="ping a connection quiet this long; 0 never pings (a silent client is kept)",
    )
    serve.add_argument(
        "--ping-timeout",
        type=_seconds(allow_zero=False),
        default=30.0,
        metavar="SECONDS",
        help="close a connection whose pong does not come within this long",
    )
    serve.add_argument(
        "--speech",
        action="store_true",
        help="real speech: Whisper transcribes, Hibari speaks, Silero detects turns "
        '(needs pip install "trio-realtime[speech]")',
    )
    serve.add_argument(
        "--tls",
        action="store_true",
        help="serve wss:// with a certificate from a locally generated CA (prints the CA file "
        'to trust via SSL_CERT_FILE; needs pip install "trio-realtime[tls]")',
    )

    target = add_target_options

    demo = sub.add_parser("demo", help="a voice session end to end, as a timeline")
    target(demo)
    demo.add_argument(
        "--out",
        type=pathlib.Path,
        default=pathlib.Path("demo-output"),
        help="where the WAV files go (default: ./demo-output)",
    )
    demo.add_argument(
        "--fast",
        action="store_true",
        help="send audio as fast as possible instead of at microphone pace",
    )
    demo.add_argument(
        "--no-speech",
        dest="speech",
        action="store_false",
        help="the synthetic voice even when the speech extra (real speech) is installed",
    )

    chat = sub.add_parser("chat", help="an interactive text chat")
    target(chat)
    chat.add_argument("--instructions")

    wav = sub.add_parser("wav", help="send a WAV as a user turn, write the spoken answer as WAV")
    wav.add_argument("input", type=pathlib.Path)
    wav.add_argument("output", type=pathlib.Path)
    target(wav)

    replay = sub.add_parser("replay", help="print a recording (rt.Recorder) as an event timeline")
    replay.add_argument("file", type=pathlib.Path)
    replay.add_argument(
        "--frames", action="store_true", help="one line per frame (do not fold runs of deltas)"
    )
    add_debug_option([parser, *sub.choices.values()])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    if hasattr(args, "provider"):  # checked before anything runs: usage errors exit with 2
        try:
            target = Target.from_args(args.provider, args.url, args.model)
        except TargetError as exc:
            report_failure(exc, args)
            return 2
    try:
        if args.command == "replay":
            from ._replay import run_replay

            return run_replay(args.file, fold=not args.frames)
        if args.command == "serve":
            from ._commands import run_serve

            trio.run(
                lambda: run_serve(
                    host=args.host,
                    port=args.port,
                    audio_speed=args.audio_speed,
                    limits=_limits(args),
                    speech=args.speech,
                    tls=args.tls,
                )
            )
        elif args.command == "demo":
            from ._demo import run_demo

            trio.run(
                lambda: run_demo(
                    target=target, out_dir=args.out, realtime=not args.fast, speech=args.speech
                )
            )
        elif args.command == "chat":
            from ._commands import run_chat

            trio.run(lambda: run_chat(target=target, instructions=args.instructions))
        else:
            from ._commands import run_wav

            trio.run(lambda: run_wav(source=args.input, dest=args.output, target=target))
    except BaseException as exc:  # one clear line for what users cause; a bug keeps its traceback
        return report_failure(exc, args)
    return 0
