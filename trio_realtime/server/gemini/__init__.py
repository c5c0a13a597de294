"""The local server's Gemini Live endpoint (Google's ``BidiGenerateContent`` wire protocol).

Served on the same port as the OpenAI path, at Google's own path
``/ws/google.ai.generativelanguage.{v1beta|v1alpha|v1}.GenerativeService.BidiGenerateContent``
(see :func:`gemini_path`), so the official ``google-genai`` client given ``https://HOST:PORT``
as its base URL works unchanged (over ``serve --tls``). :class:`GeminiServerState` is the
sans-I/O protocol logic; the trio shell and the brains, transcribers, VAD, voices, pacing and
faults are the server's, shared with the OpenAI path.
"""

from __future__ import annotations

from ._history import History
from ._setup import GeminiSetup
from ._store import SessionStore
from ._wire import GeminiClose
from .state import INPUT_RATE, GeminiServerState

__all__ = [
    "API_VERSIONS",
    "INPUT_RATE",
    "GeminiClose",
    "GeminiServerState",
    "GeminiSetup",
    "History",
    "SessionStore",
    "gemini_path",
]

API_VERSIONS = ("v1beta", "v1alpha", "v1")


def gemini_path(version: str = "v1beta") -> str:
    """Google's path of the Live API for ``version``."""
    return f"/ws/google.ai.generativelanguage.{version}.GenerativeService.BidiGenerateContent"
