"""``python -m trio_realtime replay FILE``: a recording as an event timeline."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

from trio_realtime.cli import main

from .test_recording import record


async def test_the_timeline_of_a_recording(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "call.jsonl"
    await record(path)
    assert main(["replay", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("connection 0: openai gpt-realtime ws://127.0.0.1:")
    body = [line.split(None, 3)[1:] for line in lines[1:]]
    kinds = [(who, kind) for who, kind, *_ in body]
    # the server greets as the client sends its configuration: either may be first
    assert set(kinds[:2]) == {("client", "session.update"), ("server", "session_opened")}
    assert ("client", "input_audio_buffer.commit") in kinds
    assert ("server", "assistant_transcript") in kinds
    folded = [rest for who, kind, *rest in body if kind == "input_audio_buffer.append"]
    assert folded == [["×7"]]  # one folded line for the audio appends
    assert any("'It is sunny in Oslo.'" in line for line in lines)
    assert lines[-1].split(None, 2)[1:] == [
        "note",
        "closed by client (code 1000: client closed the session)",
    ]
    times = [float(line.split()[0].rstrip("s")) for line in lines[1:]]
    assert times == sorted(times)

    assert main(["replay", "--frames", str(path)]) == 0
    unfolded = capsys.readouterr().out.splitlines()
    assert sum("input_audio_buffer.append" in line for line in unfolded) == 7


def test_a_file_that_is_not_a_recording(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "x.jsonl"
    bad.write_text("hello\n")
    assert main(["replay", str(bad)]) == 1
    assert "not JSON" in capsys.readouterr().err


def test_the_command_is_registered() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "trio_realtime", "--help"], capture_output=True, text=True
    )
    assert "replay" in done.stdout
