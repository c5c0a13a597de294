"""Clients that misbehave: they may end their own connection, never the server or a neighbour.

- A client that upgrades and goes away (FIN or RST) before reading the answer (issue 13.1).
- A client that stalls mid-frame, or vanishes, after the handshake (issue 13.4): dropped by the
  keepalive check; a quiet but healthy client is kept.
- A non-string ``event_id`` is rejected as the service does (issue 13.9).
"""

from __future__ import annotations

import struct
import subprocess
import sys
from typing import Any

import orjson
import pytest
import trio
import trio.testing

from trio_realtime.server import Limits, Pacing, RealtimeServerState
from trio_realtime.server.gemini import gemini_path

from .client import connect
from .rawsocket import RawSocket, port_of
from .wire_validation import assert_valid_server_event

KEY = "sk-local-test"
OPENAI_VARIANTS = [
    ("/nope", {}),  # 404
    ("/v1/realtime?model=gpt-realtime", {"Authorization": "Bearer wrong"}),  # 401
    ("/v1/realtime?model=gpt-realtime", {}),  # 401, no key
    ("/v1/realtime?model=gpt-realtime", {"Authorization": f"Bearer {KEY}"}),  # 101
]
GEMINI = gemini_path("v1beta")
GEMINI_VARIANTS = [
    (gemini_path("v2"), {}),  # 404
    (GEMINI, {}),  # 403, no key
    (f"{GEMINI}?key=wrong", {}),  # 400
    (GEMINI, {"x-goog-api-key": KEY}),  # 101
]


async def _rude_clients(port: int, variants: list[tuple[str, dict[str, str]]]) -> None:
    """Upgrade, then leave before reading the answer: FIN and RST, for every variant."""
    for path, headers in variants:
        for abort in (False, True):
            raw = await RawSocket.connect(port)
            await raw.send_upgrade(path, headers)
            await (raw.close_with_rst() if abort else raw.close_with_fin())


async def _text_turn(url: str) -> str:
    async with connect(url, headers=[("Authorization", f"Bearer {KEY}")]) as client:
        await client.update(output_modalities=["text"])
        await client.say("What is the capital of Japan?")
        await client.send("response.create")
        events = await client.recv_until("response.done")
    return "".join(e["delta"] for e in events if e["type"] == "response.output_text.delta")


async def test_clients_leaving_mid_handshake_do_not_stop_the_server(start_server: Any) -> None:
    url = await start_server(pacing=Pacing.instant(), require_api_key=KEY)
    port = port_of(url)
    with trio.fail_after(30):
        async with connect(url, headers=[("Authorization", f"Bearer {KEY}")]) as neighbour:
            for _ in range(10):  # the race (answer vs. FIN/RST) goes both ways over the rounds
                await _rude_clients(port, OPENAI_VARIANTS + GEMINI_VARIANTS)
            await neighbour.update(output_modalities=["text"])  # the open session still works
        assert await _text_turn(url) == "The capital of Japan is Tokyo."


def test_cli_server_survives_clients_leaving_mid_handshake() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "trio_realtime", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()

        async def rude_then_polite() -> str:
            with trio.fail_after(30):
                for _ in range(5):
                    await _rude_clients(port_of(url), OPENAI_VARIANTS)
                return await _text_turn(url)

        assert trio.run(rude_then_polite) == "The capital of Japan is Tokyo."
        assert proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def _handshake(port: int) -> RawSocket:
    raw = await RawSocket.connect(port)
    await raw.send_upgrade("/v1/realtime?model=gpt-realtime", {"Authorization": "Bearer k"})
    head = await raw.read_response_head()
    assert head.startswith(b"HTTP/1.1 101")
    opcode, payload = await raw.read_frame()
    assert opcode == 0x1 and orjson.loads(payload)["type"] == "session.created"
    return raw


async def test_a_client_stalled_mid_frame_is_dropped(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    limits = Limits(ping_interval=30, ping_timeout=10)
    url = await start_server(pacing=Pacing.instant(), limits=limits)
    raw = await _handshake(port_of(url))
    started = trio.current_time()
    whole = RawSocket.frame(0x1, orjson.dumps({"type": "input_audio_buffer.clear"}))
    await raw.stream.send_all(whole[: len(whole) // 2])  # half a frame, then silence
    opcode, payload = await raw.read_frame()
    assert (opcode, trio.current_time() - started) == (0x9, 30)  # the keepalive ping
    opcode, payload = await raw.read_frame()  # never answered (it cannot be, mid-frame)
    assert opcode == 0x8
    assert struct.unpack("!H", payload[:2])[0] == 1011
    assert payload[2:] == b"keepalive ping timeout"
    assert trio.current_time() - started == 40
    assert await raw.at_eof()


async def test_a_vanished_client_is_dropped_and_the_server_goes_on(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    url = await start_server(pacing=Pacing.instant(), limits=Limits(ping_interval=5))
    raw = await _handshake(port_of(url))  # then it neither reads nor writes again
    started = trio.current_time()
    await trio.sleep(3600)
    frames = []
    while not await raw.at_eof():
        frames.append(await raw.read_frame())
    assert [opcode for opcode, _ in frames] == [0x9, 0x8]  # ping; no pong in 30 s: close
    assert frames[1][1][2:] == b"keepalive ping timeout"
    assert trio.current_time() - started == 3600
    assert await _text_turn(url) == "The capital of Japan is Tokyo."


async def test_a_quiet_healthy_client_is_kept(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    url = await start_server(pacing=Pacing.instant(), limits=Limits(ping_interval=5))
    async with connect(url) as client:  # trio-websocket answers pings by itself
        await trio.sleep(3600)
        await client.update(output_modalities=["text"])
        await client.say("What is the capital of Japan?")
        await client.send("response.create")
        events = await client.recv_until("response.done")
    assert events[-1]["response"]["status"] == "completed"


@pytest.mark.parametrize("event_id", [{"x": 1}, 12345, True, ["a"], 1.5])
def test_a_non_string_event_id_is_rejected(event_id: object) -> None:
    state = RealtimeServerState()
    state.start()
    item = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}
    frame = orjson.dumps({"type": "conversation.item.create", "event_id": event_id, "item": item})
    out = state.receive(frame)
    assert len(out) == 1
    error = out[0]
    assert isinstance(error, dict)
    assert_valid_server_event(error)
    kind = {dict: "an object", int: "an integer", bool: "a boolean", list: "an array"}
    expected = kind.get(type(event_id), "a decimal")
    assert error["error"] == {
        "type": "invalid_request_error",
        "code": "invalid_type",
        "message": f"Invalid type for 'event_id': expected a string, but got {expected} instead.",
        "param": "event_id",
        "event_id": None,
    }
    assert len(state.conversation) == 0  # the event was not carried out


def test_a_string_event_id_is_echoed_in_errors() -> None:
    state = RealtimeServerState()
    out = state.receive(orjson.dumps({"type": "response.cancel", "event_id": "evt_1"}))
    assert isinstance(out[0], dict)
    assert out[0]["error"]["event_id"] == "evt_1"
