"""Bad setups and bad messages close the Gemini connection the way the service does (code and
reason), and the API key is checked with Google's HTTP answers."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
import trio
import trio.testing
from trio_websocket import ConnectionRejected, open_websocket_url

from trio_realtime.server import Pacing, gemini_url

from .gemini_client import MODEL, close_after, connect_gemini, setup_message

INVALID = (1007, "Request contains an invalid argument.")


def unknown(name: str, at: str | None) -> tuple[int, str]:
    where = f" at '{at}'" if at else ""
    return 1007, f'Invalid JSON payload received. Unknown name "{name}"{where}: Cannot find field.'


SETUP_CASES = [
    pytest.param({"setup": {"model": MODEL, "voice": "x"}}, unknown("voice", "setup"), id="field"),
    pytest.param(
        setup_message(generationConfig={"temprature": 1}),
        unknown("temprature", "setup.generation_config"),
        id="nested-field",
    ),
    pytest.param(
        setup_message(generationConfig={"temperature": "hot"}),
        (1007, "Invalid value at 'setup.generation_config.temperature' (TYPE_FLOAT), \"hot\""),
        id="type",
    ),
    pytest.param(
        setup_message(generationConfig={"responseModalities": ["SPEECH"]}),
        (
            1007,
            "Invalid value at 'setup.generation_config.response_modalities[0]' (TYPE_ENUM), "
            '"SPEECH"',
        ),
        id="enum",
    ),
    pytest.param(
        setup_message(generationConfig={"responseModalities": ["TEXT", "AUDIO"]}),
        INVALID,
        id="two-modalities",
    ),
    pytest.param({"setup": {}}, INVALID, id="no-model"),
    pytest.param(
        setup_message(sessionResumption={"handle": None}),
        (1007, "Invalid value at 'setup.session_resumption.handle' (TYPE_STRING), null"),
        id="null-handle",
    ),
    pytest.param(setup_message(sessionResumption={"handle": "nope"}), INVALID, id="bad-handle"),
    pytest.param(
        setup_message(tools=[{"googleSearch": {}}]),
        (1008, "Operation is not implemented, or supported, or enabled."),
        id="unsupported-tool",
    ),
    pytest.param({"realtimeInput": {"text": "hi"}}, INVALID, id="setup-not-first"),
    pytest.param(
        {"setup": {"model": MODEL}, "realtimeInput": {"text": "hi"}},
        (
            1007,
            "Invalid JSON payload received. Oneof field 'message_type' is already set. "
            "Cannot set 'realtimeInput'",
        ),
        id="two-fields",
    ),
    pytest.param({}, INVALID, id="empty"),
    pytest.param(
        "{not json", (1007, "Invalid JSON payload received. Unexpected token."), id="json"
    ),
]


@pytest.mark.parametrize(("frame", "expected"), SETUP_CASES)
async def test_a_bad_setup_closes_like_the_service(
    start_server: Any, frame: Any, expected: tuple[int, str]
) -> None:
    url = await start_server(pacing=Pacing.instant())
    with trio.fail_after(10):
        assert await close_after(url, frame) == expected


async def test_a_retired_model_is_not_found(start_server: Any) -> None:
    url = await start_server()
    setup = {"setup": {"model": "models/gemini-2.0-flash-live-001"}}
    with trio.fail_after(10):
        code, reason = await close_after(url, setup, version="v1alpha")
    assert code == 1008
    assert reason is not None and len(reason.encode()) == 123  # cut like the service's
    assert reason.startswith(
        "models/gemini-2.0-flash-live-001 is not found for API version v1alpha, or is not "
        "supported for bidiGenerateContent."
    )


AFTER_SETUP = [
    pytest.param({"setup": {"model": MODEL}}, INVALID, id="second-setup"),
    pytest.param({"clientContent": {"turns": [{"parts": [{"text": "hi"}]}]}}, INVALID, id="role"),
    pytest.param(
        {"clientContent": {"turns": [{"role": "system", "parts": [{"text": "hi"}]}]}},
        INVALID,
        id="system-role",
    ),
    pytest.param(
        {"toolResponse": {"functionResponses": [{"name": "f", "response": {}}]}},
        INVALID,
        id="response-without-id",
    ),
    pytest.param(
        {"toolResponse": {"functionResponses": [{"id": "x", "name": "f", "response": {}}]}},
        INVALID,
        id="response-to-no-call",
    ),
    pytest.param({"realtimeInput": {"activityStart": {}}}, INVALID, id="activity-with-auto-vad"),
    pytest.param(
        {"realtimeInput": {"audio": {"mimeType": "audio/pcm;rate=16000", "data": "%%%"}}},
        (
            1007,
            "Invalid value at 'realtime_input.audio.data' (TYPE_BYTES), "
            'Base64 decoding failed for "%%%"',
        ),
        id="base64",
    ),
    pytest.param(
        {"realtimeInput": {"audio": {"mimeType": "audio/ogg", "data": "AAAA"}}},
        INVALID,
        id="not-pcm",
    ),
    pytest.param(
        {"realtimeInput": {"audio": {"mimeType": "audio/pcm", "data": "AAAA"}}},
        INVALID,
        id="odd-pcm16",
    ),
    pytest.param({"realtimeInput": {"txt": "hi"}}, unknown("txt", "realtime_input"), id="name"),
]


@pytest.mark.parametrize(("frame", "expected"), AFTER_SETUP)
async def test_a_bad_message_closes_like_the_service(
    start_server: Any, frame: Any, expected: tuple[int, str]
) -> None:
    url = await start_server(pacing=Pacing.instant())
    with trio.fail_after(10):
        async with connect_gemini(url) as client:
            await client.send_raw(orjson.dumps(frame))  # binary frames are accepted too
            assert await client.closed() == expected


async def test_snake_case_spellings_are_accepted(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    """The SDK itself mixes spellings (``realtime_input``, ``mime_type``, ``turn_complete``)."""
    url = await start_server(pacing=Pacing.instant())
    setup = {"setup": {"model": MODEL, "generation_config": {"response_modalities": ["TEXT"]}}}
    with trio.fail_after(10):
        async with connect_gemini(url, setup=setup) as client:
            turns = [{"role": "user", "parts": [{"text": "Hello"}]}]
            await client.send({"client_content": {"turns": turns, "turn_complete": True}})
            turn = await client.turn()
            blob = {"mime_type": "audio/pcm;rate=16000", "data": "AAAAAA=="}
            await client.send({"realtime_input": {"audio": blob}})
            assert await client.nothing_pending(5)  # accepted: no close
    texts = [p["text"] for m in turn if "modelTurn" in m["serverContent"]
             for p in m["serverContent"]["modelTurn"]["parts"]]  # fmt: skip
    assert "".join(texts) == "Hello! How can I help you today?"


KEY = "AIza-local-test-key"


async def _rejection(url: str, *, query: str = "", headers: dict[str, str] | None = None) -> Any:
    extra = [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    with pytest.raises(ConnectionRejected) as refused:
        async with open_websocket_url(gemini_url(url) + query, extra_headers=extra):
            pass
    return refused.value


async def test_the_api_key_is_checked_like_google(start_server: Any) -> None:
    url = await start_server(pacing=Pacing.instant(), require_api_key=KEY)
    with trio.fail_after(10):
        missing = await _rejection(url)
        wrong = await _rejection(url, headers={"x-goog-api-key": "AIza-wrong"})
        wrong_query = await _rejection(url, query="?key=AIza-wrong")
        async with connect_gemini(url, headers=[("x-goog-api-key", KEY)]):
            pass
        async with connect_gemini(url, query=f"?key={KEY}"):
            pass
    assert missing.status_code == 403
    assert orjson.loads(missing.body)["error"] == {
        "code": 403,
        "message": "Method doesn't allow unregistered callers (callers without established "
        "identity). Please use API Key or other form of API consumer identity to call this API.",
        "status": "PERMISSION_DENIED",
    }
    for refused in (wrong, wrong_query):
        assert refused.status_code == 400
        error = orjson.loads(refused.body)["error"]
        assert error["status"] == "INVALID_ARGUMENT"
        assert error["message"] == "API key not valid. Please pass a valid API key."
        assert error["details"][0]["reason"] == "API_KEY_INVALID"
        assert b"AIza-wrong" not in refused.body


async def test_every_api_version_is_served_and_others_are_not(start_server: Any) -> None:
    url = await start_server(pacing=Pacing.instant())
    with trio.fail_after(10):
        for version in ("v1beta", "v1alpha", "v1"):
            async with connect_gemini(url, version=version) as client:
                await client.text("Hi")
                await client.turn()
        with pytest.raises(ConnectionRejected) as refused:
            async with open_websocket_url(gemini_url(url, "v2")):
                pass
    assert refused.value.status_code == 404
