"""Sans-I/O bookkeeping for ``RealtimeVoice.run()``: items to stream, and when it is complete.

:class:`RunProgress` is fed the session's events in order and answers, at any moment, what the
conversation is still waiting for. It owns no task and imports no trio.

**Complete** means: the audio source has ended (and its end was made audible: trailing
silence for a VAD, or a commit for push-to-talk), and then

- no assistant turn is active;
- no answer is expected: a user utterance (``user_speech_started`` with a turn detection that
  creates responses, or the final push-to-talk commit) expects one until an assistant turn
  starts after it. A speech start that overlaps an active turn which then completes normally
  (not interrupted) is taken as that turn's own late signal (Gemini reports speech late);
- no tool call is running (dispatched, with no ``tool_call_completed``/``tool_call_failed``);
- no follow-up answer is expected: after ``tool_batch_submitted`` for a turn that completed
  normally and was not interrupted, the model answers the tool outputs in a new turn;
- and, only while waiting a short grace period, no user transcript is due (input
  transcription on: one per ``user_speech_stopped`` item or push-to-talk commit, until its
  ``user_transcript`` or a failure naming the item).

Out-of-band responses are not the conversation: their events make no stream items and nobody
waits for them (:mod:`._band`).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from ..events import (
    AssistantAudioDelta,
    AssistantText,
    AssistantTextDelta,
    AssistantTranscript,
    AssistantTranscriptDelta,
    AssistantTurnCompleted,
    AssistantTurnStarted,
    Error,
    Interrupted,
    SessionEvent,
    ToolBatchSubmitted,
    ToolCallCompleted,
    ToolCallDispatched,
    ToolCallFailed,
    UserSpeechStarted,
    UserSpeechStopped,
    UserTranscript,
    UserTranscriptDelta,
)
from ._band import OutOfBandTurns
from ._models import AudioChunk, TranscriptDelta, VoiceItem

__all__ = ["STREAM_KINDS", "RunProgress"]

#: The session event kinds ``run()`` subscribes to.
STREAM_KINDS = frozenset(
    {
        "assistant_audio_delta",
        "assistant_transcript_delta",
        "assistant_transcript",
        "assistant_text_delta",
        "assistant_text",
        "user_transcript_delta",
        "user_transcript",
        "user_speech_started",
        "user_speech_stopped",
        "assistant_turn_started",
        "assistant_turn_completed",
        "interrupted",
        "tool_call_dispatched",
        "tool_call_completed",
        "tool_call_failed",
        "tool_batch_submitted",
        "error",
        "session_closed",
    }
)

_TURNS_KEPT = 64  # turns whose status/interruption is remembered (for late tool batches)


class _Recent(OrderedDict[str, Any]):
    """A dict that forgets its oldest keys past ``_TURNS_KEPT``."""

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        while len(self) > _TURNS_KEPT:
            self.popitem(last=False)


class RunProgress:
    """Turns events into stream items and tracks completion (see the module docstring).

    ``vad_responds``: turn detection is on and creates responses by itself.
    ``transcripts``: input transcription is on (user transcripts are due per utterance).
    """

    def __init__(self, *, vad_responds: bool, transcripts: bool) -> None:
        self._vad_responds = vad_responds
        self._transcripts = transcripts
        self._active: set[str] = set()
        self._overlapped: set[str] = set()  # active turns a speech start overlapped
        self._expect_answer = False
        self._followup = False
        self._calls: set[str] = set()
        self._status: _Recent = _Recent()  # turn -> completion status
        self._interrupted: _Recent = _Recent()
        self._audio_rates: dict[str, int] = {}  # turns that sent audio -> its sample rate
        self._due_items: set[str] = set()  # user items whose transcript is due
        self._due_commits = 0  # push-to-talk commits whose transcript is due
        self._out_of_band = OutOfBandTurns()

    # -- inputs -------------------------------------------------------------------------------

    def committed(self) -> None:
        """The input audio was committed by hand (push-to-talk): an answer is due (and its
        transcript). Call it before sending the commit, so the answer cannot come first."""
        self._expect_answer = True
        if self._transcripts:
            self._due_commits += 1

    def observe(self, event: SessionEvent) -> list[VoiceItem]:
        """Account for ``event``; return the stream items it makes (possibly none)."""
        if self._out_of_band.owns(event):
            return []
        if isinstance(event, AssistantAudioDelta):
            self._audio_rates[event.turn_id] = event.sample_rate
            return [AudioChunk.from_pcm(event.pcm, event.sample_rate)]
        if isinstance(event, (AssistantTranscriptDelta, AssistantTextDelta)):
            return [TranscriptDelta(event.delta, False, "assistant")]
        if isinstance(event, (AssistantTranscript, AssistantText)):
            return [TranscriptDelta(event.text, True, "assistant")]
        if isinstance(event, UserTranscriptDelta):
            return [TranscriptDelta(event.delta, False, "user")]
        if isinstance(event, UserTranscript):
            self._transcript_arrived(event.item_id)
            return [TranscriptDelta(event.text, True, "user")]
        if isinstance(event, AssistantTurnCompleted):
            return self._turn_completed(event.turn_id, event.status)
        self._track(event)
        return []

    def _track(self, event: SessionEvent) -> None:
        if isinstance(event, UserSpeechStarted):
            if self._vad_responds:
                self._expect_answer = True
                self._overlapped |= self._active
        elif isinstance(event, UserSpeechStopped):
            if self._vad_responds and not self._active:
                self._expect_answer = True
            if self._transcripts:
                self._due_items.add(event.item_id)
        elif isinstance(event, AssistantTurnStarted):
            self._active.add(event.turn_id)
            self._expect_answer = self._followup = False
            self._overlapped.clear()
        elif isinstance(event, Interrupted):
            self._interrupted[event.turn_id] = True
        elif isinstance(event, ToolCallDispatched):
            self._calls.add(event.call_id)
        elif isinstance(event, (ToolCallCompleted, ToolCallFailed)):
            self._calls.discard(event.call_id)
        elif isinstance(event, ToolBatchSubmitted):
            turn = event.turn_id
            if self._status.get(turn) == "completed" and turn not in self._interrupted:
                self._followup = True
        elif isinstance(event, Error):
            self._transcript_failed(event.message, event.code)

    def _turn_completed(self, turn_id: str, status: str) -> list[VoiceItem]:
        self._active.discard(turn_id)
        self._status[turn_id] = status
        if turn_id in self._overlapped:
            self._overlapped.discard(turn_id)
            if status == "completed" and turn_id not in self._interrupted:
                self._expect_answer = False
        rate = self._audio_rates.pop(turn_id, None)
        return [] if rate is None else [AudioChunk(b"", 0.0, True, rate)]

    def _transcript_arrived(self, item_id: str) -> None:
        if item_id in self._due_items:
            self._due_items.discard(item_id)
        elif self._due_commits:
            self._due_commits -= 1

    def _transcript_failed(self, message: str, code: str | None) -> None:
        named = {item for item in self._due_items if item in message}
        if named:
            self._due_items -= named
        elif self._due_commits and code is not None and "transcription" in code:
            self._due_commits -= 1

    # -- queries ------------------------------------------------------------------------------

    def waiting_for(self) -> str | None:
        """What the conversation still waits for, or None when the answers are complete."""
        if self._active:
            return "the answer to finish"
        if self._calls:
            return "tool calls to finish"
        if self._followup:
            return "the answer to the tool results"
        if self._expect_answer:
            return "an answer"
        return None

    @property
    def calls_running(self) -> bool:
        """Whether tool calls are running (bounded by the session's tool timeout)."""
        return bool(self._calls)

    @property
    def transcripts_due(self) -> bool:
        """Whether a user transcript is still due."""
        return bool(self._due_items or self._due_commits)
