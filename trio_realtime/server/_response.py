"""One response, from the brain's reply to paced wire events; cancellable between any two steps.

A :class:`ResponseRun` is a script (a generator) that yields the pause before its next step and
emits the events of a step only when :meth:`ResponseRun.advance` runs it. Everything emitted is
therefore already "sent" from the state's point of view, and :meth:`ResponseRun.cancel` can close
whatever is open with the trailing ``*.done`` events (item status ``incomplete``), like the real
service. Event order per item follows the service: ``output_item.added`` ->
``conversation.item.added`` -> ``content_part.added`` -> deltas (audio: transcript and audio
interleaved by word timing) -> ``*.done`` -> ``content_part.done`` -> ``output_item.done`` ->
``conversation.item.done``; then ``response.done``.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Generator
from typing import Any

import attrs

from ._audio_input import encode_from_pcm16, sample_rate_of
from ._commands import Output
from ._ids import IdFactory
from ._response_mcp import WAIT, McpSteps, split_calls
from ._usage import InputUsage, audio_tokens, text_tokens, usage
from .brain import BrainReply, ToolCallSpec
from .config import ResponseConfig
from .conversation import Conversation, snapshot
from .pacing import Pacing
from .synth import Speech, synthesize, words

__all__ = ["ResponseRun"]

#: How many times one response may ask the brain again after server-side tool calls.
MAX_TOOL_ROUNDS = 4
_PAD = "Xq7pLk2ZvB9sWc4e"


def _obfuscation(delta: str) -> str:
    return _PAD[: max(2, 16 - len(delta) % 16)]


@attrs.define
class _Open:
    """The item being streamed: what a cancel has to close."""

    item: dict[str, Any]
    index: int
    kind: str  # "audio" | "text" | "call"
    part_added: bool = False
    text: str = ""
    audio_ms: float = 0.0


class ResponseRun(McpSteps):
    """The state of one response (see the module docstring).

    ``resume_hook`` is where the shell hands the result of a command the script waits on
    (:class:`~._commands.CallMcpTool`, :class:`~._commands.AskBrain`); the owner sets it.
    """

    def __init__(
        self,
        *,
        response_id: str,
        config: ResponseConfig,
        conversation: Conversation | None,
        ids: IdFactory,
        pacing: Pacing,
        inputs: InputUsage,
    ) -> None:
        self.id = response_id
        self.config = config
        self.conversation = conversation
        self.status = "in_progress"
        self.output: list[dict[str, Any]] = []
        self.delay: float | None = None
        self.finished = False
        self.audio_ms = 0.0
        self._ids = ids
        self._pacing = pacing
        self._inputs = inputs
        self._gen: Generator[Any, Any, None] | None = None
        self._waiting = False
        self._open: _Open | None = None
        self._buf: list[Output] = []
        self.resume_hook: Callable[[Any], list[Output]] | None = None
        self._out_text_tokens = 0
        self.usage: dict[str, Any] | None = None
        self.reason: str | None = None

    # -- wire objects --------------------------------------------------------------------------

    def response_object(
        self, *, status_details: dict[str, Any] | None = None, usage: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        voice = self.config.voice
        return {
            "object": "realtime.response",
            "id": self.id,
            "status": self.status,
            "status_details": status_details,
            "output": [snapshot(item) for item in self.output],
            "conversation_id": self.conversation.id if self.conversation is not None else None,
            "output_modalities": list(self.config.output_modalities),
            "max_output_tokens": self.config.max_output_tokens,
            "audio": {
                "output": {
                    "format": dict(self.config.output_format),
                    # the SDK types a response's voice as str: report a custom voice by id
                    "voice": voice["id"] if isinstance(voice, dict) else voice,
                }
            },
            "usage": usage,
            "metadata": self.config.metadata,
        }

    def created(self) -> dict[str, Any]:
        return self._ids.event("response.created", response=self.response_object())

    # -- driving -------------------------------------------------------------------------------

    def begin(self, reply: BrainReply, speech: Speech | None = None) -> None:
        """Plan the response from ``reply`` (spoken with ``speech`` when given); afterwards
        ``delay`` is the first pause."""
        if self.finished:
            return
        self._gen = self._script(reply, speech)
        self.delay = next(self._gen)

    def begin_approved(self, approved: list[dict[str, Any]]) -> None:
        """Plan a response that first makes the MCP calls the client approved (``approved``:
        the approval request items), then asks the brain."""
        self._gen = self._script(None, None, approved)
        self.delay = next(self._gen)

    def _step(self, value: Any) -> list[Output]:
        if self.finished or self._gen is None:
            return []
        self._buf = []
        try:
            yielded = self._gen.send(value)
        except StopIteration:
            self.delay = None
        else:
            self._waiting = yielded is WAIT
            self.delay = 0.0 if self._waiting else yielded
        return self._buf

    def advance(self) -> list[Output]:
        """Run the next step (after sleeping ``delay``); return its events."""
        return [] if self._waiting else self._step(None)

    def resume(self, result: Any) -> list[Output]:
        """Go on with the result of the command the script waits on."""
        return self._step(result) if self._waiting else []

    def _resume_hook(self) -> Any:
        assert self.resume_hook is not None
        return self.resume_hook

    def cancel(self, reason: str) -> list[Output]:
        """Stop now: trailing done events, then ``response.done`` status ``cancelled``."""
        if self.finished:
            return []
        self._buf = []
        if self._gen is not None:
            self._gen.close()
        if self._open is not None:
            self._close_open("incomplete")
        self._finish("cancelled", {"type": "cancelled", "reason": reason})
        return self._buf

    def fail(self, error: dict[str, Any]) -> list[Output]:
        """End with ``response.done`` status ``failed`` carrying ``error``."""
        if self.finished:
            return []
        self._buf = []
        if self._gen is not None:
            self._gen.close()
        if self._open is not None:
            self._close_open("incomplete")
        self._finish("failed", {"type": "failed", "error": error})
        return self._buf

    # -- the script ----------------------------------------------------------------------------

    def _script(
        self,
        reply: BrainReply | None,
        speech: Speech | None = None,
        approved: list[dict[str, Any]] | None = None,
    ) -> Generator[Any, Any, None]:
        yield self._pacing.response_latency
        if reply is None:  # the calls the client approved come first, then the brain
            yield from self._approved_calls(approved or [])
            reply, speech = yield from self._ask_brain()
        for _ in range(MAX_TOOL_ROUNDS):
            assert reply is not None
            text, calls, cut = self._within_budget(reply)
            if text:
                if "audio" in self.config.output_modalities:
                    yield from self._audio_item(text, speech)
                else:
                    yield from self._text_item(text)
            functions, server_side = split_calls(BrainReply(tool_calls=calls))
            for spec in functions:
                yield from self._call_item(spec)
            asked = False
            for spec in server_side:
                asked = (yield from self._mcp_step(spec)) or asked
            if cut:
                self._finish("incomplete", {"type": "incomplete", "reason": "max_output_tokens"})
                return
            if asked or functions or not server_side:
                break  # the client acts next (or nothing is left to say)
            reply, speech = yield from self._ask_brain()
        self._finish("completed", None)

    def _within_budget(self, reply: BrainReply) -> tuple[str, tuple[ToolCallSpec, ...], bool]:
        text = (reply.text or "").strip()
        calls = reply.tool_calls
        budget = self.config.max_output_tokens
        if not isinstance(budget, int):
            return text, calls, False
        if text_tokens(text) > budget:
            cut = text[: budget * 4]
            cut = cut.rsplit(" ", 1)[0] if " " in cut else cut
            return cut, (), True
        budget -= text_tokens(text)
        kept: list[ToolCallSpec] = []
        for spec in calls:
            budget -= text_tokens(spec.arguments_json())
            if budget < 0:
                return text, tuple(kept), True
            kept.append(spec)
        return text, calls, False

    def _emit(self, type_: str, **fields: Any) -> None:
        self._buf.append(self._ids.event(type_, **fields))

    def _add_item(self, item: dict[str, Any], kind: str) -> _Open:
        self.output.append(item)
        index = len(self.output) - 1
        self._emit(
            "response.output_item.added",
            response_id=self.id,
            output_index=index,
            item=snapshot(item),
        )
        if self.conversation is not None:
            previous = self.conversation.insert(item)
            self._emit("conversation.item.added", previous_item_id=previous, item=snapshot(item))
        self._open = _Open(item=item, index=index, kind=kind)
        return self._open

    def _fields(self, opened: _Open) -> dict[str, Any]:
        return {"response_id": self.id, "item_id": opened.item["id"], "output_index": opened.index}

    def _message(self) -> dict[str, Any]:
        item_id = self._ids.new("item")
        return {
            "id": item_id,
            "type": "message",
            "status": "in_progress",
            "role": "assistant",
            "content": [],
        }

    def _audio_item(self, text: str, given: Speech | None) -> Generator[float, None, None]:
        opened = self._add_item(self._message(), "audio")
        fmt = self.config.output_format
        rate = sample_rate_of(fmt)
        if given is not None and given.sample_rate == rate and "".join(given.words) == text:
            speech = given  # a real voice (serve --speech); not when the text was cut
        else:
            speech = synthesize(
                text, voice=self.config.voice, sample_rate=rate, speed=self.config.speed
            )
        data = encode_from_pcm16(speech.pcm, fmt)
        width = 2 if fmt.get("type") == "audio/pcm" else 1
        per_ms = speech.sample_rate / 1000.0 * width
        fields = {**self._fields(opened), "content_index": 0}
        self._emit(
            "response.content_part.added", **fields, part={"type": "audio", "transcript": ""}
        )
        opened.part_added = True
        opened.item["content"] = [{"type": "output_audio", "transcript": ""}]
        step = int(self._pacing.audio_chunk_ms * per_ms)
        step -= step % width
        next_word = 0
        for offset in range(0, len(data), step):
            yield self._pacing.audio_chunk_delay
            chunk = data[offset : offset + step]
            end_sample = (offset + len(chunk)) // width
            while next_word < len(speech.words) and speech.word_starts[next_word] < end_sample:
                self._transcript_delta(opened, fields, speech.words[next_word])
                next_word += 1
            self._emit(
                "response.output_audio.delta", **fields, delta=base64.b64encode(chunk).decode()
            )
            opened.audio_ms += len(chunk) / per_ms
            self.audio_ms += len(chunk) / per_ms
            if self.conversation is not None:
                self.conversation.append_audio(opened.item["id"], chunk, per_ms)
        for piece in speech.words[next_word:]:
            self._transcript_delta(opened, fields, piece)
        self._close_open("completed")

    def _transcript_delta(self, opened: _Open, fields: dict[str, Any], piece: str) -> None:
        opened.text += piece
        self._emit(
            "response.output_audio_transcript.delta",
            **fields,
            delta=piece,
            obfuscation=_obfuscation(piece),
        )

    def _text_item(self, text: str) -> Generator[float, None, None]:
        opened = self._add_item(self._message(), "text")
        fields = {**self._fields(opened), "content_index": 0}
        self._emit("response.content_part.added", **fields, part={"type": "text", "text": ""})
        opened.part_added = True
        for piece in words(text):
            yield self._pacing.text_delta_interval
            opened.text += piece
            self._emit(
                "response.output_text.delta", **fields, delta=piece, obfuscation=_obfuscation(piece)
            )
        self._close_open("completed")

    def _call_item(self, spec: ToolCallSpec) -> Generator[float, None, None]:
        item = {
            "id": self._ids.new("item"),
            "type": "function_call",
            "status": "in_progress",
            "name": spec.name,
            "call_id": self._ids.new("call", 16),
            "arguments": "",
        }
        opened = self._add_item(item, "call")
        arguments = spec.arguments_json()
        size = max(8, len(arguments) // 3 + 1)
        for start in range(0, len(arguments), size):
            yield self._pacing.text_delta_interval
            piece = arguments[start : start + size]
            opened.text += piece
            self._emit(
                "response.function_call_arguments.delta",
                **self._fields(opened),
                call_id=item["call_id"],
                delta=piece,
                obfuscation=_obfuscation(piece),
            )
        self._close_open("completed")

    # -- closing -------------------------------------------------------------------------------

    def _close_open(self, status: str) -> None:
        opened, self._open = self._open, None
        assert opened is not None
        item, fields = opened.item, self._fields(opened)
        if opened.kind == "audio" and opened.part_added:
            self._emit("response.output_audio.done", **fields, content_index=0)
            self._emit(
                "response.output_audio_transcript.done",
                **fields,
                content_index=0,
                transcript=opened.text,
            )
            part = {"type": "audio", "transcript": opened.text}
            self._emit("response.content_part.done", **fields, content_index=0, part=part)
            item["content"] = [{"type": "output_audio", "transcript": opened.text}]
        elif opened.kind == "text" and opened.part_added:
            self._emit("response.output_text.done", **fields, content_index=0, text=opened.text)
            part = {"type": "text", "text": opened.text}
            self._emit("response.content_part.done", **fields, content_index=0, part=part)
            item["content"] = [{"type": "output_text", "text": opened.text}]
        elif opened.kind == "mcp" and "output" not in item and "error" not in item:
            item["error"] = {"type": "tool_execution_error", "message": "The call was cancelled."}
        elif opened.kind == "call":
            item["arguments"] = opened.text
            if status == "completed":
                self._emit(
                    "response.function_call_arguments.done",
                    **fields,
                    call_id=item["call_id"],
                    name=item["name"],
                    arguments=opened.text,
                )
        self._out_text_tokens += text_tokens(opened.text)
        if opened.kind not in ("mcp", "approval"):  # MCP items have no status
            item["status"] = status
        self._emit(
            "response.output_item.done",
            response_id=self.id,
            output_index=opened.index,
            item=snapshot(item),
        )
        conversation = self.conversation
        if conversation is not None and item["id"] in conversation:
            previous = conversation.previous_of(item["id"])
            self._emit("conversation.item.done", previous_item_id=previous, item=snapshot(item))

    def _finish(self, status: str, details: dict[str, Any] | None) -> None:
        self.status = status
        self.reason = details.get("reason") if details else None
        self.finished = True
        self.delay = None
        self._gen = None
        report = None
        if status != "failed":
            report = usage(self._inputs, self._out_text_tokens, audio_tokens(self.audio_ms))
        self.usage = report
        body = self.response_object(status_details=details, usage=report)
        self._emit("response.done", response=body)
