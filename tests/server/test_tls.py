"""``serve --tls``: wss:// with a certificate from a local CA, announced on stdout."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
import trio
from trio_websocket import open_websocket_url

from trio_realtime.server.tls import LocalTLS

from .gemini_validation import assert_valid_client_message, assert_valid_server_message

pytest.importorskip("trustme")

SETUP = {"setup": {"model": "models/gemini-3.8-live", "outputAudioTranscription": {}}}


async def _gemini_text_turn(url: str, context: ssl.SSLContext) -> str:
    """One text turn on the Gemini path; the output transcript."""
    heard = ""
    with trio.fail_after(30):
        async with open_websocket_url(url, ssl_context=context, message_queue_size=256) as ws:
            assert_valid_client_message(SETUP)
            await ws.send_message(orjson.dumps(SETUP).decode())
            assert orjson.loads(await ws.get_message()) == {"setupComplete": {}}
            text = {"realtimeInput": {"text": "What is the capital of Kenya?"}}
            assert_valid_client_message(text)
            await ws.send_message(orjson.dumps(text).decode())
            while True:
                frame = await ws.get_message()
                assert_valid_server_message(frame)
                content = orjson.loads(frame).get("serverContent", {})
                heard += content.get("outputTranscription", {}).get("text", "")
                if content.get("turnComplete"):
                    return heard


async def _handshake(port: int, context: ssl.SSLContext) -> None:
    with trio.fail_after(10):
        stream = await trio.open_ssl_over_tcp_stream("127.0.0.1", port, ssl_context=context)
        async with stream:
            await stream.do_handshake()


def test_serve_tls_prints_wss_urls_and_the_ca_file() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "trio_realtime", "serve", "--tls", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        openai_url, gemini_url, ca_line = (proc.stdout.readline().strip() for _ in range(3))
        port = openai_url.split(":")[2].split("/")[0]
        assert openai_url == f"wss://127.0.0.1:{port}/v1/realtime"
        assert gemini_url == (
            f"wss://127.0.0.1:{port}/ws/google.ai.generativelanguage.v1beta."
            "GenerativeService.BidiGenerateContent"
        )
        assert ca_line.startswith("SSL_CERT_FILE=")
        ca_file = Path(ca_line.removeprefix("SSL_CERT_FILE="))
        context = ssl.create_default_context(cafile=str(ca_file))
        answer = trio.run(_gemini_text_turn, gemini_url, context)
        assert answer == "The capital of Kenya is Nairobi."
        with pytest.raises(trio.BrokenResourceError) as untrusted:  # without the CA
            trio.run(_handshake, int(port), ssl.create_default_context())
        assert isinstance(untrusted.value.__cause__, ssl.SSLCertVerificationError)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert not ca_file.exists()  # the temporary CA is removed when the server stops


async def test_the_certificate_covers_loopback_names(nursery: trio.Nursery, tmp_path: Path) -> None:
    import functools

    from trio_realtime.server import Pacing, gemini_url, serve_local_realtime

    tls = LocalTLS.create(tmp_path)
    assert tls.ca_file.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    serve = functools.partial(
        serve_local_realtime, ssl_context=tls.server_context, pacing=Pacing.instant()
    )
    url: str = await nursery.start(serve)
    for host in ("127.0.0.1", "localhost"):
        target = gemini_url(url).replace("127.0.0.1", host)
        assert await _gemini_text_turn(target, tls.client_context()) == (
            "The capital of Kenya is Nairobi."
        )
