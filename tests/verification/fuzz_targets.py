"""Fuzz targets, shared by the hypothesis tests and the atheris harness (``nox -s fuzz``).

Each target takes a *sequence* of frames and feeds them, in order, to one parser instance, so
the parser's state across frames is fuzzed too (carried audio bytes, pending calls, the
handshake, the conversation). A target raises ``AssertionError`` when a promise is broken:

- :func:`decode_openai` / :func:`decode_gemini`: the codec never raises on server input and
  returns only well-typed events and signals (``tests/protocol/typecheck``); a malformed frame
  becomes exactly one recoverable error; the statistics tables stay bounded.
- :func:`serve_client_frames`: the local server's sans-I/O state never raises on client input;
  every event it answers with validates against the official ``openai`` SDK's server event
  types; a rejected client event gets exactly one ``error``; the commands are its own.

The corpora are valid frames (the golden flows, the test builders, our own encoder's output)
for mutation-based fuzzing.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Sequence
from typing import Any

import orjson

from tests.protocol import flows
from tests.protocol.typecheck import matches, well_typed
from tests.server.wire_validation import server_event_problems
from trio_realtime.config import Config, ResponseOptions, ServerVad
from trio_realtime.events import EVENT_CLASSES, EXTRA_EVENT_CLASSES, Error
from trio_realtime.protocol import OpenAIProtocol, signals
from trio_realtime.protocol._codec import MAX_STATISTICS_KEYS, CodecStatistics
from trio_realtime.server import RealtimeServerState
from trio_realtime.server._commands import (
    ArmIdleTimer,
    Close,
    StartResponse,
    StopResponse,
    Transcribe,
)
from trio_realtime.testing import frames

Frame = str | bytes
DECODED = (
    *EVENT_CLASSES.values(),
    *EXTRA_EVENT_CLASSES.values(),
    *(
        value
        for value in vars(signals).values()
        if inspect.isclass(value) and value.__module__ == signals.__name__
    ),
)

# -- corpora ------------------------------------------------------------------------------


def openai_server_corpus() -> list[list[dict[str, Any]]]:
    """Whole server flows (each a list of frames), valid per the SDK."""
    built = [
        frames.session_created("sess_1"),
        frames.session_updated(frames.default_session()),
        *frames.tool_turn("resp_2", {"call_1": ("lookup", '{"q": 1}')}),
        frames.audio_delta("resp_2", "item_1", b"\x01\x02\x03"),
        frames.speech_started(),
        frames.speech_stopped(),
        frames.user_transcript("item_u", "hello"),
        frames.error("conversation_already_has_active_response", event_id="cli_2"),
        frames.rate_limits(remaining=0),
        frames.response_done("resp_3", "failed", error={"code": "rate_limit_exceeded"}),
    ]
    return [flows.load(name) for name in flows.FLOW_NAMES] + [built]


GEMINI_SERVER_FLOW: list[dict[str, Any]] = [
    {"setupComplete": {}},
    {"serverContent": {"inputTranscription": {"text": "Weather in Tokyo?"}}},
    {
        "serverContent": {
            "modelTurn": {
                "parts": [{"inlineData": {"mimeType": "audio/pcm;rate=24000", "data": "AAABAP8="}}]
            },
            "outputTranscription": {"text": "It is"},
        }
    },
    {"serverContent": {"modelTurn": {"parts": [{"text": "It is sunny."}]}}},
    {
        "toolCall": {
            "functionCalls": [
                {"id": "fc-1", "name": "get_weather", "args": {"city": "Tokyo"}},
                {"id": "fc-2", "name": "get_time", "args": {"timezone": "Asia/Tokyo"}},
            ]
        }
    },
    {"toolCallCancellation": {"ids": ["fc-2"]}},
    {"serverContent": {"interrupted": True}},
    {"serverContent": {"generationComplete": True}},
    {
        "serverContent": {"turnComplete": True},
        "usageMetadata": {
            "promptTokenCount": 143,
            "responseTokenCount": 19,
            "totalTokenCount": 162,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 143}],
        },
    },
    {"sessionResumptionUpdate": {"newHandle": "handle-1", "resumable": True}},
    {"goAway": {"timeLeft": "50s"}},
]


def gemini_server_corpus() -> list[list[dict[str, Any]]]:
    return [GEMINI_SERVER_FLOW]


def client_corpus() -> list[list[str]]:
    """Valid client events as our own encoder writes them, in plausible session orders."""
    config = Config(
        modalities=["audio"],
        turn_detection=ServerVad(),
        input_audio_transcription=True,
        instructions="Be brief.",
    )
    codec = OpenAIProtocol(config)
    pcm = (b"\x10\x20" * 2400) + bytes(4800)
    vad_off = Config(modalities=["text"], turn_detection=None)
    return [
        [*codec.open(), codec.append_audio(pcm), codec.append_audio(bytes(9600))],
        [
            codec.session_update(vad_off, previous=config),
            codec.user_text("Hello"),
            codec.create_response(ResponseOptions(instructions="Answer in French.")),
            codec.cancel_response(),
            codec.cancel_response("resp_1"),
            codec.tool_output("call_1", '{"ok": true}'),
        ],
        [
            codec.append_audio(pcm),
            codec.commit_audio(),
            codec.clear_audio(),
            codec.truncate("item_1", 120),
            codec.delete_item("item_1"),
            orjson.dumps({"type": "conversation.item.retrieve", "item_id": "item_1"}).decode(),
        ],
    ]


# -- OpenAI codec ---------------------------------------------------------------------------


def _check_statistics(stats: CodecStatistics) -> None:
    for table in (stats.unknown_event_types, stats.unknown_fields):
        assert len(table) <= MAX_STATISTICS_KEYS + 1, f"statistics grew to {len(table)} keys"


def _check_decoded(out: Any, *, whole_frames: bool = True) -> None:
    """One ``receive`` result: a list of known, well-typed events and signals; a malformed
    frame gives exactly one recoverable error, and nothing else when the protocol's frames are
    one event each (``whole_frames``: OpenAI). A Gemini message carries several independent
    fields: its valid ones are decoded beside the error for the invalid one."""
    assert isinstance(out, list), f"receive returned {type(out).__name__}"
    for item in out:
        assert isinstance(item, DECODED), f"unexpected object {item!r}"
        assert well_typed(item), f"ill-typed {item!r}"
    errors = [item for item in out if isinstance(item, Error)]
    assert len(errors) <= 1, f"more than one error for one frame: {errors}"
    if errors and errors[0].code in ("invalid_json", "invalid_event"):
        assert errors[0].recoverable, f"a malformed frame gave {out}"
        assert len(out) == 1 or not whole_frames, f"a malformed frame gave {out}"


def decode_openai(sequence: Sequence[Frame], config: Config | None = None) -> None:
    codec = OpenAIProtocol(config if config is not None else Config(), server_events=True)
    for frame in sequence:
        _check_decoded(codec.receive(frame))
    _check_statistics(codec.statistics())


# -- Gemini codec (skipped while trio_realtime.protocol.gemini does not exist) -------------------


def gemini_module() -> Any:
    """``trio_realtime.protocol.gemini``, or None while it is not in this build."""
    try:
        return importlib.import_module("trio_realtime.protocol.gemini")
    except ModuleNotFoundError as exc:
        if exc.name in ("trio_realtime.protocol.gemini", "trio_realtime.protocol"):
            return None
        raise


def _gemini_codec(config: Config) -> Any:
    cls = gemini_module().GeminiProtocol
    params = inspect.signature(cls).parameters
    options: dict[str, Any] = {}
    if "model" in params:
        options["model"] = "gemini-live-2.5-flash-preview"
    return cls(config, **options)


def decode_gemini(sequence: Sequence[Frame], config: Config | None = None) -> None:
    codec = _gemini_codec(config if config is not None else Config())
    for frame in sequence:
        _check_decoded(codec.receive(frame), whole_frames=False)
    stats = codec.statistics()
    assert matches(stats.malformed_frames, int)
    _check_statistics(stats)


# -- the local server's parser ---------------------------------------------------------------

_COMMANDS = (ArmIdleTimer, Close, StartResponse, StopResponse, Transcribe)


def serve_client_frames(sequence: Sequence[Frame]) -> None:
    state = RealtimeServerState(seed="fuzz")
    for output in state.start():
        assert isinstance(output, dict)
    for frame in sequence:
        outputs = state.receive(frame)
        assert isinstance(outputs, list)
        events = [o for o in outputs if isinstance(o, dict)]
        for output in outputs:
            assert isinstance(output, (dict, *_COMMANDS)), f"unexpected output {output!r}"
        for event in events:
            bad = server_event_problems(event)
            assert not bad, f"the server answered {frame!r} with an invalid event: {bad}"
        errors = [e for e in events if e.get("type") == "error"]
        if errors:
            assert events == errors, f"a rejected client event had effects: {events}"
            assert len(errors) == 1, f"one client event, {len(errors)} errors"


# -- helpers for byte-oriented fuzzers ----------------------------------------------------------


def split_frames(data: bytes, limit: int = 12) -> list[bytes]:
    """A byte string as a sequence of frames (NUL separates them)."""
    return data.split(b"\x00", limit)[:limit]


def seed_inputs() -> dict[str, list[bytes]]:
    """Seed inputs for each target: whole valid flows, frames joined by NUL."""

    def joined(flow: Sequence[Any]) -> bytes:
        return b"\x00".join(f.encode() if isinstance(f, str) else orjson.dumps(f) for f in flow)

    return {
        "openai": [joined(flow) for flow in openai_server_corpus()],
        "gemini": [joined(flow) for flow in gemini_server_corpus()],
        "server": [joined(flow) for flow in client_corpus()],
    }
