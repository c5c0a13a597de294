"""Coverage-guided fuzzing with atheris (libFuzzer) of the same targets as ``test_fuzz.py``.

Run through ``nox -s fuzz`` (installs atheris), or directly::

    python tests/verification/atheris_fuzz.py openai -runs=20000 -max_total_time=60

The target is ``openai`` (the OpenAI codec), ``gemini`` (the Gemini codec; skipped while it is
not in this build) or ``server`` (the local server's parser). One input is a sequence of frames
separated by NUL bytes, fed to one parser instance; libFuzzer starts from the valid flows of
:mod:`fuzz_targets` (written to a fresh corpus directory) and mutates them. Everything after
the target name is passed to libFuzzer. A broken promise raises, and libFuzzer saves the
crashing input (``crash-*``) and exits non-zero.
"""

from __future__ import annotations

import pathlib
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import atheris  # noqa: E402  (after the path, so `tests` imports)

with atheris.instrument_imports(include=["trio_realtime"]):
    from tests.verification import fuzz_targets as targets

RUNNERS = {
    "openai": targets.decode_openai,
    "gemini": targets.decode_gemini,
    "server": targets.serve_client_frames,
}


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[1] not in RUNNERS:
        print(f"usage: {argv[0]} {{{','.join(RUNNERS)}}} [libFuzzer options]", file=sys.stderr)
        return 2
    name, options = argv[1], argv[2:]
    if name == "gemini" and targets.gemini_module() is None:
        print("gemini: trio_realtime.protocol.gemini is not in this build; skipped")
        return 0
    run = RUNNERS[name]
    corpus = pathlib.Path(tempfile.mkdtemp(prefix=f"fuzz-{name}-"))
    for index, seed in enumerate(targets.seed_inputs()[name]):
        (corpus / f"seed-{index}").write_bytes(seed)

    def one_input(data: bytes) -> None:
        run(targets.split_frames(data))

    atheris.Setup([argv[0], *options, str(corpus)], one_input)
    atheris.Fuzz()
    return 0  # pragma: no cover (atheris.Fuzz exits the process)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
