"""The session's record of its conversation, built from what it publishes and what it sends.

:class:`ConversationLog` is fed the events the session publishes (user transcripts, assistant
texts and transcripts, tool calls and their outcomes, submitted batches) and the user's own
text messages, and turns them into a :class:`~trio_realtime.history.History` on demand. Items
are kept in the order they first appeared (a spoken turn's place is taken when the server first
mentions it, so a transcript that arrives late still lands before the answer it prompted). It
keeps at most ``max_items`` entries; older ones are dropped and the history marked incomplete.
Remote MCP calls (run by the provider) are recorded when they end. Pure (no trio).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs
import orjson

from ._extra_events import McpCallCompleted, McpCallFailed
from .events import (
    AssistantText,
    AssistantTextDelta,
    AssistantTranscript,
    AssistantTranscriptDelta,
    AssistantTurnStarted,
    Error,
    SessionEvent,
    ToolBatchSubmitted,
    ToolCallArgsDelta,
    ToolCallCompleted,
    ToolCallDispatched,
    ToolCallFailed,
    ToolCallStarted,
    UserSpeechStarted,
    UserSpeechStopped,
    UserTranscript,
    UserTranscriptDelta,
)
from .history import (
    AssistantMessage,
    FunctionCall,
    FunctionCallOutput,
    History,
    HistoryItem,
    McpCall,
    UserMessage,
)
from .tools import ToolResultError, encode_error, encode_result

__all__ = ["LOGGED_EVENTS", "REJECTED_COMMIT", "ConversationLog"]

#: The error code of a commit the server refused (OpenAI: the input buffer held too little audio).
REJECTED_COMMIT = "input_audio_buffer_commit_empty"


@attrs.define
class _User:
    item_id: str | None
    source: str
    parts: list[str] = attrs.Factory(list)
    text: str | None = None


@attrs.define
class _Assistant:
    item_id: str
    turn_id: str
    parts: list[str] = attrs.Factory(list)
    text: str | None = None
    truncated: bool = False  # (a seed's message that was already cut)


@attrs.define
class _Call:
    call_id: str
    name: str
    parts: list[str] = attrs.Factory(list)
    arguments: str | None = None


@attrs.frozen
class _Output:
    call_id: str
    output: str


_Entry = _User | _Assistant | _Call | _Output | McpCall


class ConversationLog:
    """See the module docstring. ``seed`` starts the log with a saved history."""

    __slots__ = (
        "_assistant",
        "_calls",
        "_complete",
        "_entries",
        "_max",
        "_out_of_band",
        "_outcomes",
        "_unbound",
        "_users",
    )

    def __init__(self, *, max_items: int = 512, seed: History | None = None) -> None:
        self._max = max_items
        self._entries: list[_Entry] = []  # (a list: smaller than a deque while it is short)
        self._complete = True
        self._users: dict[str, _User] = {}
        self._unbound: list[_User] = []  # committed audio turns whose item id is unknown
        self._assistant: dict[str, _Assistant] = {}
        self._calls: dict[str, _Call] = {}
        self._outcomes: dict[str, str] = {}  # call_id -> the output it would be given
        self._out_of_band: dict[str, None] = {}  # their turns add nothing to the conversation
        if seed is not None:
            self._complete = seed.complete
            for item in seed.items:
                self._add(_entry_of(item))

    # -- what the user sends -------------------------------------------------------------------

    def user_text(self, text: str) -> None:
        """The user sent a text message."""
        self._add(_User(item_id=None, source="text", text=text))

    def audio_committed(self) -> None:
        """The user ended an audio turn by hand: its item appears later (by its id)."""
        entry = _User(item_id=None, source="audio")
        self._unbound.append(entry)
        self._add(entry)

    # -- what the session publishes ------------------------------------------------------------

    def observe(self, event: SessionEvent) -> None:
        """Fold ``event`` in (events the log does not care about are ignored)."""
        handler = _HANDLERS.get(type(event))
        if handler is not None and getattr(event, "turn_id", None) not in self._out_of_band:
            handler(self, event)

    def assistant_delta(self, event: AssistantTextDelta | AssistantTranscriptDelta) -> None:
        """:meth:`observe` for an assistant text or transcript delta, cheaper once its item is
        known (an item is recorded only for a turn that is not out of band)."""
        entry = self._assistant.get(event.item_id)
        if entry is None:
            self.observe(event)
        else:
            entry.parts.append(event.delta)

    def call_args_delta(self, event: ToolCallArgsDelta) -> None:
        """:meth:`observe` for a tool call's arguments delta, cheaper once the call is known."""
        entry = self._calls.get(event.call_id)
        if entry is None:
            self.observe(event)
        else:
            entry.parts.append(event.delta)

    def _on_turn_started(self, event: AssistantTurnStarted) -> None:
        if event.out_of_band:
            _bounded_set(self._out_of_band, event.turn_id, None, self._max)

    def _on_mcp_call(self, event: McpCallCompleted | McpCallFailed) -> None:
        output = event.output if isinstance(event, McpCallCompleted) else None
        error = event.error if isinstance(event, McpCallFailed) else None
        call = McpCall(
            item_id=event.item_id,
            server_label=event.server_label,
            name=event.name,
            arguments=event.arguments,
            output=output,
            error=error,
        )
        self._add(call)

    def _on_error(self, event: Error) -> None:
        # A rejected commit makes no item: forget its place (an empty buffer is rejected, and
        # only the latest commit can find the buffer empty, so the newest place is its own).
        if event.code == REJECTED_COMMIT and self._unbound:
            entry = self._unbound.pop()
            self._entries = [e for e in self._entries if e is not entry]

    def _user(self, item_id: str) -> _User:
        entry = self._users.get(item_id)
        if entry is None:
            if self._unbound:
                entry = self._unbound.pop(0)
                entry.item_id = item_id
            else:
                entry = _User(item_id=item_id, source="audio")
                self._add(entry)
            _bounded_set(self._users, item_id, entry, self._max)
        return entry

    def _on_user_item(self, event: UserSpeechStarted | UserSpeechStopped) -> None:
        self._user(event.item_id)

    def _on_user_delta(self, event: UserTranscriptDelta) -> None:
        self._user(event.item_id).parts.append(event.delta)

    def _on_user_done(self, event: UserTranscript) -> None:
        self._user(event.item_id).text = event.text

    def _assistant_entry(self, turn_id: str, item_id: str) -> _Assistant:
        entry = self._assistant.get(item_id)
        if entry is None:
            entry = _Assistant(item_id=item_id, turn_id=turn_id)
            _bounded_set(self._assistant, item_id, entry, self._max)
            self._add(entry)
        return entry

    def _on_assistant_delta(self, event: AssistantTextDelta | AssistantTranscriptDelta) -> None:
        self._assistant_entry(event.turn_id, event.item_id).parts.append(event.delta)

    def _on_assistant_text(self, event: AssistantText) -> None:
        self._assistant_entry(event.turn_id, event.item_id).text = event.text

    def _on_assistant_transcript(self, event: AssistantTranscript) -> None:
        self._assistant_entry(event.turn_id, event.item_id).text = event.text

    def _call(self, call_id: str, name: str) -> _Call:
        entry = self._calls.get(call_id)
        if entry is None:
            entry = _Call(call_id=call_id, name=name)
            _bounded_set(self._calls, call_id, entry, self._max)
            self._add(entry)
        return entry

    def _on_call_started(self, event: ToolCallStarted) -> None:
        self._call(event.call_id, event.name)

    def _on_call_args(self, event: ToolCallArgsDelta) -> None:
        entry = self._calls.get(event.call_id)
        if entry is not None:
            entry.parts.append(event.delta)

    def _on_call_dispatched(self, event: ToolCallDispatched) -> None:
        entry = self._call(event.call_id, event.name)
        entry.arguments = orjson.dumps(dict(event.args), default=str).decode()

    def _on_call_completed(self, event: ToolCallCompleted) -> None:
        try:
            output = encode_result(event.result)
        except ToolResultError as exc:  # (the session sent an error output for it)
            output = encode_error(str(exc))
        _bounded_set(self._outcomes, event.call_id, output, self._max)

    def _on_call_failed(self, event: ToolCallFailed) -> None:
        _bounded_set(self._outcomes, event.call_id, encode_error(event.error), self._max)

    def _on_batch_submitted(self, event: ToolBatchSubmitted) -> None:
        for call_id in event.call_ids:
            output = self._outcomes.pop(call_id, None)
            if output is not None:
                self._add(_Output(call_id=call_id, output=output))

    # -- the history -----------------------------------------------------------------------------

    def _add(self, entry: _Entry) -> None:
        self._entries.append(entry)
        if len(self._entries) > self._max:
            del self._entries[0]
            self._complete = False

    def snapshot(self, heard: Mapping[str, float] | None = None) -> History:
        """The conversation so far. ``heard`` maps an interrupted assistant item to the
        fraction of its audio the listener heard (0 removes it; less than 1 cuts its text)."""
        heard = heard or {}
        items: list[HistoryItem] = []
        complete = self._complete
        for entry in self._entries:
            if isinstance(entry, _User):
                text = entry.text if entry.text is not None else ("".join(entry.parts) or None)
                complete = complete and text is not None
                items.append(UserMessage(text=text, source=entry.source, item_id=entry.item_id))  # type: ignore[arg-type]
            elif isinstance(entry, _Assistant):
                message = _assistant_message(entry, heard.get(entry.item_id))
                if message is not None:
                    items.append(message)
            elif isinstance(entry, _Call):
                arguments = entry.arguments or "".join(entry.parts) or "{}"
                items.append(
                    FunctionCall(call_id=entry.call_id, name=entry.name, arguments=arguments)
                )
            elif isinstance(entry, _Output):
                items.append(FunctionCallOutput(call_id=entry.call_id, output=entry.output))
            else:
                items.append(entry)  # (an McpCall: already the history's item)
        return History(items=tuple(items), complete=complete)


_HANDLERS: Mapping[type[Any], Callable[[ConversationLog, Any], None]] = {
    AssistantTurnStarted: ConversationLog._on_turn_started,
    UserSpeechStarted: ConversationLog._on_user_item,
    UserSpeechStopped: ConversationLog._on_user_item,
    UserTranscriptDelta: ConversationLog._on_user_delta,
    UserTranscript: ConversationLog._on_user_done,
    AssistantTextDelta: ConversationLog._on_assistant_delta,
    AssistantTranscriptDelta: ConversationLog._on_assistant_delta,
    AssistantText: ConversationLog._on_assistant_text,
    AssistantTranscript: ConversationLog._on_assistant_transcript,
    ToolCallStarted: ConversationLog._on_call_started,
    ToolCallArgsDelta: ConversationLog._on_call_args,
    ToolCallDispatched: ConversationLog._on_call_dispatched,
    ToolCallCompleted: ConversationLog._on_call_completed,
    McpCallCompleted: ConversationLog._on_mcp_call,
    McpCallFailed: ConversationLog._on_mcp_call,
    ToolCallFailed: ConversationLog._on_call_failed,
    ToolBatchSubmitted: ConversationLog._on_batch_submitted,
    Error: ConversationLog._on_error,
}

#: The event types the log reads (the session feeds only these to it).
LOGGED_EVENTS = tuple(kind for kind in _HANDLERS if kind is not Error)


def _assistant_message(entry: _Assistant, fraction: float | None) -> AssistantMessage | None:
    text = entry.text if entry.text is not None else "".join(entry.parts)
    truncated = entry.truncated
    if fraction is not None and fraction < 1:
        if fraction <= 0:
            return None  # nothing was heard: the item was removed
        text, truncated = _cut(text, fraction), True
    if not text:
        return None
    return AssistantMessage(  # (a seeded message without ids keeps None)
        text=text, truncated=truncated, item_id=entry.item_id or None, turn_id=entry.turn_id or None
    )


def _cut(text: str, fraction: float) -> str:
    """The first ``fraction`` of ``text``, ending at a word boundary."""
    end = round(len(text) * fraction)
    if end >= len(text):
        return text
    space = text.rfind(" ", 0, end + 1)
    return text[: space if space > 0 else end].rstrip()


def _entry_of(item: HistoryItem) -> _Entry:
    if isinstance(item, UserMessage):
        return _User(item_id=item.item_id, source=item.source, text=item.text)
    if isinstance(item, AssistantMessage):
        return _Assistant(
            item_id=item.item_id or "",
            turn_id=item.turn_id or "",
            text=item.text,
            truncated=item.truncated,
        )
    if isinstance(item, FunctionCall):
        return _Call(call_id=item.call_id, name=item.name, arguments=item.arguments)
    if isinstance(item, FunctionCallOutput):
        return _Output(call_id=item.call_id, output=item.output)
    return item


def _bounded_set(table: dict[str, Any], key: str, value: Any, limit: int) -> None:
    if key not in table and len(table) >= limit:
        del table[next(iter(table))]
    table[key] = value
