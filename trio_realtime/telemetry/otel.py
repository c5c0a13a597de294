"""OpenTelemetry traces from the telemetry events (the ``otel`` extra: ``opentelemetry-api``).

::

    from trio_realtime.telemetry import otel

    otel.instrument()                  # the global tracer provider; or instrument(provider)
    ...
    otel.uninstrument()

:func:`instrument` attaches a handler to every telemetry name and turns the events into spans,
following OpenTelemetry's GenAI semantic conventions where they fit:

- a **session** span ``realtime <model>`` (``gen_ai.operation.name`` ``"realtime"``,
  ``gen_ai.provider.name``, ``gen_ai.request.model``, ``gen_ai.conversation.id`` = the session
  id, ``gen_ai.agent.name``), with span events for handoffs (``gen_ai.agent.handoff``) and
  errors; its status is ERROR when a fatal error occurred or the connection was lost;
- a **turn** span per response, ``chat <model>`` (``gen_ai.response.id``,
  ``gen_ai.response.finish_reasons``, ``gen_ai.usage.input_tokens`` / ``output_tokens`` /
  ``cache_read.input_tokens``, ``gen_ai.response.time_to_first_chunk``), ERROR when the
  response failed;
- a **tool** span per call, ``execute_tool <name>`` (``gen_ai.tool.name``,
  ``gen_ai.tool.call.id``, ``gen_ai.tool.type``), child of its turn, ERROR when it failed;
- voice pipeline runs (``invoke_workflow <workflow_name>``) with ``stt`` and ``tts`` children.

Spans still open when their session stops are ended then, marked
``trio_realtime.incomplete``, with status ERROR unless the client closed the session itself.
Arguments, results and error messages are attached only with ``include_content=True``
(``gen_ai.tool.call.arguments`` / ``.result``; error descriptions).
Handlers run synchronously in the emitting thread; this one never raises into a session (a
failing handler is detached by the telemetry core and logged).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

try:
    from opentelemetry import trace
    from opentelemetry.trace import Span, SpanKind, Status, StatusCode, TracerProvider
    from opentelemetry.util.types import AttributeValue
except ImportError as exc:  # pragma: no cover - exercised without the extra
    raise ImportError(
        'the OpenTelemetry adapter needs opentelemetry-api: pip install "trio-realtime[otel]"'
    ) from exc

from .._secrets import redact
from . import _names as names
from ._core import attach, detach
from ._names import Name

__all__ = ["HANDLER_ID", "OpenTelemetryHandler", "instrument", "uninstrument"]

HANDLER_ID = "trio_realtime.opentelemetry"
_PROVIDERS = {"openai": "openai", "gemini": "gcp.gemini"}
_TRACER = "trio_realtime"


def _status(description: str | None) -> Status:
    return Status(StatusCode.ERROR, description)


class OpenTelemetryHandler:
    """The telemetry handler that builds spans (see the module docstring)."""

    def __init__(
        self, tracer_provider: TracerProvider | None = None, *, include_content: bool = False
    ) -> None:
        self._tracer = trace.get_tracer(_TRACER, tracer_provider=tracer_provider)
        self.include_content = include_content
        self._sessions: dict[Any, tuple[Span, str]] = {}  # session_id -> (span, model)
        self._turns: dict[tuple[Any, Any], Span] = {}
        self._tools: dict[tuple[Any, Any], Span] = {}
        self._runs: dict[Any, Span] = {}
        self._stages: dict[tuple[Any, Any, str], Span] = {}
        self._routes = {
            names.SESSION_START: self._session_start,
            names.SESSION_STOP: self._session_stop,
            names.SESSION_ERROR: self._session_error,
            names.TURN_START: self._turn_start,
            names.TURN_STOP: self._turn_stop,
            names.TOOL_CALL: self._tool_call,
            names.TOOL_RESULT: self._tool_result,
            names.AGENT_HANDOFF: self._handoff,
            names.PIPELINE_START: self._run_start,
            names.PIPELINE_STOP: self._run_stop,
            names.STT_START: self._stage_start,
            names.STT_COMPLETE: self._stage_stop,
            names.TTS_START: self._stage_start,
            names.TTS_COMPLETE: self._stage_stop,
        }

    def __call__(
        self, name: Name, measurements: Mapping[str, float], metadata: Mapping[str, Any]
    ) -> None:
        route = self._routes.get(name)
        if route is not None:
            route(name, measurements, metadata)

    def _child(self, parent: Span | None, name: str, attributes: dict[str, Any]) -> Span:
        context = trace.set_span_in_context(parent) if parent is not None else None
        clean = {k: v for k, v in attributes.items() if v is not None}
        return self._tracer.start_span(
            name, context=context, kind=SpanKind.CLIENT, attributes=clean
        )

    # -- sessions -----------------------------------------------------------------------------

    def _session_start(self, name: Name, m: Mapping[str, float], md: Mapping[str, Any]) -> None:
        model = str(md.get("model") or "")
        provider = str(md.get("provider") or "")
        span = self._child(
            None,
            f"realtime {model}".strip(),
            {
                "gen_ai.operation.name": "realtime",
                "gen_ai.provider.name": _PROVIDERS.get(provider, provider),
                "gen_ai.request.model": model or None,
                "gen_ai.conversation.id": md.get("session_id"),
                "gen_ai.agent.name": md.get("agent"),
            },
        )
        self._sessions[md.get("session_id")] = (span, model)

    def _session_error(self, name: Name, m: Mapping[str, float], md: Mapping[str, Any]) -> None:
        entry = self._sessions.get(md.get("session_id"))
        if entry is None:
            return
        span = entry[0]
        attributes: dict[str, AttributeValue] = {
            "error.type": str(md.get("code") or "error"),
            "trio_realtime.recoverable": bool(md.get("recoverable")),
        }
        if self.include_content and md.get("message"):
            attributes["error.message"] = redact(str(md["message"]))
        span.add_event("error", attributes)
        if not md.get("recoverable"):
            span.set_status(_status(f"provider error: {md.get('code')}"))

    def _session_stop(self, name: Name, m: Mapping[str, float], md: Mapping[str, Any]) -> None:
        session_id = md.get("session_id")
        entry = self._sessions.pop(session_id, None)
        if entry is None:
            return
        span = entry[0]
        reason, code = md.get("reason"), md.get("code")
        lost = reason == "error" or (reason == "server" and code not in (1000, None))
        why = f"session closed ({reason}, code {code})"
        open_spans = [self._tools.pop(k) for k in [k for k in self._tools if k[0] == session_id]]
        open_spans += [self._turns.pop(k) for k in [k for k in self._turns if k[0] == session_id]]
        for child in open_spans:  # cut by the close: an error unless the client chose it
            child.set_attribute("trio_realtime.incomplete", True)
            if reason != "client":
                child.set_status(_status(f"{why} before it finished"))
            child.end()
        span.set_attribute("trio_realtime.close.reason", str(reason))
        if code is not None:
            span.set_attribute("trio_realtime.close.code", int(code))
        if lost:
            span.set_attribute("error.type", "connection_lost" if reason == "error" else "closed")
            span.set_status(_status(why))
        span.end()

    def _handoff(self, name: Name, m: Mapping[str, float], md: Mapping[str, Any]) -> None:
        entry = self._sessions.get(md.get("session_id"))
        if entry is not None:
            span = entry[0]
            span.add_event(
                "gen_ai.agent.handoff",
                {"from_agent": str(md.get("from_agent")), "to_agent": str(md.get("to_agent"))},
            )
            span.set_attribute("gen_ai.agent.name", str(md.get("to_agent")))

    # -- turns and tools ----------------------------------------------------------------------

    def _turn_start(self, name: Name, m: Mapping[str, float], md: Mapping[str, Any]) -> None:
        session_id = md.get("session_id")
        span, model = self._sessions.get(session_id, (None, ""))
        turn = self._child(
            span,
            f"chat {model}".strip(),
            {
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": model or None,
                "gen_ai.response.id": md.get("turn_id"),
                "gen_ai.conversation.id": session_id,
            },
        )
        self._turns[(session_id, md.get("turn_id"))] = turn

    def _turn_stop(self, name: Name, m: Mapping[str, float], md: Mapping[str, Any]) -> None:
        span = self._turns.pop((md.get("session_id"), md.get("turn_id")), None)
        if span is None:
            return
        status = str(md.get("status"))
        span.set_attribute("gen_ai.response.finish_reasons", [status])
        for key, attribute in (
            ("input_tokens", "gen_ai.usage.input_tokens"),
            ("output_tokens", "gen_ai.usage.output_tokens"),
            ("cached_tokens", "gen_ai.usage.cache_read.input_tokens"),
            ("input_audio_tokens", "trio_realtime.usage.input_audio_tokens"),
            ("output_audio_tokens", "trio_realtime.usage.output_audio_tokens"),
        ):
            if key in m:
                span.set_attribute(attribute, int(m[key]))
        first = m.get("time_to_first_audio_s", m.get("time_to_first_text_s"))
        if first is not None:
            span.set_attribute("gen_ai.response.time_to_first_chunk", float(first))
        if status == "failed":
            span.set_attribute("error.type", str(md.get("status_reason") or "failed"))
            span.set_status(_status(f"the response failed: {md.get('status_reason')}"))
        span.end()

    def _tool_call(self, name: Name, m: Mapping[str, float], md: Mapping[str, Any]) -> None:
        session_id = md.get("session_id")
        parent = self._turns.get((session_id, md.get("turn_id")))
        if parent is None:
            parent = self._sessions.get(session_id, (None, ""))[0]
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": md.get("name"),
            "gen_ai.tool.call.id": md.get("call_id"),
            "gen_ai.tool.type": "function",
        }
        if self.include_content and "arguments" in md:
            attributes["gen_ai.tool.call.arguments"] = _text(md["arguments"])
        span = self._child(parent, f"execute_tool {md.get('name')}", attributes)
        self._tools[(session_id, md.get("call_id"))] = span

    def _tool_result(self, name: Name, m: Mapping[str, float], md: Mapping[str, Any]) -> None:
        span = self._tools.pop((md.get("session_id"), md.get("call_id")), None)
        if span is None:
            return
        if md.get("ok"):
            if self.include_content and "result" in md:
                span.set_attribute("gen_ai.tool.call.result", _text(md["result"]))
        else:
            span.set_attribute("error.type", "tool_error")
            detail = redact(str(md.get("error"))) if self.include_content else None
            span.set_status(_status(detail or "the tool call failed"))
        span.end()

    # -- the voice pipeline -------------------------------------------------------------------

    def _run_start(self, name: Name, m: Mapping[str, float], md: Mapping[str, Any]) -> None:
        workflow = md.get("workflow_name")
        self._runs[md.get("run_id")] = self._child(
            None,
            f"invoke_workflow {workflow}",
            {"gen_ai.operation.name": "invoke_workflow", "gen_ai.workflow.name": workflow},
        )

    def _run_stop(self, name: Name, m: Mapping[str, float], md: Mapping[str, Any]) -> None:
        run_id = md.get("run_id")
        span = self._runs.pop(run_id, None)
        for key in [k for k in self._stages if k[0] == run_id]:
            self._stages.pop(key).end()
        if span is not None:
            if md.get("status") == "failed":
                span.set_status(_status("the pipeline run failed"))
            span.end()

    def _stage_start(self, name: Name, m: Mapping[str, float], md: Mapping[str, Any]) -> None:
        stage = name[1]
        parent = self._runs.get(md.get("run_id"))
        key = (md.get("run_id"), md.get("turn_id"), stage)
        previous = self._stages.pop(key, None)
        if previous is not None:
            previous.end()
        self._stages[key] = self._child(parent, stage, {"trio_realtime.turn_id": md.get("turn_id")})

    def _stage_stop(self, name: Name, m: Mapping[str, float], md: Mapping[str, Any]) -> None:
        span = self._stages.pop((md.get("run_id"), md.get("turn_id"), name[1]), None)
        if span is None:
            return
        if md.get("error"):
            span.set_attribute("error.type", str(md["error"]))
            span.set_status(_status(f"{name[1]} failed"))
        span.end()


def _text(value: Any) -> str:
    import orjson

    try:
        return orjson.dumps(value, default=str).decode()
    except TypeError:
        return str(value)


def instrument(
    tracer_provider: TracerProvider | None = None,
    *,
    include_content: bool = False,
    handler_id: str = HANDLER_ID,
) -> OpenTelemetryHandler:
    """Attach an :class:`OpenTelemetryHandler` to every telemetry name (``ValueError`` if
    ``handler_id`` is attached already). ``tracer_provider`` defaults to the global one."""
    handler = OpenTelemetryHandler(tracer_provider, include_content=include_content)
    attach(handler_id, names.ALL, handler, include_content=include_content)
    return handler


def uninstrument(handler_id: str = HANDLER_ID) -> bool:
    """Detach the handler; True if it was attached."""
    return detach(handler_id)
