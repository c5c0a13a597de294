"""The command line, run as a user would: ``python -m trio_realtime ...`` in a subprocess."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
import trio

import trio_realtime as rt
from trio_realtime.audio import read_wav, write_wav
from trio_realtime.cli import main

ENV = {**os.environ, "NO_COLOR": "1"}
ENV.pop("OPENAI_API_KEY", None)


def cli(
    *args: str, stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trio_realtime", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=ENV,
        check=False,
    )


def test_demo_runs_end_to_end(tmp_path: pathlib.Path) -> None:
    result = cli("demo", "--fast", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for expected in (
        "The capital of France is Paris.",
        "get_weather(city='Oslo')",
        "outputs sent for 1 call(s), then one response.create",
        "speech stopped at",
        '"Tell me a joke."',
        "interrupted (barge_in)",
        "Done",
    ):
        assert expected in out, out
    answer = read_wav(tmp_path / "assistant.wav")
    assert answer.sample_rate == 24_000 and answer.duration_ms > 1000


def test_wav_round_trip(tmp_path: pathlib.Path) -> None:
    source, dest = tmp_path / "in.wav", tmp_path / "out.wav"
    tone = (np.sin(np.arange(16_000) * 2 * np.pi * 220 / 16_000) * 8000).astype(np.int16)
    write_wav(source, tone, sample_rate=16_000)  # resampled to 24 kHz on the way in
    result = cli("wav", str(source), str(dest))
    assert result.returncode == 0, result.stderr
    assert "You said" in result.stderr
    reply = read_wav(dest)
    assert reply.sample_rate == 24_000 and reply.duration_ms > 500


def test_chat_reads_lines_from_stdin() -> None:
    result = cli("chat", stdin="What is the capital of France?\n\n")
    assert result.returncode == 0, result.stderr
    assert "The capital of France is Paris." in result.stdout


def test_openai_provider_without_key_is_a_clear_error() -> None:
    result = cli("demo", "--provider", "openai")
    assert result.returncode == 2
    assert "OPENAI_API_KEY" in result.stderr


def test_unreachable_url_is_an_error_not_a_traceback() -> None:
    result = cli("chat", "--url", "ws://127.0.0.1:9/v1/realtime", stdin="hi\n")
    assert result.returncode == 1
    assert result.stderr.startswith("error:") and "Traceback" not in result.stderr


def test_serve_prints_its_url_first_and_serves() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "trio_realtime", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("ws://127.0.0.1:") and url.endswith("/v1/realtime")

        async def one_turn() -> str:
            config = rt.Config(modalities=["text"], turn_detection=None)
            with trio.fail_after(20):
                async with rt.open_session(
                    "m", gateway=rt.OpenAIGateway(url=url), config=config
                ) as s:
                    await s.send_text("What is the capital of Canada?")
                    async for event in s.events():
                        if isinstance(event, rt.AssistantText):
                            return event.text
            return ""

        assert trio.run(one_turn) == "The capital of Canada is Ottawa."
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_main_rejects_unknown_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["nope"])
    assert "invalid choice" in capsys.readouterr().err
