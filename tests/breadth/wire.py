"""Wire checks for the breadth tests: every client frame against the ``openai`` types.

:func:`check_client_frame` validates a client event with the SDK's ``RealtimeClientEvent``
union (no undeclared fields). In a ``response.create`` whose ``input`` holds
``item_reference`` entries (which the SDK types only in its *with references* params, not in
the model union), each reference is checked with ``ResponseItemReference`` and the rest of the
event as usual. :class:`ValidatingTransport` wraps a session's transport so that every frame
sent is checked that way and every frame received with the server union.
"""

from __future__ import annotations

import copy
from typing import Any

import orjson
from openai.types.realtime import ResponseItemReference

from tests.protocol.wire import undeclared_fields, validate_client_event
from tests.server.wire_validation import assert_valid_server_event
from trio_realtime.transport import CloseInfo, Transport, TransportStatistics

__all__ = ["ValidatingTransport", "check_client_frame", "frames_of"]


def _has_references(event: dict[str, Any]) -> bool:
    inputs = (event.get("response") or {}).get("input") or []
    return any(isinstance(i, dict) and i.get("type") == "item_reference" for i in inputs)


def check_client_frame(frame: str | bytes) -> dict[str, Any]:
    """Validate one client frame against the SDK; return it as data."""
    event: dict[str, Any] = orjson.loads(frame)
    if event.get("type") == "response.create" and _has_references(event):
        rest = copy.deepcopy(event)
        inputs = rest["response"]["input"]
        for reference in [i for i in inputs if i.get("type") == "item_reference"]:
            model = ResponseItemReference.model_validate(reference)
            assert not undeclared_fields(model), reference
        rest["response"]["input"] = [i for i in inputs if i.get("type") != "item_reference"]
        validate_client_event(rest)
    else:
        validate_client_event(frame)
    return event


class ValidatingTransport:
    """A transport that checks every frame both ways and records them (``sent``,
    ``received``, as data)."""

    def __init__(self, inner: Transport) -> None:
        self._inner = inner
        self.sent: list[dict[str, Any]] = []
        self.received: list[dict[str, Any]] = []

    @property
    def closed(self) -> CloseInfo | None:
        return self._inner.closed

    async def send_message(self, message: str | bytes) -> None:
        self.sent.append(check_client_frame(message))
        await self._inner.send_message(message)

    async def receive_message(self) -> str | bytes:
        message = await self._inner.receive_message()
        assert_valid_server_event(message)
        self.received.append(orjson.loads(message))
        return message

    async def aclose(self, code: int = 1000, reason: str = "") -> None:
        await self._inner.aclose(code, reason)

    def statistics(self) -> TransportStatistics:
        return self._inner.statistics()


def frames_of(transports: list[ValidatingTransport], type_: str) -> list[dict[str, Any]]:
    """Every frame of ``type_`` sent through ``transports``."""
    return [f for t in transports for f in t.sent if f.get("type") == type_]
