"""Packaging metadata: what ``python -m build`` puts in the wheel and the sdist.

Building and installing them is checked by ``nox -s package`` (CI); this checks the metadata
against the code, quickly.
"""

from __future__ import annotations

import pathlib
import re
import sys

import pytest

import trio_realtime

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")

ROOT = pathlib.Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]


def test_version_comes_from_the_package() -> None:
    assert "version" in PROJECT["dynamic"]
    assert PYPROJECT["tool"]["hatch"]["version"]["path"] == "trio_realtime/__init__.py"
    assert re.fullmatch(r"\d+\.\d+\.\d+((a|b|rc)\d+)?(\.dev\d+)?", trio_realtime.__version__)


def test_py_typed_ships_in_the_package() -> None:
    assert (ROOT / "trio_realtime" / "py.typed").is_file()
    assert PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == ["trio_realtime"]
    assert "Typing :: Typed" in PROJECT["classifiers"]


def test_classifiers_match_the_supported_pythons() -> None:
    noxfile = (ROOT / "noxfile.py").read_text(encoding="utf-8")
    (pythons,) = re.findall(r"^PYTHONS = \[(.*)\]$", noxfile, flags=re.M)
    supported = re.findall(r'"(3\.\d+)"', pythons)
    classified = [
        c.rsplit(" :: ", 1)[1]
        for c in PROJECT["classifiers"]
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    ]
    assert classified == supported
    assert PROJECT["requires-python"] == f">={supported[0]}"


def test_changelog_has_an_unreleased_section() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert text.startswith("# Changelog")
    assert "keepachangelog.com" in text
    sections = re.findall(r"^## (.+)$", text, flags=re.M)
    assert sections and sections[0] == "Unreleased"
    groups = set(re.findall(r"^### (.+)$", text, flags=re.M))
    assert groups <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}


def test_console_script_points_at_the_cli() -> None:
    assert PROJECT["scripts"]["trio-realtime"] == "trio_realtime.__main__:main"
    from trio_realtime.__main__ import main

    assert callable(main)
