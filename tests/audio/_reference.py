"""The stdlib ``audioop`` module (Python <= 3.12) or ``audioop-lts`` (3.13+), if importable."""

from __future__ import annotations

import warnings
from types import ModuleType


def load_audioop() -> ModuleType | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            import audioop
        except ImportError:
            return None
    return audioop


audioop = load_audioop()
