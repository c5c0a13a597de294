"""Every complete program in docs/facade.md runs, offline, and prints what the page says."""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

import pytest

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "facade.md"
PROGRAMS = [
    b for b in re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S) if "trio.run(" in b
]
EXPECTED = [
    ("tool call: order_status {'order_id': 42}", "assistant: Here is what I found. order 42"),
    ("user: What is the capital of France?", "assistant: The capital of France is Paris."),
]


def test_the_page_has_its_programs() -> None:
    assert len(PROGRAMS) == len(EXPECTED)


@pytest.mark.parametrize(("program", "expected"), list(zip(PROGRAMS, EXPECTED, strict=True)))
def test_program(program: str, expected: tuple[str, ...], tmp_path: pathlib.Path) -> None:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("OPENAI_API_KEY", None)
    done = subprocess.run(
        [sys.executable, "-c", program],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    for line in expected:
        assert line in output, output
