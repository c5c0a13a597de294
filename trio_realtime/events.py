"""The vendor-neutral events a session publishes.

Every provider's wire protocol is decoded into the same 23 frozen event classes. Each class has a
``kind`` class attribute (its tag) and the payload fields pinned in the design; match on ``kind``
or on the class::

    async for event in session.events():
        if event.kind == "assistant_text":
            print(event.text)

Events are plain data: no exceptions, sockets or callbacks inside. Audio travels as ``bytes`` of
PCM16 little-endian mono; ``AssistantAudioDelta.samples`` gives a read-only ``int16`` view, and no
repr ever prints the audio itself.

:func:`event_to_dict` / :func:`event_from_dict` turn any event into JSON-safe data tagged with
``kind`` and back (for recording and replay).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any, ClassVar, Literal, Union

import attrs
import cattrs
import numpy as np

from ._extra_events import (
    AgentHandoff,
    OpenAIExtraEvent,
    Reconnected,
    Reconnecting,
    ServerEvent,
)

__all__ = [
    "EVENT_CLASSES",
    "EXTRA_EVENT_CLASSES",
    "AgentHandoff",
    "AssistantAudioDelta",
    "AssistantText",
    "AssistantTextDelta",
    "AssistantTranscript",
    "AssistantTranscriptDelta",
    "AssistantTurnCompleted",
    "AssistantTurnStarted",
    "Error",
    "EventKind",
    "ExtraEvent",
    "Interrupted",
    "RateLimited",
    "RealtimeEvent",
    "Reconnected",
    "Reconnecting",
    "ServerEvent",
    "SessionClosed",
    "SessionEvent",
    "SessionOpened",
    "SessionUpdated",
    "ToolBatchSubmitted",
    "ToolCallArgsDelta",
    "ToolCallCompleted",
    "ToolCallDispatched",
    "ToolCallFailed",
    "ToolCallStarted",
    "TurnMetrics",
    "Usage",
    "UserSpeechStarted",
    "UserSpeechStopped",
    "UserTranscript",
    "UserTranscriptDelta",
    "event_from_dict",
    "event_to_dict",
]

EventKind = Literal[
    "session_opened",
    "session_updated",
    "session_closed",
    "user_speech_started",
    "user_speech_stopped",
    "user_transcript_delta",
    "user_transcript",
    "assistant_turn_started",
    "assistant_text_delta",
    "assistant_text",
    "assistant_transcript_delta",
    "assistant_transcript",
    "assistant_audio_delta",
    "assistant_turn_completed",
    "tool_call_started",
    "tool_call_args_delta",
    "tool_call_dispatched",
    "tool_call_completed",
    "tool_call_failed",
    "tool_batch_submitted",
    "interrupted",
    "rate_limited",
    "error",
]


def _short_repr(value: bytes) -> str:
    return f"<{len(value)} bytes>"


@attrs.frozen(kw_only=True)
class Usage:
    """Token usage of one response, as the provider reports it (0 where it reports nothing).

    ``cached_tokens`` is the part of the input served from the provider's cache (a subset of
    ``input_tokens``); ``cached_text_tokens``/``cached_audio_tokens``/``cached_image_tokens``
    split it by modality when the provider reports the split (OpenAI's
    ``cached_tokens_details``, Gemini's ``cacheTokensDetails``).
    """

    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    input_text_tokens: int = 0
    input_audio_tokens: int = 0
    input_image_tokens: int = 0
    cached_tokens: int = 0
    output_text_tokens: int = 0
    output_audio_tokens: int = 0
    cached_text_tokens: int = 0
    cached_audio_tokens: int = 0
    cached_image_tokens: int = 0


# -- session ---------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class SessionOpened:
    """The provider accepted the connection; ``session_id`` is the server's id for it."""

    kind: ClassVar[Literal["session_opened"]] = "session_opened"
    session_id: str


@attrs.frozen(kw_only=True)
class SessionUpdated:
    """The effective session configuration, exactly as the server reports it."""

    kind: ClassVar[Literal["session_updated"]] = "session_updated"
    config: Mapping[str, Any]


@attrs.frozen(kw_only=True)
class SessionClosed:
    """The session ended: by the client (``aclose``), the server (a close frame) or an error."""

    kind: ClassVar[Literal["session_closed"]] = "session_closed"
    reason: Literal["client", "server", "error"]
    code: int | None = None
    message: str = ""


# -- user ------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class UserSpeechStarted:
    """Server VAD heard the user start speaking (also the barge-in trigger)."""

    kind: ClassVar[Literal["user_speech_started"]] = "user_speech_started"
    at_ms: int
    item_id: str


@attrs.frozen(kw_only=True)
class UserSpeechStopped:
    """Server VAD heard the user stop speaking."""

    kind: ClassVar[Literal["user_speech_stopped"]] = "user_speech_stopped"
    at_ms: int
    item_id: str


@attrs.frozen(kw_only=True)
class UserTranscriptDelta:
    """A piece of the transcript of the user's audio (arrives asynchronously)."""

    kind: ClassVar[Literal["user_transcript_delta"]] = "user_transcript_delta"
    item_id: str
    delta: str


@attrs.frozen(kw_only=True)
class UserTranscript:
    """The complete transcript of one user audio item."""

    kind: ClassVar[Literal["user_transcript"]] = "user_transcript"
    item_id: str
    text: str


# -- assistant -------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class AssistantTurnStarted:
    """The model started a response; ``turn_id`` is the provider's response id (``out_of_band``
    for one outside the default conversation, told apart by its ``metadata``)."""

    kind: ClassVar[Literal["assistant_turn_started"]] = "assistant_turn_started"
    turn_id: str
    out_of_band: bool = False
    metadata: Mapping[str, str] | None = None


@attrs.frozen(kw_only=True)
class AssistantTextDelta:
    """A piece of the assistant's text (text modality)."""

    kind: ClassVar[Literal["assistant_text_delta"]] = "assistant_text_delta"
    turn_id: str
    item_id: str
    delta: str


@attrs.frozen(kw_only=True)
class AssistantText:
    """The complete text of one assistant item (text modality)."""

    kind: ClassVar[Literal["assistant_text"]] = "assistant_text"
    turn_id: str
    item_id: str
    text: str


@attrs.frozen(kw_only=True)
class AssistantTranscriptDelta:
    """A piece of the transcript of the assistant's audio (audio modality)."""

    kind: ClassVar[Literal["assistant_transcript_delta"]] = "assistant_transcript_delta"
    turn_id: str
    item_id: str
    delta: str


@attrs.frozen(kw_only=True)
class AssistantTranscript:
    """The transcript of one assistant audio item (partial if the turn was interrupted)."""

    kind: ClassVar[Literal["assistant_transcript"]] = "assistant_transcript"
    turn_id: str
    item_id: str
    text: str


@attrs.frozen(kw_only=True)
class AssistantAudioDelta:
    """A chunk of assistant audio, decoded to PCM16 little-endian mono at ``sample_rate``."""

    kind: ClassVar[Literal["assistant_audio_delta"]] = "assistant_audio_delta"
    turn_id: str
    item_id: str
    pcm: bytes = attrs.field(repr=_short_repr)
    sample_rate: int

    @property
    def samples(self) -> np.ndarray[Any, np.dtype[np.int16]]:
        """A read-only ``int16`` view of ``pcm`` (no copy)."""
        return np.frombuffer(self.pcm, dtype="<i2")

    @property
    def duration_ms(self) -> float:
        """How long this chunk plays, in milliseconds."""
        return len(self.pcm) / 2 * 1000 / self.sample_rate


@attrs.frozen(kw_only=True)
class AssistantTurnCompleted:
    """The response ended. A tool-calling response ends here too, before its tools' answer."""

    kind: ClassVar[Literal["assistant_turn_completed"]] = "assistant_turn_completed"
    turn_id: str
    status: Literal["completed", "cancelled", "failed", "incomplete"]
    usage: Usage | None = None
    status_reason: str | None = None
    out_of_band: bool = False
    metadata: Mapping[str, str] | None = None


# -- tools -----------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ToolCallStarted:
    """The model began a function call; its arguments stream next."""

    kind: ClassVar[Literal["tool_call_started"]] = "tool_call_started"
    turn_id: str
    call_id: str
    name: str


@attrs.frozen(kw_only=True)
class ToolCallArgsDelta:
    """A fragment of a call's JSON arguments, as the model streams them."""

    kind: ClassVar[Literal["tool_call_args_delta"]] = "tool_call_args_delta"
    turn_id: str
    call_id: str
    delta: str


@attrs.frozen(kw_only=True)
class ToolCallDispatched:
    """A call's arguments are complete and valid; the tool is starting (or the app must answer)."""

    kind: ClassVar[Literal["tool_call_dispatched"]] = "tool_call_dispatched"
    turn_id: str
    call_id: str
    name: str
    args: Mapping[str, Any]


@attrs.frozen(kw_only=True)
class ToolCallCompleted:
    """A tool returned; ``result`` is its raw return value."""

    kind: ClassVar[Literal["tool_call_completed"]] = "tool_call_completed"
    turn_id: str
    call_id: str
    name: str
    result: Any


@attrs.frozen(kw_only=True)
class ToolCallFailed:
    """A call failed (exception, bad arguments, unknown tool, timeout or interruption)."""

    kind: ClassVar[Literal["tool_call_failed"]] = "tool_call_failed"
    turn_id: str
    call_id: str
    name: str
    error: str


@attrs.frozen(kw_only=True)
class ToolBatchSubmitted:
    """The outputs of these calls were sent to the model."""

    kind: ClassVar[Literal["tool_batch_submitted"]] = "tool_batch_submitted"
    turn_id: str
    call_ids: tuple[str, ...]


# -- control ---------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Interrupted:
    """The assistant turn was interrupted: by the user's speech, ``interrupt()``, or an error."""

    kind: ClassVar[Literal["interrupted"]] = "interrupted"
    turn_id: str
    reason: Literal["barge_in", "manual", "error"]


@attrs.frozen(kw_only=True)
class RateLimited:
    """A rate limit was actually hit; retry after ``reset_ms`` (None when unknown)."""

    kind: ClassVar[Literal["rate_limited"]] = "rate_limited"
    reset_ms: int | None
    details: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class Error:
    """An error the session reports; ``recoverable`` says whether the session goes on."""

    kind: ClassVar[Literal["error"]] = "error"
    code: str | None
    message: str
    recoverable: bool


RealtimeEvent = Union[  # noqa: UP007 - a runtime alias usable on Python 3.10 with cattrs
    SessionOpened,
    SessionUpdated,
    SessionClosed,
    UserSpeechStarted,
    UserSpeechStopped,
    UserTranscriptDelta,
    UserTranscript,
    AssistantTurnStarted,
    AssistantTextDelta,
    AssistantText,
    AssistantTranscriptDelta,
    AssistantTranscript,
    AssistantAudioDelta,
    AssistantTurnCompleted,
    ToolCallStarted,
    ToolCallArgsDelta,
    ToolCallDispatched,
    ToolCallCompleted,
    ToolCallFailed,
    ToolBatchSubmitted,
    Interrupted,
    RateLimited,
    Error,
]

EVENT_CLASSES: Mapping[str, type[RealtimeEvent]] = {
    cls.kind: cls
    for cls in RealtimeEvent.__args__  # type: ignore[attr-defined]
}

# -- extra kinds (beyond the 23; each published only by the feature that needs it) -----------
# (the others live in ._extra_events)


@attrs.frozen(kw_only=True)
class TurnMetrics:
    """Latency, usage and cost of one assistant turn (published only with
    ``Broker(..., turn_metrics=True)``), once the turn is over: its response done, its tool
    calls finished and its barge-in reaction (if any) measured.

    Times are seconds on trio's clock. ``trigger`` names what the latencies count from: the
    end of the user's speech (``"speech_end"``: server VAD's ``speech_stopped`` read, or our
    commit written) or our response request written (``"request"``); None when neither was
    seen (then the latencies are None too). ``tool_durations`` maps each call id to how long
    it ran; ``barge_in_reaction`` is the time from reading the barge-in frame to having
    written the cancel and truncation it caused. ``usage`` is the provider's report for this
    turn, ``totals`` the running session totals after it; costs are estimates in USD (None
    when the model has no prices, see :class:`~trio_realtime.ModelPrices`).
    """

    kind: ClassVar[Literal["turn_metrics"]] = "turn_metrics"
    turn_id: str
    status: str
    trigger: Literal["speech_end", "request"] | None = None
    time_to_first_audio: float | None = None
    time_to_first_text: float | None = None
    duration: float = 0.0
    tool_durations: Mapping[str, float] = attrs.field(factory=dict)
    barge_in_reaction: float | None = None
    usage: Usage | None = None
    totals: Usage = attrs.field(factory=Usage)
    cost_usd: float | None = None
    total_cost_usd: float | None = None


ExtraEvent = Union[  # noqa: UP007
    ServerEvent, AgentHandoff, Reconnecting, Reconnected, TurnMetrics, OpenAIExtraEvent
]

#: Everything a session's streams can yield: the 23 kinds plus the extra ones.
SessionEvent = Union[RealtimeEvent, ExtraEvent]  # noqa: UP007

EXTRA_EVENT_CLASSES: Mapping[str, type[ExtraEvent]] = {
    cls.kind: cls
    for cls in ExtraEvent.__args__  # type: ignore[attr-defined]
}
_ALL_CLASSES: Mapping[str, type[SessionEvent]] = {**EVENT_CLASSES, **EXTRA_EVENT_CLASSES}

# -- serialization (recording / replay) ------------------------------------------------------


def _is_mapping(tp: Any) -> bool:
    return getattr(tp, "__origin__", tp) is Mapping


_converter = cattrs.Converter()
_converter.register_unstructure_hook(bytes, lambda b: base64.b64encode(b).decode("ascii"))
_converter.register_structure_hook(bytes, lambda v, _: base64.b64decode(v))
_converter.register_unstructure_hook_func(_is_mapping, lambda m: dict(m))
_converter.register_structure_hook_func(_is_mapping, lambda v, _: dict(v))


def event_to_dict(event: SessionEvent) -> dict[str, Any]:
    """JSON-safe data for ``event``, tagged with its ``kind`` (audio as base64)."""
    data: dict[str, Any] = _converter.unstructure(event, unstructure_as=type(event))
    return {"kind": event.kind, **data}


def event_from_dict(data: Mapping[str, Any]) -> SessionEvent:
    """The event :func:`event_to_dict` made. Raises ``ValueError`` for an unknown ``kind``."""
    payload = dict(data)
    kind = payload.pop("kind", None)
    cls = _ALL_CLASSES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValueError(f"unknown event kind {kind!r}; expected one of {sorted(_ALL_CLASSES)}")
    try:
        return _converter.structure(payload, cls)
    except (cattrs.BaseValidationError, TypeError, KeyError, ValueError) as exc:
        raise ValueError(f"invalid {kind!r} event data: {exc}") from exc
