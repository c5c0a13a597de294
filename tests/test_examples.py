"""The examples run as a user runs them: ``python examples/NAME.py``, against the local server.

Every case is a subprocess with a 60 s timeout. The cases are mostly idle (paced audio, model
latency), so the module starts them all at once and each test waits for its own.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys
from collections.abc import Iterator

import attrs
import pytest

from trio_realtime.audio import read_wav, write_wav
from trio_realtime.server import synthesize

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"
TIMEOUT = 60.0


@attrs.frozen
class Case:
    """``args``: the example's name, then its arguments ("{dir}" is the case's own directory)."""

    args: tuple[str, ...]
    expected: tuple[str, ...]  # text the output (stdout + stderr) must contain
    returncode: int = 0


CASES = {
    "text_chat": Case(
        ("text_chat",),
        ("assistant: The capital of France is Paris.", "[turn completed", "[turn cancelled"),
    ),
    "tools": Case(
        ("tools",),
        (
            "dispatched get_weather('Paris')",
            "dispatched get_weather('Rome')",
            "sent 2 output(s); one response.create follows",  # two parallel calls, one batch
            "assistant: Here is what I found. Paris: sky sunny, temp_c 21. Rome: sky sunny",
            "failed     local_time: tool 'local_time' raised ValueError",
            "completed  view_cart -> ['2 apples', '1 loaf of bread']",  # answered by the app
            "assistant: Here is what I found. 2 apples, 1 loaf of bread.",
        ),
    ),
    "wav_roundtrip": Case(
        ("wav_roundtrip", "--out", "{dir}"),
        (
            "[user_speech_stopped at",
            "you (transcribed): What is the capital of France?",
            "assistant: The capital of France is Paris.",
        ),
    ),
    "wav_roundtrip push-to-talk": Case(
        ("wav_roundtrip", "--out", "{dir}", "--push-to-talk"),
        ("you (transcribed): What is the capital of France?", "assistant: The capital"),
    ),
    "wav_roundtrip given a wav": Case(
        ("wav_roundtrip", "{dir}/given.wav", "--out", "{dir}/out"),
        ("audio from {dir}/given.wav]", "assistant: You said: ("),
    ),
    "barge_in": Case(
        ("barge_in",),
        (
            "interrupted (barge_in)",
            "the session cuts the server's copy of that audio there",
            "assistant: You said: Stop, thanks!",
            "(find_hotel was cancelled)",
            "the tool failed: interrupted",
            "assistant: You said: Never mind.",
        ),
    ),
    "barge_in submit": Case(
        ("barge_in", "--on-interrupt", "submit"),
        (
            "assistant: You said: Stop, thanks!",
            "the tool finished anyway: '3 hotels in Oslo'",
            "its output was sent, with no new response",
            "assistant: You said: Never mind.",
        ),
    ),
    "fanout": Case(
        ("fanout", "--log", "{dir}/events.jsonl"),
        (
            "assistant: The capital of France is Paris.",
            "ui       overflow=drop_oldest  buffer=8",
            "logger   overflow=block        buffer=64   delivered=",
            "[ui] drew",
        ),
    ),
    "callbacks": Case(
        ("callbacks",),
        (
            "provider openai, model gpt-realtime",
            "[on_tool_call: order_status(42)]",  # an rt.ToolDefinition, answered by the app
            "[on_error: on_audio raised RuntimeError: audio device not ready; the session goes on]",
            "assistant: Here is what I found. Order 42 left the warehouse on Monday.",
            "[on_interrupted: speaker flushed]",
            "you (transcribed): What is the capital of France?",
            "assistant: The capital of France is Paris.",
            "s of assistant audio, then the end)",
            "the stream ended: the answer is complete",
        ),
    ),
    "voice_pipeline": Case(
        ("voice_pipeline", "--out", "{dir}"),
        (
            "[turn_started]",
            "user: What is the capital of France?",
            "assistant: Good question.",
            "assistant: The capital of France is Paris.",
            "[session_ended]",
            "wrote {dir}/answer.wav",
        ),
    ),
    "voice_multi_turn": Case(
        ("voice_multi_turn",),
        (
            "assistant: Hi!",
            "user: Hello, can you hear me?",
            "user: What is the weather in Paris today?",
            "assistant: You first said: Hello, can you hear me?",
            "[stt: ",
            "[tts: first audio after",
            "[session_ended]",
        ),
    ),
    "reconnect": Case(
        ("reconnect",),
        (
            "[connection lost; reconnect attempt 1]",
            "[reconnected; conversation restored: True]",
            "assistant: The capital of France is Paris.",
            "reconnects: 1",
        ),
    ),
    "gemini": Case(("gemini",), ("connected: gemini", "[calling get_weather", "bye")),
    "handoffs": Case(
        ("handoffs",),
        (
            "speaking: Greeter",
            "[handoff] Greeter -> Tech Support",
            "[tool] reset_router -> 'TR-100 was reset'",
            "[handoff] Tech Support -> Greeter",
            "[handoff] Greeter -> Billing",
            "Billing: (You handle refunds and invoices) Done: refunded 20 EUR.",
            "handoffs: 4",
        ),
    ),
    "telemetry": Case(
        ("telemetry",),
        (
            "[telemetry] realtime.session.start",
            "[telemetry] realtime.tool.call",
            "[turn_metrics] completed, first audio after",
            "assistant: It is sunny in Oslo today.",
            "turns: 2, tokens in/out:",
            "execute_tool get_weather",
            "client  session.update",
        ),
    ),
    "mcp_tools": Case(
        ("mcp_tools",),
        (
            "mcp tools of orders: lookup_order, cancel_order",
            "[called lookup_order -> Order 42: shipped]",
            '[approval asked: cancel_order {"order_id":42}]',
            "[called cancel_order -> Order 42: cancelled]",
            "[out of band: record_intent({'request': 'Please cancel order 42.'})]",
            "[out of band (intent) done: completed]",
        ),
    ),
    "mcp_tools denied": Case(
        ("mcp_tools", "--deny"),
        ("[denied]", "assistant: OK, I won't use cancel_order."),
    ),
    "no key for --openai": Case(
        ("text_chat", "--openai"),
        ("error: --openai needs your API key in the OPENAI_API_KEY variable",),
        returncode=2,
    ),
    "run_all": Case(("run_all", "wav_roundtrip"), ("pass  wav_roundtrip", "0 of 1 failed: none")),
    "run_all timeout": Case(
        ("run_all", "text_chat", "--timeout", "0.01"),
        ("FAIL  text_chat", "timed out after 0.01 s", "1 of 1 failed: text_chat"),
        returncode=1,
    ),
}


@attrs.define
class Run:
    dir: pathlib.Path
    process: subprocess.Popen[bytes]

    def wait(self) -> tuple[int, str]:
        """The exit code and the output (stdout, then stderr)."""
        code = self.process.wait(timeout=TIMEOUT)
        return code, (self.dir / "stdout").read_text() + (self.dir / "stderr").read_text()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Run]]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("OPENAI_API_KEY", None)
    started: dict[str, Run] = {}
    for name, case in CASES.items():
        where = tmp_path_factory.mktemp(re.sub(r"\W+", "-", name))
        if "{dir}/given.wav" in case.args:  # not generated by the example: no scripted words
            write_wav(where / "given.wav", synthesize("Hello there.").pcm, sample_rate=24_000)
        args = [a.replace("{dir}", str(where)) for a in case.args]
        with open(where / "stdout", "wb") as out, open(where / "stderr", "wb") as err:
            process = subprocess.Popen(
                [sys.executable, str(EXAMPLES / f"{args[0]}.py"), *args[1:]],
                cwd=where,  # anything written by mistake lands here, not in the repository
                env={**env, "TMPDIR": str(where)},
                stdout=out,
                stderr=err,
            )
        started[name] = Run(where, process)
    yield started
    for run in started.values():
        if run.process.poll() is None:
            run.process.kill()
            run.process.wait()


@pytest.mark.parametrize("name", list(CASES))
def test_example(name: str, runs: dict[str, Run]) -> None:
    case, run = CASES[name], runs[name]
    code, output = run.wait()
    assert code == case.returncode, output
    for text in case.expected:
        assert text.replace("{dir}", str(run.dir)) in output, output
    assert "Traceback" not in output, output


def test_wav_roundtrip_writes_its_files(runs: dict[str, Run]) -> None:
    run = runs["wav_roundtrip"]
    code, output = run.wait()
    assert code == 0, output
    question, answer = read_wav(run.dir / "question.wav"), read_wav(run.dir / "answer.wav")
    assert question.sample_rate == 16_000 and question.duration_ms > 1000  # resampled on the way
    assert answer.sample_rate == 24_000 and answer.duration_ms > 1000
    assert f"({answer.duration_ms / 1000:.1f} s of assistant audio)" in output
    given = runs["wav_roundtrip given a wav"]
    assert given.wait()[0] == 0
    assert (given.dir / "out" / "answer.wav").exists()
    assert not (given.dir / "out" / "question.wav").exists()


def test_fanout_logger_loses_nothing(runs: dict[str, Run]) -> None:
    run = runs["fanout"]
    code, output = run.wait()
    assert code == 0, output
    log = run.dir / "events.jsonl"
    kinds = [json.loads(line)["kind"] for line in log.read_text().splitlines()]
    assert f"[logger] {len(kinds)} events written to {log}" in output
    assert kinds[-1] == "session_closed"  # its loop ended after the terminal event
    assert kinds.count("assistant_text") == kinds.count("assistant_turn_completed") == 2
    assert "session_opened" not in kinds  # it subscribed after the session opened


def test_every_example_is_tested() -> None:
    names = {p.stem for p in EXAMPLES.glob("*.py")} - {"_common"}
    assert names == {case.args[0] for case in CASES.values()}
