"""AzureOpenAIGateway: URL shapes, authentication, secrets, and sessions on the local server's
Azure paths."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlsplit

import pytest
import trio

import trio_realtime as rt

from .conftest import ValidatingAzureGateway, local_server, next_of

CONFIG = rt.Config(modalities=["text"], turn_detection=None, input_audio_transcription=False)


@pytest.fixture(autouse=True)
def _no_azure_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://res.openai.azure.com",
        "https://res.openai.azure.com/",
        "https://res.openai.azure.com/openai",
        "https://res.openai.azure.com/openai/v1/",
    ],
)
def test_the_ga_url(endpoint: str) -> None:
    gateway = rt.AzureOpenAIGateway(endpoint=endpoint, deployment="my-rt", api_key="k" * 32)
    assert (
        gateway.endpoint("ignored") == "wss://res.openai.azure.com/openai/v1/realtime?model=my-rt"
    )
    assert gateway.http_url("realtime/client_secrets") == (
        "https://res.openai.azure.com/openai/v1/realtime/client_secrets"
    )


def test_the_versioned_url_and_the_model_as_deployment() -> None:
    gateway = rt.AzureOpenAIGateway(
        endpoint="https://res.openai.azure.com", api_version="2025-08-28", api_key="k" * 32
    )
    url = urlsplit(gateway.endpoint("gpt-realtime"))
    assert (url.scheme, url.netloc, url.path) == ("wss", "res.openai.azure.com", "/openai/realtime")
    assert parse_qs(url.query) == {"api-version": ["2025-08-28"], "deployment": ["gpt-realtime"]}


def test_configuration_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="AZURE_OPENAI_ENDPOINT"):
        rt.AzureOpenAIGateway()
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://env.openai.azure.com")
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "azure-env-key-0123456789")
    gateway = rt.AzureOpenAIGateway()
    assert gateway.has_api_key
    assert gateway.endpoint("dep").startswith("wss://env.openai.azure.com/openai/v1/realtime")
    text = repr(gateway)
    assert "azure-env-key" not in text and "api_key=<set>" in text


async def test_auth_headers() -> None:
    key = rt.AzureOpenAIGateway(endpoint="https://r.openai.azure.com", api_key="azure-key-abcdef12")
    assert await key.auth_headers() == [("api-key", "azure-key-abcdef12")]
    tokens = iter(["entra-token-0000000001", "entra-token-0000000002"])
    sync = rt.AzureOpenAIGateway(
        endpoint="https://r.openai.azure.com", token_provider=lambda: next(tokens)
    )
    assert await sync.auth_headers() == [("Authorization", "Bearer entra-token-0000000001")]
    assert await sync.auth_headers() == [("Authorization", "Bearer entra-token-0000000002")]

    async def provider() -> str:
        await trio.sleep(0)
        return "entra-async-token-03"

    a = rt.AzureOpenAIGateway(endpoint="https://r.openai.azure.com", token_provider=provider)
    assert await a.auth_headers() == [("Authorization", "Bearer entra-async-token-03")]
    assert "token_provider=<set>" in repr(a)
    with pytest.raises(ValueError, match="not both"):
        rt.AzureOpenAIGateway(endpoint="https://r", api_key="k", token_provider=provider)


async def test_a_failing_token_provider_is_a_connection_error_without_secrets(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def provider() -> str:
        raise RuntimeError("credential refused for sk-abcdefghijklmnopqrstuvwx")

    gateway = rt.AzureOpenAIGateway(endpoint="https://r.openai.azure.com", token_provider=provider)
    with pytest.raises(rt.RealtimeConnectionError, match="token provider failed") as info:
        await gateway.auth_headers()
    assert "sk-abcdefghijklmnop" not in str(info.value)
    empty = rt.AzureOpenAIGateway(endpoint="https://r.openai.azure.com", token_provider=lambda: "")
    with pytest.raises(rt.RealtimeConnectionError, match="no token"):
        await empty.auth_headers()


async def test_no_credentials_for_azure_fails_before_connecting() -> None:
    gateway = rt.AzureOpenAIGateway(endpoint="https://r.openai.azure.com", deployment="d")
    with pytest.raises(rt.RealtimeConnectionError, match="AZURE_OPENAI_API_KEY"):
        async with rt.open_session("d", gateway=gateway, config=CONFIG):
            pass  # pragma: no cover


@pytest.mark.parametrize("api_version", [None, "2025-08-28"])
async def test_a_session_on_the_local_servers_azure_paths(api_version: str | None) -> None:
    with trio.fail_after(20):
        async with local_server(require_api_key="azure-server-key-42") as url:
            base = url.removesuffix("/v1/realtime").replace("ws://", "http://")
            gateway = ValidatingAzureGateway(
                endpoint=base,
                deployment="my-realtime",
                api_key="azure-server-key-42",
                api_version=api_version,
            )
            async with rt.open_session("ignored", gateway=gateway, config=CONFIG) as s:
                created = gateway.transports[0]
                await s.send_text("What's the capital of Norway?")
                text = await next_of(s.events(), "assistant_text")
    assert text.text == "The capital of Norway is Oslo."
    session = next(f for f in created.received if f["type"] == "session.created")["session"]
    assert session["model"] == "my-realtime"


async def test_a_bearer_token_on_the_local_server() -> None:
    with trio.fail_after(20):
        async with local_server(require_api_key="entra-token-for-local") as url:
            base = url.removesuffix("/v1/realtime").replace("ws://", "http://")
            gateway = rt.AzureOpenAIGateway(
                endpoint=base, deployment="d", token_provider=lambda: "entra-token-for-local"
            )
            async with rt.open_session("d", gateway=gateway, config=CONFIG) as s:
                assert s.session_id
            wrong = rt.AzureOpenAIGateway(endpoint=base, deployment="d", api_key="wrong-key-123456")
            with pytest.raises(rt.RealtimeConnectionError) as info:
                async with rt.open_session("d", gateway=wrong, config=CONFIG):
                    pass  # pragma: no cover
    assert info.value.status == 401
    assert "wrong-key-123456" not in str(info.value)


async def test_the_versioned_path_needs_its_query() -> None:
    with trio.fail_after(20):
        async with local_server() as url:
            base = url.removesuffix("/v1/realtime")
            from trio_realtime.transport import connect_direct_websocket_transport

            async with trio.open_nursery() as nursery:
                with pytest.raises(rt.RealtimeConnectionError) as info:
                    await connect_direct_websocket_transport(
                        nursery, base + "/openai/realtime?api-version=x", headers=[]
                    )
    assert info.value.status == 400


def test_logs_never_carry_the_key(caplog: pytest.LogCaptureFixture) -> None:
    gateway = rt.AzureOpenAIGateway(
        endpoint="https://r.openai.azure.com", api_key="azure-log-key-777"
    )
    with caplog.at_level(logging.DEBUG, logger="trio_realtime"):
        logging.getLogger("trio_realtime").warning("headers: api-key=azure-log-key-777 %r", gateway)
    assert "azure-log-key-777" not in caplog.text


async def test_a_reconnect_fetches_a_fresh_token() -> None:
    from trio_realtime.server import Faults

    tokens: list[str] = []

    def provider() -> str:
        tokens.append(f"entra-token-{len(tokens):012d}")
        return tokens[-1]

    with trio.fail_after(20):
        async with local_server(faults=Faults(drop_after=2, connections=1)) as url:
            base = url.removesuffix("/v1/realtime").replace("ws://", "http://")
            gateway = rt.AzureOpenAIGateway(endpoint=base, deployment="d", token_provider=provider)
            broker = rt.Broker(
                "d", gateway=gateway, config=CONFIG, reconnect=rt.Reconnect(backoff=(0.01, 0.05))
            )
            async with broker.connect() as s:
                await next_of(s.events(), "reconnected")
    assert tokens == ["entra-token-000000000000", "entra-token-000000000001"]
