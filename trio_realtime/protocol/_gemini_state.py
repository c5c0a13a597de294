"""The state the Gemini encoder and decoder share on one connection (and carry to the next).

The encoder changes the user side (an open activity, a user turn the model will answer by
itself, how much input audio went out); the decoder changes the model side (the model turn in
progress, the calls waiting for an answer, the latest resumption handle). Ids are synthesized
here (Gemini has no response or item ids) from counters that continue across a resumption, so
a resumed session never reuses a turn id.
"""

from __future__ import annotations

import secrets
from typing import Any

from ..config import Config
from ._gemini_setup import INPUT_RATE, GeminiOptions

__all__ = ["GeminiState"]

#: Calls waiting for an answer that are remembered (their names are needed for the answer).
MAX_OPEN_CALLS = 1024


class GeminiState:
    """Configuration, synthesized ids and the turn-taking facts of one Gemini connection."""

    def __init__(
        self,
        config: Config,
        *,
        model: str,
        options: GeminiOptions,
        session_id: str | None = None,
        resume_handle: str | None = None,
    ) -> None:
        self.config = config
        self.model = model
        self.options = options
        self.session_id = session_id or f"gemini_{secrets.token_hex(8)}"
        #: The handle this connection resumes (sent in ``setup``), then the latest resumable one.
        self.resume_handle = resume_handle
        #: This connection resumes an earlier one (the server restores the conversation).
        self.resuming = resume_handle is not None
        #: The conversation is given as initial history (``historyConfig`` in ``setup``).
        self.seed_history = False
        #: The ``setup`` object sent (the effective configuration Gemini never echoes).
        self.setup: dict[str, Any] = {}
        #: Manual activity detection: an ``activityStart`` was sent and no ``activityEnd`` yet.
        self.activity_open = False
        #: The last user input ends a turn the model answers by itself (no request needed).
        self.reply_pending = False
        #: 16 kHz input samples sent so far (the clock of synthesized ``at_ms`` values).
        self.input_samples = 0
        #: The model turn in progress (None between turns).
        self.open_turn: str | None = None
        #: Calls announced and not yet answered or withdrawn: call_id -> function name.
        self.calls: dict[str, str] = {}
        self._next = {"turn": 1, "user": 1, "call": 1}

    @property
    def manual(self) -> bool:
        """Whether automatic activity detection is off (``turn_detection=None``)."""
        return self.config.turn_detection is None

    @property
    def input_ms(self) -> int:
        """Milliseconds of input audio sent on this session so far."""
        return self.input_samples * 1000 // INPUT_RATE

    def new_id(self, kind: str) -> str:
        """The next synthesized ``turn_<n>``, ``user_<n>`` or ``call_<n>`` id."""
        number = self._next[kind]
        self._next[kind] = number + 1
        return f"{kind}_{number}"

    def remember_call(self, call_id: str, name: str) -> None:
        """Note a call that now waits for an answer (forgetting the oldest beyond the bound)."""
        if call_id not in self.calls and len(self.calls) >= MAX_OPEN_CALLS:
            del self.calls[next(iter(self.calls))]
        self.calls[call_id] = name

    def resumed(self, handle: str) -> GeminiState:
        """The state of the next connection, resuming this session with ``handle``.

        The configuration, session id and id counters carry over; the calls waiting here do
        not: they were issued after the last resumable point (Gemini never offers a resumable
        handle while a call is pending), so the resumed server does not know them.
        """
        state = GeminiState(
            self.config,
            model=self.model,
            options=self.options,
            session_id=self.session_id,
            resume_handle=handle,
        )
        state._next = dict(self._next)
        state.input_samples = self.input_samples
        return state
