"""Providers the facade knows: default models, voices, key variables, and how to pick one.

Pure functions over plain data (the environment is passed in), so every rule here is tested
without a session.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

import attrs

from .._errors import RealtimeError
from ..config import Config

__all__ = [
    "PROVIDERS",
    "ProviderInfo",
    "available_providers",
    "check_voice",
    "configured_providers",
    "gateway_class",
    "provider_from_environment",
    "provider_of_gateway",
]


@attrs.frozen(kw_only=True)
class ProviderInfo:
    """What the facade needs to know about one provider."""

    name: str
    default_model: str
    voices: tuple[str, ...]
    key_variables: tuple[str, ...]  # any one of them set (non-empty) configures the provider
    gateway: str  # the gateway class's name in ``trio_realtime``


OPENAI = ProviderInfo(
    name="openai",
    default_model="gpt-realtime",
    # The GA voices of gpt-realtime (marin and cedar are the newest and recommended).
    voices=(
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
    ),
    key_variables=("OPENAI_API_KEY",),
    gateway="OpenAIGateway",
)

GEMINI = ProviderInfo(
    name="gemini",
    # The Gemini API's stable Live model (native audio), its docs' recommended default.
    default_model="gemini-3.8-live",
    # The 30 prebuilt voices of the native-audio Live models.
    voices=(
        "Achernar",
        "Achird",
        "Algenib",
        "Algieba",
        "Alnilam",
        "Aoede",
        "Autonoe",
        "Callirrhoe",
        "Charon",
        "Despina",
        "Enceladus",
        "Erinome",
        "Fenrir",
        "Gacrux",
        "Iapetus",
        "Kore",
        "Laomedeia",
        "Leda",
        "Orus",
        "Pulcherrima",
        "Puck",
        "Rasalgethi",
        "Sadachbia",
        "Sadaltager",
        "Schedar",
        "Sulafat",
        "Umbriel",
        "Vindemiatrix",
        "Zephyr",
        "Zubenelgenubi",
    ),
    key_variables=("GEMINI_API_KEY", "GOOGLE_API_KEY"),
    gateway="GeminiGateway",
)

#: Every provider, in the order of preference for selection from the environment.
PROVIDERS: Mapping[str, ProviderInfo] = {p.name: p for p in (OPENAI, GEMINI)}


def gateway_class(provider: str) -> type[Any] | None:
    """The gateway class of ``provider``, or None when this build of the library lacks it.

    Looked up by name on the package, so a provider whose module is absent costs nothing.
    """
    package = importlib.import_module("trio_realtime")
    cls = getattr(package, PROVIDERS[provider].gateway, None)
    return cls if isinstance(cls, type) else None


def available_providers() -> list[str]:
    """The providers this build of the library can talk to, in preference order."""
    return [name for name in PROVIDERS if gateway_class(name) is not None]


def _configured(info: ProviderInfo, environ: Mapping[str, str]) -> bool:
    return any(environ.get(variable) for variable in info.key_variables)


def configured_providers(environ: Mapping[str, str]) -> list[str]:
    """The available providers whose API key variable is set (non-empty), same order."""
    return [name for name in available_providers() if _configured(PROVIDERS[name], environ)]


def provider_from_environment(environ: Mapping[str, str]) -> str:
    """``"openai"`` if ``OPENAI_API_KEY`` is set, else ``"gemini"`` if ``GEMINI_API_KEY`` or
    ``GOOGLE_API_KEY`` is, else :class:`RealtimeError` naming those variables.

    An empty variable counts as unset. Only the variables' presence is read, never printed.
    """
    for info in PROVIDERS.values():
        if _configured(info, environ):
            return info.name
    variables = " or ".join(
        f"{' / '.join(info.key_variables)} ({info.name})" for info in PROVIDERS.values()
    )
    raise RealtimeError(
        f"no realtime provider is configured: set {variables}, "
        "or pass a provider name or a gateway to RealtimeVoice"
    )


def check_provider(name: str) -> ProviderInfo:
    """The provider called ``name`` (``ValueError`` naming the known ones otherwise)."""
    info = PROVIDERS.get(name) if isinstance(name, str) else None
    if info is None:
        raise ValueError(f"unknown provider {name!r}; expected one of {list(PROVIDERS)}")
    return info


def provider_of_gateway(gateway: object, config: Config, model: str | None) -> str | None:
    """Which provider ``gateway`` speaks, or None when it cannot be told.

    In order: the gateway's ``provider`` attribute (a provider name); the name of its class
    or a base class (``OpenAIGateway``, ``GeminiGateway``), so a module that is not installed
    is never imported; else the ``provider`` of the codec it makes for ``config``.
    """
    declared = getattr(gateway, "provider", None)
    if isinstance(declared, str) and declared in PROVIDERS:
        return declared
    by_class = {info.gateway: info.name for info in PROVIDERS.values()}
    for cls in type(gateway).__mro__:
        if cls.__name__ in by_class:
            return by_class[cls.__name__]
    make_codec = getattr(gateway, "codec", None)
    if not callable(make_codec):
        return None
    try:
        codec = make_codec(config, model=model or "")
    except Exception:  # a gateway we cannot probe: the caller must name the provider
        return None
    spoken = getattr(codec, "provider", None)
    return spoken if isinstance(spoken, str) and spoken in PROVIDERS else None


def check_voice(provider: str, voice: str | None) -> None:
    """Raise ``ValueError`` naming ``provider``'s voices when ``voice`` is not one of them."""
    if voice is None:
        return
    info = PROVIDERS[provider]
    if voice in info.voices:
        return
    hint = ""
    matches = [v for v in info.voices if v.lower() == str(voice).lower()]
    if matches:
        hint = f" (voice names are case-sensitive: did you mean {matches[0]!r}?)"
    raise ValueError(
        f"voice {voice!r} is not a {info.name} voice{hint}; "
        f"{info.name} voices: {', '.join(info.voices)}"
    )
