"""The encoding half of the OpenAI Realtime codec: commands -> GA client events (JSON text).

Every event built here validates against the official SDK's client-event types (the test suite
checks it): ``session.type`` on every ``session.update``, nested audio settings, flat function
tools, no ``temperature``. Each event except ``input_audio_buffer.append`` carries a fresh
``event_id`` (``cli_1``, ``cli_2``, ...) so a server ``error`` can name the command it refers to.
"""

from __future__ import annotations

import binascii
import logging
from collections.abc import Sequence
from typing import Any

import orjson

from ..config import Config, ResponseOptions
from ..history import FunctionCallOutput, History, UserMessage
from . import _openai_items, _openai_session
from ._openai_shared import Shared

__all__ = ["OpenAIEncoder"]

log = logging.getLogger("trio_realtime.protocol")


class OpenAIEncoder:
    """Builds the client events of one connection (the encoding half of ``OpenAIProtocol``).

    ``shared`` is the state it shares with the decoder: a ``session.update`` puts its
    configuration in effect there, and ``response.create`` ids are remembered there.
    """

    def __init__(self, shared: Shared) -> None:
        self._shared = shared
        self._next_event = 0
        self._warned_temperature = False

    def _event_id(self) -> str:
        self._next_event += 1
        return f"cli_{self._next_event}"

    def _command(self, event_type: str, **fields: Any) -> str:
        return orjson.dumps({"type": event_type, "event_id": self._event_id(), **fields}).decode()

    def session_update(self, config: Config, *, previous: Config | None = None) -> str:
        """``session.update`` for ``config``: in full, or only what changed since ``previous``.

        ``temperature`` does not exist in the GA API: it is dropped, with one warning per
        connection. The codec adopts ``config`` (its audio formats apply from now on).
        """
        if config.temperature is not None and not self._warned_temperature:
            self._warned_temperature = True
            log.warning(
                "OpenAI Realtime (GA) has no temperature setting; ignoring temperature=%s",
                config.temperature,
            )
        if previous is None:
            session = _openai_session.session_payload(config)
        else:
            session = _openai_session.session_diff(previous, config)
        self._shared.config = config
        return self._command("session.update", session=session)

    def append_audio(self, pcm: bytes) -> str:
        """``input_audio_buffer.append`` of PCM16 at the input rate (G.711 when configured)."""
        transcode = self._shared.encode_audio
        if transcode is not None:
            pcm = transcode(pcm)
        return (
            '{"type":"input_audio_buffer.append","audio":"'
            + binascii.b2a_base64(pcm, newline=False).decode("ascii")
            + '"}'
        )

    def commit_audio(self) -> str:
        """``input_audio_buffer.commit``."""
        return self._command("input_audio_buffer.commit")

    def clear_audio(self) -> str:
        """``input_audio_buffer.clear``."""
        return self._command("input_audio_buffer.clear")

    def user_text(self, text: str) -> str:
        """``conversation.item.create`` with a user text message."""
        content = [{"type": "input_text", "text": text}]
        item = {"type": "message", "role": "user", "content": content}
        return self._command("conversation.item.create", item=item)

    def tool_output(self, call_id: str, output: str) -> str:
        """``conversation.item.create`` with a ``function_call_output`` item."""
        item = {"type": "function_call_output", "call_id": call_id, "output": output}
        return self._command("conversation.item.create", item=item)

    def tool_outputs(self, outputs: Sequence[tuple[str, str]]) -> list[str]:
        """One ``function_call_output`` item per ``(call_id, output)``, in order."""
        return [self.tool_output(call_id, output) for call_id, output in outputs]

    def history_items(self, history: History) -> tuple[list[str], bool]:
        """``conversation.item.create`` for each item of ``history``, and whether all of it
        could be sent (a spoken turn without a transcript cannot)."""
        messages: list[str] = []
        complete = history.complete
        for item in history.items:
            if isinstance(item, UserMessage):
                if item.text is None:
                    complete = False
                    continue
                messages.append(self.user_text(item.text))
            elif isinstance(item, FunctionCallOutput):
                messages.append(self.tool_output(item.call_id, item.output))
            else:  # assistant messages, function calls, MCP calls (with their item id)
                wire = _openai_items.history_item(item)
                messages.append(self._command("conversation.item.create", item=wire))
        return messages, complete

    def truncate(self, item_id: str, audio_end_ms: int) -> str:
        """``conversation.item.truncate`` of content 0 at ``audio_end_ms``."""
        return self._command(
            "conversation.item.truncate",
            item_id=item_id,
            content_index=0,
            audio_end_ms=int(audio_end_ms),
        )

    def delete_item(self, item_id: str) -> str:
        """``conversation.item.delete``."""
        return self._command("conversation.item.delete", item_id=item_id)

    def create_response(self, options: ResponseOptions | None = None) -> str:
        """``response.create``, with per-response overrides when given.

        Its ``event_id`` is remembered (the last few), so a server ``error`` naming it decodes to
        a ``ResponseRejected`` signal.
        """
        event: dict[str, Any] = {"type": "response.create", "event_id": self._event_id()}
        self._shared.pending_creates.append(event["event_id"])
        if options is not None:
            payload = _openai_session.response_payload(options, self._shared.config)
            if payload:
                event["response"] = payload
            if options.out_of_band:  # the turn machine never waits for it: nothing to match
                self._shared.pending_creates.pop()
        return orjson.dumps(event).decode()

    def cancel_response(self, response_id: str | None = None) -> str:
        """``response.cancel`` (of ``response_id``, or of whatever response is active)."""
        if response_id is None:
            return self._command("response.cancel")
        return self._command("response.cancel", response_id=response_id)

    # -- conversation items -----------------------------------------------------------------

    def add_item(self, item: object, previous_item_id: str | None = None) -> str:
        """``conversation.item.create`` of ``item`` (see :mod:`._openai_items`), appended or
        inserted after ``previous_item_id`` (``"root"``: first)."""
        fields: dict[str, Any] = {"item": _openai_items.conversation_item(item)}
        if previous_item_id is not None:
            fields["previous_item_id"] = previous_item_id
        return self._command("conversation.item.create", **fields)

    def retrieve_item(self, item_id: str) -> str:
        """``conversation.item.retrieve``; its ``event_id`` is remembered so that an ``error``
        naming it decodes to a failed retrieval."""
        event_id = self._event_id()
        self._shared.remember_retrieve(event_id, item_id)
        event = {"type": "conversation.item.retrieve", "event_id": event_id, "item_id": item_id}
        return orjson.dumps(event).decode()

    def mcp_approval(self, approval_id: str, approve: bool, reason: str | None = None) -> str:
        """``conversation.item.create`` of an ``mcp_approval_response``."""
        item = _openai_items.approval_item(approval_id, approve, reason)
        return self._command("conversation.item.create", item=item)
