"""Testing tools for trio-realtime applications (and for trio-realtime itself).

Two ways to stand in for a provider, both offline and without an API key:

- **The local server** (:func:`start_local_server`): a real WebSocket server on loopback that
  speaks the OpenAI Realtime protocol, answering from a *brain* (:class:`ScriptedBrain`,
  :func:`calls`). Best for end-to-end tests of your app.
- **A scripted peer** (:class:`MemoryGateway` -> :class:`ScriptedPeer`): you play the server
  frame by frame in memory (:mod:`~trio_realtime.testing.frames` builds the frames), on trio's
  virtual clock, asserting exactly what your app sends and when. ``MemoryGateway(provider=
  "gemini")`` plays Gemini Live instead (:class:`~trio_realtime.testing.GeminiPeer`,
  :mod:`~trio_realtime.testing.gemini_frames`).

The pytest plugin (registered automatically; needs ``pytest-trio``) provides the fixtures
``realtime_server`` (a :class:`LocalServer`, configured with the
``@pytest.mark.realtime_server(brain=..., faults=...)`` marker), ``realtime_gateway`` and
``scripted_gateway`` (a :class:`MemoryGateway`).
"""

from . import frames, gemini_frames
from ._brains import ScriptedBrain, calls
from ._gemini_peer import GeminiPeer
from ._peer import MemoryGateway, ScriptedPeer
from ._server import LocalServer, start_local_server

__all__ = [
    "GeminiPeer",
    "LocalServer",
    "MemoryGateway",
    "ScriptedBrain",
    "ScriptedPeer",
    "calls",
    "frames",
    "gemini_frames",
    "start_local_server",
]
