"""The telemetry core: attach/detach/emit, failing handlers, content opt-in."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

import trio_realtime as rt
from trio_realtime import telemetry

Seen = list[tuple[tuple[str, ...], dict[str, float], dict[str, Any]]]


@pytest.fixture(autouse=True)
def clean() -> Iterator[None]:
    yield
    for info in telemetry.list_handlers():
        telemetry.detach(info.handler_id)


def recorder(seen: Seen) -> telemetry.Handler:
    def handler(name: tuple[str, ...], m: Mapping[str, float], md: Mapping[str, Any]) -> None:
        seen.append((name, dict(m), dict(md)))

    return handler


def test_exported_as_rt_telemetry() -> None:
    assert rt.telemetry is telemetry


def test_pinned_names() -> None:
    assert telemetry.SESSION_START == ("realtime", "session", "start")
    assert telemetry.AUDIO_RECEIVED == ("realtime", "audio", "received")
    assert telemetry.TOOL_RESULT == ("realtime", "tool", "result")
    assert telemetry.AGENT_HANDOFF == ("realtime", "agent", "handoff")
    assert telemetry.PIPELINE_STOP == ("voice", "pipeline", "stop")
    assert telemetry.STT_COMPLETE == ("voice", "stt", "complete")
    assert telemetry.TTS_CHUNK == ("voice", "tts", "chunk")
    assert telemetry.TURN_START == ("realtime", "turn", "start")
    assert telemetry.TURN_STOP == ("realtime", "turn", "stop")
    assert len(set(telemetry.ALL)) == len(telemetry.ALL) == 17


def test_attach_emit_detach() -> None:
    seen: Seen = []
    telemetry.attach("t", telemetry.STT_START, recorder(seen))
    assert telemetry.enabled(telemetry.STT_START)
    assert not telemetry.enabled(telemetry.STT_COMPLETE)
    telemetry.emit(telemetry.STT_START, {"audio_ms": 1200.0}, {"turn_id": "turn_1"})
    telemetry.emit(telemetry.STT_COMPLETE, {"duration_s": 0.1})  # nobody listens
    assert seen == [(telemetry.STT_START, {"audio_ms": 1200.0}, {"turn_id": "turn_1"})]
    assert telemetry.detach("t") is True
    assert telemetry.detach("t") is False
    assert not telemetry.enabled(telemetry.STT_START)
    telemetry.emit(telemetry.STT_START, {"audio_ms": 1.0})
    assert len(seen) == 1


def test_many_names_and_order() -> None:
    calls: list[str] = []
    telemetry.attach("a", telemetry.ALL, lambda n, m, md: calls.append("a" + n[-1]))
    telemetry.attach("b", [telemetry.TTS_START], lambda n, m, md: calls.append("b" + n[-1]))
    telemetry.emit(telemetry.TTS_START, {})
    telemetry.emit(telemetry.SESSION_STOP, {})
    assert calls == ["astart", "bstart", "astop"]
    assert [i.handler_id for i in telemetry.list_handlers(("voice", "tts"))] == ["a", "b"]
    assert [i.handler_id for i in telemetry.list_handlers(("realtime",))] == ["a"]


def test_duplicate_id_and_bad_arguments() -> None:
    telemetry.attach("x", telemetry.TTS_START, lambda n, m, md: None)
    with pytest.raises(ValueError, match="'x' is already attached"):
        telemetry.attach("x", telemetry.TTS_CHUNK, lambda n, m, md: None)
    with pytest.raises(TypeError, match="callable"):
        telemetry.attach("y", telemetry.TTS_START, "not callable")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="string"):
        telemetry.attach("y", "voice.tts.start", lambda n, m, md: None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one"):
        telemetry.attach("y", [], lambda n, m, md: None)
    assert [i.handler_id for i in telemetry.list_handlers()] == ["x"]


def test_raising_handler_is_detached_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    seen: Seen = []

    def broken(name: Any, m: Any, md: Any) -> None:
        raise RuntimeError("boom")

    telemetry.attach("broken", telemetry.ALL, broken)
    telemetry.attach("good", telemetry.ALL, recorder(seen))
    with caplog.at_level(logging.WARNING, logger="trio_realtime.telemetry"):
        telemetry.emit(telemetry.TTS_START, {"chars": 3.0})  # does not raise
    assert seen == [(telemetry.TTS_START, {"chars": 3.0}, {})]  # the next handler still ran
    assert [i.handler_id for i in telemetry.list_handlers()] == ["good"]
    [record] = caplog.records
    assert record.levelno == logging.WARNING and "'broken'" in record.getMessage()
    assert "voice.tts.start" in record.getMessage()
    telemetry.emit(telemetry.TTS_START, {})
    assert len(seen) == 2


def test_base_exceptions_propagate() -> None:
    def interrupt(name: Any, m: Any, md: Any) -> None:
        raise KeyboardInterrupt

    telemetry.attach("k", telemetry.TTS_START, interrupt)
    with pytest.raises(KeyboardInterrupt):
        telemetry.emit(telemetry.TTS_START, {})
    assert telemetry.list_handlers()  # not detached: it did not fail, it was interrupted


def test_content_only_for_handlers_that_ask() -> None:
    plain: Seen = []
    rich: Seen = []
    telemetry.attach("plain", telemetry.STT_COMPLETE, recorder(plain))
    telemetry.attach("rich", telemetry.STT_COMPLETE, recorder(rich), include_content=True)
    telemetry.emit(
        telemetry.STT_COMPLETE, {"duration_s": 0.2}, {"turn_id": "t1"}, content={"text": "hi"}
    )
    assert plain[0][2] == {"turn_id": "t1"}
    assert rich[0][2] == {"turn_id": "t1", "text": "hi"}


def test_handlers_get_read_only_mappings() -> None:
    def mutate(name: Any, m: Any, md: Any) -> None:
        md["x"] = 1

    seen: Seen = []
    telemetry.attach("mutate", telemetry.TTS_START, mutate)
    telemetry.attach("after", telemetry.TTS_START, recorder(seen))
    metadata = {"turn_id": "t"}
    telemetry.emit(telemetry.TTS_START, {}, metadata)
    assert metadata == {"turn_id": "t"} and seen[0][2] == {"turn_id": "t"}
    assert [i.handler_id for i in telemetry.list_handlers()] == ["after"]  # it raised TypeError


def test_detach_inside_a_handler_does_not_disturb_the_emit() -> None:
    calls: list[str] = []

    def first(name: Any, m: Any, md: Any) -> None:
        calls.append("first")
        telemetry.detach("second")

    telemetry.attach("first", telemetry.TTS_START, first)
    telemetry.attach("second", telemetry.TTS_START, lambda n, m, md: calls.append("second"))
    telemetry.emit(telemetry.TTS_START, {})
    telemetry.emit(telemetry.TTS_START, {})
    assert calls == ["first", "second", "first"]
