"""The responses of one connection: at most one active on the default conversation (plus any
out-of-band ones), their start / steps / cancel / failure, and the per-response rate limits."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Mapping
from typing import Any

from ._apierror import ApiError
from ._commands import Output, StartResponse, StopResponse
from ._ids import IdFactory
from ._response import ResponseRun
from ._usage import RATE_LIMIT_TOKENS, input_usage
from .brain import BrainReply, BrainRequest
from .config import ResponseConfig
from .conversation import Conversation, normalize_item, snapshot
from .faults import Faults
from .mcp_client import McpError
from .pacing import Pacing
from .synth import Speech

__all__ = ["Responses"]


class Responses:
    """Owns every :class:`ResponseRun` of a connection (see the module docstring)."""

    def __init__(
        self,
        *,
        conversation: Conversation,
        ids: IdFactory,
        pacing: Pacing,
        faults: Faults | None,
        model: str,
        on_finished: Callable[[ResponseRun], list[Output]],
    ) -> None:
        self.active: ResponseRun | None = None
        self.count = 0
        self._runs: dict[str, ResponseRun] = {}
        self._contexts: dict[str, list[dict[str, Any]] | None] = {}
        self._conversation = conversation
        self._ids = ids
        self._pacing = pacing
        self._faults = faults
        self._model = model
        self._on_finished = on_finished
        self._previous_input = 0

    def get(self, response_id: str) -> ResponseRun | None:
        return self._runs.get(response_id)

    def active_error(self) -> ApiError:
        assert self.active is not None
        return ApiError(
            "Conversation already has an active response in progress: "
            f"{self.active.id}. Wait until the response is finished before creating a new one.",
            code="conversation_already_has_active_response",
        )

    def _resolve_input(self, raw: list[Any]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for i, entry in enumerate(raw):
            path = f"response.input[{i}]"
            if isinstance(entry, dict) and entry.get("type") == "item_reference":
                found = self._conversation.get(str(entry.get("id")))
                if found is None:
                    raise ApiError(
                        f"Item with id '{entry.get('id')}' not found in conversation.",
                        code="invalid_value",
                        param=f"{path}.id",
                    )
                items.append(snapshot(found))
                continue
            item = normalize_item(entry, path, self._ids).item
            if item["type"] == "function_call_output":
                known = any(
                    i.get("call_id") == item["call_id"] and i["type"] == "function_call"
                    for i in items
                )
                if not known and self._conversation.find_call(item["call_id"]) is None:
                    raise ApiError(
                        f"Tool call ID '{item['call_id']}' not found in conversation.",
                        code="invalid_value",
                        param=f"{path}.call_id",
                    )
            items.append(item)
        return items

    def start(
        self,
        config: ResponseConfig,
        audio_ms: dict[str, float],
        *,
        approved: list[dict[str, Any]] | None = None,
        mcp_annotations: Mapping[tuple[str, str], dict[str, Any]] | None = None,
    ) -> list[Output]:
        """Create a response (raises ApiError when the default conversation is busy).

        ``approved``: MCP approval requests the client approved since the last response (the
        response makes those calls first); ``mcp_annotations``: the listed MCP tools'
        annotations, by ``(server_label, name)``.
        """
        default = config.conversation == "auto"
        if default and self.active is not None:
            raise self.active_error()
        context = self._resolve_input(config.input) if config.input is not None else None
        self.count += 1
        items = context if context is not None else self._conversation.items()
        inputs = input_usage(
            items, audio_ms, config.instructions, config.tools, self._previous_input
        )
        self._previous_input = inputs.total
        run = ResponseRun(
            response_id=self._ids.new("resp"),
            config=config,
            conversation=self._conversation if default else None,
            ids=self._ids,
            pacing=self._pacing,
            inputs=inputs,
        )
        run.resume_hook = functools.partial(self.resume, run.id)
        run.mcp_annotations = dict(mcp_annotations or {})
        self._runs[run.id] = run
        self._contexts[run.id] = context
        if default:
            self.active = run
        out: list[Output] = [run.created()]
        failure = self._faults.failure(self.count, self._model) if self._faults else None
        if failure is not None:
            out += run.fail(failure)
            out += self._finished(run, rate_limited=failure["code"] == "rate_limit_exceeded")
        elif default and approved:
            run.begin_approved(approved)
            out.append(StartResponse(run.id, ask_brain=False))
        else:
            out.append(StartResponse(run.id))
        return out

    def resume(self, response_id: str, result: Any) -> list[Output]:
        """The shell's answer to a command response ``response_id`` waits on: an MCP call's
        output (or :class:`McpError`), or the brain's ``(reply, speech)``; any other exception
        (the brain failed) fails the response."""
        run = self._runs.get(response_id)
        if run is None:
            return []
        if isinstance(result, Exception) and not isinstance(result, McpError):
            error = {"type": "server_error", "code": "server_error", "message": str(result)}
            return self.fail(response_id, error)
        out = run.resume(result)
        if run.finished:
            out += self._finished(run)
        return out

    def brain_request(
        self,
        response_id: str,
        session: dict[str, Any],
        heard: dict[str, str],
        mcp_tools: list[dict[str, Any]] | None = None,
    ) -> BrainRequest | None:
        """What the brain of ``response_id`` sees (None once the response is over)."""
        run = self._runs.get(response_id)
        if run is None or run.finished:
            return None
        context = self._contexts.get(response_id)
        source = context if context is not None else self._conversation.items()
        if run.conversation is None:  # out of band: its own items are in no conversation
            source = [*source, *run.output]
        items = []
        for original in source:
            item = copy.deepcopy(original)
            for part in item.get("content", ()):
                if part.get("type") == "input_audio" and part.get("transcript") is None:
                    part["transcript"] = heard.get(item["id"], "")
            items.append(item)
        return BrainRequest(
            conversation=tuple(items),
            session=copy.deepcopy(session),
            response_overrides=copy.deepcopy(run.config.overrides),
            mcp_tools=tuple(copy.deepcopy(mcp_tools or [])),
        )

    def set_reply(
        self, response_id: str, reply: BrainReply, speech: Speech | None = None
    ) -> list[Output]:
        run = self._runs.get(response_id)
        if run is not None:
            run.begin(reply, speech)
        return []

    def delay(self, response_id: str) -> float | None:
        run = self._runs.get(response_id)
        return None if run is None else run.delay

    def advance(self, response_id: str) -> list[Output]:
        run = self._runs.get(response_id)
        if run is None:
            return []
        out: list[Output] = list(run.advance())
        if run.finished:
            out += self._finished(run)
        return out

    def fail(self, response_id: str, error: dict[str, Any]) -> list[Output]:
        run = self._runs.get(response_id)
        if run is None:
            return []
        out: list[Output] = list(run.fail(error))
        return out + self._finished(run)

    def cancel(self, run: ResponseRun, reason: str) -> list[Output]:
        out: list[Output] = list(run.cancel(reason))
        out += self._finished(run)
        out.append(StopResponse(run.id))
        return out

    def _finished(self, run: ResponseRun, *, rate_limited: bool = False) -> list[Output]:
        self._runs.pop(run.id, None)
        self._contexts.pop(run.id, None)
        if self.active is run:
            self.active = None
        if rate_limited and self._faults is not None:
            remaining, reset = 0, self._faults.retry_after
        else:
            used = run.usage["total_tokens"] if run.usage else 0
            remaining = max(0, RATE_LIMIT_TOKENS - used)
            reset = round(used * 60 / RATE_LIMIT_TOKENS, 3)
        limits = [
            {
                "name": "tokens",
                "limit": RATE_LIMIT_TOKENS,
                "remaining": remaining,
                "reset_seconds": reset,
            }
        ]
        out: list[Output] = [self._ids.event("rate_limits.updated", rate_limits=limits)]
        return out + self._on_finished(run)
