"""Validate wire JSON against the official ``openai`` SDK's Realtime event types.

Reusable by any test: :func:`server_event_problems` / :func:`assert_valid_server_event` for
server -> client frames, :func:`client_event_problems` / :func:`assert_valid_client_event` for
client -> server frames. Each frame is validated with a pydantic ``TypeAdapter`` over the SDK's
discriminated union, then every parsed model is walked for fields the SDK does not declare (the
SDK models allow extras, so typos would otherwise pass). Only fields seen on the live GA wire are
tolerated: ``obfuscation`` anywhere, ``id`` / ``object`` / ``expires_at`` on the session object.
Audio payloads must be valid base64.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson
import pydantic
from pydantic import TypeAdapter

from tests.protocol.wire import CLIENT_ADAPTER, SERVER_ADAPTER, SERVER_EXTRAS, undeclared_fields

SERVER = SERVER_ADAPTER
CLIENT = CLIENT_ADAPTER


def _audio_payloads(raw: dict[str, Any]) -> list[Any]:
    kind = raw.get("type")
    if kind in ("response.output_audio.delta",):
        return [raw.get("delta")]
    if kind == "input_audio_buffer.append":
        return [raw.get("audio")]
    if kind == "conversation.item.retrieved":
        return [p["audio"] for p in raw.get("item", {}).get("content", ()) if "audio" in p]
    return []


def _problems(adapter: TypeAdapter[Any], frame: str | bytes | dict[str, Any]) -> list[str]:
    try:
        raw = frame if isinstance(frame, dict) else orjson.loads(frame)
    except orjson.JSONDecodeError as exc:
        return [f"not JSON: {exc}"]
    if not isinstance(raw, dict):
        return ["not a JSON object"]
    kind = raw.get("type")
    try:
        model = adapter.validate_python(raw)
    except pydantic.ValidationError as exc:
        return [
            f"{kind}: {'.'.join(str(x) for x in err['loc'][1:]) or '$'}: {err['msg']}"
            for err in exc.errors()
        ]
    allowed = SERVER_EXTRAS if adapter is SERVER else {}
    problems = [f"{kind}: {extra}" for extra in undeclared_fields(model, allowed)]
    for payload in _audio_payloads(raw):
        try:
            base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError, TypeError) as exc:
            problems.append(f"{kind}: bad base64 audio: {exc}")
    return problems


def server_event_problems(frame: str | bytes | dict[str, Any]) -> list[str]:
    """Why ``frame`` is not a valid server event per the SDK (empty list: valid)."""
    return _problems(SERVER, frame)


def client_event_problems(frame: str | bytes | dict[str, Any]) -> list[str]:
    """Why ``frame`` is not a valid client event per the SDK (empty list: valid)."""
    return _problems(CLIENT, frame)


def assert_valid_server_event(frame: str | bytes | dict[str, Any]) -> None:
    problems = server_event_problems(frame)
    assert not problems, problems


def assert_valid_client_event(frame: str | bytes | dict[str, Any]) -> None:
    problems = client_event_problems(frame)
    assert not problems, problems
