"""Every code example of the API reference runs (tests/test_docs.py does the same for the pages).

The reference (docs/reference/*.rst) renders docstrings through autodoc. ``rendered_docstrings``
reads its directives and picks the docstrings autodoc picks: ``automodule`` (the module's, and
with ``:members:`` its members', recursively), ``autoclass`` / ``autoexception`` (the class's,
and its ``:members:``'), ``autofunction``, ``autodata``. Each literal block of those docstrings
(the indented block after a paragraph ending in ``::``) is one of:

- **Python** (it parses): a program, run exactly as test_docs runs a page's block (a fresh
  interpreter, an empty temporary directory, the local server behind ``rt.OpenAIGateway()``,
  ``OPENAI_API_KEY=sk-test``). A complete example runs as it is. A fragment that cannot run
  alone (it uses a ``session`` it does not open...) is listed in ``HARNESSES``: the block runs
  inside that harness's program, in place of ``{body}``, and the output must contain the
  harness's ``expect``.
- **not code** (it does not parse): listed in ``NOT_CODE`` with what it is instead.
- **pending** (``PENDING``): meant as code but not runnable yet; it runs as an expected failure
  (strict: once fixed it fails until its entry goes).

A new block that does not parse and is not listed fails ``test_every_block_is_classified``; a
new block that parses runs, so a fragment fails until it gets a harness (or, better, becomes a
short complete program). Doctest blocks (``>>>``) and ``.. code-block::`` are not supported:
write a ``::`` literal block.
"""

from __future__ import annotations

import ast
import enum
import importlib
import inspect
import pathlib
import re
import textwrap
from collections.abc import Iterator
from types import ModuleType

import attrs
import pytest

from tests import test_docs

REFERENCE = test_docs.ROOT / "docs" / "reference"
run_like_a_docs_block = test_docs.test_python_block_runs
server_url = test_docs.server_url  # the fixtures it needs
microphone_pcm = test_docs.microphone_pcm

# ---------------------------------------------------------------------------------------------
# How each block that is not a complete program runs (keys: "<rendered object>[<n>]", n counts
# the object's literal blocks from 1).

SESSION = """\
import trio
import trio_realtime as rt


async def example(session: rt.RealtimeSession) -> None:
    {body}


async def main() -> None:
    config = rt.Config(modalities=["text"], turn_detection=None)
    with trio.fail_after(30):
        async with rt.open_session("gpt-realtime", gateway=rt.OpenAIGateway(), config=config) as s:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(example, s)
                await s.send_text("Hello")
                async for event in s.events():
                    if event.kind == "assistant_turn_completed":
                        break
                await s.aclose()  # ends the example's iteration (after session_closed)
    print("example done")


trio.run(main)
"""

PEER = """\
import trio
import trio_realtime as rt
from trio_realtime.testing import MemoryGateway, ScriptedPeer, frames, gemini_frames


async def example(peer: ScriptedPeer) -> None:
    {body}


async def main() -> None:
    gateway = MemoryGateway(provider="{provider}")
    with trio.fail_after(30):
        async with rt.open_session("{model}", gateway=gateway) as session:
            assert gateway.last_peer is not None
            await example(gateway.last_peer)
            async for event in session.events():
                print(event.kind, getattr(event, "text", ""))
                if event.kind == "assistant_turn_completed":
                    break


trio.run(main)
"""

SERVER = """\
import functools

import trio
import trio_realtime as rt
from trio_realtime.server import *


async def main() -> None:
    config = rt.Config(modalities=["text"], turn_detection=None)
    with trio.fail_after(30):
        async with trio.open_nursery() as nursery:
            {body}
            gateway = rt.OpenAIGateway(url=url)  # the server the block started
            async with rt.open_session("gpt-realtime", gateway=gateway, config=config) as session:
                await session.send_text("Hello")
                async for event in session.events():
                    if event.kind == "assistant_text":
                        print(event.text)
                        break
            nursery.cancel_scope.cancel()


trio.run(main)
"""


@attrs.frozen
class Harness:
    """The program a fragment runs in: ``template`` with the block in place of ``{body}``."""

    template: str
    expect: str  # the program's output must contain this

    def program(self, code: str) -> tuple[str, int]:
        """The program's source, and the line of it where the block starts."""
        before, _, _ = self.template.partition("{body}")
        indent = before.rpartition("\n")[2]
        body = textwrap.indent(code, indent).rstrip("\n")
        return self.template.replace(indent + "{body}", body), before.count("\n") + 1


HARNESSES = {
    # the block is the body of `async def example(session)`: a session on the local server, on
    # which a text turn happens concurrently and which then closes
    "trio_realtime.Subscription[1]": Harness(SESSION, "example done"),
    # the block is the body of `async def example(peer)`: the ScriptedPeer (GeminiPeer) of a
    # session on MemoryGateway(); what it sends must reach the session as a turn
    "trio_realtime.testing.frames[1]": Harness(
        PEER.replace("{provider}", "openai").replace("{model}", "gpt-realtime"),
        "assistant_text Hello!",
    ),
    "trio_realtime.testing.gemini_frames[1]": Harness(
        PEER.replace("{provider}", "gemini").replace("{model}", "gemini-live-2.5-flash"),
        "assistant_transcript Hello!",
    ),
    # the block runs in `async with trio.open_nursery() as nursery:` with the module's names
    # and binds `url` to a server it started; a session then holds a text turn there
    "trio_realtime.server[2]": Harness(SERVER, "You said: Hello"),
}

NOT_CODE = {
    "trio_realtime._errors[1]": "the exception hierarchy, drawn as a tree",
    "trio_realtime.tools._errors[1]": "the exception hierarchy, drawn as a tree",
    "trio_realtime.transport[1]": "the transports and their entry points, drawn as a tree",
}

PENDING: dict[str, str] = {}  # (none now)

# ---------------------------------------------------------------------------------------------
# What the reference renders.

DIRECTIVE = re.compile(r"^\.\. (?P<kind>auto\w+|module|currentmodule):: *(?P<target>\S+)")
OPTION = re.compile(r"^ +:(?P<name>[\w-]+):(?P<value>.*)$")


class All(enum.Enum):
    MEMBERS = "all"  # `:members:` without a list


Members = All | tuple[str, ...] | None  # None: no `:members:` option


@attrs.frozen
class Docstring:
    path: str  # the object's name as the reference shows it
    text: str
    source: pathlib.Path
    line: int  # where the object's definition starts in ``source``


def directives(page: pathlib.Path) -> Iterator[tuple[str, str, dict[str, str]]]:
    """(kind, target, options) of each directive of a reST page."""
    lines = page.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if match := DIRECTIVE.match(line):
            options: dict[str, str] = {}
            name = ""
            for option_line in lines[i + 1 :]:
                if not option_line.startswith(" ") or not option_line.strip():
                    break  # the options end at the content or the next directive
                if option := OPTION.match(option_line):
                    name = option["name"]
                    options[name] = option["value"].strip()
                elif name:  # a continuation line of the option before
                    options[name] += " " + option_line.strip()
            yield match["kind"], match["target"].split("(")[0], options


def resolve(name: str) -> object:
    """The object named ``name``: a module, or an attribute path inside the longest one."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for part in parts[i:]:
            obj = getattr(obj, part)
        return obj
    raise LookupError(name)


def attribute_docs(source: pathlib.Path, class_name: str | None) -> dict[str, str]:
    """The docs of assignments (``#:`` comments above, or a string below), at module level or
    in class ``class_name``."""
    text = source.read_text(encoding="utf-8")
    lines = text.splitlines()
    tree = ast.parse(text)
    body = tree.body
    if class_name is not None:
        (cls,) = (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == class_name)
        body = cls.body
    docs = {}
    for node, after in zip(body, [*body[1:], None], strict=True):
        if not isinstance(node, ast.Assign | ast.AnnAssign):
            continue
        comments = []
        above = node.lineno - 2
        while above >= 0 and lines[above].strip().startswith("#:"):
            comments.insert(0, lines[above].strip()[2:].strip())
            above -= 1
        doc = "\n".join(comments)
        if (
            isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            doc = inspect.cleandoc(after.value.value)
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if isinstance(target, ast.Name) and doc:
                docs[target.id] = doc
    return docs


def source_of(obj: object) -> tuple[pathlib.Path, int]:
    target = obj.fget if isinstance(obj, property) else obj
    target = inspect.unwrap(target)  # type: ignore[arg-type]
    if inspect.ismodule(target):
        return pathlib.Path(inspect.getfile(target)), 1
    return pathlib.Path(inspect.getsourcefile(target) or ""), inspect.getsourcelines(target)[1]


def documented(path: str, obj: object, members: Members, imported: bool) -> Iterator[Docstring]:
    """The docstrings autodoc renders for ``obj`` documented with these options."""
    text = inspect.getdoc(obj)
    if text:
        yield Docstring(path, text, *source_of(obj))
    if members is None or not (inspect.ismodule(obj) or inspect.isclass(obj)):
        return
    if isinstance(obj, ModuleType):
        names = list(members) if members is not All.MEMBERS else module_members(obj, imported)
        space, holder = vars(obj), None
    else:
        assert inspect.isclass(obj)
        names = [n for n in vars(obj) if not n.startswith("_")]
        if members is not All.MEMBERS:
            names = [n for n in names if n in members]
        space, holder = vars(obj), obj.__name__
    data_docs: dict[str, str] | None = None
    for name in names:
        member = space[name] if name in space else getattr(obj, name)
        if inspect.ismodule(member):
            continue  # autodoc documents no submodule as a member
        if isinstance(member, staticmethod | classmethod):
            member = member.__func__
        if inspect.isclass(member) or inspect.isroutine(member) or isinstance(member, property):
            # autodoc documents every member of a member (all_members=True)
            yield from documented(f"{path}.{name}", member, All.MEMBERS, imported)
            continue
        if data_docs is None:
            source = source_of(obj)[0]
            data_docs = attribute_docs(source, holder)
        if name in data_docs:
            yield Docstring(f"{path}.{name}", data_docs[name], *source_of(obj))


def module_members(module: ModuleType, imported: bool) -> list[str]:
    if hasattr(module, "__all__"):  # autodoc skips the names it lists but the module lacks
        return [name for name in module.__all__ if hasattr(module, name)]
    return [
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (imported or getattr(value, "__module__", None) == module.__name__)
    ]


def rendered_docstrings() -> Iterator[Docstring]:
    for page in sorted(REFERENCE.glob("*.rst")):
        current = ""
        for kind, target, options in directives(page):
            if kind in ("module", "currentmodule", "automodule"):
                current = target
            if not kind.startswith("auto"):
                continue
            name = target if kind == "automodule" or "." in target else f"{current}.{target}"
            members: Members = None
            if "members" in options:
                listed = tuple(m.strip() for m in options["members"].split(",") if m.strip())
                members = listed or All.MEMBERS
            if kind == "autodata":
                module_name, _, attribute = name.rpartition(".")
                module = importlib.import_module(module_name)
                source = pathlib.Path(inspect.getfile(module))
                doc = attribute_docs(source, None).get(attribute)
                if doc:
                    yield Docstring(name, doc, source, 1)
                continue
            yield from documented(name, resolve(name), members, "imported-members" in options)


# ---------------------------------------------------------------------------------------------
# The literal blocks.

UNSUPPORTED = re.compile(r"^\s*(>>>|\.\. (code-block|code|sourcecode|doctest)::)", re.MULTILINE)


@attrs.frozen
class Example:
    key: str  # "<object>[<n>]"
    code: str
    source: pathlib.Path
    line: int  # of the code's first line in ``source`` (0: not found)

    def parses(self) -> bool:
        try:
            ast.parse(self.code)
        except SyntaxError:
            return False
        return True


def literal_blocks(text: str) -> Iterator[str]:
    """The dedented literal blocks of a docstring (as inspect.getdoc returns it)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if not line.rstrip().endswith("::") or line.lstrip().startswith(".. "):
            continue
        indent = len(line) - len(line.lstrip())
        start = i + 1
        while start < len(lines) and not lines[start].strip():
            start += 1
        end = start
        while end < len(lines) and (
            not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent
        ):
            end += 1
        code = textwrap.dedent("\n".join(lines[start:end])).strip("\n")
        if code and start > i + 1:  # a literal block follows a blank line
            yield code + "\n"


def examples() -> list[Example]:
    found: dict[str, Example] = {}
    for doc in rendered_docstrings():
        for n, code in enumerate(literal_blocks(doc.text), 1):
            key = f"{doc.path}[{n}]"
            if key not in found:  # the same object may be rendered twice (e.g. :no-index:)
                found[key] = Example(key, code, doc.source, line_of(code, doc.source, doc.line))
    return list(found.values())


def line_of(code: str, source: pathlib.Path, start: int) -> int:
    first = code.splitlines()[0].strip()
    lines = source.read_text(encoding="utf-8").splitlines()
    for number in range(max(start, 1), len(lines) + 1):
        if lines[number - 1].strip() == first:
            return number
    return 0


EXAMPLES = examples()
PYTHON = [e for e in EXAMPLES if e.key not in NOT_CODE]


def test_every_block_is_classified() -> None:
    keys = {e.key for e in EXAMPLES}
    assert not (set(NOT_CODE) | set(HARNESSES) | set(PENDING)) - keys, "stale entries"
    for example in EXAMPLES:
        where = f"{example.key} ({example.source.relative_to(test_docs.ROOT)}:{example.line})"
        if example.key in NOT_CODE:
            assert not example.parses(), f"{where} is Python: run it (drop it from NOT_CODE)"
        elif example.key not in PENDING:
            assert example.parses(), f"{where} is not Python: make it code, or list it in NOT_CODE"


def test_no_unsupported_blocks() -> None:
    for doc in rendered_docstrings():
        assert not UNSUPPORTED.search(doc.text), f"{doc.path}: use a `::` literal block"


def test_the_reference_has_examples() -> None:
    """The extraction finds the examples it should (a broken parser would find none)."""
    keys = {e.key for e in EXAMPLES}
    assert {"trio_realtime.server[1]", "trio_realtime.Subscription[1]"} <= keys
    assert len(PYTHON) >= 6


def example_params() -> Iterator[object]:
    for example in PYTHON:
        marks = ()
        if example.key in PENDING:
            marks = (pytest.mark.xfail(strict=True, reason=PENDING[example.key]),)
        yield pytest.param(example, id=example.key, marks=marks)


@pytest.mark.parametrize("example", list(example_params()))
def test_python_example_runs(
    example: Example,
    server_url: str,
    microphone_pcm: pathlib.Path,
    tmp_path: pathlib.Path,
) -> None:
    code, line, markers = example.code, example.line, ()
    if harness := HARNESSES.get(example.key):
        code, at = harness.program(example.code)
        line, markers = line - at + 1, (f"output-contains {harness.expect}",)
    # test_docs pads the program with blank lines: a traceback gives the module's line numbers
    block = test_docs.Block(example.source, max(line, 1), "python", code, markers)
    run_like_a_docs_block(block, server_url, microphone_pcm, tmp_path)
