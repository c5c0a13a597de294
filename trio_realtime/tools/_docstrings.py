"""Docstring summaries and per-parameter descriptions (Google, NumPy and Sphinx styles).

Pure text processing: no imports from the rest of the package.

- The *summary* is the first paragraph of the cleaned docstring, its lines joined by spaces. It is
  empty when the docstring starts with a parameter section or a field list.
- *Parameters* maps each documented name to its description (continuation lines joined by
  spaces). Google ``Args:``/``Arguments:``/``Parameters:``/``Attributes:`` sections, NumPy
  ``Parameters``/``Attributes`` sections (underlined with dashes) and Sphinx
  ``:param x:``/``:ivar x:`` fields are recognised; ``*args``/``**kwargs`` stars are dropped.
  When a name is documented twice the first description wins.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator

import attrs

__all__ = ["Docstring", "parse_docstring"]

_GOOGLE_SECTIONS = frozenset(
    {
        "args",
        "arguments",
        "parameters",
        "params",
        "keyword args",
        "keyword arguments",
        "kwargs",
        "other parameters",
        "attributes",
    }
)
_GOOGLE_OTHER_SECTIONS = frozenset(
    {
        "returns",
        "return",
        "yields",
        "yield",
        "raises",
        "examples",
        "example",
        "notes",
        "note",
        "see also",
        "warnings",
        "warning",
        "todo",
        "references",
        "methods",
    }
)
_NUMPY_SECTIONS = frozenset(
    {"parameters", "other parameters", "attributes", "keyword arguments", "params"}
)
_GOOGLE_HEADER = re.compile(r"^([A-Za-z][A-Za-z ]*):\s*$")
_GOOGLE_ENTRY = re.compile(r"^\*{0,2}([A-Za-z_]\w*)\s*(?:\(.*?\))?\s*:(.*)$")
_NUMPY_UNDERLINE = re.compile(r"^\s*-{3,}\s*$")
_NUMPY_ENTRY = re.compile(r"^(\*{0,2}[A-Za-z_]\w*(?:\s*,\s*\*{0,2}[A-Za-z_]\w*)*)\s*(?::.*)?$")
_SPHINX_FIELD = re.compile(
    r"^:(?:param|parameter|arg|argument|key|keyword|ivar|var|cvar)\s+([^:]+?)\s*:(.*)$"
)
_ANY_FIELD = re.compile(r"^:\w[^:]*:")


@attrs.frozen(kw_only=True)
class Docstring:
    """A parsed docstring: its summary and the descriptions of its documented names."""

    summary: str = ""
    params: dict[str, str] = attrs.field(factory=dict)


def parse_docstring(doc: str | None) -> Docstring:
    """Parse *doc* (``None`` or blank gives an empty :class:`Docstring`)."""
    if not doc or not doc.strip():
        return Docstring()
    lines = inspect.cleandoc(doc).splitlines()
    params: dict[str, str] = {}
    for parser in (_google_params, _numpy_params, _sphinx_params):
        for name, text in parser(lines):
            if text and name not in params:
                params[name] = text
    return Docstring(summary=_summary(lines), params=params)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _join(parts: list[str]) -> str:
    return " ".join(p.strip() for p in parts if p.strip())


def _is_google_header(line: str, sections: frozenset[str] = _GOOGLE_SECTIONS) -> bool:
    m = _GOOGLE_HEADER.match(line.strip())
    return m is not None and m.group(1).strip().lower() in sections


def _is_any_header(line: str) -> bool:
    return _is_google_header(line, _GOOGLE_SECTIONS | _GOOGLE_OTHER_SECTIONS)


def _is_numpy_header(lines: list[str], i: int) -> bool:
    return (
        i + 1 < len(lines)
        and bool(lines[i].strip())
        and _NUMPY_UNDERLINE.match(lines[i + 1]) is not None
    )


def _summary(lines: list[str]) -> str:
    para: list[str] = []
    for i, line in enumerate(lines):
        if not line.strip():
            break
        if _is_google_header(line) or _is_numpy_header(lines, i) or _ANY_FIELD.match(line.strip()):
            break
        para.append(line)
    return _join(para)


def _google_params(lines: list[str]) -> Iterator[tuple[str, str]]:
    i = 0
    while i < len(lines):
        line = lines[i]
        if not _is_google_header(line):
            i += 1
            continue
        # cleandoc() dedents the lines after the first one on its own, so a header on the
        # first line may sit at the same indentation as its entries.
        header_indent = _indent(line) if i > 0 else -1
        i += 1
        entry_indent: int | None = None
        name: str | None = None
        text: list[str] = []
        while i < len(lines):
            cur = lines[i]
            if not cur.strip():
                i += 1
                continue
            ind = _indent(cur)
            first_line_section_ends = header_indent < 0 and ind == 0 and _is_any_header(cur)
            if ind <= header_indent or first_line_section_ends:
                break
            if entry_indent is None:
                entry_indent = ind
            m = _GOOGLE_ENTRY.match(cur.strip()) if ind == entry_indent else None
            if m is not None:
                if name is not None:
                    yield name, _join(text)
                name, text = m.group(1), [m.group(2)]
            elif name is not None and ind > entry_indent:
                text.append(cur)
            i += 1
        if name is not None:
            yield name, _join(text)


def _numpy_params(lines: list[str]) -> Iterator[tuple[str, str]]:
    i = 0
    while i < len(lines):
        if not (_is_numpy_header(lines, i) and lines[i].strip().lower() in _NUMPY_SECTIONS):
            i += 1
            continue
        header_indent = _indent(lines[i])
        i += 2
        names: list[str] = []
        text: list[str] = []
        while i < len(lines):
            cur = lines[i]
            if not cur.strip():
                i += 1
                continue
            ind = _indent(cur)
            if ind < header_indent or (ind == header_indent and _is_numpy_header(lines, i)):
                break
            m = _NUMPY_ENTRY.match(cur.strip()) if ind == header_indent else None
            if m is not None:
                yield from ((n, _join(text)) for n in names)
                names = [n.strip().lstrip("*") for n in m.group(1).split(",")]
                text = []
            elif names and ind > header_indent:
                text.append(cur)
            i += 1
        yield from ((n, _join(text)) for n in names)


def _sphinx_params(lines: list[str]) -> Iterator[tuple[str, str]]:
    i = 0
    while i < len(lines):
        m = _SPHINX_FIELD.match(lines[i].strip())
        if m is None:
            i += 1
            continue
        field_indent = _indent(lines[i])
        name = m.group(1).split()[-1].lstrip("*")
        text = [m.group(2)]
        i += 1
        while i < len(lines) and lines[i].strip() and _indent(lines[i]) > field_indent:
            text.append(lines[i])
            i += 1
        yield name, _join(text)
