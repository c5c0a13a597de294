"""Regenerate ``trio.txt``, the intersphinx inventory of the trio names our docs link to.

The docs are built offline, so Sphinx cannot download trio's ``objects.inv``. Instead we keep the
entries we need, in the plain text form of that file, in ``trio.txt`` (``conf.py`` compresses it
at build time). This script rebuilds it from trio's own documentation sources, which trio's
source distribution on PyPI carries: it downloads the sdist of the installed trio version, finds
the page each name is documented on, and writes one entry per name::

    python docs/_inventories/update_trio.py                  # refresh every entry
    python docs/_inventories/update_trio.py trio.Lock        # ... and add names

A name is a dotted trio object (``trio.Nursery.start``) or ``label:NAME`` for a section label of
trio's docs (``label:cancellation``). Run it when a page needs a trio name that is missing (the
docs build fails with "reference target not found") or after upgrading trio.
"""

from __future__ import annotations

import importlib
import inspect
import pathlib
import re
import subprocess
import sys
import tarfile
import tempfile

import trio

HERE = pathlib.Path(__file__).resolve().parent
INVENTORY = HERE / "trio.txt"
HEADER = "# Sphinx inventory version 2\n# Project: Trio\n# Version: {version}\n"
DIRECTIVE = re.compile(
    r"^\s*\.\. (?:auto)?(module|currentmodule|function|class|exception|method|attribute|data)"
    r"::\s*([\w.]+)"
)
INSTANCE_ATTRIBUTE = object()
LABEL = re.compile(r"^\.\. _([\w-]+):\s*$")


def documented(
    source: pathlib.Path,
) -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str]]]:
    """Map each documented name to (page, directive), and each label to (page#anchor, title)."""
    names: dict[str, tuple[str, str]] = {}
    labels: dict[str, tuple[str, str]] = {}
    for rst in sorted(source.glob("*.rst")):
        page = rst.stem + ".html"
        module, lines = "trio", rst.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines):
            if match := DIRECTIVE.match(line):
                kind, name = match.groups()
                if kind in ("module", "currentmodule"):
                    module = name
                    if kind == "module":
                        names.setdefault(name, (page, kind))
                    continue
                full = name if name.startswith("trio.") else f"{module}.{name}"
                names.setdefault(full, (page, kind))
            elif match := LABEL.match(line):
                title = next((t.strip() for t in lines[number + 1 :] if t.strip()), "")
                labels[match.group(1)] = (f"{page}#{match.group(1)}", title)
    return names, labels


def resolve(name: str) -> object:
    """The trio object called ``name`` (ValueError if there is none)."""
    parts = name.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attr in parts[split:]:
            if hasattr(obj, attr):
                obj = getattr(obj, attr)
            elif inspect.isclass(obj) and attr in getattr(obj, "__annotations__", {}):
                obj = INSTANCE_ATTRIBUTE  # declared on the class, set on instances
            else:
                raise ValueError(f"{name}: trio {trio.__version__} has no such object")
        return obj
    raise ValueError(f"{name}: not importable")


def role(name: str, obj: object) -> str:
    """The intersphinx role of a trio object."""
    if inspect.ismodule(obj):
        return "py:module"
    if inspect.isclass(obj):
        return "py:exception" if issubclass(obj, BaseException) else "py:class"
    parent = resolve(name.rsplit(".", 1)[0])
    if inspect.isclass(parent):
        return "py:method" if inspect.isroutine(obj) else "py:attribute"
    return "py:function" if callable(obj) else "py:data"


def entry(name: str, names: dict[str, tuple[str, str]], labels: dict[str, tuple[str, str]]) -> str:
    """One inventory line for ``name``."""
    if name.startswith("label:"):
        label = name.removeprefix("label:")
        if label not in labels:
            raise ValueError(f"trio's docs have no label {label!r}")
        uri, title = labels[label]
        return f"{label} std:label -1 {uri} {title}"
    obj = resolve(name)
    owner = name
    while owner not in names and "." in owner:  # members are documented with their class
        owner = owner.rsplit(".", 1)[0]
    if owner not in names:
        raise ValueError(f"{name}: not found in trio's documentation sources")
    page, directive = names[owner]
    # As trio's docs declare it (open_memory_channel is a class documented as a function).
    kind = f"py:{directive}" if owner == name else role(name, obj)
    anchor = "module-$" if kind == "py:module" else "$"
    return f"{name} {kind} {0 if kind == 'py:module' else 1} {page}#{anchor} -"


def current_names() -> list[str]:
    """The names in the inventory now (``label:`` prefixed for labels)."""
    if not INVENTORY.exists():
        return []
    out = []
    for line in INVENTORY.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, kind = line.split()[:2]
            out.append(f"label:{name}" if kind == "std:label" else name)
    return out


def main(extra: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
             "--dest", tmp, f"trio=={trio.__version__}"],
            check=True,
        )  # fmt: skip
        (archive,) = pathlib.Path(tmp).glob("trio-*.tar.gz")
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
        (source,) = pathlib.Path(tmp).glob("trio-*/docs/source")
        names, labels = documented(source)
    wanted = sorted(set(current_names()) | set(extra))
    lines = [entry(name, names, labels) for name in wanted]
    version = ".".join(trio.__version__.split(".")[:2])
    INVENTORY.write_text(HEADER.format(version=version) + "\n".join(lines) + "\n", "utf-8")
    print(f"wrote {len(lines)} entries for trio {trio.__version__} to {INVENTORY}")


if __name__ == "__main__":
    main(sys.argv[1:])
