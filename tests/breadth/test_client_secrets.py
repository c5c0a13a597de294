"""Ephemeral client secrets: the request validated against the ``openai`` types, the answer
parsed, errors typed and free of keys (``httpx.MockTransport``)."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import orjson
import pytest
from openai.types.realtime import ClientSecretCreateResponse, RealtimeSessionCreateRequest

import trio_realtime as rt
from tests.protocol.wire import undeclared_fields

KEY = "sk-proj-serverside-secret-0123456789"


def answer(session: dict[str, Any], value: str = "ek_68af1234abcd") -> dict[str, Any]:
    full = {**session, "object": "realtime.session", "id": "sess_1", "expires_at": 0}
    body = {"value": value, "expires_at": 1_767_000_000, "session": full}
    ClientSecretCreateResponse.model_validate(body)  # our fake answers as the SDK expects
    return body


class Server:
    """A fake client-secrets endpoint that checks every request."""

    def __init__(self, status: int = 200, body: Any = None) -> None:
        self.requests: list[httpx.Request] = []
        self.status = status
        self.body = body

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        payload = orjson.loads(request.content)
        model = RealtimeSessionCreateRequest.model_validate(payload["session"])
        assert not undeclared_fields(model), undeclared_fields(model)
        assert set(payload) <= {"session", "expires_after"}
        if "expires_after" in payload:
            assert payload["expires_after"]["anchor"] == "created_at"
            assert 10 <= payload["expires_after"]["seconds"] <= 7200
        body = self.body if self.body is not None else answer(payload["session"])
        content = body if isinstance(body, bytes) else orjson.dumps(body)
        return httpx.Response(self.status, content=content)


async def test_minting_a_secret() -> None:
    server = Server()
    config = rt.Config(
        voice="marin", instructions="Be kind.", mcp_servers=[rt.McpServer("w", "https://x/mcp")]
    )
    secret = await rt.create_client_secret(
        config,
        model="gpt-realtime-2",
        expires_after=300,
        api_key=KEY,
        http_transport=httpx.MockTransport(server),
    )
    (request,) = server.requests
    assert str(request.url) == "https://api.openai.com/v1/realtime/client_secrets"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["content-type"] == "application/json"
    payload = orjson.loads(request.content)
    assert payload["expires_after"] == {"anchor": "created_at", "seconds": 300}
    assert payload["session"]["model"] == "gpt-realtime-2"
    assert payload["session"]["audio"]["output"]["voice"] == "marin"
    assert payload["session"]["tools"][0]["type"] == "mcp"
    assert secret.value == "ek_68af1234abcd"
    assert secret.expires_at == 1_767_000_000
    assert secret.session["instructions"] == "Be kind."
    assert "ek_68af1234abcd" not in repr(secret)


async def test_defaults_and_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", "https://proxy.example.com/v1/")
    server = Server()
    await rt.create_client_secret(http_transport=httpx.MockTransport(server))
    (request,) = server.requests
    assert str(request.url) == "https://proxy.example.com/v1/realtime/client_secrets"
    payload = orjson.loads(request.content)
    assert "expires_after" not in payload  # the server's default (600 s)
    assert payload["session"]["model"] == "gpt-realtime"


async def test_through_gateways() -> None:
    server = Server()
    transport = httpx.MockTransport(server)
    openai = rt.OpenAIGateway(url="wss://gw.example.com/v1/realtime", api_key=KEY, project="proj_1")
    await rt.create_client_secret(gateway=openai, http_transport=transport)
    azure = rt.AzureOpenAIGateway(
        endpoint="https://res.openai.azure.com", deployment="my-rt", api_key="azure-key-0123456789"
    )
    await rt.create_client_secret(gateway=azure, http_transport=transport)
    first, second = server.requests
    assert str(first.url) == "https://gw.example.com/v1/realtime/client_secrets"
    assert first.headers["openai-project"] == "proj_1"
    assert str(second.url) == "https://res.openai.azure.com/openai/v1/realtime/client_secrets"
    assert second.headers["api-key"] == "azure-key-0123456789"
    assert orjson.loads(second.content)["session"]["model"] == "my-rt"


async def test_http_errors_are_typed_and_never_show_the_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = {
        "error": {
            "message": f"Incorrect API key provided: {KEY}.",
            "type": "invalid_request_error",
            "code": "invalid_api_key",
            "param": None,
        }
    }
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(rt.ClientSecretError) as info:
            await rt.create_client_secret(
                api_key=KEY, http_transport=httpx.MockTransport(Server(401, body))
            )
    assert (info.value.status, info.value.code) == (401, "invalid_api_key")
    assert KEY not in str(info.value) and "[redacted]" in str(info.value)
    assert KEY not in caplog.text
    with pytest.raises(rt.ClientSecretError) as info:
        await rt.create_client_secret(
            api_key=KEY, http_transport=httpx.MockTransport(Server(500, b"oops"))
        )
    assert info.value.status == 500 and "oops" in str(info.value)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        {"value": "", "expires_at": 1, "session": {}},
        {"value": "ek_1", "expires_at": "soon", "session": {}},
    ],
)
async def test_nonsense_answers(body: Any) -> None:
    with pytest.raises(rt.ClientSecretError, match="answer"):
        await rt.create_client_secret(
            api_key=KEY, http_transport=httpx.MockTransport(Server(200, body))
        )


async def test_network_errors_and_bad_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(rt.ClientSecretError, match="ConnectError") as info:
        await rt.create_client_secret(api_key=KEY, http_transport=httpx.MockTransport(refuse))
    assert info.value.status is None
    with pytest.raises(ValueError, match="between 10 and 7200"):
        await rt.create_client_secret(api_key=KEY, expires_after=5)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(rt.ClientSecretError, match="no OpenAI API key"):
        await rt.create_client_secret()
    with pytest.raises(TypeError, match="gateway"):
        await rt.create_client_secret(gateway=object())  # type: ignore[arg-type]


async def test_the_secret_is_redacted_once_minted(caplog: pytest.LogCaptureFixture) -> None:
    server = Server(body=None)
    secret = await rt.create_client_secret(api_key=KEY, http_transport=httpx.MockTransport(server))
    with caplog.at_level(logging.INFO, logger="trio_realtime"):
        logging.getLogger("trio_realtime").info("handing out %s", secret.value)
    assert secret.value not in caplog.text


async def test_a_client_connects_with_the_minted_secret() -> None:
    import trio

    from .conftest import local_server, next_of

    secret = await rt.create_client_secret(
        api_key=KEY, http_transport=httpx.MockTransport(Server())
    )
    config = rt.Config(modalities=["text"], turn_detection=None, input_audio_transcription=False)
    with trio.fail_after(20):
        async with local_server(require_api_key=secret.value) as url:
            gateway = rt.OpenAIGateway(url=url, api_key=secret.value)
            async with rt.open_session("gpt-realtime", gateway=gateway, config=config) as s:
                await s.send_text("hello")
                assert (await next_of(s.events(), "assistant_text")).text.startswith("Hello")
