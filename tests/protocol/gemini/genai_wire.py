"""Check Gemini Live wire messages against the official ``google-genai`` package (test-only).

- :func:`validate_client`: a client message is a text frame of JSON with exactly one top-level
  field (and one ``realtimeInput`` member), and validates strictly (unknown fields rejected)
  as ``LiveClientMessage``. ``setup.realtimeInputConfig`` is checked on its own as
  ``RealtimeInputConfig``, because the SDK's ``LiveClientSetup`` lacks that field although the
  SDK itself sends it.
- :func:`validate_server`: a server message passes the SDK's own receive conversion without
  losing a top-level field, and the result validates strictly as ``LiveServerMessage``.
- :func:`sdk_sends`: what the SDK itself puts on the wire for the same content (through its
  real sender, against a fake socket), normalised for comparison with ours.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import copy
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest

genai = pytest.importorskip("google.genai")

from google.genai import _live_converters as converters  # noqa: E402
from google.genai import live, types  # noqa: E402
from pydantic import alias_generators  # noqa: E402

__all__ = ["normalise", "sdk_sends", "sdk_setup", "validate_client", "validate_server"]

_USER_DATA = {"args", "response", "labels"}  # subtrees whose keys are the user's, not the SDK's
_USER_KEYS = {"properties"}  # maps whose keys are the user's but whose values are schemas


def validate_client(frame: str | bytes) -> dict[str, Any]:
    """Parse and strictly validate one client message; return it (``AssertionError`` if bad)."""
    assert isinstance(frame, str), "the client must send text frames"
    raw = orjson.loads(frame)
    assert isinstance(raw, dict) and len(raw) == 1, f"one top-level field expected: {raw}"
    kind = next(iter(raw))
    if kind == "realtimeInput":
        assert len(raw[kind]) == 1, f"realtimeInput must carry one member: {raw}"
    strict = copy.deepcopy(raw)
    if kind == "setup":
        config = strict["setup"].pop("realtimeInputConfig", None)
        if config is not None:
            types.RealtimeInputConfig.model_validate(config)
    types.LiveClientMessage.model_validate(strict)
    return raw


def validate_server(message: dict[str, Any]) -> types.LiveServerMessage:
    """Validate one server message as the SDK receives it (nothing dropped, strict types)."""
    converted = converters._LiveServerMessage_from_mldev(copy.deepcopy(message))
    assert len(converted) == len(message), f"the SDK drops a top-level field of {sorted(message)}"
    return types.LiveServerMessage.model_validate(converted)


def normalise(obj: Any, user_keys: bool = False) -> Any:
    """camelCase every protocol key and decode base64 blobs (user data left alone)."""
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        blob = "mimeType" in obj or "mime_type" in obj
        for key, value in obj.items():
            name = key if user_keys else alias_generators.to_camel(key)
            if name in _USER_DATA:
                out[name] = value
            elif name == "data" and blob and isinstance(value, str):
                out[name] = base64.b64decode(value.replace("-", "+").replace("_", "/"))
            else:
                out[name] = normalise(value, name in _USER_KEYS)
        return out
    if isinstance(obj, list):
        return [normalise(item) for item in obj]
    return obj


class _FakeSocket:
    def __init__(self, frames: list[bytes]) -> None:
        self.frames = frames
        self.sent: list[str] = []

    async def recv(self, decode: bool | None = None) -> bytes:
        return self.frames.pop(0)

    async def send(self, message: str) -> None:
        self.sent.append(message)

    async def close(self) -> None:
        pass


_CLIENT = genai.Client(api_key="test-key")


def sdk_sends(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """The message the SDK sends for ``{kind: body}`` (``realtimeInput``/``toolResponse``)."""

    async def run() -> str:
        socket = _FakeSocket([])
        session = live.AsyncSession(api_client=_CLIENT._api_client, websocket=socket)
        if kind == "realtimeInput":
            parsed = types.LiveClientRealtimeInput.model_validate(body)
            (field,) = [n for n in type(parsed).model_fields if getattr(parsed, n) is not None]
            await session.send_realtime_input(**{field: getattr(parsed, field)})
        elif kind == "toolResponse":
            parsed_response = types.LiveClientToolResponse.model_validate(body)
            await session.send_tool_response(function_responses=parsed_response.function_responses)
        elif kind == "clientContent":
            content = types.LiveClientContent.model_validate(body)
            await session.send_client_content(
                turns=content.turns or [], turn_complete=bool(content.turn_complete)
            )
        else:
            raise AssertionError(f"no SDK sender for {kind}")
        return socket.sent[0]

    return normalise(orjson.loads(asyncio.run(run())))


def sdk_setup(setup: dict[str, Any]) -> dict[str, Any]:
    """The ``setup`` the SDK's ``live.connect`` sends for the same configuration."""
    config: dict[str, Any] = {}
    for key, value in setup.items():
        if key == "generationConfig":
            config.update(value)  # LiveConnectConfig flattens the generation settings
        elif key != "model":
            config[key] = value
    connect_config = types.LiveConnectConfig.model_validate(copy.deepcopy(config))
    socket = _FakeSocket([b'{"setupComplete": {}}'])

    @contextlib.asynccontextmanager
    async def fake_connect(uri: str, **_: Any) -> AsyncIterator[_FakeSocket]:
        yield socket

    async def run() -> None:
        async with _CLIENT.aio.live.connect(model=setup["model"], config=connect_config):
            pass

    original = live.ws_connect
    live.ws_connect = fake_connect
    try:
        asyncio.run(run())
    finally:
        live.ws_connect = original
    sent = normalise(orjson.loads(socket.sent[0]))["setup"]
    instruction = sent.get("systemInstruction")
    if isinstance(instruction, dict):
        instruction.pop("role", None)  # the SDK adds role "user"; the server ignores it
    return dict(sent)
