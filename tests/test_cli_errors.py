"""Issue 13.7: every command reports a failure as one clear line (exit 1), never a traceback.

Most cases call ``main()`` directly (as the console script does) and read stderr; the
``serve`` cases and the ``--debug`` switch run ``python -m trio_realtime`` as a user would.
"""

from __future__ import annotations

import os
import pathlib
import socket
import subprocess
import sys
from collections.abc import Iterator

import numpy as np
import pytest

from trio_realtime.audio import wav_bytes
from trio_realtime.cli import _commands, main

KEYS = ("OPENAI_API_KEY", "GOOGLE_API_KEY", "GEMINI_API_KEY")
BASE_URLS = ("OPENAI_BASE_URL", "GOOGLE_GEMINI_BASE_URL")
ENV = {**os.environ, "NO_COLOR": "1"}
for _variable in (*KEYS, *BASE_URLS, "TRIO_REALTIME_DEBUG"):
    ENV.pop(_variable, None)
GEMINI_PATH = "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
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


@pytest.fixture(autouse=True)
def no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in (*KEYS, *BASE_URLS):
        monkeypatch.delenv(variable, raising=False)


def one_error_line(capsys: pytest.CaptureFixture[str], *argv: str, status: int = 1) -> str:
    """Run ``main(argv)``: it must exit with ``status`` after one ``error:`` line on stderr."""
    got = main(list(argv))
    err = capsys.readouterr().err
    assert got == status, err
    assert "Traceback" not in err and "ExceptionGroup" not in err, err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


@pytest.fixture
def wav_in(tmp_path: pathlib.Path) -> pathlib.Path:
    path = tmp_path / "in.wav"
    path.write_bytes(wav_bytes(np.zeros(2400, dtype=np.int16), sample_rate=24000))
    return path


def commands(
    url: str | None, tmp_path: pathlib.Path, wav_in: pathlib.Path, *options: str
) -> dict[str, list[str]]:
    target = [*(["--url", url] if url is not None else []), *options]
    return {
        "demo": ["demo", "--no-speech", "--out", str(tmp_path / "out"), *target],
        "chat": ["chat", *target],
        "wav": ["wav", str(wav_in), str(tmp_path / "out.wav"), *target],
    }


@pytest.fixture
def no_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", open(os.devnull))  # noqa: SIM115 (closed by pytest's gc)


@pytest.mark.parametrize("command", ["demo", "chat", "wav"])
def test_connection_refused(
    capsys: pytest.CaptureFixture[str],
    tmp_path: pathlib.Path,
    wav_in: pathlib.Path,
    command: str,
    no_stdin: None,
) -> None:
    url = f"ws://127.0.0.1:{closed_port()}/v1/realtime"
    line = one_error_line(capsys, *commands(url, tmp_path, wav_in)[command])
    assert "cannot connect to" in line and url in line


@pytest.mark.parametrize("command", ["demo", "chat", "wav"])
@pytest.mark.parametrize("provider", ["gemini", "google"])
def test_connection_refused_on_gemini_live(
    capsys: pytest.CaptureFixture[str],
    tmp_path: pathlib.Path,
    wav_in: pathlib.Path,
    command: str,
    provider: str,
    no_stdin: None,
) -> None:
    url = f"ws://127.0.0.1:{closed_port()}"  # a Gemini URL without a path gets Gemini's
    argv = commands(url, tmp_path, wav_in, "--provider", provider)[command]
    line = one_error_line(capsys, *argv)
    assert f"cannot connect to {url}{GEMINI_PATH}" in line


@pytest.mark.parametrize("command", ["demo", "chat", "wav"])
@pytest.mark.parametrize(
    ("provider", "variables"),
    [("openai", "OPENAI_API_KEY"), ("google", "GOOGLE_API_KEY or GEMINI_API_KEY")],
)
def test_missing_key(
    capsys: pytest.CaptureFixture[str],
    tmp_path: pathlib.Path,
    wav_in: pathlib.Path,
    command: str,
    provider: str,
    variables: str,
) -> None:
    argv = commands(None, tmp_path, wav_in, "--provider", provider)[command]
    line = one_error_line(capsys, *argv, status=2)
    assert line == f"error: --provider {provider} needs {variables} in the environment"
    assert not (tmp_path / "out").exists()  # nothing ran


@pytest.mark.parametrize("command", ["demo", "chat", "wav"])
@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            ["--provider", "gemini", "--url", "ws://h:1/v1/realtime"],
            "is an OpenAI Realtime endpoint",
        ),
        (["--url", f"ws://h:1{GEMINI_PATH}"], "is a Gemini Live endpoint"),
        (["--url", "https://h:1/v1/realtime"], "must be a ws:// or wss:// URL"),
        (["--provider", "anthropic"], "unknown provider 'anthropic'"),
    ],
)
def test_options_that_make_no_target(
    capsys: pytest.CaptureFixture[str],
    tmp_path: pathlib.Path,
    wav_in: pathlib.Path,
    command: str,
    options: list[str],
    expected: str,
) -> None:
    line = one_error_line(capsys, *commands(None, tmp_path, wav_in, *options)[command], status=2)
    assert expected in line


@pytest.mark.parametrize("command", ["demo", "chat", "wav"])
def test_handshake_refused(
    capsys: pytest.CaptureFixture[str],
    tmp_path: pathlib.Path,
    wav_in: pathlib.Path,
    server_url: str,
    command: str,
    no_stdin: None,
) -> None:
    url = server_url.replace("/v1/realtime", "/v1/nowhere")  # the server answers HTTP 404
    line = one_error_line(capsys, *commands(url, tmp_path, wav_in)[command])
    assert "404" in line


def test_missing_input_file(capsys: pytest.CaptureFixture[str], tmp_path: pathlib.Path) -> None:
    missing = tmp_path / "missing.wav"
    line = one_error_line(capsys, "wav", str(missing), str(tmp_path / "out.wav"))
    assert line == f"error: No such file or directory: {missing}"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"definitely not audio", "no WAV header"),
        (b"RIFF\x10\x00\x00\x00WAVEfmt junk", "truncated 'fmt ' chunk"),
    ],
)
def test_bad_wav(
    capsys: pytest.CaptureFixture[str], tmp_path: pathlib.Path, content: bytes, expected: str
) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(content)
    line = one_error_line(capsys, "wav", str(bad), str(tmp_path / "out.wav"))
    assert expected in line


def test_demo_output_directory_that_is_a_file(
    capsys: pytest.CaptureFixture[str], tmp_path: pathlib.Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    url = f"ws://127.0.0.1:{closed_port()}/v1/realtime"
    line = one_error_line(capsys, "demo", "--url", url, "--out", str(blocker))
    assert str(blocker) in line


def test_an_unexpected_exception_is_a_bug_and_keeps_its_traceback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path, wav_in: pathlib.Path
) -> None:
    async def broken(**_: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(_commands, "run_wav", broken)
    with pytest.raises(RuntimeError, match="a bug"):
        main(["wav", str(wav_in), str(tmp_path / "out.wav")])


def cli(*args: str, env: dict[str, str] = ENV) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trio_realtime", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def test_serve_on_a_port_in_use() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("serve", "--port", str(port))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"error: cannot listen on 127.0.0.1:{port}: address already in use "
        "(--port 0 picks a free port)"
    ]
    assert result.stdout == ""


@pytest.mark.parametrize("how", ["option", "env"])
def test_debug_shows_the_traceback_then_the_line(how: str) -> None:
    url = f"ws://127.0.0.1:{closed_port()}/v1/realtime"
    if how == "option":
        result = cli("chat", "--url", url, "--debug")
    else:
        result = cli("chat", "--url", url, env={**ENV, "TRIO_REALTIME_DEBUG": "1"})
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "RealtimeConnectionError" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("error: cannot connect to")
