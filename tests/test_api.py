"""Pins the public API: what ``trio_realtime`` exports and the names DESIGN.md fixes."""

from __future__ import annotations

import inspect

import trio

import trio_realtime as rt

PINNED = {
    "Broker",
    "Config",
    "ServerVad",
    "SemanticVad",
    "Transcription",
    "OpenAIGateway",
    "RealtimeError",
    "RealtimeConnectionError",
    "SessionClosedError",
    "ProtocolError",
    "ProviderError",
    "open_session",
    "connect_session",
    "Tool",
    "ToolContext",
}
SESSION_METHODS = {
    "send_text",
    "send_audio_frame",
    "commit_audio",
    "clear_audio",
    "create_response",
    "cancel_response",
    "interrupt",
    "update_instructions",
    "update",
    "aclose",
    "subscribe",
    "statistics",
    "events",
    "report_playback",
    "send_tool_result",
    "send_tool_error",
    "send_audio_frame_nowait",
    "send_text_nowait",
}
KINDS = {
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
}


def test_exported_members() -> None:
    exported = {name for name in dir(rt) if not name.startswith("_")}
    assert set(rt.__all__) <= exported
    assert set(rt.__all__) >= PINNED
    for name in rt.__all__:
        assert getattr(rt, name) is not None


def test_exception_tree() -> None:
    for exc in (
        rt.RealtimeConnectionError,
        rt.SessionClosedError,
        rt.ProtocolError,
        rt.ProviderError,
    ):
        assert issubclass(exc, rt.RealtimeError)
    assert issubclass(rt.SessionClosedError, trio.BrokenResourceError)


def test_session_methods() -> None:
    public = {
        name for name, _ in inspect.getmembers(rt.RealtimeSession) if not name.startswith("_")
    }
    assert public >= SESSION_METHODS
    for name in SESSION_METHODS - {"subscribe", "statistics", "events", "report_playback"}:
        method = getattr(rt.RealtimeSession, name)
        assert inspect.iscoroutinefunction(method) != name.endswith("_nowait"), name


def test_session_has_no_public_constructor() -> None:
    import pytest

    with pytest.raises(TypeError, match="no public constructor"):
        rt.RealtimeSession(transport=None, codec=None, config=rt.Config())  # type: ignore[arg-type]


def test_event_kinds() -> None:
    from trio_realtime.events import EVENT_CLASSES

    assert set(EVENT_CLASSES) == KINDS
    for kind, cls in EVENT_CLASSES.items():
        assert cls.kind == kind
        assert getattr(rt, cls.__name__) is cls


def test_gateway_and_broker_signatures() -> None:
    params = inspect.signature(rt.OpenAIGateway).parameters
    assert {"api_key", "url", "headers", "connect_timeout"} <= set(params)
    assert all(p.kind is p.KEYWORD_ONLY for p in params.values())
    broker = inspect.signature(rt.Broker).parameters
    assert list(broker)[:3] == ["model", "gateway", "config"]
    assert broker["gateway"].kind is inspect.Parameter.KEYWORD_ONLY
