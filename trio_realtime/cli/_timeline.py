"""A readable, timestamped timeline for the CLI (colour only on a terminal)."""

from __future__ import annotations

import os
import sys
from typing import TextIO

import trio

__all__ = ["Timeline"]

_COLOURS = {"you": "36", "assistant": "32", "tool": "33", "event": "35", "note": "2", "bad": "31"}


class Timeline:
    """Prints ``+1.234s  who  text  (note)`` lines relative to when it was created."""

    def __init__(self, out: TextIO | None = None, *, colour: bool | None = None) -> None:
        self.out = out if out is not None else sys.stdout
        if colour is None:
            colour = self.out.isatty() and "NO_COLOR" not in os.environ
        self.colour = colour
        self.start = trio.current_time()

    def _paint(self, style: str, text: str) -> str:
        code = _COLOURS.get(style)
        return f"\x1b[{code}m{text}\x1b[0m" if self.colour and code else text

    def elapsed(self) -> float:
        """Seconds since the timeline started."""
        return trio.current_time() - self.start

    def title(self, text: str) -> None:
        """A bold heading."""
        self.out.write(("\x1b[1m" + text + "\x1b[0m" if self.colour else text) + "\n")
        self.out.flush()

    def section(self, text: str) -> None:
        """A numbered part of the run."""
        self.out.write("\n" + self._paint("event", f"▸ {text}") + "\n")
        self.out.flush()

    def line(self, who: str, text: str, note: str = "") -> None:
        """One timestamped entry."""
        stamp = self._paint("note", f"{self.elapsed():+8.3f}s")
        label = self._paint(who, f"{who:<9}")
        tail = f"  {self._paint('note', note)}" if note else ""
        self.out.write(f"  {stamp}  {label} {text}{tail}\n")
        self.out.flush()

    def info(self, text: str) -> None:
        """An untimed remark."""
        self.out.write("  " + self._paint("note", text) + "\n")
        self.out.flush()


def ms(seconds: float) -> str:
    """``12 ms`` / ``1.23 s``."""
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"
