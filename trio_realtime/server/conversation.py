"""The default conversation: ordered items in wire shape, plus the audio behind audio items.

Items are stored as the dicts the server reports (``conversation.item.added``/``done``): no audio
bytes inside them. Audio is kept beside the item (in the session's wire format) for
``conversation.item.retrieve`` and truncation, within a budget (:class:`~.limits.Limits`).
:func:`normalize_item` validates a client item.
"""

from __future__ import annotations

import base64
import binascii
import copy
from collections import OrderedDict
from typing import Any

import attrs

from ._apierror import ApiError
from ._check import as_bool, as_enum, as_list, as_object, as_str, check_keys, required
from ._ids import IdFactory

__all__ = ["Conversation", "NewItem", "normalize_item", "snapshot"]

_PART_KEYS = {
    "input_text": ("type", "text"),
    "input_audio": ("type", "audio", "transcript"),
    "input_image": ("type", "image_url", "detail"),
    "output_text": ("type", "text"),
}
_ROLE_PARTS = {
    "user": ("input_text", "input_audio", "input_image"),
    "system": ("input_text",),
    "assistant": ("output_text",),
}


def snapshot(item: dict[str, Any]) -> dict[str, Any]:
    """A copy safe to put in an event while the original keeps changing."""
    out = dict(item)
    if "content" in out:
        out["content"] = [dict(part) for part in out["content"]]
    return out


@attrs.frozen(kw_only=True)
class NewItem:
    """A validated client item: its wire dict, and the decoded audio of ``input_audio`` parts."""

    item: dict[str, Any]
    audio: bytes | None = None


def _part(raw: object, path: str, role: str) -> tuple[dict[str, Any], bytes | None]:
    part = as_object(raw, path)
    kind = as_enum(required(part, "type", path), f"{path}.type", _ROLE_PARTS[role])
    check_keys(part, _PART_KEYS[kind], path)
    if kind in ("input_text", "output_text"):
        return {"type": kind, "text": as_str(required(part, "text", path), f"{path}.text")}, None
    if kind == "input_image":
        url = as_str(required(part, "image_url", path), f"{path}.image_url")
        detail = as_enum(part.get("detail", "auto"), f"{path}.detail", ("auto", "low", "high"))
        return {"type": kind, "image_url": url, "detail": detail}, None
    encoded = as_str(required(part, "audio", path), f"{path}.audio")
    try:
        audio = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(
            f"Invalid '{path}.audio': expected base64-encoded audio.",
            code="invalid_value",
            param=f"{path}.audio",
        ) from None
    transcript = part.get("transcript")
    if transcript is not None:
        as_str(transcript, f"{path}.transcript")
    return {"type": kind, "transcript": transcript}, audio


_MCP_ERRORS = ("protocol_error", "tool_execution_error", "http_error")


def _mcp_call(obj: dict[str, Any], path: str, item_id: str) -> dict[str, Any]:
    """An ``mcp_call`` item the client gives back (e.g. replaying a conversation)."""
    keys = ("server_label", "name", "arguments", "output", "error", "approval_request_id")
    check_keys(obj, ("id", "type", "object", "status", *keys), path)
    item: dict[str, Any] = {"id": item_id, "type": "mcp_call"}
    for key in ("server_label", "name", "arguments"):
        item[key] = as_str(required(obj, key, path), f"{path}.{key}")
    for key in ("output", "approval_request_id"):
        if obj.get(key) is not None:
            item[key] = as_str(obj[key], f"{path}.{key}")
    if obj.get("error") is not None:
        error = as_object(obj["error"], f"{path}.error")
        check_keys(error, ("type", "message", "code"), f"{path}.error")
        kind = as_enum(required(error, "type", f"{path}.error"), f"{path}.error.type", _MCP_ERRORS)
        message = as_str(required(error, "message", f"{path}.error"), f"{path}.error.message")
        item["error"] = {"type": kind, "message": message}
        if "code" in error:
            item["error"]["code"] = error["code"]
    return item


def normalize_item(raw: object, path: str, ids: IdFactory) -> NewItem:
    """Validate a client ``item`` and give it the server's wire shape (raises ApiError)."""
    obj = as_object(raw, path)
    kind = as_enum(
        required(obj, "type", path),
        f"{path}.type",
        ("message", "function_call", "function_call_output", "mcp_approval_response", "mcp_call"),
    )
    common = ("id", "type", "object", "status")
    item_id = as_str(obj["id"], f"{path}.id") if "id" in obj else ids.new("item")
    if kind == "mcp_approval_response":
        check_keys(obj, ("id", "type", "object", "approval_request_id", "approve", "reason"), path)
        request = required(obj, "approval_request_id", path)
        answer: dict[str, Any] = {
            "id": item_id,
            "type": kind,
            "approval_request_id": as_str(request, f"{path}.approval_request_id"),
            "approve": as_bool(required(obj, "approve", path), f"{path}.approve"),
        }
        if obj.get("reason") is not None:
            answer["reason"] = as_str(obj["reason"], f"{path}.reason")
        return NewItem(item=answer)
    if kind == "mcp_call":
        return NewItem(item=_mcp_call(obj, path, item_id))
    if kind == "message":
        check_keys(obj, (*common, "role", "content"), path)
        role = as_enum(required(obj, "role", path), f"{path}.role", tuple(_ROLE_PARTS))
        parts: list[dict[str, Any]] = []
        audio = b""
        for i, raw_part in enumerate(as_list(required(obj, "content", path), f"{path}.content")):
            part, part_audio = _part(raw_part, f"{path}.content[{i}]", role)
            parts.append(part)
            audio += part_audio or b""
        item: dict[str, Any] = {"id": item_id, "type": "message", "status": "completed"}
        item.update(role=role, content=parts)
        has_audio = any(p["type"] == "input_audio" for p in parts)
        return NewItem(item=item, audio=audio if has_audio else None)
    if kind == "function_call":
        check_keys(obj, (*common, "name", "arguments", "call_id"), path)
        return NewItem(
            item={
                "id": item_id,
                "type": "function_call",
                "status": "completed",
                "name": as_str(required(obj, "name", path), f"{path}.name"),
                "call_id": as_str(obj.get("call_id", ids.new("call", 16)), f"{path}.call_id"),
                "arguments": as_str(required(obj, "arguments", path), f"{path}.arguments"),
            }
        )
    check_keys(obj, (*common, "call_id", "output"), path)
    return NewItem(
        item={
            "id": item_id,
            "type": "function_call_output",
            "call_id": as_str(required(obj, "call_id", path), f"{path}.call_id"),
            "output": as_str(required(obj, "output", path), f"{path}.output"),
        }
    )


@attrs.define
class _StoredAudio:
    """An item's audio in wire format; ``data`` is None once forgotten (over the budget)."""

    data: bytearray | None
    bytes_per_ms: float
    length: int  # bytes, including forgotten ones

    @property
    def ms(self) -> float:
        return self.length / self.bytes_per_ms

    @property
    def kept_ms(self) -> float:
        return len(self.data) / self.bytes_per_ms if self.data is not None else 0.0


class Conversation:
    """Ordered items of the default conversation (ids unique), with per-item audio.

    At most ``audio_budget_ms`` of item audio is kept: beyond it the oldest items' audio is
    forgotten (:meth:`audio` returns None for them) while its length stays known.
    """

    def __init__(self, conversation_id: str, *, audio_budget_ms: float = float("inf")) -> None:
        self.id = conversation_id
        self._order: list[str] = []
        self._items: dict[str, dict[str, Any]] = {}
        self._audio: dict[str, _StoredAudio] = {}
        self._held: OrderedDict[str, _StoredAudio] = OrderedDict()  # audio in memory, oldest first
        self._budget_ms = audio_budget_ms
        self._kept_ms = 0.0

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._items

    def __len__(self) -> int:
        return len(self._order)

    def get(self, item_id: str) -> dict[str, Any] | None:
        return self._items.get(item_id)

    def items(self) -> list[dict[str, Any]]:
        """The live item dicts in order (do not mutate)."""
        return [self._items[i] for i in self._order]

    def last_id(self) -> str | None:
        return self._order[-1] if self._order else None

    def previous_of(self, item_id: str) -> str | None:
        index = self._order.index(item_id)
        return self._order[index - 1] if index else None

    def find_call(self, call_id: str) -> dict[str, Any] | None:
        for item in self._items.values():
            if item["type"] == "function_call" and item.get("call_id") == call_id:
                return item
        return None

    def insert(self, item: dict[str, Any], previous_item_id: str | None = None) -> str | None:
        """Add ``item`` after ``previous_item_id`` ("root" = first; None = append).

        Returns the id of the item now before it. Raises ApiError for a duplicate id or an
        unknown ``previous_item_id``.
        """
        item_id = item["id"]
        if item_id in self._items:
            raise ApiError(
                f"Item with id '{item_id}' already exists.", code="invalid_value", param="item.id"
            )
        if previous_item_id is None:
            self._order.append(item_id)
        elif previous_item_id == "root":
            self._order.insert(0, item_id)
        elif previous_item_id in self._items:
            self._order.insert(self._order.index(previous_item_id) + 1, item_id)
        else:
            raise ApiError(
                "Error adding item: the previous item with id "
                f"'{previous_item_id}' does not exist.",
                code="invalid_value",
                param="previous_item_id",
            )
        self._items[item_id] = item
        return self.previous_of(item_id)

    def delete(self, item_id: str) -> None:
        self._order.remove(item_id)
        del self._items[item_id]
        stored = self._audio.pop(item_id, None)
        self._held.pop(item_id, None)
        if stored is not None:
            self._kept_ms -= stored.kept_ms

    def set_audio(self, item_id: str, audio: bytes, bytes_per_ms: float) -> None:
        """Store the audio of ``item_id`` (wire format; ``bytes_per_ms``: 48 PCM16, 8 G.711)."""
        previous = self._audio.pop(item_id, None)
        self._held.pop(item_id, None)
        if previous is not None:
            self._kept_ms -= previous.kept_ms
        stored = _StoredAudio(bytearray(audio), bytes_per_ms, len(audio))
        self._audio[item_id] = self._held[item_id] = stored
        self._kept_ms += len(audio) / bytes_per_ms
        self._enforce_budget()

    def append_audio(self, item_id: str, chunk: bytes, bytes_per_ms: float) -> None:
        stored = self._audio.get(item_id)
        if stored is None:
            stored = _StoredAudio(bytearray(), bytes_per_ms, 0)
            self._audio[item_id] = self._held[item_id] = stored
        stored.length += len(chunk)
        if stored.data is not None:
            stored.data.extend(chunk)
            self._kept_ms += len(chunk) / stored.bytes_per_ms
            self._enforce_budget()

    def _enforce_budget(self) -> None:
        """Forget the oldest held audio until the rest fits the budget (O(1) per item)."""
        while self._kept_ms > self._budget_ms and self._held:
            _, stored = self._held.popitem(last=False)
            self._kept_ms -= stored.kept_ms
            stored.data = None

    def audio(self, item_id: str) -> bytes | None:
        """The item's audio, or None when it has none or it was forgotten."""
        stored = self._audio.get(item_id)
        return bytes(stored.data) if stored is not None and stored.data is not None else None

    def audio_ms(self, item_id: str) -> float | None:
        """Length of the item's audio in ms (also once forgotten), or None when it has none."""
        stored = self._audio.get(item_id)
        return stored.ms if stored is not None else None

    def kept_audio_ms(self) -> float:
        """Ms of item audio currently held in memory (at most the budget)."""
        return self._kept_ms

    def truncate_audio(self, item_id: str, end_ms: int) -> None:
        stored = self._audio[item_id]
        keep = int(end_ms * stored.bytes_per_ms)
        keep -= keep % 2 if stored.bytes_per_ms == 48.0 else 0
        stored.length = min(stored.length, keep)
        if stored.data is not None:
            self._kept_ms -= stored.kept_ms
            del stored.data[keep:]
            self._kept_ms += stored.kept_ms

    def retrieved(self, item_id: str) -> dict[str, Any]:
        """The item as ``conversation.item.retrieved`` shows it: audio parts carry base64 audio
        (unless the audio was forgotten)."""
        item = copy.deepcopy(self._items[item_id])
        audio = self.audio(item_id)
        if audio is not None:
            for part in item.get("content", ()):
                if part["type"] in ("input_audio", "output_audio"):
                    part["audio"] = base64.b64encode(audio).decode("ascii")
                    break
        return item
