"""Exceptions of the tool layer.

::

    ValueError
      └── ToolArgumentsError   the model's arguments are bad JSON, not an object, schema-invalid,
                               or cannot be converted to the parameter types
    TypeError
      └── ToolResultError      a tool's return value cannot be JSON-encoded

Both messages are written for the model: they are sent back as the call's error output.
"""

from __future__ import annotations

__all__ = ["ToolArgumentsError", "ToolResultError"]


class ToolArgumentsError(ValueError):
    """The arguments of a tool call are invalid (message names the tool and the problem)."""


class ToolResultError(TypeError):
    """A tool's result cannot be JSON-encoded (message names the offending type)."""
