"""The command line, run as a user would: ``python -m trio_realtime ...`` in a subprocess."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import trio

import trio_realtime as rt
from trio_realtime.audio import read_wav, write_wav
from trio_realtime.cli import main

ENV = {**os.environ, "NO_COLOR": "1"}
for _variable in (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "GOOGLE_API_KEY",
    "GEMINI_API_KEY",
    "GOOGLE_GEMINI_BASE_URL",
):
    ENV.pop(_variable, None)


def cli(
    *args: str, stdin: str | None = None, timeout: float = 90, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trio_realtime", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**ENV, **(env or {})},
        check=False,
    )


def assert_in_order(out: str, *expected: str) -> None:
    at = 0
    for text in expected:
        found = out.find(text, at)
        assert found >= 0, f"{text!r} missing (after position {at}) in:\n{out}"
        at = found + len(text)


def test_demo_runs_end_to_end(tmp_path: pathlib.Path) -> None:
    result = cli("demo", "--fast", "--no-speech", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert_in_order(
        result.stdout,
        "embedded local server, OpenAI Realtime protocol",
        "speech: synthetic (--no-speech)",
        "The capital of France is Paris.",
        "get_weather(city='Oslo')",
        "turn ended with the call  the model waits for the outputs",
        "outputs sent for 1 call(s), then one response.create",
        "speech stopped at",
        "after end of speech",
        '"Tell me a joke."',
        "interrupted (barge_in)",
        "the server's copy is truncated to that",
        "Done",
    )
    assert "Gemini" not in result.stdout
    answer = read_wav(tmp_path / "assistant.wav")
    assert answer.sample_rate == 24_000 and answer.duration_ms > 1000
    assert {p.name for p in tmp_path.iterdir()} == {
        "assistant.wav",
        "you-question.wav",
        "you-stop.wav",
    }


def test_demo_on_the_gemini_path_shows_what_gemini_does(tmp_path: pathlib.Path) -> None:
    result = cli("demo", "--provider", "gemini", "--fast", "--no-speech", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert_in_order(
        out,
        "embedded local server, Gemini Live protocol",
        "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent",
        "session gemini_",
        # 1. text: the spoken answer's transcript; the turn ends once its audio would have played
        "The capital of France is Paris.",
        "Gemini: the text is the audio's transcript",
        # 2. tools: the call ends the turn; one toolResponse; the model goes on by itself
        "get_weather(city='Oslo')",
        "turn ended with the call  Gemini: the answer comes in a new turn",
        "outputs sent for 1 call(s), in one toolResponse; Gemini goes on by itself",
        "Here is what I found. Oslo",
        # 3. audio with the server's VAD: no speech events (the transcript: checked below)
        "after the end of speech was sent; Gemini sent no speech-stopped: its VAD ended the turn",
        "outstanding in his field",
        # 4. barge-in: the server cuts the turn; nothing is truncated
        "Count to 20.",
        "interrupted (barge_in)",
        "Gemini cut the turn itself and keeps what it sent (no truncation)",
        "interrupted turn ended",
        '"Stop, that\'s enough."',
        "You said: Stop, that's enough.",
        "Done",
    )
    assert "response.create" not in out and "truncated to" not in out
    assert "speech started" not in out and "speech stopped" not in out
    part3 = out[out.index("3. An audio turn") : out.index("4. Barge-in")]
    assert '"Tell me a joke."  input transcription' in part3
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


def test_wav_round_trip_on_the_gemini_path(tmp_path: pathlib.Path) -> None:
    source, dest = tmp_path / "in.wav", tmp_path / "out.wav"
    tone = (np.sin(np.arange(24_000) * 2 * np.pi * 220 / 24_000) * 8000).astype(np.int16)
    write_wav(source, tone, sample_rate=24_000)
    result = cli("wav", str(source), str(dest), "--provider", "gemini")
    assert result.returncode == 0, result.stderr
    assert '"You said: (1.0 s of audio)"' in result.stderr  # Gemini's input transcription
    reply = read_wav(dest)
    assert reply.sample_rate == 24_000 and reply.duration_ms > 500


def test_chat_on_the_gemini_path() -> None:
    result = cli("chat", "--provider", "gemini", stdin="What is the capital of France?\n\n")
    assert result.returncode == 0, result.stderr
    assert "The capital of France is Paris." in result.stdout
    assert "session gemini_" in result.stderr


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    """``serve --port 0`` in a subprocess: its OpenAI URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "trio_realtime", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=ENV,
    )
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_openai_provider_honours_openai_base_url_and_sends_the_key(served: str) -> None:
    """``--provider openai`` is ``OpenAIGateway()``: the key and ``OPENAI_BASE_URL`` from the
    environment (here a local server standing in for OpenAI)."""
    base = served.replace("ws://", "http://").removesuffix("/realtime")
    env = {"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": base}
    result = cli("chat", "--provider", "openai", stdin="What is the capital of Canada?\n", env=env)
    assert result.returncode == 0, result.stderr
    assert "The capital of Canada is Ottawa." in result.stdout
    assert "session sess_" in result.stderr


def test_google_provider_honours_the_gemini_base_url(served: str) -> None:
    """``--provider google`` is ``GeminiGateway()``: the key and ``GOOGLE_GEMINI_BASE_URL``
    (as google-genai reads it) from the environment."""
    base = served.replace("ws://", "http://").removesuffix("/v1/realtime")
    env = {"GEMINI_API_KEY": "test-key", "GOOGLE_GEMINI_BASE_URL": base}
    result = cli("chat", "--provider", "google", stdin="What is the capital of Canada?\n", env=env)
    assert result.returncode == 0, result.stderr
    assert "The capital of Canada is Ottawa." in result.stdout
    assert "session gemini_" in result.stderr


@pytest.mark.parametrize("provider", ["gemini", "google"])
def test_url_with_a_gemini_provider_is_a_gemini_live_endpoint(served: str, provider: str) -> None:
    url = served.removesuffix("/v1/realtime")  # a URL with no path gets Gemini's path
    env = {"GEMINI_API_KEY": "test-key"}
    stdin = "What is the capital of France?\n"
    result = cli("chat", "--provider", provider, "--url", url, stdin=stdin, env=env)
    assert result.returncode == 0, result.stderr
    assert "The capital of France is Paris." in result.stdout
    assert "session gemini_" in result.stderr


@pytest.mark.parametrize(
    ("provider", "variables"),
    [("openai", "OPENAI_API_KEY"), ("google", "GOOGLE_API_KEY or GEMINI_API_KEY")],
)
def test_real_provider_without_key_is_a_clear_error(provider: str, variables: str) -> None:
    result = cli("demo", "--provider", provider)
    assert result.returncode == 2
    assert result.stderr == f"error: --provider {provider} needs {variables} in the environment\n"


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


async def test_serve_passes_its_limits_to_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """``--retained-audio``, ``--ping-interval`` (0: off) and ``--ping-timeout`` reach the
    server as its ``Limits``."""
    import trio_realtime.server as server
    from trio_realtime.cli import _limits, _parser
    from trio_realtime.cli._commands import run_serve

    given: dict[str, Any] = {}

    async def fake_serve(*args: Any, task_status: Any, **options: Any) -> None:
        given.update(options)
        task_status.started("ws://127.0.0.1:1/v1/realtime")
        await trio.sleep_forever()

    monkeypatch.setattr(server, "serve_local_realtime", fake_serve)
    argv = ["serve", "--retained-audio", "45", "--ping-interval", "0", "--ping-timeout", "5"]
    limits = _limits(_parser().parse_args(argv))
    assert limits == server.Limits(
        ping_interval=None, ping_timeout=5.0, retained_audio_seconds=45.0
    )
    assert _limits(_parser().parse_args(["serve"])) == server.Limits()
    with trio.move_on_after(1):
        await run_serve(host="127.0.0.1", port=0, audio_speed=4.0, limits=limits)
    assert given["limits"] is limits


@pytest.mark.parametrize(
    ("option", "value"),
    [("--retained-audio", "0"), ("--ping-timeout", "-1"), ("--ping-interval", "soon")],
)
def test_serve_refuses_limits_that_are_not_seconds(option: str, value: str) -> None:
    result = cli("serve", option, value)
    assert result.returncode == 2 and f"argument {option}:" in result.stderr
