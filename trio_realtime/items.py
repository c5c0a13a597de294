"""Conversation items an application adds (``session.add_item``) or hands to one response
(``ResponseOptions(input=[...])``).

Besides these, ``add_item`` takes the history items ``session.history()`` returns (user and
assistant messages, function calls and their outputs) and wire-shaped mappings for anything
else the provider accepts. Plain frozen data, no I/O.
"""

from __future__ import annotations

import base64
from typing import Literal

import attrs

__all__ = ["IMAGE_MIME_TYPES", "MAX_IMAGE_BYTES", "InputImage", "ItemReference", "SystemMessage"]

#: The image types the Realtime API accepts.
IMAGE_MIME_TYPES = ("image/png", "image/jpeg")
#: The largest image accepted (it travels base64-encoded inside one WebSocket message).
MAX_IMAGE_BYTES = 10 * 2**20

_SUFFIXES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


def sniff_image(data: bytes) -> str | None:
    """The MIME type of PNG or JPEG ``data`` from its signature (None if neither)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None


def mime_for_suffix(suffix: str) -> str | None:
    """The MIME type for a file suffix such as ``".png"`` (None if not an accepted image)."""
    return _SUFFIXES.get(suffix.lower())


@attrs.frozen(kw_only=True)
class InputImage:
    """An image for the model to look at (PNG or JPEG, at most 10 MiB).

    ``detail`` trades cost for fidelity (``"low"``, ``"high"``; None: the provider's ``auto``).
    Use :meth:`from_bytes`, which checks the data and finds its type.
    """

    data: bytes = attrs.field(repr=lambda data: f"<{len(data)} bytes>")
    mime: str
    detail: Literal["auto", "low", "high"] | None = attrs.field(
        default=None,
        validator=attrs.validators.optional(attrs.validators.in_(("auto", "low", "high"))),
    )

    def __attrs_post_init__(self) -> None:
        if self.mime not in IMAGE_MIME_TYPES:
            raise ValueError(f"image type must be one of {IMAGE_MIME_TYPES}, not {self.mime!r}")
        if not self.data:
            raise ValueError("the image is empty")
        if len(self.data) > MAX_IMAGE_BYTES:
            raise ValueError(
                f"the image is {len(self.data)} bytes; at most {MAX_IMAGE_BYTES} are accepted"
            )

    @classmethod
    def from_bytes(
        cls,
        data: bytes,
        *,
        mime: str | None = None,
        detail: Literal["auto", "low", "high"] | None = None,
    ) -> InputImage:
        """An image from its encoded bytes; ``mime`` None finds PNG or JPEG from the data
        (``ValueError`` when it is neither)."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"image data must be bytes, not {type(data).__name__}")
        data = bytes(data)
        found = mime or sniff_image(data)
        if found is None:
            raise ValueError("the image is not PNG or JPEG data (pass mime= to say what it is)")
        return cls(data=data, mime=found, detail=detail)

    def data_url(self) -> str:
        """The image as a ``data:`` URL (what the wire carries)."""
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


@attrs.frozen
class SystemMessage:
    """A system message: steering text added mid-conversation."""

    text: str


@attrs.frozen
class ItemReference:
    """An item already in the conversation, by id (only in ``ResponseOptions(input=...)``)."""

    id: str
