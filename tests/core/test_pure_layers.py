"""The pure layers (events, config, protocol, the turn machine, tools) load without trio.

Each check runs in a fresh interpreter where ``sys.modules["trio"] = None`` makes
``import trio`` raise ``ImportError``. The package ``__init__`` imports the session (which needs
trio), so the modules are loaded under a stub parent package: ``trio_realtime/__init__.py``
itself is not part of the pure layer.
"""

from __future__ import annotations

import pathlib
import subprocess
import sys
import textwrap

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "trio_realtime"

PURE = (
    "trio_realtime.events",
    "trio_realtime.config",
    "trio_realtime.protocol",
    "trio_realtime.protocol.openai",
    "trio_realtime._actions",
    "trio_realtime._heard",
    "trio_realtime._turns",
    "trio_realtime.tools",
)

PRELUDE = f"""
import sys, types
sys.modules["trio"] = None  # import trio -> ImportError
stub = types.ModuleType("trio_realtime")
stub.__path__ = [{str(PACKAGE)!r}]
sys.modules["trio_realtime"] = stub
import importlib
"""

EXERCISE = """
from trio_realtime.config import Config
from trio_realtime.protocol.openai import OpenAIProtocol
from trio_realtime._turns import TurnMachine
from trio_realtime._actions import Send

def get_weather(city: str) -> str:
    '''Weather in a city.'''
    return city

config = Config(modalities=["text"], turn_detection=None, tools=[get_weather])
codec = OpenAIProtocol(config)
machine = TurnMachine(config, codec)
(send,) = machine.request_response(None)
assert isinstance(send, Send) and '"response.create"' in send.message
frame = '{"type":"response.created","event_id":"e1","response":{"id":"r1","status":"in_progress"}}'
actions = [a for item in codec.receive(frame) for a in machine.apply(item, 0.0)]
assert [type(a).__name__ for a in actions] == ["AssistantTurnStarted"], actions
assert "trio" not in {m.split(".")[0] for m in sys.modules if sys.modules[m] is not None}
"""


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_pure_layers_import_without_trio() -> None:
    imports = "".join(f"importlib.import_module({name!r})\n" for name in PURE)
    result = _run(PRELUDE + imports + EXERCISE)
    assert result.returncode == 0, result.stderr


def test_the_check_would_notice_trio() -> None:
    """The stub really blocks trio: loading the session (which needs it) fails."""
    result = _run(PRELUDE + "importlib.import_module('trio_realtime._runtime')\n")
    assert result.returncode != 0
    assert "trio" in result.stderr
