"""Session commands that edit the conversation: items, images, MCP approvals.

:class:`ConversationEditor` is a collaborator of :class:`~trio_realtime.RealtimeSession` (whose
methods of the same names delegate to it). It queues through the session runtime
(``SessionRuntime.queue``), so these commands share its cancellation rules: a command cancelled
before its message was queued did nothing; once queued, it goes out. They need a provider with a
server-side conversation the client can edit (OpenAI Realtime); elsewhere they raise
:class:`~trio_realtime.protocol.UnsupportedCommand` before anything is sent.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

import trio

from ._extra_events import ItemRetrieved
from ._fanout import Subscription
from ._lanes import Lane
from .items import InputImage, mime_for_suffix
from .protocol import UnsupportedCommand
from .protocol._items_codec import ItemCodec

if TYPE_CHECKING:
    from ._runtime import SessionRuntime

__all__ = ["ConversationEditor", "Image"]

Detail = Literal["auto", "low", "high"]


Image = bytes | str | os.PathLike[str] | InputImage
Subscribe = Callable[..., Subscription]
Queue = Callable[..., Awaitable[None]]


class ConversationEditor:
    """Conversation editing for a session (module docstring).

    ``runtime`` is the session's runtime; ``queue`` the session's way to queue a message
    (waiting for room, then encoding), ``turn_lane`` where a turn message goes, ``subscribe``
    the session's ``subscribe`` (answers to ``retrieve_item`` arrive as events).
    """

    def __init__(
        self,
        runtime: SessionRuntime,
        *,
        queue: Queue,
        turn_lane: Callable[[], Lane],
        subscribe: Subscribe,
    ) -> None:
        self._rt = runtime
        self._queue = queue
        self._turn_lane = turn_lane
        self._subscribe = subscribe

    def _item_codec(self, what: str) -> ItemCodec:
        """The session's codec (at the moment of the call: a reconnect may replace it)."""
        self._rt.check_open()
        codec = self._rt.codec
        if not isinstance(codec, ItemCodec):
            raise UnsupportedCommand(f"{codec.provider} cannot {what}")
        return codec

    def _respond(self) -> None:
        rt = self._rt
        rt.apply(rt.machine.request_response(None), self._turn_lane())

    async def add_item(self, item: object, *, previous_item_id: str | None = None) -> None:
        """Add ``item`` to the conversation: a history item (user or assistant message,
        function call or output), a ``trio_realtime.items`` value (``SystemMessage``,
        ``InputImage``) or a mapping in the provider's wire shape.

        It is appended, or inserted after ``previous_item_id`` (``"root"``: at the start). No
        response is requested. ``TypeError``/``ValueError`` for an item that cannot be sent
        (nothing is sent); the server reports a rejected item as an ``error`` event.
        """
        what = "edit the conversation"
        self._item_codec(what).add_item(item, previous_item_id)  # check it before waiting
        await self._queue(
            "control", lambda: self._item_codec(what).add_item(item, previous_item_id)
        )
        await trio.lowlevel.cancel_shielded_checkpoint()

    async def delete_item(self, item_id: str) -> None:
        """Remove item ``item_id`` from the conversation (the server confirms nothing we
        publish; an unknown id comes back as an ``error`` event)."""
        self._item_codec("edit the conversation")
        await self._queue("control", lambda: self._rt.codec.delete_item(item_id))
        await trio.lowlevel.cancel_shielded_checkpoint()

    async def retrieve_item(self, item_id: str, *, timeout: float = 10.0) -> Mapping[str, Any]:
        """The server's copy of item ``item_id``, in the provider's wire shape (audio parts
        carry their base64 ``audio``, after the server's noise reduction).

        The answer is also published as an ``item_retrieved`` event. Raises ``ValueError``
        when the server refuses (e.g. no such item), ``trio.TooSlowError`` when it does not
        answer within ``timeout`` seconds. Cancellation: if cancelled before the request was
        queued nothing was sent; later, the answer still comes as an event.
        """
        what = "retrieve conversation items"
        self._item_codec(what)
        subscription = self._subscribe(kinds=["item_retrieved"], buffer=16, overflow="drop_oldest")
        with subscription as sub:
            await self._queue("control", lambda: self._item_codec(what).retrieve_item(item_id))
            with trio.fail_after(timeout):
                async for event in sub:
                    assert isinstance(event, ItemRetrieved)
                    if event.item_id != item_id:
                        continue
                    if event.item is None:
                        raise ValueError(f"cannot retrieve item {item_id!r}: {event.error}")
                    return event.item
        raise self._rt.closed_error()

    async def send_image(
        self,
        image: Image,
        *,
        mime: str | None = None,
        detail: Detail | None = None,
        text: str | None = None,
        respond: bool = False,
    ) -> None:
        """Show the model an image: a user message with an ``input_image`` part (after
        ``text``, when given).

        ``image`` is PNG or JPEG bytes, a path to such a file (read without blocking the
        event loop), or an :class:`~trio_realtime.items.InputImage`; ``mime`` None finds the
        type from the data. ``respond=True`` also requests a response (else the image waits
        for the user's next turn). ``ValueError``/``TypeError`` for an image that cannot be
        sent (nothing is sent); ``OSError`` when the file cannot be read.
        """
        what = "take images"
        self._item_codec(what)
        if isinstance(image, (str, os.PathLike)):
            path = trio.Path(image)
            data = await path.read_bytes()
            image = InputImage.from_bytes(
                data, mime=mime or mime_for_suffix(path.suffix), detail=detail
            )
        elif not isinstance(image, InputImage):
            image = InputImage.from_bytes(image, mime=mime, detail=detail)
        await self._queue("control", lambda: self._item_codec(what).add_image(image, text))
        if respond:
            self._respond()
        await trio.lowlevel.cancel_shielded_checkpoint()

    async def answer_approval(
        self, approval_id: str, approve: bool, reason: str | None, respond: bool
    ) -> None:
        """Answer an MCP approval request (``approve``), then request a response if
        ``respond``."""
        what = "answer MCP approval requests"
        self._item_codec(what)
        await self._queue(
            "control", lambda: self._item_codec(what).mcp_approval(approval_id, approve, reason)
        )
        if respond:
            self._respond()
        await trio.lowlevel.cancel_shielded_checkpoint()
