"""Run every ``benchmarks/bench_*.py`` in its own process (``nox -s bench``).

Each benchmark prints a table with medians and ratios to a baseline measured in the same run,
and writes JSON under ``benchmarks/results/``. Extra arguments (e.g. ``--quick``) are passed on.
"""

from __future__ import annotations

import pathlib
import subprocess
import sys


def main(argv: list[str]) -> int:
    here = pathlib.Path(__file__).parent
    failed = []
    for script in sorted(here.glob("bench_*.py")):
        print(f"== {script.name}", flush=True)
        result = subprocess.run([sys.executable, str(script), *argv], cwd=here.parent, check=False)
        if result.returncode:
            failed.append(script.name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
