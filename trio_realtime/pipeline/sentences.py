"""Cut streamed text into sentences for text-to-speech, never dropping or reordering text."""

from __future__ import annotations

import re
from typing import Final

__all__ = ["SentenceSplitter"]

# A sentence ends at a run of terminators (plus closing quotes/brackets) followed by whitespace.
_END: Final = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)")
_SPACE: Final = re.compile(r"\s")


class SentenceSplitter:
    """Feed text deltas; get complete sentences as soon as they are complete.

    A sentence is the text up to ``.``, ``!``, ``?`` or ``…`` (a run of them, plus closing
    quotes or brackets) followed by whitespace, or by the end (:meth:`flush`). The whitespace
    starts the next piece, so ``"".join(pieces)`` is exactly the text fed, whatever the
    chunking, and the pieces do not depend on how the text was chunked. A terminator at the
    very end of the text fed so far waits for the next delta (``"3."`` may continue ``"14"``).
    Text without a terminator for ``max_chars`` is cut at its last whitespace (or at
    ``max_chars`` when it has none) so speech is never held back indefinitely.
    """

    def __init__(self, *, max_chars: int = 400) -> None:
        if max_chars < 1:
            raise ValueError(f"max_chars must be >= 1, not {max_chars}")
        self.max_chars = max_chars
        self._buf = ""
        self._scanned = 0  # no sentence end starts before this index of _buf

    def feed(self, text: str) -> list[str]:
        """Add a delta; return the sentences it completes, in order (possibly none)."""
        self._buf += text
        out: list[str] = []
        while True:
            match = _END.search(self._buf, self._scanned)
            if match is not None:
                out.append(self._buf[: match.end()])
                self._buf = self._buf[match.end() :]
                self._scanned = 0
                continue
            if len(self._buf) <= self.max_chars:
                # A terminator run may still grow at the end: rescan from its start next time.
                self._scanned = max(0, len(self._buf) - 8)
                return out
            out.append(self._cut())

    def _cut(self) -> str:
        head = self._buf[: self.max_chars]
        spaces = [m.start() for m in _SPACE.finditer(head)]
        at = spaces[-1] if spaces and spaces[-1] > 0 else self.max_chars
        piece, self._buf, self._scanned = self._buf[:at], self._buf[at:], 0
        return piece

    def flush(self) -> str:
        """The rest of the text (the last sentence, maybe unterminated, or ``""``); resets."""
        rest, self._buf, self._scanned = self._buf, "", 0
        return rest
