"""Small helpers shared by the benchmark scripts: timing with medians, tables, JSON output.

Typical use::

    from _util import single_core, measure, parse_args, print_table, write_json

    single_core()                      # before importing numpy
    args = parse_args("what it measures", default_out="benchmarks/results/x.json")
    t = measure(lambda: work(), repeats=args.repeats)
    rows = [{"case": "work", "median_ms": t.median * 1e3}]
    print_table(rows)
    write_json(args.out, {"benchmark": "x", "results": rows})
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


#: The CPUs this process was allowed before :func:`single_core` (servers go on the first).
_ALL_CPUS: list[int] | None = (
    sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
)


def single_core() -> list[int] | None:
    """Restrict this process to one core: BLAS/OpenMP thread pools to 1 thread (only effective
    before numpy is imported; explicit environment settings win) and, where supported, CPU
    affinity to the last allowed CPU. Returns the CPUs now allowed (None if affinity is
    unsupported). Start servers with :func:`spawn_server`, which puts them on the first."""
    for var in _THREAD_VARS:
        os.environ.setdefault(var, "1")
    if _ALL_CPUS is None:
        return None
    os.sched_setaffinity(0, {_ALL_CPUS[-1]})
    return sorted(os.sched_getaffinity(0))


def _first_cpu() -> None:
    if _ALL_CPUS is not None:
        os.sched_setaffinity(0, {_ALL_CPUS[0]})


def spawn_server(command: Sequence[str], **options: Any) -> subprocess.Popen[str]:
    """Start a server process on the first CPU this process was allowed (a child inherits
    its parent's affinity, so after :func:`single_core` it would otherwise share the client's
    CPU), with its stdout as text on a pipe."""
    return subprocess.Popen(
        list(command), stdout=subprocess.PIPE, text=True, preexec_fn=_first_cpu, **options
    )


@dataclass(frozen=True)
class Timing:
    """Seconds per call of the measured function, over ``repeats`` timed runs."""

    median: float
    minimum: float
    maximum: float
    repeats: int

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def measure(
    fn: Callable[[], object],
    *,
    repeats: int = 7,
    warmup: int = 1,
    timer: Callable[[], float] = time.perf_counter,
) -> Timing:
    """Time ``fn()`` ``repeats`` times after ``warmup`` untimed calls; GC is off while timing."""
    for _ in range(warmup):
        fn()
    times = []
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeats):
            start = timer()
            fn()
            times.append(timer() - start)
    finally:
        if enabled:
            gc.enable()
    return Timing(statistics.median(times), min(times), max(times), repeats)


def ratio(a: float, b: float | None) -> float | None:
    """``a / b``, or None when there is no baseline."""
    return None if not b else a / b


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if value == 0 or 0.01 <= abs(value) < 1e6:
            return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
        return f"{value:.3g}"
    return str(value)


def format_table(rows: Sequence[Mapping[str, object]], columns: Sequence[str] | None = None) -> str:
    """A plain-text table (first column left-aligned, the rest right-aligned)."""
    if not rows:
        return "(no results)"
    cols = list(columns or rows[0].keys())
    cells = [[_cell(row.get(c)) for c in cols] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(cols)]

    def line(values: Sequence[str]) -> str:
        parts = [
            v.ljust(w) if i == 0 else v.rjust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        ]
        return "  ".join(parts)

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cols), rule, *(line(r) for r in cells)])


def print_table(rows: Sequence[Mapping[str, object]], columns: Sequence[str] | None = None) -> None:
    print(format_table(rows, columns))


def environment() -> dict[str, Any]:
    """Where the numbers were measured."""
    env: dict[str, Any] = {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "threads": {v: os.environ.get(v) for v in _THREAD_VARS},
    }
    if hasattr(os, "sched_getaffinity"):
        env["cpus_allowed"] = sorted(os.sched_getaffinity(0))
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        env["numpy"] = numpy.__version__
    return env


def parse_args(
    description: str, *, default_out: str, argv: Sequence[str] | None = None
) -> argparse.Namespace:
    """``--quick`` (fewer repeats, smaller inputs), ``--repeats N``, ``--out PATH``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="short run (smoke test)")
    parser.add_argument("--repeats", type=int, default=None, help="timed runs per case")
    parser.add_argument("--out", type=Path, default=Path(default_out), help="JSON output path")
    args = parser.parse_args(argv)
    if args.repeats is None:
        args.repeats = 3 if args.quick else 7
    return args


def write_json(path: str | os.PathLike[str], payload: Mapping[str, Any]) -> Path:
    """Write ``payload`` plus an ``environment`` block as indented JSON; create parent dirs."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    data = {**payload, "environment": environment()}
    out.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")
    return out
