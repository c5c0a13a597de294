"""Docstring parsers on the project's corpus: cases right (summary and parameters both exact).

Compares trio-realtime's parser (``trio_realtime.tools._docstrings``) with ``docstring_parser``
(what openai-agents uses), when installed, on ``CORPUS`` from
``tests/tools/test_tools_docstrings.py``. ``docstring_parser`` gets a fair adapter: its style
auto-detection, the summary as the first paragraph of its short + long description, and
comma-separated NumPy names split.

Usage: ``pip install docstring_parser; python benchmarks/compare_docstrings.py [--out PATH]``
(JSON output like the benchmarks).
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _util import parse_args, print_table, write_json

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.tools.test_tools_docstrings import CORPUS  # noqa: E402
from trio_realtime.tools._docstrings import parse_docstring  # noqa: E402

Parsed = tuple[str, dict[str, str]]


def ours(doc: str | None) -> Parsed:
    parsed = parse_docstring(doc)
    return parsed.summary, parsed.params


def docstring_parser_adapter() -> Callable[[str | None], Parsed] | None:
    try:
        import docstring_parser
    except ImportError:
        return None

    def parse(doc: str | None) -> Parsed:
        if doc is None:
            return "", {}
        parsed = docstring_parser.parse(inspect.cleandoc(doc))
        text = parsed.short_description or ""
        if parsed.long_description and not parsed.blank_after_short_description:
            text += "\n" + parsed.long_description
        first = text.split("\n\n")[0]
        summary = " ".join(line.strip() for line in first.splitlines() if line.strip())
        params: dict[str, str] = {}
        for param in parsed.params:
            description = " ".join((param.description or "").split())
            for name in param.arg_name.split(","):
                key = name.strip().split()[-1].lstrip("*") if name.strip() else ""
                if key and description and key not in params:
                    params[key] = description
        return summary, params

    return parse


def score(parse: Callable[[str | None], Parsed]) -> tuple[int, list[str]]:
    wrong: list[str] = []
    for case in CORPUS:
        try:
            got = parse(case.doc)
        except Exception as exc:
            got = (f"raised {exc!r}", {})
        if got != (case.summary, case.params):
            wrong.append(f"{case.id}: got {got!r}")
    return len(CORPUS) - len(wrong), wrong


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], default_out="benchmarks/results/docstrings.json")
    parsers: dict[str, Any] = {
        "trio_realtime": ours,
        "docstring_parser": docstring_parser_adapter(),
    }
    rows: list[dict[str, Any]] = []
    for name, parse in parsers.items():
        if parse is None:
            print(f"{name}: not installed, skipped")
            continue
        right, wrong = score(parse)
        rows.append({"parser": name, "right": right, "wrong": len(wrong), "failures": wrong})
    print_table(rows, ["parser", "right", "wrong"])
    for row in rows:
        for failure in row["failures"]:
            print(f"  {row['parser']} wrong on {failure}")
    payload = {"benchmark": "docstrings", "cases": len(CORPUS), "results": rows}
    try:
        from importlib.metadata import version

        payload["docstring_parser"] = version("docstring_parser")
    except Exception:
        payload["docstring_parser"] = None
    out = write_json(args.out, payload)
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
