"""``--provider``/``--url``/``--model`` resolved to a gateway (issue 12.5), and the demo's voices
without the ``speech`` extra (issue 15.4). Plain data and the environment: no connection."""

from __future__ import annotations

import pathlib

import pytest
import trio

import trio_realtime as rt
from trio_realtime.audio import read_wav
from trio_realtime.cli._target import Target, TargetError
from trio_realtime.cli._voices import load_voices
from trio_realtime.facade._providers import PROVIDERS
from trio_realtime.server import ScriptedTranscriber

GEMINI_MODEL = PROVIDERS["gemini"].default_model
VARIABLES = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "GOOGLE_API_KEY",
    "GEMINI_API_KEY",
    "GOOGLE_GEMINI_BASE_URL",
    "AZURE_OPENAI_ENDPOINT",
    "AZURE_OPENAI_API_KEY",
)
GEMINI_PATH = "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in VARIABLES:
        monkeypatch.delenv(variable, raising=False)


@pytest.mark.parametrize(
    ("provider", "protocol", "model", "embedded"),
    [
        ("local", "openai", "gpt-realtime", True),
        ("gemini", "gemini", GEMINI_MODEL, True),
    ],
)
def test_the_local_providers_need_no_key(
    provider: str, protocol: str, model: str, embedded: bool
) -> None:
    target = Target.from_args(provider, None, None)
    assert (target.protocol, target.model, target.embedded) == (protocol, model, embedded)
    assert "no API key" in target.describe()


def test_the_gemini_default_model_is_the_facades() -> None:
    assert GEMINI_MODEL.startswith("gemini-")
    assert Target.from_args("google", "wss://example.test", None).model == GEMINI_MODEL


def test_model_overrides_the_default() -> None:
    assert Target.from_args("gemini", None, "gemini-x-live").model == "gemini-x-live"
    assert Target.from_args("local", None, "my-model").model == "my-model"


def test_the_local_server_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("OPENAI_API_KEY", "GOOGLE_API_KEY"):
        monkeypatch.setenv(variable, "a-real-key")  # never sent to the local server
    local = "ws://127.0.0.1:1234/v1/realtime"
    openai = Target.from_args("local", None, None).gateway(local)
    gemini = Target.from_args("gemini", None, None).gateway(local)
    assert isinstance(openai, rt.OpenAIGateway) and openai.url == local
    assert isinstance(gemini, rt.GeminiGateway)
    assert gemini.url == "ws://127.0.0.1:1234" + GEMINI_PATH
    assert not openai.has_api_key and not gemini.has_api_key


@pytest.mark.parametrize(
    ("provider", "variable", "gateway", "host"),
    [
        ("openai", "OPENAI_API_KEY", rt.OpenAIGateway, "api.openai.com"),
        ("google", "GOOGLE_API_KEY", rt.GeminiGateway, "generativelanguage.googleapis.com"),
        ("google", "GEMINI_API_KEY", rt.GeminiGateway, "generativelanguage.googleapis.com"),
    ],
)
def test_real_providers_read_their_key(
    monkeypatch: pytest.MonkeyPatch, provider: str, variable: str, gateway: type, host: str
) -> None:
    with pytest.raises(TargetError, match=f"--provider {provider} needs .*{variable}"):
        Target.from_args(provider, None, None)
    monkeypatch.setenv(variable, "secret-value")
    target = Target.from_args(provider, None, None)
    assert not target.embedded
    made = target.gateway(None)
    assert isinstance(made, gateway) and made.has_api_key and host in made.url
    assert "secret-value" not in repr(target) + repr(made) + target.describe()


@pytest.mark.parametrize(
    ("provider", "variable", "value", "expected"),
    [
        ("openai", "OPENAI_BASE_URL", "http://127.0.0.1:9/v1", "ws://127.0.0.1:9/v1/realtime"),
        (
            "google",
            "GOOGLE_GEMINI_BASE_URL",
            "http://127.0.0.1:9",
            "ws://127.0.0.1:9" + GEMINI_PATH,
        ),
    ],
)
def test_a_base_url_elsewhere_needs_no_key(
    monkeypatch: pytest.MonkeyPatch, provider: str, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    assert Target.from_args(provider, None, None).gateway(None).url == expected


@pytest.mark.parametrize(
    ("variable", "value"),
    [("OPENAI_BASE_URL", "ftp://example.test"), ("GOOGLE_GEMINI_BASE_URL", "ftp://example.test")],
)
def test_a_bad_base_url_is_a_target_error(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    provider = "openai" if variable.startswith("OPENAI") else "google"
    with pytest.raises(TargetError, match=variable):
        Target.from_args(provider, None, None)


@pytest.mark.parametrize("provider", ["local", "openai"])
def test_url_with_an_openai_provider(provider: str) -> None:
    target = Target.from_args(provider, "ws://127.0.0.1:9/v1/realtime", None)
    gateway = target.gateway(None)
    assert isinstance(gateway, rt.OpenAIGateway) and gateway.url == "ws://127.0.0.1:9/v1/realtime"
    assert not target.embedded and target.model == "gpt-realtime"


@pytest.mark.parametrize("provider", ["gemini", "google"])
def test_url_with_a_gemini_provider(provider: str) -> None:
    target = Target.from_args(provider, "ws://127.0.0.1:9", None)
    gateway = target.gateway(None)
    assert isinstance(gateway, rt.GeminiGateway) and gateway.url == "ws://127.0.0.1:9" + GEMINI_PATH
    assert not target.embedded and target.model == GEMINI_MODEL
    assert target.describe() == f"Gemini Live at ws://127.0.0.1:9 ({GEMINI_MODEL})"


def test_an_explicit_provider_url_still_needs_its_key() -> None:
    with pytest.raises(TargetError, match=r"wss://api.openai.com/v1/realtime needs OPENAI_API_KEY"):
        Target.from_args("openai", "wss://api.openai.com/v1/realtime", None)


@pytest.mark.parametrize(
    ("provider", "url", "message"),
    [
        (
            "nope",
            None,
            "unknown provider 'nope': expected one of local, openai, gemini, google, azure",
        ),
        ("azure", None, "no Azure endpoint: pass endpoint=... or set AZURE_OPENAI_ENDPOINT"),
        ("azure", "my-resource.openai.azure.com", "must be the Azure resource"),
        ("local", "http://127.0.0.1:9/v1/realtime", "must be a ws:// or wss:// URL"),
        ("gemini", "127.0.0.1:9", "must be a ws:// or wss:// URL"),
        ("local", "ws:///v1/realtime", "must be a ws:// or wss:// URL"),
        ("local", "ws://h" + GEMINI_PATH, "is a Gemini Live endpoint, but --provider local"),
        ("openai", "ws://h" + GEMINI_PATH, "is a Gemini Live endpoint, but --provider openai"),
        ("gemini", "ws://h/v1/realtime", "is an OpenAI Realtime endpoint, but --provider gemini"),
        ("google", "wss://h/v1/realtime/", "is an OpenAI Realtime endpoint, but --provider google"),
    ],
)
def test_combinations_that_make_no_target(provider: str, url: str | None, message: str) -> None:
    with pytest.raises(TargetError, match=message):
        Target.from_args(provider, url, None)


def test_a_key_in_a_url_is_never_shown() -> None:
    with pytest.raises(TargetError) as caught:
        Target.from_args("gemini", "ws://h/v1/realtime?key=s3cr3t-value", None)
    assert "s3cr3t-value" not in str(caught.value)


async def test_open_runs_the_local_server_for_the_block() -> None:
    target = Target.from_args("gemini", None, None)
    config = rt.Config(modalities=["text"], turn_detection=None)
    with trio.fail_after(30):
        async with target.open() as gateway:
            assert isinstance(gateway, rt.GeminiGateway)
            async with rt.Broker(target.model, gateway=gateway, config=config).connect() as s:
                assert s.provider == "gemini"
        with pytest.raises(rt.RealtimeConnectionError):  # the server stopped with the block
            async with rt.Broker(target.model, gateway=gateway, config=config).connect():
                pass  # pragma: no cover


async def test_without_the_speech_extra_the_demo_says_what_it_adds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from trio_realtime import speech

    monkeypatch.setattr(speech, "available", lambda: False)
    told: list[str] = []
    voices = await load_voices(
        speech=True, local_server=True, scripted=["Hi."], loading=told.append
    )
    assert not voices.real and not told
    assert 'pip install "trio-realtime[speech]"' in voices.summary
    assert isinstance(voices.server_options["transcriber"], ScriptedTranscriber)
    assert set(voices.server_options) == {"transcriber"}


async def test_no_speech_forces_the_synthetic_voice(tmp_path: pathlib.Path) -> None:
    told: list[str] = []
    voices = await load_voices(speech=False, local_server=False, scripted=[], loading=told.append)
    assert not voices.real and not told and voices.server_options == {}
    assert voices.summary == "speech: synthetic (--no-speech)"
    wav = read_wav(await voices.say("Hello there.", tmp_path / "hello.wav"))
    assert wav.sample_rate == 24_000
    assert 1.1 < wav.duration_ms / 1000 < 5  # 0.3 s lead + speech + 0.8 s tail


def test_azure_reads_its_endpoint_and_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://my-resource.openai.azure.com")
    with pytest.raises(TargetError, match="--provider azure needs AZURE_OPENAI_API_KEY"):
        Target.from_args("azure", None, "my-deployment")
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "azure-secret-value")
    target = Target.from_args("azure", None, "my-deployment")
    gateway = target.gateway(None)
    assert isinstance(gateway, rt.AzureOpenAIGateway) and gateway.has_api_key
    assert gateway.endpoint(target.model) == (
        "wss://my-resource.openai.azure.com/openai/v1/realtime?model=my-deployment"
    )
    assert target.describe() == "Azure OpenAI Realtime (my-deployment)"
    assert "azure-secret-value" not in repr(target) + repr(gateway) + target.describe()


async def test_azure_with_url_talks_to_a_resource_elsewhere() -> None:
    """--provider azure --url: Azure's paths on the local server, with no key needed there."""
    from trio_realtime.testing import start_local_server

    config = rt.Config(modalities=["text"], turn_detection=None)
    with trio.fail_after(30):
        async with trio.open_nursery() as nursery:
            server = await start_local_server(nursery)
            resource = server.url.replace("ws://", "http://").removesuffix("/v1/realtime")
            target = Target.from_args("azure", resource, "my-deployment")
            assert target.describe() == f"Azure OpenAI Realtime at {resource} (my-deployment)"
            async with (
                target.open() as gateway,
                rt.Broker(target.model, gateway=gateway, config=config).connect() as session,
            ):
                assert isinstance(gateway, rt.AzureOpenAIGateway)
                await session.send_text("Hello?")
                async for event in session.events():
                    if event.kind == "assistant_turn_completed":
                        break
            nursery.cancel_scope.cancel()
