"""Validate wire JSON against the official ``openai`` SDK types (a test-only dependency).

The SDK's pydantic models accept undeclared fields (``extra="allow"``), so a typo or a beta field
name would pass plain validation; :func:`undeclared_fields` walks the parsed model and reports every
field the SDK does not declare. Client events we send must have none; server frames may carry the
few extras seen on the live wire (:data:`SERVER_EXTRAS`).

Reusable by any test: ``validate_client_event(text)`` / ``validate_server_event(text)`` return the
parsed SDK model or raise ``AssertionError`` explaining what is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import orjson
import pydantic
from openai.types.realtime import RealtimeClientEvent, RealtimeServerEvent
from pydantic import Field, TypeAdapter

__all__ = [
    "CLIENT_ADAPTER",
    "SERVER_ADAPTER",
    "SERVER_EXTRAS",
    "undeclared_fields",
    "validate_client_event",
    "validate_server_event",
]

CLIENT_ADAPTER: TypeAdapter[Any] = TypeAdapter(
    Annotated[RealtimeClientEvent, Field(discriminator="type")]
)
SERVER_ADAPTER: TypeAdapter[Any] = TypeAdapter(
    Annotated[RealtimeServerEvent, Field(discriminator="type")]
)

#: Undeclared fields tolerated on server frames: field name -> SDK model names ("*" = any).
SERVER_EXTRAS: Mapping[str, frozenset[str]] = {
    "obfuscation": frozenset({"*"}),
    "id": frozenset({"RealtimeSessionCreateRequest"}),
    "object": frozenset({"RealtimeSessionCreateRequest"}),
    "expires_at": frozenset({"RealtimeSessionCreateRequest"}),
}


def undeclared_fields(
    obj: Any, allowed: Mapping[str, frozenset[str]] | None = None, path: str = "$"
) -> list[str]:
    """Every field of the parsed SDK model tree ``obj`` that its model does not declare."""
    allowed = allowed or {}
    found: list[str] = []
    if isinstance(obj, pydantic.BaseModel):
        cls = type(obj).__name__
        for key in obj.__pydantic_extra__ or {}:
            ok = allowed.get(key, frozenset())
            if "*" not in ok and cls not in ok:
                found.append(f"{path}.{key} (undeclared on {cls})")
        for name in type(obj).model_fields:
            found += undeclared_fields(getattr(obj, name), allowed, f"{path}.{name}")
    elif isinstance(obj, (list, tuple)):
        for i, value in enumerate(obj):
            found += undeclared_fields(value, allowed, f"{path}[{i}]")
    elif isinstance(obj, dict):
        for key, value in obj.items():
            found += undeclared_fields(value, allowed, f"{path}.{key}")
    return found


def _validate(
    adapter: TypeAdapter[Any], frame: str | bytes | Mapping[str, Any], allowed: Mapping[str, Any]
) -> Any:
    raw = orjson.loads(frame) if isinstance(frame, (str, bytes)) else dict(frame)
    assert isinstance(raw, dict), f"a wire event must be a JSON object, got {raw!r}"
    try:
        model = adapter.validate_python(raw)
    except pydantic.ValidationError as exc:
        raise AssertionError(f"{raw.get('type')!r} does not validate: {exc}\n{raw!r}") from None
    extras = undeclared_fields(model, allowed)
    assert not extras, f"{raw.get('type')!r} has undeclared fields {extras}: {raw!r}"
    return model


def validate_client_event(frame: str | bytes | Mapping[str, Any]) -> Any:
    """Parse one client event with the SDK's ``RealtimeClientEvent`` union; no undeclared fields.

    A ``session.update`` must also carry a realtime session (``session.type == "realtime"``).
    """
    model = _validate(CLIENT_ADAPTER, frame, {})
    if model.type == "session.update":
        kind = type(model.session).__name__
        assert kind == "RealtimeSessionCreateRequest", f"session.update parsed as {kind}"
    return model


def validate_server_event(frame: str | bytes | Mapping[str, Any]) -> Any:
    """Parse one server event with the SDK's ``RealtimeServerEvent`` union (live-wire extras ok)."""
    return _validate(SERVER_ADAPTER, frame, SERVER_EXTRAS)
