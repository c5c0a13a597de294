"""Deterministic ids shaped like OpenAI's, and the server-event constructor.

Ids are ``<prefix>_`` + 21 alphanumerics (``call_`` ids: 16). Each connection gets its own
:class:`IdFactory` seeded from the server seed and the connection number, so two runs of the same
test produce the same ids; a scrambled counter inside them keeps them unique.
"""

from __future__ import annotations

import random
import string
from typing import Any

__all__ = ["IdFactory"]

_ALPHABET = string.ascii_letters + string.digits
_SPACE = 62**8
_SPREAD = 0x9E3779B1  # odd and not a multiple of 31: a bijection of range(62**8)


def _base62(value: int, width: int) -> str:
    chars = []
    for _ in range(width):
        value, rem = divmod(value, 62)
        chars.append(_ALPHABET[rem])
    return "".join(reversed(chars))


class IdFactory:
    """Makes unique, reproducible ids and stamps server events with ``event_id``."""

    def __init__(self, seed: int | str = 0) -> None:
        rng = random.Random(seed)
        self._tag = "".join(rng.choice(_ALPHABET) for _ in range(13))
        self._offset = rng.randrange(_SPACE)
        self._counter = 0

    def new(self, prefix: str, length: int = 21) -> str:
        """A fresh id such as ``item_C9bX...``; ``length`` counts the characters after the ``_``."""
        self._counter += 1
        tail = self._tag + _base62((self._counter * _SPREAD + self._offset) % _SPACE, 8)
        return f"{prefix}_{tail[-length:] if length < len(tail) else tail}"

    def event(self, type_: str, **fields: Any) -> dict[str, Any]:
        """A server event dict: ``type`` first, then a fresh ``event_id``, then ``fields``."""
        event: dict[str, Any] = {"type": type_, "event_id": self.new("event")}
        event.update(fields)
        return event
