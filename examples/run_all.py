"""Run every example, each in its own process under a timeout (``nox -s examples``).

    python examples/run_all.py [NAME ...] [--timeout SECONDS] [-v] [--openai]

Prints one pass/fail line per example with its duration (and the output of a failed one, or of
every one with ``-v``) and exits 1 if any failed. Options it does not know (e.g. ``--openai``)
are passed on to every example. Each runs in a fresh temporary directory, which is also its
``TMPDIR``, so nothing it writes outlives the run.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
EXAMPLES = sorted(p.stem for p in HERE.glob("*.py") if p.stem not in ("_common", "run_all"))


def run(name: str, extra: list[str], timeout: float) -> tuple[bool, str, str]:
    """Run one example; return (passed, short result, its output)."""
    with tempfile.TemporaryDirectory(prefix=f"example-{name}-") as tmp:
        env = {**os.environ, "TMPDIR": tmp, "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"}
        command = [sys.executable, str(HERE / f"{name}.py"), *extra]
        try:
            done = subprocess.run(
                command, cwd=tmp, env=env, capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired as exc:
            output = b"".join(x for x in (exc.stdout, exc.stderr) if isinstance(x, bytes))
            return False, f"timed out after {timeout:g} s", output.decode(errors="replace")
    return done.returncode == 0, f"exit {done.returncode}", done.stdout + done.stderr


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"which to run (default: all of {', '.join(EXAMPLES)})",
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per example")
    parser.add_argument("-v", "--verbose", action="store_true", help="show every output")
    args, extra = parser.parse_known_args()
    if unknown := set(args.names) - set(EXAMPLES):
        parser.error(f"no such example: {', '.join(sorted(unknown))}")
    failed = []
    for name in args.names or EXAMPLES:
        start = time.monotonic()
        passed, result, output = run(name, extra, args.timeout)
        status = "pass" if passed else "FAIL"
        print(f"{status}  {name:16} {time.monotonic() - start:6.2f} s  {result}", flush=True)
        if args.verbose or not passed:
            print("    " + output.rstrip().replace("\n", "\n    "), flush=True)
        if not passed:
            failed.append(name)
    print(f"{len(failed)} of {len(args.names or EXAMPLES)} failed: {', '.join(failed) or 'none'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
