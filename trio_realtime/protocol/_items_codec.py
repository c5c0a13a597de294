"""What a codec offers beyond :class:`~._codec.Codec` for editing the conversation.

OpenAI's Realtime API keeps a server-side conversation the client can edit item by item, and
runs remote MCP servers whose calls may wait for the client's approval. A codec that can do
this implements :class:`ItemCodec`; the session raises
:class:`~._codec.UnsupportedCommand` for the others before anything is sent.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from ..items import InputImage
from ._codec import Message

__all__ = ["ItemCodec"]


@runtime_checkable
class ItemCodec(Protocol):
    """Conversation editing and MCP approvals (OpenAI Realtime)."""

    def add_item(self, item: object, previous_item_id: str | None = None) -> Message:
        """Add ``item`` to the conversation (after ``previous_item_id``; ``"root"``: first)."""
        ...

    def add_image(self, image: InputImage, text: str | None = None) -> Message:
        """Add a user message showing ``image`` (after ``text``, when given)."""
        ...

    def retrieve_item(self, item_id: str) -> Message:
        """Ask for the server's copy of an item (answered by an ``item_retrieved`` event)."""
        ...

    def mcp_approval(self, approval_id: str, approve: bool, reason: str | None = None) -> Message:
        """Answer the MCP approval request ``approval_id``."""
        ...
