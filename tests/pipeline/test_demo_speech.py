"""``python -m trio_realtime demo`` with real speech (the ``speech`` extra; ``nox -s speech``).

Hibari speaks the user's questions, the embedded local server hears them with Whisper and
Silero and answers with Hibari, on both of its protocols: the demo's WAVs are real speech, which
Whisper (loaded here, apart from the demo's process) understands. Skipped without the extra.
"""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

import pytest
import trio

from trio_realtime import speech
from trio_realtime.audio import read_wav

from .test_speech_offline import word_error_rate

pytestmark = pytest.mark.skipif(not speech.available(), reason="needs the speech extra")

ENV = {**os.environ, "NO_COLOR": "1"}
for _variable in ("OPENAI_API_KEY", "GOOGLE_API_KEY", "GEMINI_API_KEY"):
    ENV.pop(_variable, None)


def demo(out: pathlib.Path, *options: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "trio_realtime", "demo", "--fast", "--out", str(out), *options],
        capture_output=True,
        text=True,
        timeout=300,
        env=ENV,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def heard(out: str) -> list[str]:
    """What the server transcribed, in order (the timeline's input transcription lines)."""
    return re.findall(r'you\s+"(.*)"  input transcription', out)


@pytest.fixture(scope="module")
def stt() -> speech.WhisperSTT:
    model = speech.WhisperSTT()
    trio.run(model.load)
    return model


@pytest.mark.parametrize("provider", ["local", "gemini"])
def test_the_demo_speaks_and_hears_for_real(
    tmp_path: pathlib.Path, stt: speech.WhisperSTT, provider: str
) -> None:
    out = demo(tmp_path, "--provider", provider)
    assert "Hibari speaks your questions; the server hears them with Whisper" in out
    assert "spoken by Hibari" in out and "speech-like audio" not in out
    # The server heard both utterances with Whisper (no scripted transcriber).
    said = heard(out)
    assert said and word_error_rate("Tell me a joke.", said[0]) <= 0.25, out
    assert "interrupted (barge_in)" in out, out
    assert "Done" in out

    question = read_wav(tmp_path / "you-question.wav")
    answer = read_wav(tmp_path / "assistant.wav")
    assert question.sample_rate == answer.sample_rate == 24_000
    assert word_error_rate("Tell me a joke.", stt.transcribe_sync(question.pcm, 24_000)) <= 0.25
    joke = "Why did the scarecrow win an award? Because he was outstanding in his field."
    assert word_error_rate(joke, stt.transcribe_sync(answer.pcm, 24_000)) <= 0.25


def test_no_speech_keeps_the_synthetic_voice(tmp_path: pathlib.Path) -> None:
    out = demo(tmp_path, "--no-speech")
    assert "speech: synthetic (--no-speech)" in out
    assert heard(out)[0] == "Tell me a joke."  # scripted: the synthetic voice says no words
