"""Where a command connects: ``--provider``, ``--url`` and ``--model`` resolved to a gateway.

=========  ==============================================  ===========================
provider   endpoint                                        key
=========  ==============================================  ===========================
local      the embedded local server, OpenAI Realtime      none
openai     OpenAI's Realtime API                           ``OPENAI_API_KEY``
gemini     the embedded local server, Gemini Live path     none
google     Google's Gemini Live API                        ``GOOGLE_API_KEY`` or
                                                           ``GEMINI_API_KEY``
azure      Azure OpenAI's Realtime API at                  ``AZURE_OPENAI_API_KEY``
           ``AZURE_OPENAI_ENDPOINT``
=========  ==============================================  ===========================

``--url`` replaces the endpoint: a Gemini Live one with ``gemini``/``google``, the Azure
resource (``https://NAME.openai.azure.com``) with ``azure``, an OpenAI Realtime one otherwise.
With ``azure``, ``--model`` names the deployment. ``OPENAI_BASE_URL`` and
``GOOGLE_GEMINI_BASE_URL`` are honoured as the gateways honour them. Everything is checked
before anything connects (:class:`TargetError`).
"""

from __future__ import annotations

import argparse
import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal
from urllib.parse import urlsplit

import attrs
import trio

import trio_realtime as rt

from .._gateway_gemini import GEMINI_HOST
from .._secrets import redact_url
from ..facade._providers import PROVIDERS as MODEL_DEFAULTS

__all__ = ["PROVIDERS", "Target", "TargetError", "add_target_options"]

WireProtocol = Literal["openai", "gemini"]

#: Each ``--provider`` and the wire protocol it speaks.
PROVIDERS: dict[str, WireProtocol] = {
    "local": "openai",
    "openai": "openai",
    "gemini": "gemini",
    "google": "gemini",
    "azure": "openai",
}
_KEYS = {
    "openai": "OPENAI_API_KEY",
    "gemini": "GOOGLE_API_KEY or GEMINI_API_KEY",
    "azure": "AZURE_OPENAI_API_KEY",
}
_PROVIDER_HOSTS = ("api.openai.com", GEMINI_HOST)  # where the gateways require a key
Gateway = rt.OpenAIGateway | rt.GeminiGateway | rt.AzureOpenAIGateway


class TargetError(ValueError):
    """The provider, URL and environment do not make a target (one line, for the user)."""


def add_target_options(parser: argparse.ArgumentParser) -> None:
    """``--provider``, ``--url`` and ``--model`` (checked by :meth:`Target.from_args`)."""
    parser.add_argument(
        "--provider",
        default="local",
        metavar="{" + ",".join(PROVIDERS) + "}",
        help="local: the embedded local server (default); openai: OpenAI (OPENAI_API_KEY); "
        "gemini: the embedded local server's Gemini Live path; google: Google's Gemini Live "
        "(GOOGLE_API_KEY or GEMINI_API_KEY); azure: Azure OpenAI (AZURE_OPENAI_ENDPOINT, "
        "AZURE_OPENAI_API_KEY)",
    )
    parser.add_argument(
        "--url",
        help="an endpoint of the provider's protocol instead (Gemini Live with gemini/google, "
        "the Azure resource with azure, OpenAI Realtime otherwise)",
    )
    parser.add_argument(
        "--model",
        help=f"default {MODEL_DEFAULTS['openai'].default_model} "
        f"(gemini/google: {MODEL_DEFAULTS['gemini'].default_model}; azure: the deployment)",
    )


def _check_url(url: str, provider: str, protocol: WireProtocol) -> None:
    parts = urlsplit(url)
    shown = redact_url(url)  # a key may sit in the query (?key=...)
    if provider == "azure":
        if parts.scheme not in ("https", "http", "wss", "ws") or not parts.hostname:
            raise TargetError(
                f"--url must be the Azure resource (https://NAME.openai.azure.com), not {shown!r}"
            )
        return
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise TargetError(f"--url must be a ws:// or wss:// URL, not {shown!r}")
    gemini_path = "BidiGenerateContent" in parts.path
    if protocol == "openai" and gemini_path:
        raise TargetError(
            f"--url {shown} is a Gemini Live endpoint, but --provider {provider} speaks the "
            "OpenAI Realtime protocol: add --provider gemini"
        )
    if protocol == "gemini" and parts.path.rstrip("/").endswith("/realtime"):
        raise TargetError(
            f"--url {shown} is an OpenAI Realtime endpoint, but --provider {provider} speaks "
            "Gemini Live: drop --provider, or give a Gemini Live URL"
        )


def _needs_key(gateway: Gateway) -> bool:
    """Whether the gateway dials a provider's own host (elsewhere a key is optional)."""
    if isinstance(gateway, rt.AzureOpenAIGateway):
        return (urlsplit(gateway.endpoint("-")).hostname or "").endswith(".azure.com")
    return urlsplit(gateway.url).hostname in _PROVIDER_HOSTS


@attrs.frozen(kw_only=True)
class Target:
    """A checked ``--provider``/``--url``/``--model``; :meth:`open` gives its gateway."""

    provider: str
    url: str | None
    model: str

    @classmethod
    def from_args(cls, provider: str, url: str | None, model: str | None) -> Target:
        """Check the options (and the key a real provider needs); raises :class:`TargetError`."""
        protocol = PROVIDERS.get(provider)
        if protocol is None:
            raise TargetError(
                f"unknown provider {provider!r}: expected one of {', '.join(PROVIDERS)}"
            )
        if url is not None:
            _check_url(url, provider, protocol)
        target = cls(
            provider=provider,
            url=url,
            model=model or MODEL_DEFAULTS[protocol].default_model,
        )
        if not target.embedded:
            try:
                gateway = target.gateway(None)  # reads the key and any *_BASE_URL variable
            except ValueError as exc:  # e.g. a *_BASE_URL that is not a URL
                raise TargetError(str(exc)) from None
            if not gateway.has_api_key and _needs_key(gateway):
                who = f"--provider {provider}" if url is None else redact_url(url)
                needs = _KEYS["azure" if provider == "azure" else protocol]
                raise TargetError(f"{who} needs {needs} in the environment")
        return target

    @property
    def protocol(self) -> WireProtocol:
        """The wire protocol: ``"openai"`` or ``"gemini"``."""
        return PROVIDERS[self.provider]

    @property
    def embedded(self) -> bool:
        """Whether :meth:`open` runs a local server in-process."""
        return self.url is None and self.provider in ("local", "gemini")

    def describe(self) -> str:
        """Where the session goes, for a title line."""
        if self.url is not None:
            name = {"gemini": "Gemini Live", "openai": "OpenAI Realtime"}[self.protocol]
            name = "Azure OpenAI Realtime" if self.provider == "azure" else name
            return f"{name} at {redact_url(self.url)} ({self.model})"
        return {
            "local": "embedded local server, OpenAI Realtime protocol (no API key, no network)",
            "gemini": "embedded local server, Gemini Live protocol (no API key, no network)",
            "openai": f"OpenAI Realtime ({self.model})",
            "google": f"Google Gemini Live ({self.model})",
            "azure": f"Azure OpenAI Realtime ({self.model})",
        }[self.provider]

    def gateway(self, local_url: str | None) -> Gateway:
        """The gateway to ``--url``, the provider, or the local server at ``local_url``."""
        url, key = self.url, None
        if url is None and local_url is not None:
            from ..server import gemini_url

            url = gemini_url(local_url) if self.protocol == "gemini" else local_url
            key = ""  # the local server needs none: never send it the environment's
        if self.protocol == "gemini":
            return rt.GeminiGateway(url=url, api_key=key)
        if self.provider == "azure":
            return rt.AzureOpenAIGateway(endpoint=url, deployment=self.model)
        return rt.OpenAIGateway(url=url, api_key=key)

    @asynccontextmanager
    async def open(self, **server_options: Any) -> AsyncIterator[Gateway]:
        """The gateway, with the local server running for the block when :attr:`embedded`
        (``server_options`` go to :func:`~trio_realtime.server.serve_local_realtime`).

        Cancellation: leaving the block stops the local server."""
        if not self.embedded:
            yield self.gateway(None)
            return
        from ..server import serve_local_realtime

        async with trio.open_nursery() as nursery:
            local = await nursery.start(functools.partial(serve_local_realtime, **server_options))
            try:
                yield self.gateway(local)
            finally:
                nursery.cancel_scope.cancel()
