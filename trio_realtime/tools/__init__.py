"""Tools for realtime sessions: definitions, JSON Schema from type hints, validation, results.

- :class:`Tool` — a definition (name, description, JSON Schema parameters) plus an optional
  sync or async function; :meth:`Tool.from_callable` builds one from type hints and docstrings.
- :class:`ToolContext` — the optional per-call context a tool function may declare;
  :class:`InterruptFlag` — the protocol of its ``interrupted`` flag; :class:`ToolSession` —
  what a tool may use of its ``session``.
- :class:`ToolRegistry` — tools by unique name.
- :func:`encode_result` / :func:`encode_error` — the ``function_call_output.output`` strings.

This package does not import trio (the session runs tool functions: :meth:`Tool.bind` gives it
the call to make); it imports ``jsonschema`` when the first tool is built, and pydantic never
(pydantic models are recognised only when the application has imported pydantic).
"""

from ._context import InterruptFlag, ToolContext, ToolSession
from ._encode import encode_error, encode_result
from ._errors import ToolArgumentsError, ToolResultError
from ._registry import ToolRegistry
from ._tool import Tool, as_tool

__all__ = [
    "InterruptFlag",
    "Tool",
    "ToolArgumentsError",
    "ToolContext",
    "ToolRegistry",
    "ToolResultError",
    "ToolSession",
    "as_tool",
    "encode_error",
    "encode_result",
]
