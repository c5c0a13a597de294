"""Provider selection: the environment matrix, gateways that fix the provider, voices, models."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

import trio_realtime as rt
from trio_realtime.facade import _providers as providers
from trio_realtime.testing import MemoryGateway

from .conftest import HAS_GEMINI, requires_gemini

VARIABLES = ("OPENAI_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY")
# Each variable unset, empty (counts as unset) or set.
STATES = (None, "", "key-value")
MATRIX = list(itertools.product(STATES, repeat=len(VARIABLES)))


def expected_provider(values: tuple[str | None, ...]) -> str | None:
    openai, gemini, google = (bool(v) for v in values)
    if openai:
        return "openai"
    if gemini or google:
        return "gemini"
    return None


def set_environment(monkeypatch: pytest.MonkeyPatch, values: tuple[str | None, ...]) -> None:
    for variable, value in zip(VARIABLES, values, strict=True):
        if value is None:
            monkeypatch.delenv(variable, raising=False)
        else:
            monkeypatch.setenv(variable, value)


@pytest.mark.parametrize("values", MATRIX, ids=lambda v: "-".join(map(repr, v)))
def test_provider_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, values: tuple[str | None, ...]
) -> None:
    set_environment(monkeypatch, values)
    expected = expected_provider(values)
    openai_set, gemini_set = bool(values[0]), bool(values[1] or values[2])
    assert rt.RealtimeVoice.configured_providers() == [
        name
        for name in rt.RealtimeVoice.available_providers()
        if (name == "openai" and openai_set) or (name == "gemini" and gemini_set)
    ]
    environ = {k: v for k, v in zip(VARIABLES, values, strict=True) if v is not None}
    if expected is None:
        with pytest.raises(rt.RealtimeError) as caught:
            providers.provider_from_environment(environ)
        with pytest.raises(rt.RealtimeError) as caught_too:
            rt.RealtimeVoice()
        assert str(caught.value) == str(caught_too.value)
        for variable in VARIABLES:
            assert variable in str(caught.value)
        return
    assert providers.provider_from_environment(environ) == expected
    if expected == "gemini" and not HAS_GEMINI:
        with pytest.raises(rt.RealtimeError, match="GeminiGateway"):
            rt.RealtimeVoice()
        return
    voice = rt.RealtimeVoice()
    assert voice.provider == expected
    assert voice.model.startswith("gpt-" if expected == "openai" else "gemini-")
    assert "key-value" not in repr(voice)


def test_the_error_names_every_variable_and_how_to_fix_it() -> None:
    with pytest.raises(rt.RealtimeError) as caught:
        providers.provider_from_environment({})
    assert str(caught.value) == (
        "no realtime provider is configured: set OPENAI_API_KEY (openai) or "
        "GEMINI_API_KEY / GOOGLE_API_KEY (gemini), or pass a provider name or a gateway to "
        "RealtimeVoice"
    )


def test_available_providers() -> None:
    expected = ["openai", "gemini"] if HAS_GEMINI else ["openai"]
    assert rt.RealtimeVoice.available_providers() == expected


def test_explicit_provider_ignores_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "g")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    voice = rt.RealtimeVoice("openai")
    assert (voice.provider, voice.model) == ("openai", "gpt-realtime")
    assert isinstance(voice.gateway, rt.OpenAIGateway)
    assert rt.RealtimeVoice("openai", model="gpt-realtime-mini").model == "gpt-realtime-mini"


def test_unknown_provider() -> None:
    with pytest.raises(ValueError, match=r"unknown provider 'claude'; expected one of \['openai'"):
        rt.RealtimeVoice("claude")


@requires_gemini
def test_gemini_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "o")
    voice = rt.RealtimeVoice("gemini")
    assert voice.provider == "gemini"
    assert voice.model == providers.GEMINI.default_model
    assert type(voice.gateway).__name__ == "GeminiGateway"


@pytest.mark.skipif(HAS_GEMINI, reason="only without rt.GeminiGateway")
def test_gemini_by_name_without_its_gateway() -> None:
    with pytest.raises(rt.RealtimeError, match=r"not available .* \(no rt.GeminiGateway\)"):
        rt.RealtimeVoice("gemini")


# -- a gateway fixes the provider -----------------------------------------------------------


class GeminiGateway:  # the name is enough: detection never imports the real module
    connect_timeout = 10.0
    close_timeout = 2.0


class DeclaresGemini:
    provider = "gemini"


class Opaque:
    pass


class BrokenCodec:
    def codec(self, config: rt.Config, *, model: str, server_events: bool = False) -> Any:
        raise RuntimeError("cannot make a codec")


@pytest.mark.parametrize(
    ("gateway", "expected"),
    [
        (rt.OpenAIGateway(url="ws://127.0.0.1:1/v1/realtime"), "openai"),
        (MemoryGateway(), "openai"),  # from the codec it makes
        (GeminiGateway(), "gemini"),  # from the class name
        (DeclaresGemini(), "gemini"),  # from its provider attribute
        (Opaque(), None),
        (BrokenCodec(), None),
    ],
)
def test_provider_of_a_gateway(gateway: Any, expected: str | None) -> None:
    assert providers.provider_of_gateway(gateway, rt.Config(), None) == expected


def test_a_gateway_fixes_the_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "g")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    gateway = rt.OpenAIGateway(url="ws://127.0.0.1:1/v1/realtime")
    voice = rt.RealtimeVoice(gateway=gateway)
    assert (voice.provider, voice.model, voice.gateway) == ("openai", "gpt-realtime", gateway)
    voice = rt.RealtimeVoice(gateway=GeminiGateway())  # type: ignore[arg-type]
    assert (voice.provider, voice.model) == ("gemini", providers.GEMINI.default_model)


def test_a_gateway_of_another_provider_is_refused() -> None:
    with pytest.raises(
        ValueError, match="provider 'gemini' does not match the gateway, which speaks openai"
    ):
        rt.RealtimeVoice("gemini", gateway=MemoryGateway())


def test_an_unrecognisable_gateway_needs_a_name() -> None:
    with pytest.raises(ValueError, match=r"cannot tell which provider .* speaks; name it"):
        rt.RealtimeVoice(gateway=Opaque())  # type: ignore[arg-type]
    voice = rt.RealtimeVoice("gemini", gateway=Opaque())  # type: ignore[arg-type]
    assert voice.provider == "gemini"


# -- voices ---------------------------------------------------------------------------------

OPENAI_VOICES = [
    "alloy",
    "ash",
    "ballad",
    "coral",
    "echo",
    "sage",
    "shimmer",
    "verse",
    "marin",
    "cedar",
]


def test_openai_voices() -> None:
    assert list(providers.OPENAI.voices) == OPENAI_VOICES
    for voice in OPENAI_VOICES:
        assert rt.RealtimeVoice("openai", config=rt.Config(voice=voice)).config.voice == voice


def test_gemini_voices() -> None:
    assert len(providers.GEMINI.voices) == 30
    assert {"Puck", "Charon", "Kore", "Fenrir", "Aoede", "Zephyr"} <= set(providers.GEMINI.voices)
    voice = rt.RealtimeVoice("gemini", gateway=GeminiGateway(), config=rt.Config(voice="Puck"))  # type: ignore[arg-type]
    assert voice.config.voice == "Puck"


def test_a_voice_of_another_provider_is_a_clear_error() -> None:
    with pytest.raises(ValueError) as caught:
        rt.RealtimeVoice("openai", config=rt.Config(voice="Puck"))
    assert str(caught.value) == (
        "voice 'Puck' is not a openai voice; openai voices: " + ", ".join(OPENAI_VOICES)
    )
    with pytest.raises(
        ValueError, match=r"voice 'alloy' is not a gemini voice; gemini voices: Achernar, "
    ):
        rt.RealtimeVoice("gemini", gateway=GeminiGateway(), config=rt.Config(voice="alloy"))  # type: ignore[arg-type]


def test_voice_names_are_case_sensitive_with_a_hint() -> None:
    with pytest.raises(ValueError, match="did you mean 'Puck'"):
        providers.check_voice("gemini", "puck")
    with pytest.raises(ValueError, match="did you mean 'marin'"):
        providers.check_voice("openai", "Marin")


def test_other_arguments_are_checked() -> None:
    with pytest.raises(TypeError, match="config must be an rt.Config"):
        rt.RealtimeVoice("openai", config={"voice": "alloy"})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="callback_buffer must be at least 1"):
        rt.RealtimeVoice("openai", callback_buffer=0)


def test_no_key_in_any_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-SECRET-value")
    voice = rt.RealtimeVoice()
    assert "SECRET" not in repr(voice)
    assert "SECRET" not in repr(voice.gateway)
