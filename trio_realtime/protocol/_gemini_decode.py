"""The decoding half of the Gemini Live codec: server messages -> events and signals.

A Gemini server message (a binary frame of UTF-8 JSON, or text) may carry several top-level
fields and ``serverContent`` several members; every one is handled, in this order:
``setupComplete``, ``usageMetadata`` (kept for the turn that completes), ``voiceActivity``,
``toolCallCancellation``, ``serverContent`` (model output, transcriptions, ``interrupted``),
``toolCall``, the end of a turn (``generationComplete``, ``turnComplete``),
``sessionResumptionUpdate``, ``goAway``.

Gemini has no response, item or speech events, so turns and users' utterances are synthesized
(``docs/gemini.md`` has the full table):

- a **model turn** (``turn_<n>``, its audio item ``turn_<n>_out``) starts with its first
  output (audio, transcript, text, or a ``toolCall``) and ends at ``turnComplete``
  (``completed``), at ``interrupted`` (``cancelled``, reason ``"interrupted"``; ``completed``
  if the generation was already complete) or right after a ``toolCall`` (its calls form the
  batch; the model waits for their answers and continues in a new turn). The final transcript
  (or text) is published when the turn ends;
- a **user utterance** (``user_<n>``, see :mod:`._gemini_users`) opens at its first
  ``inputTranscription`` fragment or at a barge-in, and closes (``user_transcript``) at
  ``finished``, when the model turn answering it ends, or when a barge-in interrupts that turn;
- ``interrupted`` is the barge-in: ``user_speech_started`` for the new utterance (``at_ms`` is
  the input audio sent so far, since Gemini gives no offset), which makes the turn machine
  interrupt the turn; ``user_speech_stopped`` follows when the next model turn starts
  (``voiceActivity``, where a model sends it, gives both directly). Until the interrupted
  turn's own ``turnComplete`` (or a ``toolCall``), model output still belongs to it: its audio
  is published under that turn (the turn machine drops it), its text is dropped;
- ``toolCall`` -> per call ``tool_call_started``, one ``tool_call_args_delta`` with the whole
  JSON arguments, and ``ToolCallReady`` (a repeated call id is ignored);
  ``toolCallCancellation`` -> ``ToolCallsCancelled``.

Like the OpenAI decoder it never raises on server input: malformed JSON -> one recoverable
``error`` (``invalid_json``); a wrong shape -> one recoverable ``error`` (``invalid_event``) for
the frame; unknown fields are counted (and published as ``server_event`` when asked); a second
``setupComplete`` -> ``ProtocolViolation``.
"""

from __future__ import annotations

import binascii
import copy
from typing import Any, Literal

import attrs
import numpy as np
import orjson

from ..audio import StreamResampler
from ..events import (
    AssistantAudioDelta,
    AssistantText,
    AssistantTextDelta,
    AssistantTranscript,
    AssistantTranscriptDelta,
    AssistantTurnCompleted,
    AssistantTurnStarted,
    Error,
    ServerEvent,
    SessionOpened,
    SessionUpdated,
    ToolCallArgsDelta,
    ToolCallStarted,
    Usage,
)
from ._codec import CodecCounters
from ._gemini_fields import audio_rate, b64decode, duration_ms, req_list, usage_of
from ._gemini_setup import text_by_transcript
from ._gemini_state import GeminiState
from ._gemini_users import Utterances
from ._openai_fields import BadField, json_type, opt_str, req_obj, req_str
from .signals import (
    Decoded,
    GoAway,
    ProtocolViolation,
    ResumptionUpdate,
    SessionReady,
    SessionSettings,
    ToolCallReady,
    ToolCallsCancelled,
)

__all__ = ["GeminiDecoder"]

_TOP_LEVEL = frozenset(
    {
        "setupComplete",
        "serverContent",
        "toolCall",
        "toolCallCancellation",
        "goAway",
        "sessionResumptionUpdate",
        "usageMetadata",
        "voiceActivity",
        "voiceActivityDetectionSignal",
    }
)
_CONTENT = frozenset(
    {
        "modelTurn",
        "inputTranscription",
        "outputTranscription",
        "interrupted",
        "generationComplete",
        "turnComplete",
        "turnCompleteReason",
        "interactionStatus",
        "waitingForInput",
        "groundingMetadata",
        "urlContextMetadata",
        "interimInputTranscription",
    }
)
_MAX_SEEN_CALLS = 1024
_Out = list[Decoded]


@attrs.define
class _ModelTurn:
    turn_id: str
    item_id: str
    pieces: list[str] = attrs.Factory(list)  # transcript (or text) deltas
    audio: bool = False
    strip: bool = True  # the first fragment's leading space is dropped
    generated: bool = False  # generationComplete seen
    usage: Usage | None = None
    carry: bytes = b""
    resampler: StreamResampler | None = None


class GeminiDecoder:
    """Decodes the server messages of one connection (see the module docstring)."""

    def __init__(self, state: GeminiState, *, server_events: bool = False) -> None:
        self._state = state
        self._server_events = server_events
        self.counters = CodecCounters()
        self._ready = False
        self._turn: _ModelTurn | None = None
        self._users = Utterances(state)
        self._draining: _ModelTurn | None = None  # interrupted, its turnComplete not yet seen
        self._seen_calls: dict[str, None] = {}
        self._frame_usage: Usage | None = None

    def receive(self, frame: str | bytes) -> list[Decoded]:
        """Decode one server message into events and signals, in order. Never raises."""
        counters = self.counters
        try:
            msg = orjson.loads(frame)
        except orjson.JSONDecodeError as exc:
            counters.malformed_frames += 1
            message = f"malformed server frame: {exc}"
            return [Error(code="invalid_json", message=message, recoverable=True)]
        if type(msg) is not dict:
            counters.malformed_frames += 1
            return [_invalid(f"server message is not a JSON object but {json_type(msg)}")]
        out: _Out = []
        try:
            self._decode(msg, out)
        except BadField as exc:
            problem = f"field {exc.field!r} {exc.problem}"
        except (TypeError, ValueError, AttributeError, ArithmeticError, binascii.Error) as exc:
            problem = f"an invalid field: {exc}"
        else:
            return out
        finally:
            self._frame_usage = None
        counters.malformed_frames += 1
        out.append(_invalid(f"server message {sorted(msg)}: {problem}"))
        return out

    # -- one message --------------------------------------------------------------------------

    def _decode(self, msg: dict[str, Any], out: _Out) -> None:
        for key in [k for k in msg if k not in _TOP_LEVEL]:  # in wire order
            self.counters.bump(self.counters.unknown_event_types, key)
            if self._server_events:
                out.append(ServerEvent(provider="gemini", type=key, data=msg))
        if "setupComplete" in msg:
            self._on_setup_complete(msg["setupComplete"], out)
        if "usageMetadata" in msg:
            self._frame_usage = usage_of(msg["usageMetadata"])
        if "voiceActivity" in msg:
            self._on_voice_activity(req_obj(msg, "voiceActivity"), out)
        if "toolCallCancellation" in msg:
            self._on_cancellation(req_obj(msg, "toolCallCancellation"), out)
        content = req_obj(msg, "serverContent") if "serverContent" in msg else None
        if content is not None:
            self._on_content(content, out)
        if "toolCall" in msg:
            self._on_tool_call(req_obj(msg, "toolCall"), out)
        if content is not None:
            self._on_turn_end(content, out)
        if self._turn is not None and self._frame_usage is not None:
            self._turn.usage = self._frame_usage  # usage before turnComplete: keep it
        if "sessionResumptionUpdate" in msg:
            self._on_resumption(req_obj(msg, "sessionResumptionUpdate"), out)
        if "goAway" in msg:
            go_away = req_obj(msg, "goAway")
            out.append(GoAway(time_left_ms=duration_ms(go_away.get("timeLeft"))))
            if self._server_events:
                out.append(ServerEvent(provider="gemini", type="goAway", data=msg))

    def _on_setup_complete(self, body: object, out: _Out) -> None:
        if self._ready:
            out.append(ProtocolViolation(message="the server sent a second setupComplete"))
            return
        self._ready = True
        state = self._state
        if isinstance(body, dict) and isinstance(body.get("sessionId"), str) and body["sessionId"]:
            state.session_id = body["sessionId"]
        td = state.config.turn_detection
        settings = SessionSettings(
            turn_detection=td is not None,
            create_response=True,  # the model answers the end of every user turn by itself
            interrupt_response=td is None or td.interrupt_response,
        )
        opened = SessionOpened(session_id=state.session_id)
        out += [opened, SessionUpdated(config=copy.deepcopy(state.setup)), settings]
        out.append(SessionReady())

    def _on_voice_activity(self, body: dict[str, Any], out: _Out) -> None:
        kind = opt_str(body, "type")
        at_ms = duration_ms(body.get("audioOffset"))
        if kind == "ACTIVITY_START":
            self._users.speech_started(at_ms, out)
        elif kind == "ACTIVITY_END":
            self._users.speech_stopped(at_ms, out)

    def _on_cancellation(self, body: dict[str, Any], out: _Out) -> None:
        ids = req_list(body, "ids", "toolCallCancellation.")
        if not all(isinstance(i, str) for i in ids):
            raise BadField("toolCallCancellation.ids", "must be an array of strings")
        for call_id in ids:
            self._state.calls.pop(call_id, None)
        if ids:
            out.append(ToolCallsCancelled(call_ids=tuple(ids)))

    def _on_content(self, content: dict[str, Any], out: _Out) -> None:
        if not _CONTENT.issuperset(content):
            for field in content.keys() - _CONTENT:
                self.counters.bump(self.counters.unknown_fields, f"serverContent.{field}")
        if "modelTurn" in content:
            turn = req_obj(content, "modelTurn", "serverContent.")
            if "parts" in turn:
                self._on_parts(req_list(turn, "parts", "serverContent.modelTurn."), out)
        if "outputTranscription" in content:
            body = req_obj(content, "outputTranscription", "serverContent.")
            self._on_output_transcript(opt_str(body, "text") or "", out)
        if content.get("interrupted") is True:
            self._on_interrupted(out)
        if "inputTranscription" in content:
            body = req_obj(content, "inputTranscription", "serverContent.")
            self._users.transcript(opt_str(body, "text") or "", body.get("finished"), out)

    def _on_turn_end(self, content: dict[str, Any], out: _Out) -> None:
        turn = self._turn
        if turn is None:
            if content.get("turnComplete") is True:
                self._draining = None  # the interrupted turn's own end
            return  # (or the turnComplete of a turn a toolCall ended)
        if content.get("generationComplete") is True:
            turn.generated = True
            self._flush_audio(turn, out)
        if content.get("turnComplete") is True:
            self._end_turn(out, "completed", opt_str(content, "turnCompleteReason"))

    # -- the model's turn ---------------------------------------------------------------------

    def _start_turn(self, out: _Out) -> _ModelTurn:
        if self._turn is not None:
            return self._turn
        state = self._state
        turn_id = state.new_id("turn")
        turn = self._turn = _ModelTurn(turn_id=turn_id, item_id=f"{turn_id}_out")
        state.open_turn = turn_id
        state.reply_pending = False
        self._users.turn_started(turn_id, out)
        out.append(AssistantTurnStarted(turn_id=turn_id))
        return turn

    def _end_turn(
        self, out: _Out, status: Literal["completed", "cancelled"], reason: str | None
    ) -> None:
        turn = self._turn
        if turn is None:
            return
        self._flush_audio(turn, out)
        text = "".join(turn.pieces)
        if not self._state.config.audio_output:
            if turn.pieces:
                out.append(AssistantText(turn_id=turn.turn_id, item_id=turn.item_id, text=text))
        elif turn.audio or turn.pieces:
            out.append(AssistantTranscript(turn_id=turn.turn_id, item_id=turn.item_id, text=text))
        usage = self._frame_usage or turn.usage
        out.append(
            AssistantTurnCompleted(
                turn_id=turn.turn_id, status=status, usage=usage, status_reason=reason
            )
        )
        self._turn = None
        self._state.open_turn = None
        self._users.turn_ended(turn.turn_id, interrupted=reason == "interrupted", out=out)

    def _on_parts(self, parts: list[Any], out: _Out) -> None:
        native_text = not self._state.config.audio_output and not text_by_transcript(
            self._state.config, self._state.options
        )
        for index, part in enumerate(parts):
            if not isinstance(part, dict):
                raise BadField(f"serverContent.modelTurn.parts[{index}]", "must be an object")
            blob = part.get("inlineData")
            if blob is not None:
                if not isinstance(blob, dict):
                    raise BadField("inlineData", f"must be an object, not {json_type(blob)}")
                self._on_blob(blob, out)
            text = part.get("text")
            if native_text and isinstance(text, str) and text and part.get("thought") is not True:
                self._text_piece(text, out)

    def _on_blob(self, blob: dict[str, Any], out: _Out) -> None:
        mime = opt_str(blob, "mimeType") or ""
        rate = audio_rate(mime)
        if rate is None:
            self.counters.bump(self.counters.unknown_fields, f"inlineData.{mime or '?'}")
            return
        data = b64decode(req_str(blob, "data", "inlineData."), "inlineData.data")
        if self._turn is None and self._draining is not None:
            turn = self._draining  # a late chunk of the interrupted turn
        else:
            turn = self._start_turn(out)
        turn.audio = True
        if turn.carry:
            data, turn.carry = turn.carry + data, b""
        if len(data) & 1:  # keep an odd trailing byte for the next chunk
            data, turn.carry = data[:-1], data[-1:]
        target = self._state.config.output_sample_rate
        if rate != target:
            if turn.resampler is None or turn.resampler.in_rate != rate:
                turn.resampler = StreamResampler(rate, target)
            data = turn.resampler.process(data).astype("<i2", copy=False).tobytes()
        self._publish_audio(turn, data, out)

    def _publish_audio(self, turn: _ModelTurn, pcm: bytes, out: _Out) -> None:
        if pcm and self._state.config.audio_output:
            rate = self._state.config.output_sample_rate
            out.append(
                AssistantAudioDelta(
                    turn_id=turn.turn_id, item_id=turn.item_id, pcm=pcm, sample_rate=rate
                )
            )

    def _flush_audio(self, turn: _ModelTurn, out: _Out) -> None:
        if turn.resampler is not None:
            tail: np.ndarray[Any, Any] = turn.resampler.flush()
            turn.resampler = None
            self._publish_audio(turn, tail.astype("<i2", copy=False).tobytes(), out)

    def _on_output_transcript(self, text: str, out: _Out) -> None:
        if not text or (self._turn is None and self._draining is not None):
            return
        if self._state.config.audio_output:
            turn = self._start_turn(out)
            delta = _strip(turn, text)
            if delta:
                turn.pieces.append(delta)
                out.append(
                    AssistantTranscriptDelta(
                        turn_id=turn.turn_id, item_id=turn.item_id, delta=delta
                    )
                )
        elif text_by_transcript(self._state.config, self._state.options):
            self._text_piece(text, out)

    def _text_piece(self, text: str, out: _Out) -> None:
        if self._turn is None and self._draining is not None:
            return
        turn = self._start_turn(out)
        delta = _strip(turn, text)
        if delta:
            turn.pieces.append(delta)
            out.append(AssistantTextDelta(turn_id=turn.turn_id, item_id=turn.item_id, delta=delta))

    def _on_interrupted(self, out: _Out) -> None:
        self._users.barge_in(out)  # user_speech_started while the turn is still open
        turn = self._turn
        if turn is not None:
            self._end_turn(out, "completed" if turn.generated else "cancelled", "interrupted")
            self._draining = turn

    # -- tools --------------------------------------------------------------------------------

    def _on_tool_call(self, body: dict[str, Any], out: _Out) -> None:
        calls = req_list(body, "functionCalls", "toolCall.")
        fresh: list[tuple[str, str, str]] = []
        for index, call in enumerate(calls):
            path = f"toolCall.functionCalls[{index}]."
            if not isinstance(call, dict):
                raise BadField(path[:-1], "must be an object")
            name = req_str(call, "name", path)
            call_id = opt_str(call, "id") or self._state.new_id("call")
            args = call.get("args")
            arguments = orjson.dumps(args if args is not None else {}).decode()
            if call_id not in self._seen_calls:
                fresh.append((call_id, name, arguments))
        if not fresh:
            return
        self._draining = None
        turn = self._start_turn(out)
        for call_id, name, arguments in fresh:
            _remember(self._seen_calls, call_id)
            self._state.remember_call(call_id, name)
            out.append(ToolCallStarted(turn_id=turn.turn_id, call_id=call_id, name=name))
            out.append(ToolCallArgsDelta(turn_id=turn.turn_id, call_id=call_id, delta=arguments))
            out.append(
                ToolCallReady(turn_id=turn.turn_id, call_id=call_id, name=name, arguments=arguments)
            )
        self._end_turn(out, "completed", None)  # the model now waits for the answers

    # -- session ------------------------------------------------------------------------------

    def _on_resumption(self, body: dict[str, Any], out: _Out) -> None:
        handle = opt_str(body, "newHandle") or None
        resumable = body.get("resumable") is True and handle is not None
        if resumable:
            self._state.resume_handle = handle
        out.append(ResumptionUpdate(handle=handle if resumable else None, resumable=resumable))


def _strip(turn: _ModelTurn, text: str) -> str:
    """``text``, without leading whitespace while the turn has no text yet."""
    if turn.strip:
        text = text.lstrip()
        if text:
            turn.strip = False
    return text


def _remember(table: dict[str, None], key: str) -> None:
    if key not in table and len(table) >= _MAX_SEEN_CALLS:
        del table[next(iter(table))]
    table[key] = None


def _invalid(message: str) -> Error:
    return Error(code="invalid_event", message=message, recoverable=True)
