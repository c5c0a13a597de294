"""OpenAIGateway's defaults from the environment (the official SDK's variables)."""

from __future__ import annotations

import pytest

import trio_realtime as rt
from trio_realtime.gateways import OPENAI_URL, realtime_url_from_base


@pytest.mark.parametrize(
    ("base", "url"),
    [
        ("https://api.example.com/v1", "wss://api.example.com/v1/realtime"),
        ("http://127.0.0.1:8765/v1/", "ws://127.0.0.1:8765/v1/realtime"),
        ("wss://proxy.internal/openai/v1", "wss://proxy.internal/openai/v1/realtime"),
    ],
)
def test_base_url_maps_to_the_realtime_endpoint(
    monkeypatch: pytest.MonkeyPatch, base: str, url: str
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", base)
    assert rt.OpenAIGateway().url == url
    assert rt.OpenAIGateway(url="ws://explicit/v1/realtime").url == "ws://explicit/v1/realtime"


def test_no_base_url_means_openai(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    assert rt.OpenAIGateway().url == OPENAI_URL
    assert realtime_url_from_base("") is None


def test_a_bad_base_url_is_refused_clearly() -> None:
    with pytest.raises(ValueError, match="OPENAI_BASE_URL"):
        realtime_url_from_base("ftp://example.com/v1")
