"""The decoding half of the OpenAI Realtime codec: server frames -> events and signals.

:class:`OpenAIDecoder` never raises on server input:

- malformed JSON -> one recoverable ``Error`` event (code ``invalid_json``);
- a frame that is not an object or has no string ``type`` -> one recoverable ``Error``
  (code ``invalid_event``);
- an unknown ``type`` or unknown top-level fields -> ignored, counted (bounded) in the codec's
  statistics, and published as a ``server_event`` when the session asked for them;
- a missing or mistyped required field -> one recoverable ``Error`` (code ``invalid_event``)
  naming the event type and the field;
- a second ``session.created`` -> a ``ProtocolViolation`` signal (the session ends with
  ``ProtocolError``).

GA and beta server event names are both accepted (the beta names map to the same handlers).
The audio hot path is one ``orjson`` parse, one dict lookup and one base64 decode.
"""

from __future__ import annotations

import binascii
from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeVar

import attrs
import orjson

from ..events import (
    AssistantAudioDelta,
    AssistantText,
    AssistantTextDelta,
    AssistantTranscript,
    AssistantTranscriptDelta,
    AssistantTurnCompleted,
    AssistantTurnStarted,
    Error,
    RateLimited,
    ServerEvent,
    SessionOpened,
    SessionUpdated,
    ToolCallArgsDelta,
    ToolCallStarted,
    UserSpeechStarted,
    UserSpeechStopped,
    UserTranscript,
    UserTranscriptDelta,
)
from ._codec import CodecCounters
from ._openai_conversation import ConversationDecoder
from ._openai_fields import (
    BadField,
    json_type,
    opt_obj,
    opt_str,
    req,
    req_int,
    req_obj,
    req_str,
    retry_after_ms,
    seconds_to_ms,
    session_settings,
    usage_of,
)
from ._openai_shared import Shared
from ._openai_tables import BETA_RENAMES, KNOWN_FIELDS, SILENT_TYPES, classify_error
from .signals import (
    AssistantItemAdded,
    Decoded,
    ProtocolViolation,
    ResponseRejected,
    SessionReady,
    ToolCallReady,
)

__all__ = ["OpenAIDecoder"]

_MAX_TRACKED_ITEMS = 256
_a2b_base64 = binascii.a2b_base64
_loads = orjson.loads
_RATE_LIMIT_CODES = ("rate_limit_exceeded", "inference_rate_limit_exceeded")
_Status = Literal["completed", "cancelled", "failed", "incomplete"]
_STATUSES: Mapping[str, _Status] = {
    "completed": "completed",
    "cancelled": "cancelled",
    "failed": "failed",
    "incomplete": "incomplete",
}
_KNOWN = {
    **KNOWN_FIELDS,
    **{beta: KNOWN_FIELDS[ga] for beta, ga in BETA_RENAMES.items() if ga in KNOWN_FIELDS},
}

_Handler = Callable[[dict[str, Any]], list[Decoded]]
_T = TypeVar("_T")


def _maker3(cls: type[_T]) -> Callable[[Any, Any, Any], _T]:
    """``cls(**fields)`` for a frozen attrs event of three plain fields, positionally, without
    attrs' ``object.__setattr__`` per field (a third of a delta's decoding time); the same
    object, equal to the one ``cls`` makes (the protocol tests compare them)."""
    fields = _plain_fields(cls, 3)
    a, b, c = (cls.__dict__[f.name].__set__ for f in fields)
    new = object.__new__

    def make(x: Any, y: Any, z: Any) -> _T:
        event = new(cls)
        a(event, x)
        b(event, y)
        c(event, z)
        return event

    return make


def _maker4(cls: type[_T]) -> Callable[[Any, Any, Any, Any], _T]:
    """:func:`_maker3` for four fields."""
    fields = _plain_fields(cls, 4)
    a, b, c, d = (cls.__dict__[f.name].__set__ for f in fields)
    new = object.__new__

    def make(w: Any, x: Any, y: Any, z: Any) -> _T:
        event = new(cls)
        a(event, w)
        b(event, x)
        c(event, y)
        d(event, z)
        return event

    return make


def _plain_fields(cls: type[Any], count: int) -> tuple[attrs.Attribute[Any], ...]:
    """``cls``'s fields, which must be ``count`` with no validator, converter or hook."""
    fields = attrs.fields(cls)
    plain = all(f.validator is None and f.converter is None for f in fields)
    if len(fields) != count or not plain or hasattr(cls, "__attrs_post_init__"):
        raise TypeError(f"{cls.__name__} cannot be built positionally")
    return tuple(fields)


_text_delta = _maker3(AssistantTextDelta)
_transcript_delta = _maker3(AssistantTranscriptDelta)
_args_delta = _maker3(ToolCallArgsDelta)
_audio_delta = _maker4(AssistantAudioDelta)


@attrs.define
class _Call:
    turn_id: str
    name: str
    ready: bool = False


class OpenAIDecoder:
    """Decodes the server frames of one connection (see the module docstring).

    ``shared`` is the state it shares with the encoder (the configuration in effect and our
    pending ``response.create`` ids); ``server_events`` publishes unmapped events as
    ``ServerEvent``.
    """

    def __init__(self, shared: Shared, *, server_events: bool = False) -> None:
        self._shared = shared
        self._server_events = server_events
        self.counters = CodecCounters()
        self._calls: dict[str, _Call] = {}
        self._carry: dict[str, bytes] = {}
        self._finished_calls: dict[str, None] = {}  # calls of done responses (bounded)
        self._rate_limit_reported = False
        self._created = self._updated = self._confirmed = False
        self._handlers: dict[str, _Handler] = {
            "session.created": self._on_session_created,
            "session.updated": self._on_session_updated,
            "error": self._on_error,
            "input_audio_buffer.speech_started": self._on_speech_started,
            "input_audio_buffer.speech_stopped": self._on_speech_stopped,
            "conversation.item.input_audio_transcription.delta": self._on_user_delta,
            "conversation.item.input_audio_transcription.completed": self._on_user_done,
            "conversation.item.input_audio_transcription.failed": self._on_user_failed,
            "response.created": self._on_response_created,
            "response.output_item.added": self._on_item_added,
            "response.output_item.done": self._on_item_done,
            "response.output_text.delta": self._on_text_delta,
            "response.output_text.done": self._on_text_done,
            "response.output_audio_transcript.delta": self._on_transcript_delta,
            "response.output_audio_transcript.done": self._on_transcript_done,
            "response.output_audio.delta": self._on_audio_delta,
            "response.function_call_arguments.delta": self._on_args_delta,
            "response.function_call_arguments.done": self._on_args_done,
            "response.done": self._on_response_done,
            "rate_limits.updated": self._on_rate_limits,
        }
        for beta, ga in BETA_RENAMES.items():
            if ga in self._handlers:
                self._handlers[beta] = self._handlers[ga]
        self._items = ConversationDecoder(shared, server_events=server_events)
        self._handlers.update(self._items.handlers)
        unmapped = self._unmapped if server_events else _ignore
        for name in SILENT_TYPES:
            self._handlers.setdefault(name, unmapped)

    @property
    def handled_types(self) -> frozenset[str]:
        """Every server event type this decoder knows (mapped or deliberately silent)."""
        return frozenset(self._handlers)

    def receive(self, frame: str | bytes) -> list[Decoded]:
        """Decode one server frame into zero or more events and signals. Never raises."""
        counters = self.counters
        try:
            msg = _loads(frame)
        except orjson.JSONDecodeError as exc:
            counters.malformed_frames += 1
            message = f"malformed server frame: {exc}"
            return [Error(code="invalid_json", message=message, recoverable=True)]
        if type(msg) is not dict:
            counters.malformed_frames += 1
            return [_invalid(f"server frame is not a JSON object but {json_type(msg)}")]
        event_type = msg.get("type")
        if type(event_type) is not str:
            counters.malformed_frames += 1
            return [_invalid("server frame has no string 'type' field")]
        handler = self._handlers.get(event_type)
        if handler is None:
            counters.bump(counters.unknown_event_types, event_type)
            return self._unmapped(msg) if self._server_events else []
        known = _KNOWN.get(event_type)
        if known is not None and not known.issuperset(msg):
            for field in msg.keys() - known:
                counters.bump(counters.unknown_fields, f"{event_type}.{field}")
        try:
            return handler(msg)
        except BadField as exc:
            counters.malformed_frames += 1
            problem = f"field {exc.field!r} {exc.problem}"
        except (TypeError, ValueError, AttributeError, ArithmeticError, binascii.Error) as exc:
            counters.malformed_frames += 1
            problem = f"an invalid field: {exc}"
        return [_invalid(f"server event {event_type!r}: {problem}")]

    def _unmapped(self, msg: dict[str, Any]) -> list[Decoded]:
        return [ServerEvent(provider="openai", type=msg["type"], data=msg)]

    # -- handlers (each returns what one frame decodes to) -----------------------------------

    def _on_session_created(self, msg: dict[str, Any]) -> list[Decoded]:
        session = req_obj(msg, "session")
        if self._created:
            return [ProtocolViolation(message="the server sent a second session.created")]
        self._created = True
        opened = SessionOpened(session_id=opt_str(session, "id") or "")
        return [opened, session_settings(session), *self._handshake_done()]

    def _on_session_updated(self, msg: dict[str, Any]) -> list[Decoded]:
        session = req_obj(msg, "session")
        self._updated = True
        return [SessionUpdated(config=session), session_settings(session), *self._handshake_done()]

    def _handshake_done(self) -> list[Decoded]:
        """``SessionReady`` once both ``session.created`` and ``session.updated`` came."""
        if self._confirmed or not (self._created and self._updated):
            return []
        self._confirmed = True
        return [SessionReady()]

    def _on_error(self, msg: dict[str, Any]) -> list[Decoded]:
        err = req_obj(msg, "error")
        code = opt_str(err, "code") or opt_str(err, "type")
        severity = classify_error(code)
        if severity == "benign":
            return []
        out: list[Decoded] = []
        event_id = opt_str(err, "event_id")
        pending = self._shared.pending_creates
        if event_id is not None and event_id in pending:
            pending.remove(event_id)
            out.append(ResponseRejected(event_id=event_id))
        message = opt_str(err, "message") or code or "unknown error"
        out.append(Error(code=code, message=message, recoverable=severity != "fatal"))
        out += self._items.retrieve_failed(event_id, message)
        return out

    def _on_speech_started(self, msg: dict[str, Any]) -> list[Decoded]:
        at_ms, item_id = req_int(msg, "audio_start_ms"), req_str(msg, "item_id")
        return [UserSpeechStarted(at_ms=at_ms, item_id=item_id)]

    def _on_speech_stopped(self, msg: dict[str, Any]) -> list[Decoded]:
        at_ms, item_id = req_int(msg, "audio_end_ms"), req_str(msg, "item_id")
        return [UserSpeechStopped(at_ms=at_ms, item_id=item_id)]

    def _on_user_delta(self, msg: dict[str, Any]) -> list[Decoded]:
        return [UserTranscriptDelta(item_id=req_str(msg, "item_id"), delta=req_str(msg, "delta"))]

    def _on_user_done(self, msg: dict[str, Any]) -> list[Decoded]:
        return [UserTranscript(item_id=req_str(msg, "item_id"), text=req_str(msg, "transcript"))]

    def _on_user_failed(self, msg: dict[str, Any]) -> list[Decoded]:
        item_id = req_str(msg, "item_id")
        err = opt_obj(msg, "error")
        message = opt_str(err, "message") or "input audio transcription failed"
        code = opt_str(err, "code") or "transcription_failed"
        text = f"transcription of {item_id} failed: {message}"
        return [Error(code=code, message=text, recoverable=True)]

    def _on_response_created(self, msg: dict[str, Any]) -> list[Decoded]:
        response = req_obj(msg, "response")
        turn_id = req_str(response, "id", "response.")
        self._rate_limit_reported = False  # a new response: a new limit hit can be reported
        out_of_band, metadata = _band_of(response)
        if out_of_band or metadata is not None:
            started = AssistantTurnStarted(
                turn_id=turn_id, out_of_band=out_of_band, metadata=metadata
            )
            return [started]
        return [AssistantTurnStarted(turn_id=turn_id)]

    def _on_item_added(self, msg: dict[str, Any]) -> list[Decoded]:
        item = req_obj(msg, "item")
        turn_id = req_str(msg, "response_id")
        kind = item.get("type")
        if kind == "function_call":
            call_id, name = req_str(item, "call_id", "item."), req_str(item, "name", "item.")
            self._calls[call_id] = _Call(turn_id=turn_id, name=name)
            return [ToolCallStarted(turn_id=turn_id, call_id=call_id, name=name)]
        if kind == "message":
            return [AssistantItemAdded(turn_id=turn_id, item_id=req_str(item, "id", "item."))]
        return self._items.output_item_added(turn_id, item)

    def _on_item_done(self, msg: dict[str, Any]) -> list[Decoded]:
        item = req_obj(msg, "item")
        if item.get("type") != "function_call":
            return self._items.output_item_done(msg, item)
        if item.get("status") != "completed":
            return []
        return self._ready(
            req_str(msg, "response_id"),
            req_str(item, "call_id", "item."),
            req_str(item, "name", "item."),
            req_str(item, "arguments", "item."),
        )

    def _on_args_delta(self, msg: dict[str, Any]) -> list[Decoded]:
        turn_id, call_id, delta = _strs(msg, "response_id", "call_id", "delta")
        return [_args_delta(turn_id, call_id, delta)]

    def _on_args_done(self, msg: dict[str, Any]) -> list[Decoded]:
        return self._ready(
            req_str(msg, "response_id"),
            req_str(msg, "call_id"),
            req_str(msg, "name"),
            req_str(msg, "arguments"),
        )

    def _ready(self, turn_id: str, call_id: str, name: str, arguments: str) -> list[Decoded]:
        if call_id in self._finished_calls:  # a late repeat after its response was done
            return []
        call = self._calls.get(call_id)
        if call is None:  # no output_item.added seen: still dispatch, once
            call = self._calls[call_id] = _Call(turn_id=turn_id, name=name)
        if call.ready:
            return []
        call.ready = True
        return [ToolCallReady(turn_id=turn_id, call_id=call_id, name=name, arguments=arguments)]

    def _on_text_delta(self, msg: dict[str, Any]) -> list[Decoded]:
        turn_id, item_id, delta = _strs(msg, "response_id", "item_id", "delta")
        return [_text_delta(turn_id, item_id, delta)]

    def _on_text_done(self, msg: dict[str, Any]) -> list[Decoded]:
        turn_id, item_id = req_str(msg, "response_id"), req_str(msg, "item_id")
        return [AssistantText(turn_id=turn_id, item_id=item_id, text=req_str(msg, "text"))]

    def _on_transcript_delta(self, msg: dict[str, Any]) -> list[Decoded]:
        turn_id, item_id, delta = _strs(msg, "response_id", "item_id", "delta")
        return [_transcript_delta(turn_id, item_id, delta)]

    def _on_transcript_done(self, msg: dict[str, Any]) -> list[Decoded]:
        turn_id, item_id = req_str(msg, "response_id"), req_str(msg, "item_id")
        text = req_str(msg, "transcript")
        return [AssistantTranscript(turn_id=turn_id, item_id=item_id, text=text)]

    def _on_audio_delta(self, msg: dict[str, Any]) -> list[Decoded]:
        turn_id, item_id, delta = _strs(msg, "response_id", "item_id", "delta")
        try:
            data = _a2b_base64(delta)  # the one copy of the audio: bytes, published as is
        except binascii.Error:
            raise BadField("delta", "is not valid base64") from None
        shared = self._shared
        transcode = shared.decode_audio
        if transcode is None:  # PCM16: keep an odd trailing byte for the next delta
            carry = self._carry
            if carry and item_id in carry:
                data = carry.pop(item_id) + data
            if len(data) & 1:
                _remember(carry, item_id, data[-1:])
                data = data[:-1]
        else:
            data = transcode(data)
        if not data:  # nothing playable yet (an empty delta, or one carried byte)
            return []
        rate = shared.config.output_sample_rate
        return [_audio_delta(turn_id, item_id, data, rate)]

    def _on_response_done(self, msg: dict[str, Any]) -> list[Decoded]:
        response = req_obj(msg, "response")
        turn_id = req_str(response, "id", "response.")
        status = _STATUSES.get(req_str(response, "status", "response."))
        if status is None:
            raise BadField("response.status", f"is not one of {tuple(_STATUSES)}")
        details = opt_obj(response, "status_details")
        out: list[Decoded] = []
        if status == "failed":
            err = opt_obj(details, "error")
            code = opt_str(err, "code") or opt_str(err, "type")
            message = opt_str(err, "message") or "the response failed"
            if code in _RATE_LIMIT_CODES:
                if not self._rate_limit_reported:
                    self._rate_limit_reported = True
                    out.append(RateLimited(reset_ms=retry_after_ms(message), details=dict(err)))
            else:
                recoverable = classify_error(code) != "fatal"
                out.append(
                    Error(code=code or "response_failed", message=message, recoverable=recoverable)
                )
        for call_id in [c for c, call in self._calls.items() if call.turn_id == turn_id]:
            del self._calls[call_id]
            _remember(self._finished_calls, call_id, None)
        usage = usage_of(response.get("usage"))
        reason = opt_str(details, "reason")
        out_of_band, metadata = _band_of(response)
        out.append(
            AssistantTurnCompleted(
                turn_id=turn_id,
                status=status,
                usage=usage,
                status_reason=reason,
                out_of_band=out_of_band,
                metadata=metadata,
            )
        )
        return out

    def _on_rate_limits(self, msg: dict[str, Any]) -> list[Decoded]:
        limits = req(msg, "rate_limits", "")
        if not isinstance(limits, list) or not all(isinstance(e, dict) for e in limits):
            raise BadField("rate_limits", "must be an array of objects")
        exhausted = [entry for entry in limits if entry.get("remaining") == 0]
        if not exhausted:
            self._rate_limit_reported = False  # the limit recovered
            return []
        if self._rate_limit_reported:  # this hit was already reported (e.g. by response.done)
            return []
        self._rate_limit_reported = True
        resets = [entry.get("reset_seconds") for entry in exhausted]
        ms = [
            seconds_to_ms(r)
            for r in resets
            if isinstance(r, (int, float)) and not isinstance(r, bool)
        ]
        reset_ms = max((m for m in ms if m is not None), default=None)
        return [RateLimited(reset_ms=reset_ms, details={"rate_limits": limits})]


def _remember(table: dict[str, Any], key: str, value: Any) -> None:
    """``table[key] = value``, forgetting the oldest key when the table is full."""
    if key not in table and len(table) >= _MAX_TRACKED_ITEMS:
        del table[next(iter(table))]
    table[key] = value


def _band_of(response: dict[str, Any]) -> tuple[bool, dict[str, str] | None]:
    """Whether a response runs out of band (``conversation_id`` given as null), and its
    string ``metadata`` (None when it has none)."""
    out_of_band = "conversation_id" in response and response["conversation_id"] is None
    raw = response.get("metadata")
    if not isinstance(raw, dict):
        return out_of_band, None
    return out_of_band, {str(k): v for k, v in raw.items() if isinstance(v, str)}


def _ignore(_: dict[str, Any]) -> list[Decoded]:
    return []


def _strs(msg: dict[str, Any], a: str, b: str, c: str) -> tuple[str, str, str]:
    """``req_str`` of three fields in one call: the streaming deltas, most of the traffic, have
    three string fields each (exact ``str`` is what orjson makes; anything else gets
    ``req_str``'s checks and errors)."""
    get = msg.get
    x, y, z = get(a), get(b), get(c)
    if type(x) is str and type(y) is str and type(z) is str:
        return x, y, z
    return req_str(msg, a), req_str(msg, b), req_str(msg, c)


def _invalid(message: str) -> Error:
    return Error(code="invalid_event", message=message, recoverable=True)
