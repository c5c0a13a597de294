"""The user's side of a Gemini Live conversation: utterances synthesized from what Gemini sends.

Gemini has no user items and (on most models) no speech events, so an utterance ``user_<n>``
is synthesized:

- it opens at its first ``inputTranscription`` fragment, at a barge-in (``interrupted``), or at
  ``voiceActivity ACTIVITY_START`` where a model sends it;
- the first model turn that starts while it is open answers it (``user_speech_stopped`` then,
  if its start was published);
- it closes (``user_transcript``, when it has text) at ``inputTranscription.finished``, when the
  turn answering it ends, or when a barge-in cuts that turn. Fragments that open while a turn
  is in progress (late fragments, or the barge-in's own words before ``interrupted``) belong to
  that turn's end unless the turn is interrupted, when they are the new utterance.

``at_ms`` of synthesized speech events is the input audio sent so far (Gemini gives no offset).
"""

from __future__ import annotations

import attrs

from ..events import UserSpeechStarted, UserSpeechStopped, UserTranscript, UserTranscriptDelta
from ._gemini_state import GeminiState
from .signals import Decoded

__all__ = ["Utterances"]


@attrs.define
class _Utterance:
    item_id: str
    opened_in: str | None  # the model turn in progress when it opened
    parts: list[str] = attrs.Factory(list)
    speaking: bool = False  # user_speech_started published, user_speech_stopped not yet
    answered_by: str | None = None
    strip: bool = True  # the first fragment's leading space is dropped


class Utterances:
    """Tracks the user's current utterance; each method appends the events it causes."""

    def __init__(self, state: GeminiState) -> None:
        self._state = state
        self._current: _Utterance | None = None

    def transcript(self, text: str, finished: object, out: list[Decoded]) -> None:
        """An ``inputTranscription`` fragment (``finished`` closes the utterance)."""
        if text:
            user = self._current if self._current is not None else self._open()
            delta = text.lstrip() if user.strip else text
            if delta:
                user.strip = False
                user.parts.append(delta)
                out.append(UserTranscriptDelta(item_id=user.item_id, delta=delta))
        if finished is True:
            self._close(out)

    def speech_started(self, at_ms: int | None, out: list[Decoded]) -> None:
        """The user started speaking (``voiceActivity``): a new utterance unless one is open
        that no turn answers yet."""
        user = self._current
        if user is None or user.answered_by is not None:
            self._close(out)
            user = self._open()
        self._started(user, at_ms, out)

    def speech_stopped(self, at_ms: int | None, out: list[Decoded]) -> None:
        """The user stopped speaking (``voiceActivity``)."""
        if self._current is not None:
            self._stopped(self._current, at_ms, out)

    def barge_in(self, out: list[Decoded]) -> None:
        """``interrupted``: the utterance the turn answered is over; a new one has started
        (the one whose words already arrived during the turn, if any)."""
        user = self._current
        if user is not None and user.answered_by is not None:
            self._close(out)
            user = None
        self._started(user if user is not None else self._open(), None, out)

    def turn_started(self, turn_id: str, out: list[Decoded]) -> None:
        """A model turn started: it answers the open utterance, if no turn does yet."""
        user = self._current
        if user is not None and user.answered_by is None:
            user.answered_by = turn_id
            self._stopped(user, None, out)

    def turn_ended(self, turn_id: str, *, interrupted: bool, out: list[Decoded]) -> None:
        """A model turn ended: the utterance it answered (or that opened during it) is over,
        unless the turn was interrupted by that utterance."""
        user = self._current
        if user is not None and (
            user.answered_by == turn_id or (user.opened_in == turn_id and not interrupted)
        ):
            self._close(out)

    def _started(self, user: _Utterance, at_ms: int | None, out: list[Decoded]) -> None:
        if not user.speaking:
            user.speaking = True
            at = at_ms if at_ms is not None else self._state.input_ms
            out.append(UserSpeechStarted(at_ms=at, item_id=user.item_id))

    def _stopped(self, user: _Utterance, at_ms: int | None, out: list[Decoded]) -> None:
        if user.speaking:
            user.speaking = False
            at = at_ms if at_ms is not None else self._state.input_ms
            out.append(UserSpeechStopped(at_ms=at, item_id=user.item_id))

    def _open(self) -> _Utterance:
        state = self._state
        user = self._current = _Utterance(item_id=state.new_id("user"), opened_in=state.open_turn)
        return user

    def _close(self, out: list[Decoded]) -> None:
        user, self._current = self._current, None
        if user is None:
            return
        self._stopped(user, None, out)
        if user.parts:
            out.append(UserTranscript(item_id=user.item_id, text="".join(user.parts)))
