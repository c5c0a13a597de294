"""Decoder cases around tool-call de-duplication, errors, rate limits and G.711 output."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from trio_realtime.config import Config
from trio_realtime.events import AssistantAudioDelta, AssistantTurnCompleted, Error, RateLimited
from trio_realtime.protocol.openai import OpenAIProtocol, retry_after_ms
from trio_realtime.protocol.signals import ResponseRejected, ToolCallReady

from . import flows
from .g711_reference import alaw_decode, ulaw_decode


def recv(codec: OpenAIProtocol, frame: dict[str, Any]) -> list[Any]:
    return codec.receive(orjson.dumps(frame))


def frame_of(name: str, event_type: str, index: int = 0) -> dict[str, Any]:
    return [f for f in flows.load(name) if f["type"] == event_type][index]


# -- tool calls: each call is ready exactly once ----------------------------------------------

READY = ToolCallReady(
    turn_id="resp_F1", call_id=flows.CALL_ID, name="get_weather", arguments='{"city":"Paris"}'
)


@pytest.mark.parametrize(
    "order",
    [
        ("response.function_call_arguments.done", "response.output_item.done"),
        ("response.output_item.done", "response.function_call_arguments.done"),
        ("response.function_call_arguments.done", "response.function_call_arguments.done"),
        ("response.output_item.done", "response.output_item.done"),
    ],
)
@pytest.mark.parametrize("with_added", [True, False])
def test_call_is_ready_exactly_once(order: tuple[str, str], with_added: bool) -> None:
    codec = OpenAIProtocol(Config())
    out: list[Any] = []
    if with_added:
        out += recv(codec, frame_of("tool_call", "response.output_item.added"))
    for event_type in order:
        out += recv(codec, frame_of("tool_call", event_type))
    assert [d for d in out if isinstance(d, ToolCallReady)] == [READY]


def test_incomplete_function_call_item_is_not_ready() -> None:
    codec = OpenAIProtocol(Config())
    done = frame_of("tool_call", "response.output_item.done")
    done["item"]["status"] = "incomplete"
    assert recv(codec, done) == []


def test_ready_state_is_forgotten_after_response_done() -> None:
    codec = OpenAIProtocol(Config())
    for frame in flows.load("tool_call"):
        recv(codec, frame)
    assert codec.decoder._calls == {}  # nothing kept once the responses are done


# -- errors -----------------------------------------------------------------------------------

ACTIVE = "conversation_already_has_active_response"
ACTIVE_MSG = "Conversation already has an active response in progress: resp_B2."


def test_rejected_response_create_is_signalled() -> None:
    codec = OpenAIProtocol(Config())
    create = orjson.loads(codec.create_response())
    out = recv(codec, flows.error_frame(ACTIVE, ACTIVE_MSG, event_id=create["event_id"]))
    assert out == [
        ResponseRejected(event_id=create["event_id"]),
        Error(code=ACTIVE, message=ACTIVE_MSG, recoverable=True),
    ]
    # the same id again is no longer pending: just the error
    out = recv(codec, flows.error_frame(ACTIVE, ACTIVE_MSG, event_id=create["event_id"]))
    assert out == [Error(code=ACTIVE, message=ACTIVE_MSG, recoverable=True)]


def test_rejection_after_a_vad_response_started_is_still_signalled() -> None:
    """Server VAD starts a response while our response.create is in flight; ours is refused."""
    codec = OpenAIProtocol(Config())
    create = orjson.loads(codec.create_response())
    recv(codec, frame_of("barge_in", "response.created"))  # the VAD's response, not ours
    out = recv(codec, flows.error_frame(ACTIVE, ACTIVE_MSG, event_id=create["event_id"]))
    assert out[0] == ResponseRejected(event_id=create["event_id"])


@pytest.mark.parametrize("event_id", [None, "cli_999", "evt_other"])
def test_error_for_another_event_is_only_an_error(event_id: str | None) -> None:
    codec = OpenAIProtocol(Config())
    codec.create_response()
    out = recv(codec, flows.error_frame(ACTIVE, ACTIVE_MSG, event_id=event_id))
    assert out == [Error(code=ACTIVE, message=ACTIVE_MSG, recoverable=True)]


def test_cancel_not_active_is_silent() -> None:
    codec = OpenAIProtocol(Config())
    cancel = orjson.loads(codec.cancel_response())
    frame = flows.error_frame(
        "response_cancel_not_active",
        "Cancellation failed: no active response found",
        event_id=cancel["event_id"],
    )
    assert recv(codec, frame) == []


@pytest.mark.parametrize(
    ("code", "message", "recoverable"),
    [
        (
            "input_audio_buffer_commit_empty",
            "Error committing input audio buffer: buffer too small.",
            True,
        ),
        ("missing_required_parameter", "Missing required parameter: 'session.type'.", True),
        ("unknown_parameter", "Unknown parameter: 'session.modalities'.", True),
        ("some_future_code", "Something new went wrong.", True),
        ("session_expired", "Your session hit the maximum duration of 60 minutes.", False),
        ("beta_api_shape_disabled", "The beta API shape is disabled.", False),
        ("invalid_api_key", "Incorrect API key provided.", False),
    ],
)
def test_error_codes(code: str, message: str, recoverable: bool) -> None:
    codec = OpenAIProtocol(Config())
    out = recv(codec, flows.error_frame(code, message, event_id="cli_52"))
    assert out == [Error(code=code, message=message, recoverable=recoverable)]


def test_error_without_code_uses_its_type() -> None:
    codec = OpenAIProtocol(Config())
    frame = {"type": "error", "event_id": "e", "error": {"type": "server_error", "message": "boom"}}
    assert recv(codec, frame) == [Error(code="server_error", message="boom", recoverable=True)]


def test_transcription_failure_is_a_recoverable_error() -> None:
    codec = OpenAIProtocol(Config())
    frame = {
        "type": "conversation.item.input_audio_transcription.failed",
        "event_id": "event_0113",
        "item_id": "item_U7",
        "content_index": 0,
        "error": {
            "type": "invalid_request_error",
            "code": "audio_unintelligible",
            "message": "Audio could not be transcribed.",
            "param": None,
        },
    }
    assert recv(codec, frame) == [
        Error(
            code="audio_unintelligible",
            message="transcription of item_U7 failed: Audio could not be transcribed.",
            recoverable=True,
        )
    ]


def test_failed_response_that_is_not_rate_limited() -> None:
    codec = OpenAIProtocol(Config())
    done = frame_of("rate_limited", "response.done")
    done["response"]["status_details"]["error"] = {"type": "server_error", "message": "oops"}
    assert recv(codec, done) == [
        Error(code="server_error", message="oops", recoverable=True),
        AssistantTurnCompleted(turn_id="resp_R1", status="failed"),
    ]


def test_incomplete_response_reports_its_reason() -> None:
    codec = OpenAIProtocol(Config())
    done = frame_of("rate_limited", "response.done")
    done["response"].update(
        status="incomplete", status_details={"type": "incomplete", "reason": "max_output_tokens"}
    )
    assert recv(codec, done) == [
        AssistantTurnCompleted(
            turn_id="resp_R1", status="incomplete", status_reason="max_output_tokens"
        )
    ]


# -- rate limits ------------------------------------------------------------------------------


def limits(remaining: int, reset: float = 3.282) -> dict[str, Any]:
    entry = {"name": "tokens", "limit": 40000, "remaining": remaining, "reset_seconds": reset}
    return {"type": "rate_limits.updated", "event_id": "e", "rate_limits": [entry]}


def test_rate_limited_response_then_drained_update_reports_once() -> None:
    codec = OpenAIProtocol(Config())
    out = [d for frame in flows.load("rate_limited") for d in recv(codec, frame)]
    assert [d for d in out if isinstance(d, RateLimited)] == [
        RateLimited(reset_ms=3282, details=flows.RATE_LIMIT_ERROR)
    ]
    assert not any(isinstance(d, Error) for d in out)
    assert out[-1] == AssistantTurnCompleted(turn_id="resp_R1", status="failed")


def test_drained_update_before_the_failed_response_also_reports_once() -> None:
    codec = OpenAIProtocol(Config())
    created, done, drained = flows.load("rate_limited")
    out = recv(codec, created) + recv(codec, drained) + recv(codec, done)
    assert [type(d).__name__ for d in out] == [
        "AssistantTurnStarted",
        "RateLimited",
        "AssistantTurnCompleted",
    ]


def test_standalone_exhausted_update_is_rate_limited() -> None:
    codec = OpenAIProtocol(Config())
    frame = limits(0)
    assert recv(codec, frame) == [
        RateLimited(reset_ms=3282, details={"rate_limits": frame["rate_limits"]})
    ]


def test_update_with_room_left_is_nothing() -> None:
    codec = OpenAIProtocol(Config())
    assert recv(codec, limits(39851, 0.223)) == []
    assert recv(codec, {**limits(5), "rate_limits": []}) == []


def test_limit_is_reported_again_after_it_recovered() -> None:
    codec = OpenAIProtocol(Config())
    assert len(recv(codec, limits(0))) == 1
    assert recv(codec, limits(0)) == []  # the same hit
    assert recv(codec, limits(100)) == []
    assert len(recv(codec, limits(0))) == 1  # a new hit
    recv(codec, frame_of("rate_limited", "response.created"))
    assert len(recv(codec, limits(0))) == 1  # a new response, a new hit


def test_exhausted_update_takes_the_longest_reset() -> None:
    codec = OpenAIProtocol(Config())
    frame = limits(0, 1.5)
    frame["rate_limits"] += [
        {"name": "requests", "limit": 100, "remaining": 0, "reset_seconds": 20.25},
        {"name": "other", "limit": 100, "remaining": 3, "reset_seconds": 99.0},
    ]
    (event,) = recv(codec, frame)
    assert event.reset_ms == 20250


@pytest.mark.parametrize(
    ("message", "ms"),
    [
        ("Please try again in 3.282s.", 3282),
        ("Please try again in 20ms.", 20),
        ("Please try again in 1m2s.", 62000),
        ("Please try again in 2m.", 120000),
        ("Please try again later.", None),
        ("Please try again in " + "9" * 400 + "s.", None),
        ("", None),
    ],
)
def test_retry_after_ms(message: str, ms: int | None) -> None:
    assert retry_after_ms(message) == ms


# -- G.711 output -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "decode"), [("g711_ulaw", ulaw_decode), ("g711_alaw", alaw_decode)]
)
def test_g711_output_is_decoded_to_pcm16_at_8khz(fmt: str, decode: Any) -> None:
    codec = OpenAIProtocol(Config(output_audio_format=fmt))
    codes = bytes(range(256)) + bytes(range(255, -1, -3))  # every code, odd total length
    frame = frame_of("audio_turn", "response.output_audio.delta")
    frame["delta"] = flows.b64(codes)
    (event,) = recv(codec, frame)
    assert isinstance(event, AssistantAudioDelta)
    assert event.sample_rate == 8000
    assert event.samples.tolist() == [decode(c) for c in codes]
    assert len(event.pcm) == 2 * len(codes)  # one sample per code: nothing carried
