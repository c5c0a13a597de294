"""The OpenTelemetry adapter against the SDK's in-memory exporter: the span tree of a full
session (an errored tool, a dropped connection), GenAI attributes, content opt-in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import trio.testing

from trio_realtime import telemetry

otel = pytest.importorskip("trio_realtime.telemetry.otel")
sdk_trace = pytest.importorskip("opentelemetry.sdk.trace")
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (  # noqa: E402
    InMemorySpanExporter,
)
from opentelemetry.trace import StatusCode  # noqa: E402

from .scenario import run_scenario  # noqa: E402


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = sdk_trace.TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    otel.uninstrument()
    for info in telemetry.list_handlers():
        telemetry.detach(info.handler_id)


def _instrument(exporter: InMemorySpanExporter, **options: bool) -> None:
    provider = sdk_trace.TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    otel.instrument(provider, **options)


async def test_the_span_tree_of_a_session(
    autojump_clock: trio.testing.MockClock, exporter: InMemorySpanExporter
) -> None:
    _instrument(exporter)
    await run_scenario()
    spans = exporter.get_finished_spans()
    (session,) = [s for s in spans if s.name == "realtime gpt-realtime"]
    assert session.parent is None
    assert session.attributes["gen_ai.operation.name"] == "realtime"
    assert session.attributes["gen_ai.provider.name"] == "openai"
    assert session.attributes["gen_ai.request.model"] == "gpt-realtime"
    assert session.attributes["gen_ai.conversation.id"] == "sess_1"
    assert session.status.status_code is StatusCode.ERROR  # the connection was lost
    assert session.attributes["error.type"] == "connection_lost"
    events = {event.name: event for event in session.events}
    assert dict(events["gen_ai.agent.handoff"].attributes) == {
        "from_agent": "Greeter",
        "to_agent": "Support",
    }
    assert events["error"].attributes["error.type"] == "conversation_already_has_active_response"

    turns = [s for s in spans if s.name == "chat gpt-realtime"]
    by_id = {t.attributes["gen_ai.response.id"]: t for t in turns}
    assert set(by_id) == {"resp_1", "resp_2", "resp_3"}
    for turn in turns:
        assert turn.parent.span_id == session.context.span_id
    first = by_id["resp_1"]
    assert first.attributes["gen_ai.usage.input_tokens"] == 100
    assert first.attributes["gen_ai.usage.output_tokens"] == 30
    assert first.attributes["gen_ai.usage.cache_read.input_tokens"] == 20
    assert first.attributes["gen_ai.response.finish_reasons"] == ("completed",)
    assert first.status.status_code is StatusCode.UNSET
    cut = by_id["resp_3"]  # open when the connection dropped: ended with an error
    assert cut.status.status_code is StatusCode.ERROR

    tools = {
        s.attributes["gen_ai.tool.call.id"]: s for s in spans if s.name.startswith("execute_tool ")
    }
    assert set(tools) == {"call_a", "call_b", "call_c"}
    for call in tools.values():
        assert call.parent.span_id == by_id["resp_2"].context.span_id
        assert call.attributes["gen_ai.operation.name"] == "execute_tool"
        assert call.attributes["gen_ai.tool.type"] == "function"
    assert tools["call_a"].attributes["gen_ai.tool.name"] == "lookup"
    assert tools["call_a"].status.status_code is StatusCode.UNSET
    failed = tools["call_b"]
    assert failed.status.status_code is StatusCode.ERROR
    assert failed.status.description == "the tool call failed"  # no content by default
    assert failed.attributes["error.type"] == "tool_error"
    assert "gen_ai.tool.call.arguments" not in tools["call_a"].attributes
    assert tools["call_a"].end_time > tools["call_a"].start_time


async def test_content_is_attached_only_when_asked(
    autojump_clock: trio.testing.MockClock, exporter: InMemorySpanExporter
) -> None:
    _instrument(exporter, include_content=True)
    await run_scenario()
    tools = {s.attributes.get("gen_ai.tool.call.id"): s for s in exporter.get_finished_spans()}
    assert tools["call_a"].attributes["gen_ai.tool.call.arguments"] == '{"city":"Oslo"}'
    assert tools["call_a"].attributes["gen_ai.tool.call.result"] == '"Oslo: sunny"'
    assert "kaboom" in tools["call_b"].status.description


def test_instrument_twice_is_refused(exporter: InMemorySpanExporter) -> None:
    _instrument(exporter)
    with pytest.raises(ValueError, match="already attached"):
        _instrument(exporter)
    assert otel.uninstrument() is True
    assert otel.uninstrument() is False
