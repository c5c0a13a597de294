"""OpenAI's transcription and speech over HTTP, against httpx.MockTransport, compared with what
the official ``openai`` package sends."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import openai.types.audio
import pytest
import trio
import trio.testing

import trio_realtime as rt
from trio_realtime import pipeline as vp
from trio_realtime.audio import read_wav

from .fakes import summary, tone
from .openai_ref import form_fields, json_body, sdk_request

KEY = "sk-test-0123456789abcdefSECRET"
PCM = tone(200, 24_000)
TRANSCRIPTION = {
    "text": "What's the weather in Paris?",
    "usage": {
        "type": "tokens",
        "input_tokens": 14,
        "input_token_details": {"text_tokens": 0, "audio_tokens": 14},
        "output_tokens": 9,
        "total_tokens": 23,
    },
}
RATE_LIMITED = {
    "error": {
        "message": "Rate limit reached for gpt-4o-mini-tts in organization org-abc on requests "
        "per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 2s.",
        "type": "requests",
        "param": None,
        "code": "rate_limit_exceeded",
    }
}


def unauthorized(key: str) -> dict[str, Any]:
    return {
        "error": {
            "message": f"Incorrect API key provided: {key}. You can find your API key at "
            "https://platform.openai.com/account/api-keys.",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        }
    }


Handler = Callable[[httpx.Request], Any]


def client(handler: Handler) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


class Recorder:
    """A MockTransport handler answering from a script, recording (time, request)."""

    def __init__(self, *responses: httpx.Response | Exception) -> None:
        self.responses = list(responses)
        self.requests: list[tuple[float, httpx.Request]] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self.requests.append((trio.current_time(), request))
        item = self.responses.pop(0)
        if isinstance(item, Exception):
            raise item
        return item


def test_realistic_fixtures_validate() -> None:
    openai.types.audio.Transcription.model_validate(TRANSCRIPTION)


async def test_transcription_request_matches_the_sdk(
    autojump_clock: trio.testing.MockClock,
) -> None:
    handler = Recorder(httpx.Response(200, json=TRANSCRIPTION))
    settings = vp.STTSettings(
        model="gpt-4o-mini-transcribe",
        language="en",
        prompt="weather",
        base_url="http://api.test/v1",
    )
    stt = vp.OpenAISTT(settings, api_key=KEY, http_client=client(handler))
    assert await stt.transcribe(PCM, 24_000) == "What's the weather in Paris?"
    [(_, request)] = handler.requests
    assert (
        request.method == "POST" and str(request.url) == "http://api.test/v1/audio/transcriptions"
    )
    assert request.headers["authorization"] == f"Bearer {KEY}"
    ours = form_fields(request.headers["content-type"], request.content)
    wav = ours.pop("file")
    reference = sdk_request(
        "transcription",
        model="gpt-4o-mini-transcribe",
        file=("audio.wav", wav[2], "audio/wav"),
        language="en",
        prompt="weather",
        response_format="json",
    )
    theirs = form_fields(reference.headers["content-type"], reference.content)
    assert theirs.pop("file") == wav
    assert ours == theirs
    audio = read_wav(wav[2])
    assert (audio.sample_rate, audio.pcm) == (24_000, PCM)


async def test_speech_streams_whole_samples(autojump_clock: trio.testing.MockClock) -> None:
    async def body() -> AsyncIterator[bytes]:
        for piece in (b"\x01", b"\x02\x03\x04\x05", b"", b"\x06"):
            yield piece

    handler = Recorder(httpx.Response(200, content=body()))
    settings = vp.TTSSettings(voice="nova", speed=1.25, instructions="Cheerful.")
    tts = vp.OpenAITTS(settings, api_key=KEY, http_client=client(handler))
    assert tts.sample_rate == 24_000
    chunks = [chunk async for chunk in tts.synthesize("Hello there.")]
    assert chunks == [b"\x01\x02\x03\x04", b"\x05\x06"]  # whole samples only
    [(_, request)] = handler.requests
    assert str(request.url) == "https://api.openai.com/v1/audio/speech"
    reference = sdk_request(
        "speech",
        model="gpt-4o-mini-tts",
        input="Hello there.",
        voice="nova",
        instructions="Cheerful.",
        response_format="pcm",
        speed=1.25,
    )
    assert json_body(request) == json_body(reference)
    plain = vp.OpenAITTS(api_key=KEY).request("Hi.")
    assert plain == {
        "model": "gpt-4o-mini-tts",
        "input": "Hi.",
        "voice": "alloy",
        "response_format": "pcm",
    }
    custom = vp.OpenAITTS(vp.TTSSettings(voice="voice_1234"), api_key=KEY).request("Hi.")
    assert custom["voice"] == {"id": "voice_1234"}


async def test_base_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://proxy.test/openai/v1/")
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    handler = Recorder(httpx.Response(200, json=TRANSCRIPTION))
    stt = vp.OpenAISTT(http_client=client(handler))
    await stt.transcribe(PCM, 24_000)
    request = handler.requests[0][1]
    assert str(request.url) == "http://proxy.test/openai/v1/audio/transcriptions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert KEY not in repr(stt) + repr(vp.OpenAITTS())


async def test_401_is_an_authentication_error_without_the_key(
    autojump_clock: trio.testing.MockClock,
) -> None:
    handler = Recorder(httpx.Response(401, json=unauthorized(KEY)))
    stt = vp.OpenAISTT(api_key=KEY, http_client=client(handler))
    with pytest.raises(vp.AuthenticationError) as info:
        await stt.transcribe(PCM, 24_000)
    error = info.value
    assert isinstance(error, rt.RealtimeError) and isinstance(error, vp.HTTPModelError)
    assert error.status == 401 and error.code == "invalid_api_key"
    assert "Incorrect API key provided" in str(error) and "HTTP 401" in str(error)
    assert KEY not in str(error) and "0123456789" not in str(error)
    assert len(handler.requests) == 1  # never retried


async def test_403_and_400_are_not_retried(autojump_clock: trio.testing.MockClock) -> None:
    forbidden = {
        "error": {
            "message": "Project does not have access to model gpt-4o-mini-tts",
            "type": "invalid_request_error",
            "param": None,
            "code": "model_not_found",
        }
    }
    handler = Recorder(
        httpx.Response(403, json=forbidden),
        httpx.Response(
            400,
            json={
                "error": {
                    "message": "Invalid voice",
                    "type": "invalid_request_error",
                    "param": "voice",
                    "code": None,
                }
            },
        ),
    )
    tts = vp.OpenAITTS(api_key=KEY, http_client=client(handler))
    with pytest.raises(vp.AuthenticationError, match="does not have access"):
        await anext(aiter(tts.synthesize("Hi.")))
    with pytest.raises(vp.BadRequestError, match="Invalid voice") as info:
        await anext(aiter(tts.synthesize("Hi.")))
    assert info.value.status == 400 and info.value.code == "invalid_request_error"
    assert len(handler.requests) == 2


async def test_429_honours_retry_after(autojump_clock: trio.testing.MockClock) -> None:
    handler = Recorder(
        httpx.Response(429, json=RATE_LIMITED, headers={"retry-after": "2"}),
        httpx.Response(
            429, json=RATE_LIMITED, headers={"retry-after-ms": "1500", "retry-after": "2"}
        ),
        httpx.Response(200, json=TRANSCRIPTION),
    )
    stt = vp.OpenAISTT(api_key=KEY, http_client=client(handler))
    assert await stt.transcribe(PCM, 24_000) == TRANSCRIPTION["text"]
    assert [t for t, _ in handler.requests] == [0, pytest.approx(2), pytest.approx(3.5)]


async def test_429_after_the_retries(autojump_clock: trio.testing.MockClock) -> None:
    limited = [
        httpx.Response(429, json=RATE_LIMITED, headers={"retry-after": "1"}) for _ in range(2)
    ]
    handler = Recorder(*limited)
    settings = vp.TTSSettings(max_retries=1)
    tts = vp.OpenAITTS(settings, api_key=KEY, http_client=client(handler))
    with pytest.raises(vp.RateLimitError, match="Rate limit reached") as info:
        await anext(aiter(tts.synthesize("Hi.")))
    assert info.value.retry_after == 1 and info.value.code == "rate_limit_exceeded"
    assert len(handler.requests) == 2


async def test_a_retry_after_beyond_a_minute_fails_at_once(
    autojump_clock: trio.testing.MockClock,
) -> None:
    handler = Recorder(httpx.Response(429, json=RATE_LIMITED, headers={"retry-after": "3600"}))
    stt = vp.OpenAISTT(api_key=KEY, http_client=client(handler))
    with pytest.raises(vp.RateLimitError):
        await stt.transcribe(PCM, 24_000)
    assert trio.current_time() == 0


async def test_5xx_backs_off_then_fails(autojump_clock: trio.testing.MockClock) -> None:
    boom = {
        "error": {
            "message": "The server had an error while processing your request.",
            "type": "server_error",
            "param": None,
            "code": None,
        }
    }
    handler = Recorder(*(httpx.Response(500, json=boom) for _ in range(3)))
    stt = vp.OpenAISTT(api_key=KEY, http_client=client(handler))
    with pytest.raises(vp.ServerError, match="HTTP 500") as info:
        await stt.transcribe(PCM, 24_000)
    assert info.value.status == 500
    times = [t for t, _ in handler.requests]
    assert len(times) == 3  # max_retries=2
    assert 0.375 <= times[1] <= 0.5 and 0.75 <= times[2] - times[1] <= 1.0  # backoff with jitter


async def test_5xx_then_success(autojump_clock: trio.testing.MockClock) -> None:
    handler = Recorder(
        httpx.Response(503, text="upstream unavailable"), httpx.Response(200, content=b"\x00\x00")
    )
    tts = vp.OpenAITTS(api_key=KEY, http_client=client(handler))
    assert [c async for c in tts.synthesize("Hi.")] == [b"\x00\x00"]


async def test_network_errors_and_timeouts(autojump_clock: trio.testing.MockClock) -> None:
    handler = Recorder(
        httpx.ConnectError("connection refused"),
        httpx.ReadTimeout("timed out"),
        httpx.ConnectError("connection refused"),
    )
    stt = vp.OpenAISTT(api_key=KEY, http_client=client(handler))
    with pytest.raises(
        vp.ConnectionFailedError, match="cannot reach https://api.openai.com/v1"
    ) as info:
        await stt.transcribe(PCM, 24_000)
    assert info.value.status is None and len(handler.requests) == 3
    handler = Recorder(httpx.ReadTimeout("timed out"), httpx.Response(200, json=TRANSCRIPTION))
    stt = vp.OpenAISTT(api_key=KEY, http_client=client(handler))
    assert await stt.transcribe(PCM, 24_000) == TRANSCRIPTION["text"]


async def test_a_stream_that_breaks_is_not_retried(autojump_clock: trio.testing.MockClock) -> None:
    async def body() -> AsyncIterator[bytes]:
        yield b"\x01\x00"
        raise httpx.ReadError("connection reset")

    handler = Recorder(httpx.Response(200, content=body()))
    tts = vp.OpenAITTS(api_key=KEY, http_client=client(handler))
    chunks = []
    with pytest.raises(vp.ConnectionFailedError, match="broke off"):
        async for chunk in tts.synthesize("Hi."):
            chunks.append(chunk)
    assert chunks == [b"\x01\x00"] and len(handler.requests) == 1


async def test_unexpected_answers(autojump_clock: trio.testing.MockClock) -> None:
    handler = Recorder(
        httpx.Response(200, text="<html>proxy</html>"), httpx.Response(200, json={"x": 1})
    )
    stt = vp.OpenAISTT(api_key=KEY, http_client=client(handler))
    with pytest.raises(vp.HTTPModelError, match="expected JSON"):
        await stt.transcribe(PCM, 24_000)
    with pytest.raises(vp.HTTPModelError, match="no 'text'"):
        await stt.transcribe(PCM, 24_000)


async def test_the_pipeline_over_http(autojump_clock: trio.testing.MockClock) -> None:
    async def speech() -> AsyncIterator[bytes]:
        yield b"\x01\x00\x02\x00"

    stt_handler = Recorder(httpx.Response(200, json=TRANSCRIPTION))
    tts_handler = Recorder(
        httpx.Response(401, json=unauthorized(KEY)), httpx.Response(200, content=speech())
    )
    pipe = vp.VoicePipeline(
        workflow=vp.SimpleWorkflow(lambda text: "It is sunny. Enjoy!"),
        stt=vp.OpenAISTT(api_key=KEY, http_client=client(stt_handler)),
        tts=vp.OpenAITTS(api_key=KEY, http_client=client(tts_handler)),
    )
    async with pipe.run(vp.AudioInput(PCM, sample_rate=24_000)) as result:
        events = [summary(e) async for e in result]
    assert events[:3] == [
        ("turn_started",),
        ("user", TRANSCRIPTION["text"]),
        ("assistant", "It is sunny."),
    ]
    assert events[3][:2] == ("error", "tts") and "AuthenticationError" in events[3][2]
    assert KEY not in events[3][2]
    assert events[4:] == [("assistant", "Enjoy!"), ("turn_ended",), ("session_ended",)]
