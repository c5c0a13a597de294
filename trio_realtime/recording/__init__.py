"""Recording sessions and replaying them: a real session becomes a regression test.

::

    broker = rt.Broker("gpt-realtime", gateway=rt.OpenAIGateway(),
                       recorder=rt.Recorder("call.jsonl", audio=True))
    ...
    replay = rt.Broker("gpt-realtime", gateway=rt.ReplayGateway("call.jsonl"))

:class:`Recorder` writes every frame both ways as JSONL with monotonic timestamps (never a
key); :class:`ReplayGateway` answers a session with the recorded server frames, each batch
after the client frame that preceded it; ``python -m trio_realtime replay call.jsonl`` prints a
recording as an event timeline. The format is described in :mod:`._format` and
``docs/recording.md``.
"""

from ._format import FORMAT_VERSION, frame_kind
from ._recorder import Recorder, RecordingTransport
from ._replay import DIVERGED, TRUNCATED, RecordedConnection, ReplayGateway, read_recording

__all__ = [
    "DIVERGED",
    "FORMAT_VERSION",
    "TRUNCATED",
    "RecordedConnection",
    "Recorder",
    "RecordingTransport",
    "ReplayGateway",
    "frame_kind",
    "read_recording",
]
