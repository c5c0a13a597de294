"""URL parsing, header validation and secret redaction (pure code), and the public names."""

from __future__ import annotations

import ssl

import pytest

import trio_realtime.transport as transport_package
from trio_realtime.transport import CloseInfo, TransportClosed
from trio_realtime.transport._target import encode_headers, parse_ws_url, redact

KEY = "sk-test-SECRET-KEY-0123456789"


def test_exported_members() -> None:
    assert sorted(transport_package.__all__) == [
        "CloseInfo",
        "DirectWebSocketTransport",
        "Initiator",
        "MemoryTransport",
        "Transport",
        "TransportClosed",
        "TransportStatistics",
        "WebSocketTransport",
        "check_keepalive",
        "connect_direct_websocket_transport",
        "connect_websocket_transport",
        "memory_transport_pair",
        "open_direct_websocket_transport",
        "open_websocket_transport",
    ]
    for name in transport_package.__all__:
        assert getattr(transport_package, name) is not None


def test_ws_url_with_query() -> None:
    target = parse_ws_url("ws://127.0.0.1:8765/v1/realtime?model=gpt-realtime", ssl_context=None)
    assert (target.host, target.port) == ("127.0.0.1", 8765)
    assert target.resource == "/v1/realtime?model=gpt-realtime"
    assert target.host_header == "127.0.0.1:8765"
    assert target.ssl_context is None
    assert target.display == "ws://127.0.0.1:8765/v1/realtime"


def test_wss_defaults() -> None:
    target = parse_ws_url("wss://api.openai.com/v1/realtime", ssl_context=None)
    assert target.port == 443
    assert target.host_header == "api.openai.com"
    assert isinstance(target.ssl_context, ssl.SSLContext)
    assert target.ssl_context.verify_mode == ssl.CERT_REQUIRED
    assert target.ssl_context.check_hostname


def test_given_ssl_context_and_ipv6_and_empty_path() -> None:
    context = ssl.create_default_context()
    target = parse_ws_url("wss://[::1]:9443", ssl_context=context)
    assert target.ssl_context is context
    assert (target.host, target.port, target.resource) == ("::1", 9443, "/")
    assert target.host_header == "[::1]:9443"
    assert target.display == "wss://[::1]:9443/"


def test_ssl_context_with_ws_is_an_error() -> None:
    with pytest.raises(ValueError, match="only used with wss"):
        parse_ws_url("ws://127.0.0.1/", ssl_context=ssl.create_default_context())


def test_secrets_come_from_credential_headers_and_query() -> None:
    target = parse_ws_url(
        f"wss://example.com/ws?key={KEY}&alt=json",
        ssl_context=None,
        headers=[("Authorization", f"Bearer {KEY}"), ("X-Other", "public"), ("api-key", "k2")],
    )
    assert KEY.encode() in target.secrets
    assert f"Bearer {KEY}".encode() in target.secrets
    assert b"k2" in target.secrets
    assert b"public" not in target.secrets
    assert b"json" not in target.secrets
    assert KEY not in repr(target)
    assert KEY not in target.display


def test_redact() -> None:
    body = f'{{"message": "Incorrect API key provided: {KEY}", "again": "{KEY}"}}'.encode()
    assert redact(body, [KEY.encode()]) == (
        b'{"message": "Incorrect API key provided: [redacted]", "again": "[redacted]"}'
    )


def test_encode_headers() -> None:
    assert encode_headers([("Authorization", "Bearer abc"), ("X-A", "")]) == [
        (b"Authorization", b"Bearer abc"),
        (b"X-A", b""),
    ]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Bad Name", "v"),
        ("Naïve", "v"),
        ("X-Key", f"{KEY}\r\nInjected: 1"),
        ("X-Key", f" {KEY}"),
        ("X-Key", f"{KEY}\x00"),
    ],
)
def test_encode_headers_rejects_bad_input_without_showing_values(name: str, value: str) -> None:
    with pytest.raises(ValueError, match="header") as caught:
        encode_headers([(name, value)])
    assert KEY not in str(caught.value)


def test_close_info_descriptions() -> None:
    server = CloseInfo(code=1000, reason="bye", initiator="server")
    assert str(TransportClosed(server)) == "closed by the server (code 1000: bye)"
    assert CloseInfo(code=4000, reason="", initiator="client").describe() == (
        "closed by this end (code 4000)"
    )
    dropped = CloseInfo(code=None, reason="connection lost", initiator="error")
    assert dropped.describe() == "connection failed: connection lost"
    assert repr(TransportClosed(dropped)).startswith("TransportClosed(CloseInfo(")
