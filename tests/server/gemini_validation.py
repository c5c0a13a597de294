"""Validate Gemini Live wire JSON against the official ``google-genai`` types, strictly.

Server messages (:func:`server_message_problems`): the frame must be binary UTF-8 JSON; the
SDK's own converter must keep every top-level key (it silently drops unknown ones); the result
must validate as ``LiveServerMessage`` (the SDK models forbid unknown fields, so a misspelled
nested field fails) both from Python and from JSON (where ``bytes`` fields are base64-decoded);
output audio must be ``audio/pcm;rate=24000`` PCM16 (an even number of bytes).

Client messages (:func:`client_message_problems`): exactly one top-level field, validating as
``LiveClientMessage`` (``setup.realtimeInputConfig`` separately as ``RealtimeInputConfig``: the
SDK puts it on the wire but its ``LiveClientSetup`` model lacks it).
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
from typing import Any

import pydantic
import pytest

genai_types = pytest.importorskip("google.genai.types")
converters = pytest.importorskip("google.genai._live_converters")


def _blobs(value: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(value, dict):
        if "mimeType" in value and "data" in value:
            found.append(value)
        for child in value.values():
            found += _blobs(child)
    elif isinstance(value, list):
        for child in value:
            found += _blobs(child)
    return found


def server_message_problems(frame: str | bytes) -> list[str]:
    """Why ``frame`` is not a valid Gemini server message (empty list: valid)."""
    if not isinstance(frame, bytes):
        return ["the service sends every message as a binary frame"]
    try:
        raw = json.loads(frame)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return [f"not JSON: {exc}"]
    if not isinstance(raw, dict) or not raw:
        return ["not a non-empty JSON object"]
    converted = converters._LiveServerMessage_from_mldev(copy.deepcopy(raw))
    if len(converted) != len(raw):
        return [f"top-level key(s) unknown to the SDK: {sorted(raw)}"]
    problems = []
    for validate in (
        lambda: genai_types.LiveServerMessage.model_validate(copy.deepcopy(converted)),
        lambda: genai_types.LiveServerMessage.model_validate_json(json.dumps(converted)),
    ):
        try:
            validate()
        except pydantic.ValidationError as exc:
            problems += [
                f"{'.'.join(str(x) for x in err['loc'])}: {err['msg']}" for err in exc.errors()
            ]
            break
    for blob in _blobs(raw):
        if blob["mimeType"] != "audio/pcm;rate=24000":
            problems.append(f"output audio mimeType {blob['mimeType']!r}")
        try:
            data = base64.b64decode(blob["data"], validate=True)
        except (binascii.Error, ValueError) as exc:
            problems.append(f"bad base64: {exc}")
            continue
        if len(data) % 2:
            problems.append("PCM16 audio with an odd number of bytes")
    return problems


def assert_valid_server_message(frame: str | bytes) -> None:
    problems = server_message_problems(frame)
    assert not problems, problems


def client_message_problems(message: dict[str, Any]) -> list[str]:
    """Why ``message`` is not a valid Gemini client message (empty list: valid)."""
    if len(message) != 1:
        return [f"a client message carries exactly one field, not {sorted(message)}"]
    strict = copy.deepcopy(message)
    setup = strict.get("setup")
    try:
        if isinstance(setup, dict) and "realtimeInputConfig" in setup:
            genai_types.RealtimeInputConfig.model_validate(setup.pop("realtimeInputConfig"))
        genai_types.LiveClientMessage.model_validate(strict)
    except pydantic.ValidationError as exc:
        return [f"{'.'.join(str(x) for x in err['loc'])}: {err['msg']}" for err in exc.errors()]
    return []


def assert_valid_client_message(message: dict[str, Any]) -> None:
    problems = client_message_problems(message)
    assert not problems, problems
