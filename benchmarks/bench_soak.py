"""Soak: a long voice conversation with barge-ins against `serve`; memory and fds must stay flat.

Starts ``python -m trio_realtime serve --port 0`` in a subprocess and holds one session with it
for ``--duration`` wall-clock seconds: synthetic speech goes in as 20 ms frames, paced at
``--speed`` times real time (1 = a real microphone; the server's VAD runs on the audio clock,
so a higher factor is the same conversation, compressed), the server's VAD ends each user turn
and the assistant answers in audio; every ``--barge-every``-th turn the user talks over the
answer (a barge-in: ``interrupted``, truncation). Every ``--interval`` seconds it samples the
RSS and the open file descriptors of this process (the client) and of the server. The server
keeps ``--server-retained-audio`` seconds of audio (60; its default is 600), so its memory
levels off within the warm-up and what grows after it is a leak.

Verdict: after ``--warmup`` seconds, a least-squares line is fitted to each RSS series; the
growth it predicts over the measured window must stay within ``--max-growth-mib`` (client and
server), and the fd counts within ``--max-fd-growth``. The JSON (``--out``) holds every sample,
the fits and the conversation's counts. Exit status 1 when a bound is broken.

The full soak is ``python benchmarks/bench_soak.py`` (30 minutes, real time); ``--quick`` runs
60 s at 4x (as CI does, through tests/verification/test_soak.py, with generous bounds).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pathlib
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import trio

import trio_realtime as rt
from trio_realtime.audio import FrameChunker
from trio_realtime.server import synthesize

FRAME_MS = 20
RATE = 24_000
UTTERANCES = ("Tell me something about the sea.", "And what about mountains?", "Go on, please.")


# -- sampling ---------------------------------------------------------------------------------


def rss_bytes(pid: int) -> int:
    """Resident set size of ``pid`` (Linux /proc; psutil elsewhere)."""
    status = pathlib.Path(f"/proc/{pid}/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    import psutil  # pragma: no cover (not Linux)

    return int(psutil.Process(pid).memory_info().rss)  # pragma: no cover


def open_fds(pid: int) -> int:
    """Open file descriptors of ``pid``."""
    fd_dir = pathlib.Path(f"/proc/{pid}/fd")
    if fd_dir.exists():
        return len(os.listdir(fd_dir))
    import psutil  # pragma: no cover (not Linux)

    return int(psutil.Process(pid).num_fds())  # pragma: no cover


def fit(times: list[float], values: list[float]) -> dict[str, float]:
    """Least-squares line through the samples: slope per minute and the growth it predicts
    over the window."""
    n = len(times)
    if n < 2:
        return {"slope_per_min": 0.0, "growth": 0.0, "window_s": 0.0}
    mt, mv = sum(times) / n, sum(values) / n
    var = sum((t - mt) ** 2 for t in times)
    slope = sum((t - mt) * (v - mv) for t, v in zip(times, values, strict=True)) / var
    window = times[-1] - times[0]
    return {"slope_per_min": slope * 60, "growth": slope * window, "window_s": window}


# -- the conversation -------------------------------------------------------------------------


class Conversation:
    """The user's side: speaks, listens to the answer (a simulated player reports playback at
    ``speed`` times real time) or talks over it, and counts everything."""

    def __init__(self, session: rt.RealtimeSession, *, speed: float, barge_every: int) -> None:
        self.session = session
        self.speed = speed
        self.barge_every = barge_every
        self.counts: dict[str, int] = dict.fromkeys(
            ("user_turns", "responses", "interrupted", "audio_in_ms", "audio_out_ms", "errors"),
            0,
        )
        self.answer_started = trio.Event()
        self.answer_done = trio.Event()
        chunker = FrameChunker(frame_ms=FRAME_MS, sample_rate=RATE)
        self.speech = [chunker.push(synthesize(t, voice="cedar").pcm) for t in UTTERANCES]
        self.silence = bytes(2 * RATE * FRAME_MS // 1000)
        self.playing: tuple[str, float, float] | None = None  # item, first audio, ms received
        self.answer: str | None = None  # the first response since the user began this turn

    def played(self) -> bool:
        """Report the simulated player's position; whether it has played all it received."""
        if self.playing is None:
            return True
        item, first, received = self.playing
        position = min(received, (trio.current_time() - first) * 1000 * self.speed)
        self.session.report_playback(item, position)
        return position >= received

    async def listen(self) -> None:
        async for event in self.session.events():
            if isinstance(event, rt.AssistantTurnStarted) and self.answer is None:
                self.answer = event.turn_id
            mine = getattr(event, "turn_id", None) == self.answer
            if isinstance(event, rt.AssistantAudioDelta):
                ms = len(event.pcm) * 1000 / (2 * event.sample_rate)
                self.counts["audio_out_ms"] += round(ms)
                if self.playing is None or self.playing[0] != event.item_id:
                    self.playing = (event.item_id, trio.current_time(), 0.0)
                item, first, received = self.playing
                self.playing = (item, first, received + ms)
                if mine:
                    self.answer_started.set()
            elif isinstance(event, rt.Interrupted):
                self.counts["interrupted"] += 1
                self.playing = None  # the player stops at once
            elif isinstance(event, rt.AssistantTurnCompleted):
                self.counts["responses"] += 1
                if mine:
                    self.answer_done.set()
            elif isinstance(event, rt.Error):
                self.counts["errors"] += 1

    async def frame(self, pcm: bytes) -> None:
        """Send one 20 ms frame, paced like a microphone running ``speed`` times faster."""
        await self.session.send_audio_frame(pcm)
        self.played()
        self.counts["audio_in_ms"] += FRAME_MS
        await trio.sleep_until(self._start + self.counts["audio_in_ms"] / 1000 / self.speed)

    async def silence_until(self, done: Callable[[], bool], limit_ms: int) -> None:
        for _ in range(limit_ms // FRAME_MS):
            if done():
                return
            await self.frame(self.silence)

    async def speak(self) -> None:
        """Talk forever: an utterance, then silence until the answer ends (or, every few
        turns, until it starts, plus half a second: then talk over it)."""
        self._start = trio.current_time()
        turn = 0
        while True:
            self.answer_started, self.answer_done = trio.Event(), trio.Event()
            self.answer = None
            for pcm in self.speech[turn % len(self.speech)]:
                await self.frame(pcm)
            self.counts["user_turns"] += 1
            turn += 1
            if self.barge_every and turn % self.barge_every == 0:
                await self.silence_until(self.answer_started.is_set, 10_000)
                await self.silence_until(lambda: False, 500)  # then talk over it
            else:
                await self.silence_until(self.answer_done.is_set, 20_000)
                await self.silence_until(self.played, 60_000)  # the listener hears it all
                await self.silence_until(lambda: False, 400)


# -- the run ------------------------------------------------------------------------------------


@contextlib.contextmanager
def local_server(
    audio_speed: float, retained_audio: float
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    command = [sys.executable, "-m", "trio_realtime", "serve", "--port", "0"]
    command += ["--audio-speed", str(audio_speed), "--retained-audio", str(retained_audio)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith("ws://"):
            raise RuntimeError(f"the server did not start (printed {url!r})")
        yield url, proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def soak(args: argparse.Namespace, url: str, server_pid: int) -> dict[str, Any]:
    samples: list[dict[str, float]] = []
    me = os.getpid()
    config = rt.Config(
        modalities=["audio"],
        turn_detection=rt.ServerVad(silence_duration_ms=300),
        input_audio_transcription=True,
    )
    gateway = rt.OpenAIGateway(url=url, api_key="sk-soak")
    started = time.monotonic()

    def sample() -> None:
        samples.append(
            {
                "t": time.monotonic() - started,
                "client_rss": rss_bytes(me),
                "server_rss": rss_bytes(server_pid),
                "client_fds": open_fds(me),
                "server_fds": open_fds(server_pid),
            }
        )

    async with rt.open_session("gpt-realtime", gateway=gateway, config=config) as session:
        talk = Conversation(session, speed=args.speed, barge_every=args.barge_every)
        with trio.move_on_after(args.duration):
            async with trio.open_nursery() as nursery:
                nursery.start_soon(talk.listen)
                nursery.start_soon(talk.speak)
                while True:
                    sample()
                    await trio.sleep(args.interval)
        sample()
        stats = session.statistics()
    return {"samples": samples, "counts": talk.counts, "dropped": stats.dropped_audio_deltas}


def verdict(result: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    measured = [s for s in result["samples"] if s["t"] >= args.warmup]
    times = [s["t"] for s in measured]
    mib = 1024 * 1024
    fits = {
        who: fit(times, [s[f"{who}_rss"] / mib for s in measured]) for who in ("client", "server")
    }
    fds = {
        who: max(s[f"{who}_fds"] for s in measured) - min(s[f"{who}_fds"] for s in measured)
        for who in ("client", "server")
    }
    bounds = {"client": args.max_growth_mib, "server": args.max_server_growth_mib}
    problems = [
        f"{who} RSS grew {fits[who]['growth']:.1f} MiB over {fits[who]['window_s']:.0f} s "
        f"(bound {bounds[who]} MiB)"
        for who in fits
        if fits[who]["growth"] > bounds[who]
    ]
    problems += [
        f"{who} open fds varied by {n} (bound {args.max_fd_growth})"
        for who, n in fds.items()
        if n > args.max_fd_growth
    ]
    if len(measured) < 3:
        problems.append(f"only {len(measured)} samples after the warm-up: run longer")
    if result["counts"]["responses"] < 2 or result["counts"]["interrupted"] < 1:
        problems.append(f"the conversation did not get going: {result['counts']}")
    return {"rss_fit_mib": fits, "fd_range": fds, "problems": problems, "ok": not problems}


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=1800.0, help="seconds (wall clock)")
    parser.add_argument("--speed", type=float, default=1.0, help="audio pace, x real time")
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between samples")
    parser.add_argument("--warmup", type=float, default=120.0, help="seconds not fitted")
    parser.add_argument("--barge-every", type=int, default=3, help="every n-th turn (0: never)")
    parser.add_argument("--max-growth-mib", type=float, default=8.0, help="client RSS bound")
    parser.add_argument("--max-server-growth-mib", type=float, default=16.0)
    parser.add_argument("--max-fd-growth", type=int, default=4)
    parser.add_argument("--audio-speed", type=float, default=4.0, help="the server's pacing")
    parser.add_argument(
        "--server-retained-audio",
        type=float,
        default=60.0,
        help="seconds of audio the server keeps (serve --retained-audio): small, so its memory "
        "levels off within the warm-up and any growth after it is a leak",
    )
    parser.add_argument("--quick", action="store_true", help="60 s at 4x, sampled every 2 s")
    parser.add_argument("--repeats", type=int, default=1, help="(ignored: one long run)")
    parser.add_argument(
        "--out", type=pathlib.Path, default=pathlib.Path("benchmarks/results/soak.json")
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.speed, args.interval, args.warmup = 60.0, 4.0, 2.0, 20.0
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    with local_server(args.audio_speed, args.server_retained_audio) as (url, proc):
        result = trio.run(soak, args, url, proc.pid)
    result.update(verdict(result, args))
    result["settings"] = {
        k: str(v) if isinstance(v, pathlib.Path) else v for k, v in vars(args).items()
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"benchmark": "soak", **result}, indent=1))
    counts, fits = result["counts"], result["rss_fit_mib"]
    audio_in, audio_out = counts["audio_in_ms"] / 1000, counts["audio_out_ms"] / 1000
    print(
        f"soak {args.duration:.0f} s at {args.speed:g}x: {counts['user_turns']} user turns, "
        f"{counts['responses']} responses, {counts['interrupted']} barge-ins, "
        f"{audio_in:.0f} s of audio in, {audio_out:.0f} s out"
    )
    for who, f in fits.items():
        print(
            f"  {who:6} RSS {f['slope_per_min']:+.2f} MiB/min ({f['growth']:+.1f} MiB over "
            f"{f['window_s']:.0f} s), open fds varied by {result['fd_range'][who]}"
        )
    for problem in result["problems"]:
        print(f"  FAIL: {problem}")
    print(f"{'OK' if result['ok'] else 'FAILED'}; wrote {args.out}")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
