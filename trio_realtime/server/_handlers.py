"""The handlers of client events, one function per event type, registered in ``HANDLERS``.

Each handler validates its event (unknown fields are rejected as ``unknown_parameter``) and
returns the outputs of :class:`~.state.RealtimeServerState`; an :class:`ApiError` it raises becomes
one ``error`` event echoing the client's ``event_id``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._apierror import ApiError
from ._audio_input import decode_to_pcm16, sample_rate_of
from ._check import as_int, as_str, check_keys, required
from ._commands import Output, Transcribe
from .config import apply_session_update, resolve_response
from .conversation import normalize_item

if TYPE_CHECKING:
    from .state import RealtimeServerState

__all__ = ["HANDLERS"]

_Handler = Callable[["RealtimeServerState", dict[str, Any]], list[Output]]
HANDLERS: dict[str, _Handler] = {}


def _handles(type_: str, *keys: str) -> Callable[[_Handler], _Handler]:
    """Register a client-event handler; unknown fields of that event are rejected."""

    def register(func: _Handler) -> _Handler:
        def checked(state: RealtimeServerState, event: dict[str, Any]) -> list[Output]:
            check_keys(event, ("type", "event_id", *keys), "")
            return func(state, event)

        HANDLERS[type_] = checked
        return func

    return register


# -- handlers -------------------------------------------------------------------------


@_handles("session.update", "session")
def _session_update(state: RealtimeServerState, event: dict[str, Any]) -> list[Output]:
    state.session = apply_session_update(state.session, event.get("session"))
    inp = state.input_config
    state.audio.configure(inp["format"], inp["turn_detection"])
    out: list[Output] = [state.ids.event("session.updated", session=state.session)]
    detector = inp["turn_detection"]
    if detector and detector.get("idle_timeout_ms") and state.responses.active is None:
        out.append(state.arm_idle(detector["idle_timeout_ms"] / 1000.0))
    return out


@_handles("input_audio_buffer.append", "audio")
def _append(state: RealtimeServerState, event: dict[str, Any]) -> list[Output]:
    encoded = as_str(required(event, "audio", ""), "audio")
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(
            "Invalid 'audio': expected base64-encoded audio.", code="invalid_value", param="audio"
        ) from None
    out: list[Output] = []
    for boundary in state.audio.append(data):
        out += state.on_speech(boundary)
    state.audio.trim()
    return out


@_handles("input_audio_buffer.commit")
def _commit(state: RealtimeServerState, event: dict[str, Any]) -> list[Output]:
    buffered = state.audio.buffered_ms
    if buffered < 100:
        raise ApiError(
            "Error committing input audio buffer: buffer too small. Expected at least 100ms of "
            f"audio, but buffer only has {buffered:.2f}ms of audio.",
            code="input_audio_buffer_commit_empty",
        )
    item_id = state.speech_item or state.ids.new("item")
    state.speech_item = None
    return state.commit_audio(item_id, state.audio.take_all())


@_handles("input_audio_buffer.clear")
def _clear(state: RealtimeServerState, event: dict[str, Any]) -> list[Output]:
    state.audio.clear()
    state.speech_item = None
    return [state.ids.event("input_audio_buffer.cleared")]


@_handles("output_audio_buffer.clear")
def _clear_output(state: RealtimeServerState, event: dict[str, Any]) -> list[Output]:
    raise ApiError(
        "output_audio_buffer.clear is only supported for WebRTC and SIP sessions.",
        code="invalid_value",
        param="type",
    )


@_handles("conversation.item.create", "item", "previous_item_id")
def _item_create(state: RealtimeServerState, event: dict[str, Any]) -> list[Output]:
    new = normalize_item(required(event, "item", ""), "item", state.ids)
    item = new.item
    if item["type"] == "function_call_output" and not state.conversation.find_call(item["call_id"]):
        raise ApiError(
            f"Tool call ID '{item['call_id']}' not found in conversation.",
            code="invalid_value",
            param="item.call_id",
        )
    after = event.get("previous_item_id")
    if after is not None:
        as_str(after, "previous_item_id")
    previous = state.conversation.insert(item, after)
    out = state.item_events(item, previous)
    if new.audio is not None:
        state.conversation.set_audio(item["id"], new.audio, state.audio.bytes_per_ms)
        given = next((p["transcript"] for p in item["content"] if p.get("transcript")), None)
        if given is not None:
            state.heard[item["id"]] = given
        else:
            fmt = state.audio.format
            pcm = decode_to_pcm16(new.audio, fmt)
            out.append(Transcribe(item["id"], pcm, sample_rate_of(fmt), False))
    return out


_VERBS = {"retrieve": "retrieving", "delete": "deleting", "truncate": "truncating"}


def _existing(state: RealtimeServerState, event: dict[str, Any], action: str) -> str:
    item_id = as_str(required(event, "item_id", ""), "item_id")
    if item_id not in state.conversation:
        raise ApiError(
            f"Error {_VERBS[action]} item: the item with id '{item_id}' does not exist.",
            code=f"item_{action}_invalid_item_id",
            param="item_id",
        )
    return item_id


@_handles("conversation.item.retrieve", "item_id")
def _item_retrieve(state: RealtimeServerState, event: dict[str, Any]) -> list[Output]:
    item_id = _existing(state, event, "retrieve")
    item = state.conversation.retrieved(item_id)
    return [state.ids.event("conversation.item.retrieved", item=item)]


@_handles("conversation.item.delete", "item_id")
def _item_delete(state: RealtimeServerState, event: dict[str, Any]) -> list[Output]:
    item_id = _existing(state, event, "delete")
    state.conversation.delete(item_id)
    return [state.ids.event("conversation.item.deleted", item_id=item_id)]


@_handles("conversation.item.truncate", "item_id", "content_index", "audio_end_ms")
def _item_truncate(state: RealtimeServerState, event: dict[str, Any]) -> list[Output]:
    item_id = _existing(state, event, "truncate")
    index = as_int(required(event, "content_index", ""), "content_index", 0)
    end_ms = as_int(required(event, "audio_end_ms", ""), "audio_end_ms", 0)
    item = state.conversation.get(item_id) or {}
    content = item.get("content") or []
    if (
        item.get("role") != "assistant"
        or index >= len(content)
        or content[index].get("type") != "output_audio"
    ):
        raise ApiError("Only model output audio messages can be truncated")
    available = state.conversation.audio_ms(item_id) or 0.0
    if end_ms > available:
        raise ApiError(
            f"Audio content of {int(available)}ms is already shorter than {end_ms}ms",
            code="invalid_value",
            param="audio_end_ms",
        )
    state.conversation.truncate_audio(item_id, end_ms)
    content[index]["transcript"] = ""
    return [
        state.ids.event(
            "conversation.item.truncated", item_id=item_id, content_index=index, audio_end_ms=end_ms
        )
    ]


@_handles("response.create", "response")
def _response_create(state: RealtimeServerState, event: dict[str, Any]) -> list[Output]:
    config = resolve_response(state.session, event.get("response"))
    out = state.responses.start(config, state.audio_ms_by_item())
    state.idle_generation += 1
    return out


@_handles("response.cancel", "response_id")
def _response_cancel(state: RealtimeServerState, event: dict[str, Any]) -> list[Output]:
    wanted = event.get("response_id")
    run = state.responses.active
    if wanted is not None:
        run = state.responses.get(as_str(wanted, "response_id"))
    if run is None or run.finished:
        raise ApiError(
            "Cancellation failed: no active response found", code="response_cancel_not_active"
        )
    return state.responses.cancel(run, "client_cancelled")
