"""The encoding half of the Gemini Live codec: commands -> client messages (JSON text frames).

Each message has exactly one top-level field and each ``realtimeInput`` one member, in
camelCase, as the official SDK sends them (the test suite validates every one against
``google-genai``'s ``LiveClientMessage``). What each command becomes:

=====================  ===================================================================
command                Gemini Live
=====================  ===================================================================
``append_audio``       ``realtimeInput.audio``, resampled to PCM16 16 kHz (stateful, so
                       chunk edges leave no trace); with turn detection off, the first
                       frame of a user turn is preceded by ``activityStart``
``commit_audio``       ``activityEnd`` (turn detection off, an activity open), else
                       ``audioStreamEnd`` (the microphone paused: the server flushes)
``clear_audio``        nothing (Gemini keeps no clearable input buffer)
``user_text``          ``realtimeInput.text`` (bracketed by ``activityStart``/``activityEnd``
                       when turn detection is off): the model answers it by itself
``create_response``    nothing after a user turn the model answers by itself (text, a
                       commit), else ``clientContent{turnComplete: true}``
``cancel_response``    ``activityStart`` (turn detection off: it interrupts the model), else
                       nothing (Gemini cannot cancel a turn on request)
``tool_outputs``       one ``toolResponse`` with a ``functionResponses`` entry per call
                       (each announced call answered once, never a withdrawn one)
``truncate``,          nothing (the server keeps what it sent; there is no item to cut)
``delete_item``
``session_update``     ``contextUpdate`` (instructions, tools), nothing for local settings;
                       ``UnsupportedCommand`` for anything else
=====================  ===================================================================
"""

from __future__ import annotations

import binascii
import logging
from collections.abc import Sequence
from typing import Any

import orjson

from ..audio import StreamResampler
from ..config import Config, ResponseOptions
from ._codec import Message, UnsupportedCommand
from ._gemini_setup import INPUT_RATE, context_update, setup_payload
from ._gemini_state import GeminiState

__all__ = ["GeminiEncoder", "tool_response"]

log = logging.getLogger("trio_realtime.protocol")

ACTIVITY_START = '{"realtimeInput":{"activityStart":{}}}'
ACTIVITY_END = '{"realtimeInput":{"activityEnd":{}}}'
AUDIO_STREAM_END = '{"realtimeInput":{"audioStreamEnd":true}}'
TURN_COMPLETE = '{"clientContent":{"turns":[],"turnComplete":true}}'
_AUDIO_HEAD = f'{{"realtimeInput":{{"audio":{{"mimeType":"audio/pcm;rate={INPUT_RATE}","data":"'
_AUDIO_TAIL = '"}}}'


class GeminiEncoder:
    """Builds the client messages of one connection (the encoding half of ``GeminiProtocol``).

    ``state`` is what it shares with the decoder: an open user activity, a user turn the model
    will answer by itself, the calls waiting for an answer (their names go into the answer).
    """

    def __init__(self, state: GeminiState) -> None:
        self._state = state
        self._resampler = StreamResampler(state.config.input_sample_rate, INPUT_RATE)
        self._warned_options = False

    def setup(self) -> str:
        """The ``setup`` message (resuming the state's handle, if it has one)."""
        state = self._state
        state.setup = setup_payload(
            state.config,
            state.model,
            state.options,
            resume_handle=state.resume_handle,
            seed_history=state.seed_history,
        )
        return orjson.dumps({"setup": state.setup}).decode()

    def session_update(self, config: Config, previous: Config | None) -> str | None:
        """``contextUpdate`` for the change from ``previous`` (default: the config in effect).

        Adopts ``config``; raises ``UnsupportedCommand`` (nothing adopted) for a change Gemini
        cannot make mid-session.
        """
        update = context_update(previous if previous is not None else self._state.config, config)
        self._state.config = config
        return None if update is None else orjson.dumps({"contextUpdate": update}).decode()

    def append_audio(self, pcm: bytes) -> Message | tuple[Message, ...] | None:
        """PCM16 at the input rate -> 16 kHz ``realtimeInput.audio`` (None: nothing yet)."""
        samples = self._resampler.process(pcm)
        if not samples.size:
            return None
        state = self._state
        state.input_samples += samples.size
        data = binascii.b2a_base64(samples.astype("<i2", copy=False).tobytes(), newline=False)
        audio = _AUDIO_HEAD + data.decode("ascii") + _AUDIO_TAIL
        if state.manual and not state.activity_open:
            state.activity_open = True
            return (ACTIVITY_START, audio)
        return audio

    def commit_audio(self) -> str | None:
        """End the user's audio turn: ``activityEnd`` or ``audioStreamEnd`` (see the table)."""
        state = self._state
        if state.manual:
            if not state.activity_open:
                return None
            state.activity_open = False
            state.reply_pending = True
            return ACTIVITY_END
        state.reply_pending = True
        return AUDIO_STREAM_END

    def user_text(self, text: str) -> Message | tuple[Message, ...]:
        """``realtimeInput.text``, inside an activity when turn detection is off."""
        state = self._state
        message = orjson.dumps({"realtimeInput": {"text": text}}).decode()
        state.reply_pending = True
        if not state.manual:
            return message
        opened, state.activity_open = state.activity_open, False
        return (message, ACTIVITY_END) if opened else (ACTIVITY_START, message, ACTIVITY_END)

    def create_response(self, options: ResponseOptions | None) -> str | None:
        """Nothing when the model answers the last user turn by itself, else a turn nudge.

        Gemini has no per-response overrides: ``options`` are ignored (one warning); it has no
        out-of-band responses (``UnsupportedCommand``).
        """
        if options is not None and options.out_of_band:
            raise UnsupportedCommand("gemini cannot run out-of-band responses")
        if options is not None and options != ResponseOptions() and not self._warned_options:
            self._warned_options = True
            log.warning("Gemini Live has no per-response options; ignoring %r", options)
        state = self._state
        if state.reply_pending:
            state.reply_pending = False
            return None
        return TURN_COMPLETE

    def cancel_response(self, response_id: str | None) -> str | None:
        """``activityStart`` to interrupt the model (turn detection off), else nothing."""
        state = self._state
        turn = state.open_turn
        if not state.manual or turn is None or state.activity_open:
            return None
        if response_id is not None and response_id != turn:
            return None
        state.activity_open = True
        return ACTIVITY_START

    def tool_outputs(self, outputs: Sequence[tuple[str, str]]) -> list[str]:
        """One ``toolResponse`` for the whole batch.

        Only calls this connection announced and nobody answered yet are answered (each once):
        an output for a call answered before, withdrawn by the server, or issued on an earlier
        connection (the resumed server never issued it) is left out.
        """
        calls = self._state.calls
        responses = [
            tool_response(call_id, calls.pop(call_id), output)
            for call_id, output in outputs
            if call_id in calls
        ]
        if not responses:
            return []
        return [orjson.dumps({"toolResponse": {"functionResponses": responses}}).decode()]


def tool_response(call_id: str, name: str, output: str) -> dict[str, Any]:
    """A ``functionResponses`` entry: ``{"output": value}`` or our ``{"error": message}``.

    ``output`` is the session's wire string: JSON text is sent as the value it encodes (a
    plain-text result as the string itself); a failed call's ``{"error": ...}`` is sent as is.
    """
    try:
        value = orjson.loads(output)
    except orjson.JSONDecodeError:
        value = output
    is_error = isinstance(value, dict) and list(value) == ["error"]
    response = value if is_error else {"output": value}
    return {"id": call_id, "name": name, "response": response}
