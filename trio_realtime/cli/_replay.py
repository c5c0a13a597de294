"""``python -m trio_realtime replay FILE``: a recording as an event timeline.

Client frames are shown by kind (``conversation.item.create``); server frames are decoded by
the recorded provider's codec and shown as the neutral events a session would publish. Runs of
deltas (audio, text, transcripts, tool arguments, audio appends) are folded into one line
unless ``--frames`` is given.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, TextIO

from ..config import Config
from ..events import (
    AssistantAudioDelta,
    AssistantText,
    AssistantTranscript,
    AssistantTurnCompleted,
    Error,
    Interrupted,
    SessionClosed,
    SessionOpened,
    ToolCallCompleted,
    ToolCallDispatched,
    ToolCallFailed,
    UserTranscript,
)
from ..protocol import Codec, GeminiProtocol, OpenAIProtocol
from ..recording import frame_kind, read_recording
from ..recording._format import frame_of
from ..recording._replay import RecordedConnection

__all__ = ["render_timeline", "run_replay"]

_FOLDED = frozenset(
    {
        "assistant_audio_delta",
        "assistant_text_delta",
        "assistant_transcript_delta",
        "user_transcript_delta",
        "tool_call_args_delta",
        "input_audio_buffer.append",
        "realtimeInput.audio",
    }
)


def _quote(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def describe(event: Any) -> str:
    """One event, in a few words (content included: this is the user's own recording)."""
    if isinstance(event, SessionOpened):
        return event.session_id
    if isinstance(event, AssistantText | AssistantTranscript | UserTranscript):
        return _quote(event.text)
    if isinstance(event, ToolCallDispatched):
        return f"{event.name}({', '.join(f'{k}={v!r}' for k, v in event.args.items())})"
    if isinstance(event, ToolCallCompleted):
        return f"{event.name} -> {_quote(str(event.result), 50)}"
    if isinstance(event, ToolCallFailed):
        return f"{event.name}: {event.error}"
    if isinstance(event, AssistantTurnCompleted):
        usage = event.usage
        tokens = f", {usage.input_tokens} in / {usage.output_tokens} out" if usage else ""
        return f"{event.turn_id} {event.status}{tokens}"
    if isinstance(event, Error):
        return f"{event.code}: {event.message}"
    if isinstance(event, Interrupted):
        return f"{event.turn_id} ({event.reason})"
    if isinstance(event, SessionClosed):
        return f"{event.reason} {event.code}: {event.message}"
    return str(getattr(event, "turn_id", "") or getattr(event, "item_id", ""))


def _codec(connection: RecordedConnection) -> Codec:
    model = str(connection.header.get("model") or "")
    codec: Codec
    if connection.provider == "gemini":
        codec = GeminiProtocol(Config(), model=model)
    else:
        codec = OpenAIProtocol(Config())
    codec.open()
    return codec


class _Printer:
    def __init__(self, out: TextIO, *, fold: bool) -> None:
        self.out = out
        self.fold = fold
        self._run: tuple[str, str] | None = None  # (who, kind) of the folded run
        self._count = 0
        self._start = 0.0
        self._audio_ms = 0.0

    def line(self, t: float, who: str, kind: str, detail: str = "", audio_ms: float = 0.0) -> None:
        if self.fold and kind in _FOLDED:
            if self._run == (who, kind):
                self._count += 1
                self._audio_ms += audio_ms
                return
            self.flush()
            self._run, self._count, self._start, self._audio_ms = (who, kind), 1, t, audio_ms
            return
        self.flush()
        self._write(t, who, kind, detail)

    def flush(self) -> None:
        if self._run is not None:
            who, kind = self._run
            detail = f"×{self._count}"
            if self._audio_ms:
                detail += f" ({self._audio_ms:.0f} ms)"
            self._write(self._start, who, kind, detail)
            self._run = None

    def _write(self, t: float, who: str, kind: str, detail: str) -> None:
        tail = f"  {detail}" if detail else ""
        self.out.write(f"  {t:+9.3f}s  {who:<6}  {kind}{tail}\n")


def render_timeline(path: str | os.PathLike[str], out: TextIO, *, fold: bool = True) -> None:
    """Write ``path``'s timeline to ``out`` (``ValueError`` if it is not a recording)."""
    for connection in read_recording(path):
        header = connection.header
        out.write(
            f"connection {header.get('index', 0)}: {connection.provider} {header.get('model')} "
            f"{header.get('url') or ''} (audio {'kept' if header.get('audio') else 'elided'}, "
            f"started {header.get('started_at')})\n"
        )
        codec = _codec(connection)
        printer = _Printer(out, fold=fold)
        for record in connection.lines:
            t = float(record.get("t", 0.0))
            direction = record.get("dir")
            if direction == "send":
                printer.line(t, "client", frame_kind(frame_of(record)))
            elif direction == "recv":
                for item in codec.receive(frame_of(record)):
                    kind = getattr(item, "kind", None)
                    if kind is None:
                        continue  # an internal signal, not an event
                    audio = item.duration_ms if isinstance(item, AssistantAudioDelta) else 0.0
                    printer.line(t, "server", kind, describe(item), audio)
            elif record.get("event") in _NOTES:
                printer.line(t, "note", _NOTES[record["event"]](record))
        printer.flush()


def _close_note(record: dict[str, Any]) -> str:
    code, reason = record.get("code"), record.get("reason")
    return f"closed by {record.get('initiator')} (code {code}: {reason})"


_NOTES: dict[str, Callable[[dict[str, Any]], str]] = {
    "close": _close_note,
    "truncated": lambda record: "recording truncated here (max_bytes)",
    "audio_off": lambda record: "audio elided from here on (max_bytes)",
}


def run_replay(path: str, *, fold: bool = True, out: TextIO | None = None) -> int:
    """The ``replay`` command: print the timeline; exit status 0."""
    render_timeline(path, out if out is not None else sys.stdout, fold=fold)
    return 0
