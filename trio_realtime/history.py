"""The conversation as the client knows it: plain, frozen, serializable data.

``session.history()`` returns a :class:`History`: the user's texts and the transcripts of their
audio, the assistant's texts and transcripts (as heard: an interrupted answer is cut where the
listener stopped hearing it), the tool calls with their outputs, and the remote MCP calls the
provider made, in conversation order.
``Broker(..., history=...)`` seeds a new session with a saved one, and a reconnect replays it
to the new server session (``Broker(..., reconnect=...)``).

:meth:`History.to_dict` / :meth:`History.from_dict` (and the ``*_json`` forms) round-trip it
through JSON. Pure data: no trio, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Literal, Union

import attrs
import cattrs
import orjson

__all__ = [
    "AssistantMessage",
    "FunctionCall",
    "FunctionCallOutput",
    "History",
    "HistoryItem",
    "McpCall",
    "UserMessage",
]


@attrs.frozen(kw_only=True)
class UserMessage:
    """What the user said: typed (``source="text"``) or spoken (the transcript of their audio).

    A spoken turn whose transcript never arrived has ``text=None`` (it cannot be replayed).
    """

    type: ClassVar[Literal["user_message"]] = "user_message"
    text: str | None
    source: Literal["text", "audio"] = "text"
    item_id: str | None = None


@attrs.frozen(kw_only=True)
class AssistantMessage:
    """What the assistant said (its text, or the transcript of its audio).

    ``truncated`` is True when the listener interrupted it: ``text`` is then cut in proportion
    to the audio actually heard, at a word boundary (an estimate: providers give no word
    timings).
    """

    type: ClassVar[Literal["assistant_message"]] = "assistant_message"
    text: str
    truncated: bool = False
    item_id: str | None = None
    turn_id: str | None = None


@attrs.frozen(kw_only=True)
class FunctionCall:
    """A tool call the model made (``arguments`` is the JSON text of its arguments)."""

    type: ClassVar[Literal["function_call"]] = "function_call"
    call_id: str
    name: str
    arguments: str


@attrs.frozen(kw_only=True)
class FunctionCallOutput:
    """The output the model was given for ``call_id`` (as sent on the wire)."""

    type: ClassVar[Literal["function_call_output"]] = "function_call_output"
    call_id: str
    output: str


@attrs.frozen(kw_only=True)
class McpCall:
    """A call the provider made to a remote MCP server's tool (``server_label``), with its
    ``output``, or ``error`` when it failed. ``item_id`` is its conversation item."""

    type: ClassVar[Literal["mcp_call"]] = "mcp_call"
    item_id: str
    server_label: str
    name: str
    arguments: str
    output: str | None = None
    error: str | None = None


HistoryItem = Union[UserMessage, AssistantMessage, FunctionCall, FunctionCallOutput, McpCall]  # noqa: UP007

_ITEM_CLASSES: Mapping[str, type[HistoryItem]] = {
    cls.type: cls
    for cls in HistoryItem.__args__  # type: ignore[attr-defined]
}
_converter = cattrs.Converter()


def _to_items(items: Iterable[HistoryItem]) -> tuple[HistoryItem, ...]:
    return tuple(items)


@attrs.frozen(kw_only=True)
class History:
    """A conversation, oldest item first.

    ``complete`` is False when something of the conversation is missing: older items were
    dropped to stay within the session's bound, or a spoken turn has no transcript.
    """

    items: tuple[HistoryItem, ...] = attrs.field(default=(), converter=_to_items)
    complete: bool = True

    def __len__(self) -> int:
        return len(self.items)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe data (each item tagged with its ``type``)."""
        items = [{"type": item.type, **_converter.unstructure(item)} for item in self.items]
        return {"items": items, "complete": self.complete}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> History:
        """The history :meth:`to_dict` made. Raises ``ValueError`` for malformed data."""
        try:
            raw_items = data["items"]
            items = []
            for raw in raw_items:
                fields = dict(raw)
                kind = fields.pop("type", None)
                item_cls = _ITEM_CLASSES.get(kind) if isinstance(kind, str) else None
                if item_cls is None:
                    raise ValueError(f"unknown history item type {kind!r}")
                items.append(_converter.structure(fields, item_cls))
            return cls(items=tuple(items), complete=bool(data.get("complete", True)))
        except (KeyError, TypeError, cattrs.BaseValidationError) as exc:
            raise ValueError(f"invalid history data: {exc}") from exc

    def to_json(self) -> str:
        """:meth:`to_dict` as JSON text."""
        return orjson.dumps(self.to_dict()).decode()

    @classmethod
    def from_json(cls, text: str | bytes) -> History:
        """The history :meth:`to_json` made. Raises ``ValueError`` for malformed text."""
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise ValueError(f"invalid history JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ValueError("invalid history JSON: not an object")  # noqa: TRY004 (bad input)
        return cls.from_dict(data)
