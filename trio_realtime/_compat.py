"""Small helpers the supported Pythons (3.10-3.13) do not all have."""

from __future__ import annotations

from typing import NoReturn

__all__ = ["assert_never"]


def assert_never(value: NoReturn) -> NoReturn:
    """Mark a branch the type checker proves unreachable (``typing.assert_never`` is 3.11+)."""
    raise AssertionError(f"unhandled value: {value!r}")
