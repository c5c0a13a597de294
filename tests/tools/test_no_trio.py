"""The tools layer is pure: it loads and works with trio (or pydantic) made unimportable.

Each check runs in a fresh interpreter where ``sys.modules[name] = None`` makes ``import name``
raise ``ImportError``. ``trio_realtime/__init__.py`` imports the session (which needs trio), so
the no-trio check loads ``trio_realtime.tools`` under a stub parent package: the package
``__init__`` itself is not part of the pure layer.
"""

from __future__ import annotations

import pathlib
import subprocess
import sys
import textwrap

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "trio_realtime"

EXERCISE = """
import dataclasses, enum

class Cabin(enum.Enum):
    ECONOMY = "economy"

@dataclasses.dataclass
class Passenger:
    name: str
    cabin: Cabin = Cabin.ECONOMY

class Flag:
    def is_set(self): return False
    async def wait(self): raise NotImplementedError

def book(passengers: list[Passenger], ctx: tools.ToolContext) -> dict:
    '''Book seats.'''
    return {"n": len(passengers), "call": ctx.call_id}

tool = tools.Tool.from_callable(book)
args = tool.parse_arguments('{"passengers": [{"name": "Ada"}]}')
ctx = tools.ToolContext(call_id="c1", turn_id="r1", name="book", interrupted=Flag())
bound = tool.bind(args, ctx)
assert bound.keywords["passengers"] == [Passenger("Ada")], bound.keywords
assert tools.encode_result(bound()) == '{"n":1,"call":"c1"}'
try:
    tool.parse_arguments('{"passengers": [{}]}')
except tools.ToolArgumentsError as exc:
    assert str(exc) == "invalid arguments for book: 'passengers[0].name' is required", exc
else:
    raise AssertionError("no error")
"""


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_tools_load_and_work_without_trio() -> None:
    result = _run(
        f"""
        import importlib, sys, types
        sys.modules["trio"] = None  # `import trio` now raises ImportError
        parent = types.ModuleType("trio_realtime")
        parent.__path__ = [{str(PACKAGE)!r}]
        sys.modules["trio_realtime"] = parent  # do not run the package __init__ (the session)
        tools = importlib.import_module("trio_realtime.tools")
        {textwrap.indent(EXERCISE, " " * 8).strip()}
        assert sys.modules["trio"] is None
        assert not [m for m in sys.modules if m.startswith(("trio.", "trio_websocket"))]
        print("ok")
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_the_shim_really_blocks_trio() -> None:
    # Guard: the check above can fail. Loading the session under the same shim does.
    result = _run(
        f"""
        import importlib, sys, types
        sys.modules["trio"] = None
        parent = types.ModuleType("trio_realtime")
        parent.__path__ = [{str(PACKAGE)!r}]
        sys.modules["trio_realtime"] = parent
        importlib.import_module("trio_realtime._batches")
        """
    )
    assert result.returncode != 0
    assert "ImportError" in result.stderr or "ModuleNotFoundError" in result.stderr


def test_tools_work_without_pydantic() -> None:
    result = _run(
        f"""
        import sys
        sys.modules["pydantic"] = None  # as if pydantic were not installed
        import trio_realtime as rt
        from trio_realtime import tools
        {textwrap.indent(EXERCISE, " " * 8).strip()}
        assert sys.modules["pydantic"] is None
        print("ok")
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_importing_the_package_imports_neither_pydantic_nor_jsonschema() -> None:
    result = _run(
        """
        import sys
        import trio_realtime
        print(sorted(m for m in ("pydantic", "jsonschema") if m in sys.modules))
        trio_realtime.Tool(name="t")  # the first tool compiles a validator
        print("jsonschema" in sys.modules)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["[]", "True"]
