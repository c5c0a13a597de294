"""The default conversation: ordered items in wire shape, plus the audio behind audio items.

Items are stored as the dicts the server reports (``conversation.item.added``/``done``): no audio
bytes inside them. Audio is kept beside the item (in the session's wire format) for
``conversation.item.retrieve`` and truncation. :func:`normalize_item` validates a client item.
"""

from __future__ import annotations

import base64
import binascii
import copy
from typing import Any

import attrs

from ._apierror import ApiError
from ._check import as_enum, as_list, as_object, as_str, check_keys, required
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


def normalize_item(raw: object, path: str, ids: IdFactory) -> NewItem:
    """Validate a client ``item`` and give it the server's wire shape (raises ApiError)."""
    obj = as_object(raw, path)
    kind = as_enum(
        required(obj, "type", path),
        f"{path}.type",
        ("message", "function_call", "function_call_output"),
    )
    common = ("id", "type", "object", "status")
    item_id = as_str(obj["id"], f"{path}.id") if "id" in obj else ids.new("item")
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


class Conversation:
    """Ordered items of the default conversation (ids unique), with per-item audio."""

    def __init__(self, conversation_id: str) -> None:
        self.id = conversation_id
        self._order: list[str] = []
        self._items: dict[str, dict[str, Any]] = {}
        self._audio: dict[str, tuple[bytearray, float]] = {}

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
        self._audio.pop(item_id, None)

    def set_audio(self, item_id: str, audio: bytes, bytes_per_ms: float) -> None:
        """Store the audio of ``item_id`` (wire format; ``bytes_per_ms``: 48 PCM16, 8 G.711)."""
        self._audio[item_id] = (bytearray(audio), bytes_per_ms)

    def append_audio(self, item_id: str, chunk: bytes, bytes_per_ms: float) -> None:
        stored = self._audio.setdefault(item_id, (bytearray(), bytes_per_ms))
        stored[0].extend(chunk)

    def audio(self, item_id: str) -> bytes | None:
        stored = self._audio.get(item_id)
        return bytes(stored[0]) if stored is not None else None

    def audio_ms(self, item_id: str) -> float | None:
        """Length of the item's stored audio in ms, or None when it has none."""
        stored = self._audio.get(item_id)
        return len(stored[0]) / stored[1] if stored is not None else None

    def truncate_audio(self, item_id: str, end_ms: int) -> None:
        data, per_ms = self._audio[item_id]
        keep = int(end_ms * per_ms)
        del data[keep - keep % 2 if per_ms == 48.0 else keep :]

    def retrieved(self, item_id: str) -> dict[str, Any]:
        """The item as ``conversation.item.retrieved`` shows it: audio parts carry base64 audio."""
        item = copy.deepcopy(self._items[item_id])
        audio = self.audio(item_id)
        if audio is not None:
            for part in item.get("content", ()):
                if part["type"] in ("input_audio", "output_audio"):
                    part["audio"] = base64.b64encode(audio).decode("ascii")
                    break
        return item
