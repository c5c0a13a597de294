"""Sans-I/O codec for one Gemini Live (``BidiGenerateContent``) connection.

:class:`GeminiProtocol` implements the :class:`~trio_realtime.protocol.Codec` interface by
composing a :class:`~._gemini_encode.GeminiEncoder` (commands -> client messages) and a
:class:`~._gemini_decode.GeminiDecoder` (server messages -> the same neutral events and signals
as OpenAI's) around the state they share (:class:`~._gemini_state.GeminiState`). It imports no
trio and touches no socket.

What differs from OpenAI, and where it is handled:

- the server sends binary frames of JSON (both frame types are decoded); the client sends text;
- the session starts with ``setup`` and is confirmed by ``setupComplete`` (there is no
  ``session.updated``: the ``setup`` sent is reported as ``session_updated.config``);
- current models answer in audio only: a text session reads the audio's transcript;
- there are no response, item or speech-start events: turns and utterances are synthesized,
  and ``serverContent.interrupted`` is the barge-in (see :mod:`._gemini_decode`);
- input audio goes at 16 kHz (resampled here), output arrives at 24 kHz (converted to the
  session's output rate when it differs, e.g. for G.711 sessions);
- tool calls arrive whole, are answered in one ``toolResponse``, and the model continues by
  itself (``traits.responds_to_tool_outputs``); ``toolCallCancellation`` withdraws calls;
- errors are close codes only (:func:`classify_close`); connections last about 10 minutes and
  are resumed with the latest handle (:meth:`GeminiProtocol.resumed`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import orjson

from ..config import Config, ResponseOptions
from ..history import History
from ._codec import (
    CloseVerdict,
    CodecStatistics,
    CodecTraits,
    Message,
    Restoration,
    UnsupportedCommand,
    WireMark,
)
from ._gemini_close import classify_close, close_events
from ._gemini_decode import GeminiDecoder
from ._gemini_encode import ACTIVITY_END, AUDIO_STREAM_END, TURN_COMPLETE, GeminiEncoder
from ._gemini_history import history_turns
from ._gemini_setup import ContextCompression, GeminiOptions, ignored_settings, model_path
from ._gemini_state import GeminiState
from .signals import Decoded

__all__ = [
    "ContextCompression",
    "GeminiOptions",
    "GeminiProtocol",
    "classify_close",
    "close_events",
]

log = logging.getLogger("trio_realtime.protocol")

_MARKS: dict[Message, WireMark] = {
    TURN_COMPLETE: "request",
    ACTIVITY_END: "speech_end",
    AUDIO_STREAM_END: "speech_end",
}
_USER_TEXT = '{"realtimeInput":{"text"'  # how the encoder starts these messages


class GeminiProtocol:
    """The codec of one Gemini Live connection; create a new one per connection.

    ``model`` is the Gemini model (``"gemini-…"`` or ``"models/gemini-…"``); ``options`` the
    Gemini-only settings; ``resume_handle`` resumes an earlier session (prefer
    :meth:`resumed`, which also carries the synthesized ids over); ``server_events=True``
    publishes the server fields the neutral kinds do not cover as ``ServerEvent``. Settings
    of ``config`` that Gemini cannot honour are logged once as a warning.
    """

    provider = "gemini"
    traits = CodecTraits(responds_to_tool_outputs=True)

    def __init__(
        self,
        config: Config,
        *,
        model: str,
        options: GeminiOptions | None = None,
        resume_handle: str | None = None,
        server_events: bool = False,
        session_id: str | None = None,
    ) -> None:
        model_path(model)  # ValueError for an empty name, before anything is built
        state = GeminiState(
            config,
            model=model,
            options=options if options is not None else GeminiOptions(),
            session_id=session_id,
            resume_handle=resume_handle,
        )
        self._init(state, server_events)
        ignored = ignored_settings(config)
        if ignored:
            log.warning("Gemini Live has no equivalent for %s; ignoring it", ", ".join(ignored))

    def _init(self, state: GeminiState, server_events: bool) -> None:
        self._state = state
        self._server_events = server_events
        self.encoder = GeminiEncoder(state)
        self.decoder = GeminiDecoder(state, server_events=server_events)

    @property
    def config(self) -> Config:
        """The configuration in effect (as created, or as last changed by ``session_update``)."""
        return self._state.config

    @property
    def model(self) -> str:
        """The model this connection talks to."""
        return self._state.model

    @property
    def session_id(self) -> str:
        """The session's id (synthesized: Gemini names no session); kept across resumption."""
        return self._state.session_id

    @property
    def resume_handle(self) -> str | None:
        """The latest resumable handle the server gave (else the one this connection resumed)."""
        return self._state.resume_handle

    def resumed(self) -> GeminiProtocol:
        """The codec of the next connection, resuming this session with the latest handle.

        Its ``open()`` sends the same configuration with ``sessionResumption.handle``; turn,
        utterance and call ids continue where this codec stopped. Calls still unanswered here
        are never answered on the new connection (the resumed server never issued them: Gemini
        gives no resumable handle while a call is pending). Raises ``UnsupportedCommand`` when
        no resumable handle arrived (resumption off, or too early).
        """
        handle = self._state.resume_handle
        if handle is None:
            raise UnsupportedCommand(
                "no session resumption handle yet: this Gemini session cannot be resumed"
            )
        codec = GeminiProtocol.__new__(GeminiProtocol)
        codec._init(self._state.resumed(handle), self._server_events)
        return codec

    # -- decoding ---------------------------------------------------------------------------

    def receive(self, frame: str | bytes) -> list[Decoded]:
        """Decode one server message into events and signals. Never raises."""
        return self.decoder.receive(frame)

    def statistics(self) -> CodecStatistics:
        """A snapshot of the decoder's counters."""
        return self.decoder.counters.snapshot()

    # -- encoding ---------------------------------------------------------------------------

    def restore(self, history: History) -> Restoration:
        """How this connection takes over ``history`` (call it before :meth:`open`).

        A connection made by :meth:`resumed` gets the whole conversation from the server:
        nothing to send. A fresh one is given it as initial history: its ``setup`` asks for
        it (``historyConfig``) and, once ``setupComplete`` came (``after_ready``: Gemini takes
        nothing before it), one ``clientContent`` with every turn, which the server records
        without answering (see :mod:`._gemini_history`).
        """
        if self._state.resuming or not history.items:
            return Restoration()
        turns, complete = history_turns(history)
        if not turns:
            return Restoration(complete=False)
        self._state.seed_history = True
        content = {"clientContent": {"turns": turns, "turnComplete": True}}
        message = orjson.dumps(content).decode()
        return Restoration(messages=(message,), complete=complete, after_ready=True)

    def describe_close(self, code: int | None, reason: str) -> CloseVerdict:
        """What a close means on Gemini Live, where every failure is a close
        (:func:`classify_close`)."""
        return classify_close(code, reason)

    def open(self) -> list[str]:
        """The first message of a connection: ``setup`` (with the resumption handle, if any)."""
        return [self.encoder.setup()]

    def session_update(self, config: Config, *, previous: Config | None = None) -> str | None:
        """``contextUpdate`` (instructions, tools); None when only local settings changed.

        Raises ``UnsupportedCommand`` for a change Gemini cannot make mid-session (nothing is
        sent and ``config`` is not adopted).
        """
        return self.encoder.session_update(config, previous)

    def append_audio(self, pcm: bytes) -> Message | tuple[Message, ...] | None:
        """PCM16 at ``config.input_sample_rate`` -> 16 kHz ``realtimeInput.audio`` (after an
        ``activityStart`` when turn detection is off and no activity is open)."""
        return self.encoder.append_audio(pcm)

    def commit_audio(self) -> str | None:
        """``activityEnd`` (turn detection off) or ``audioStreamEnd``."""
        return self.encoder.commit_audio()

    def clear_audio(self) -> None:
        """Nothing: Gemini keeps no input buffer that could be cleared."""

    def user_text(self, text: str) -> Message | tuple[Message, ...]:
        """``realtimeInput.text`` (in an activity of its own when turn detection is off)."""
        return self.encoder.user_text(text)

    def create_response(self, options: ResponseOptions | None = None) -> str | None:
        """None after a user turn the model answers by itself; else ``clientContent``
        ``turnComplete`` (ask the model to speak). ``options`` are ignored (Gemini has none)."""
        return self.encoder.create_response(options)

    def cancel_response(self, response_id: str | None = None) -> str | None:
        """``activityStart`` when turn detection is off and the model's turn is open (it
        interrupts the model), else None (Gemini cannot cancel a turn on request)."""
        return self.encoder.cancel_response(response_id)

    def tool_outputs(self, outputs: Sequence[tuple[str, str]]) -> list[str]:
        """One ``toolResponse`` with the outputs of the batch, in order: each call this
        connection announced is answered once; withdrawn or unknown calls never."""
        return self.encoder.tool_outputs(outputs)

    def truncate(self, item_id: str, audio_end_ms: int) -> None:
        """Nothing: Gemini keeps what it sent (it assumes the listener heard it)."""

    def delete_item(self, item_id: str) -> None:
        """Nothing: Gemini has no conversation items."""

    def wire_mark(self, message: Message) -> WireMark | None:
        """The end of a turn or of the audio stream ends speech; ``turnComplete`` and user
        text (which Gemini answers by itself) are requests (see
        :meth:`~trio_realtime.protocol.Codec.wire_mark`)."""
        mark = _MARKS.get(message) if len(message) < 64 else None
        if mark is None and isinstance(message, str) and message.startswith(_USER_TEXT):
            return "request"
        return mark
