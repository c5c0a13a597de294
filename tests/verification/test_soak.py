"""The soak benchmark's 60 s variant (``bench_soak.py --quick``): a conversation with barge-ins
against ``serve`` in a subprocess, at 4x real time; client and server memory and open files
must stay flat within generous bounds, so that a loaded 2-core machine passes: this catches
a client that keeps what it streams and leaked sockets; a slow leak of the server's audio
(a few MiB a minute) needs the full run. Real time by nature: deselect with ``-m "not soak"``."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.soak
def test_a_minute_of_conversation_keeps_memory_and_fds_flat(tmp_path: pathlib.Path) -> None:
    out = tmp_path / "soak.json"
    command = [sys.executable, str(ROOT / "benchmarks" / "bench_soak.py"), "--quick"]
    command += ["--out", str(out), "--max-growth-mib", "16", "--max-server-growth-mib", "64"]
    command += ["--max-fd-growth", "8"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(out.read_text())
    assert result["ok"] and not result["problems"]
    counts = result["counts"]
    assert counts["responses"] >= 2 and counts["interrupted"] >= 1 and counts["errors"] == 0
    assert len(result["samples"]) >= 10
    assert all(s["client_fds"] > 0 and s["server_rss"] > 0 for s in result["samples"])
