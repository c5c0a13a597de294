"""Audio paths: G.711 in and out, VAD settings, idle timeout, transcription, response options."""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import pytest
import trio

from trio_realtime.audio import g711
from trio_realtime.server import EnergyVad, Pacing, VadSettings, synthesize

from .client import RawClient, b64, connect, silence, speech


def audio_of(events: list[dict[str, Any]]) -> bytes:
    return b"".join(
        base64.b64decode(e["delta"]) for e in events if e["type"] == "response.output_audio.delta"
    )


def transcript_of(events: list[dict[str, Any]]) -> str:
    deltas = [e for e in events if e["type"] == "response.output_audio_transcript.delta"]
    return "".join(e["delta"] for e in deltas)


async def send_audio(client: RawClient, data: bytes, bytes_per_chunk: int = 4800) -> None:
    for start in range(0, len(data), bytes_per_chunk):
        await client.send(
            "input_audio_buffer.append", audio=b64(data[start : start + bytes_per_chunk])
        )


@pytest.mark.parametrize(
    ("kind", "decode"), [("audio/pcmu", g711.ulaw_to_pcm16), ("audio/pcma", g711.alaw_to_pcm16)]
)
async def test_g711_output(
    start_server: Any, autojump_clock: trio.testing.MockClock, kind: str, decode: Any
) -> None:
    url = await start_server()
    text = "The capital of Japan is Tokyo."
    with trio.fail_after(60):
        async with connect(url) as client:
            await client.update(audio={"output": {"format": {"type": kind}}})
            await client.say("What is the capital of Japan?")
            await client.send("response.create")
            start = trio.current_time()
            events = await client.response()
            elapsed = trio.current_time() - start
    created = events[0]["response"]
    assert created["audio"]["output"]["format"] == {"type": kind}
    data = audio_of(events)
    chunks = [e for e in events if e["type"] == "response.output_audio.delta"]
    assert all(len(base64.b64decode(c["delta"])) == 800 for c in chunks[:-1])
    expected = synthesize(text, voice="alloy", sample_rate=8000)
    assert decode(data) == decode(
        g711.pcm16_to_ulaw(expected.pcm)
        if kind == "audio/pcmu"
        else g711.pcm16_to_alaw(expected.pcm)
    )
    assert len(data) == len(expected.pcm) // 2
    samples = np.frombuffer(decode(data), dtype="<i2").astype(float)
    assert np.sqrt(np.mean(samples**2)) > 1000
    assert transcript_of(events) == text
    duration = len(data) / 8000
    # audio is paced 4x faster than real time, one chunk per 25 ms
    assert elapsed == pytest.approx(0.2 + len(chunks) * 0.025)
    assert duration / elapsed > 3


async def test_g711_input_with_vad(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    url = await start_server(transcriber=lambda pcm, rate: f"rate {rate}")
    pcm = synthesize("Hello there, how are you?", voice="echo", sample_rate=8000).pcm
    ulaw = g711.pcm16_to_ulaw(bytes(2 * 8 * 400) + pcm + bytes(2 * 8 * 600))
    expected = EnergyVad(VadSettings(), 8000).feed(g711.ulaw_to_pcm16(ulaw))
    with trio.fail_after(60):
        async with connect(url) as client:
            await client.update(
                output_modalities=["text"], audio={"input": {"format": {"type": "audio/pcmu"}}}
            )
            await send_audio(client, ulaw, bytes_per_chunk=800)
            events = await client.response()
            await client.send("conversation.item.retrieve", item_id=events[0]["item_id"])
            retrieved = await client.recv()
    started, stopped = events[0], events[1]
    assert started["audio_start_ms"] == int(expected[0].at_ms - 300)
    assert stopped["audio_end_ms"] == int(expected[1].at_ms)
    said = "".join(e["delta"] for e in events if e["type"] == "response.output_text.delta")
    assert said == "You said: rate 8000"
    stored = base64.b64decode(retrieved["item"]["content"][0]["audio"])
    start_ms, end_ms = started["audio_start_ms"], stopped["audio_end_ms"]
    assert stored == ulaw[start_ms * 8 : end_ms * 8]


async def test_no_transcription_events_unless_configured(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    url = await start_server(transcriber=lambda pcm, rate: "What's the capital of Italy?")
    with trio.fail_after(60):
        async with connect(url) as client:
            await send_audio(client, silence(300) + speech() + silence(500))
            events = await client.response()
            assert await client.nothing_pending()
    assert not any("transcription" in e["type"] for e in client.received)
    assert transcript_of(events) == "The capital of Italy is Rome."


async def test_quiet_audio_and_vad_threshold(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    quiet = (np.frombuffer(speech(), dtype="<i2") * 0.05).astype("<i2").tobytes()
    url = await start_server()
    with trio.fail_after(120):
        async with connect(url) as client:
            await send_audio(client, silence(300) + quiet + silence(500))
            assert await client.nothing_pending()
            await client.update(
                audio={"input": {"turn_detection": {"type": "server_vad", "threshold": 0.2}}}
            )
            await send_audio(client, silence(300) + quiet + silence(500))
            started = await client.recv()
    assert started["type"] == "input_audio_buffer.speech_started"


async def test_semantic_vad_eagerness_sets_the_silence(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    url = await start_server()
    with trio.fail_after(60):
        async with connect(url) as client:
            await client.update(
                audio={"input": {"turn_detection": {"type": "semantic_vad", "eagerness": "low"}}}
            )
            await send_audio(client, silence(200) + speech() + silence(300))
            started = await client.recv()
            assert await client.nothing_pending()
            await send_audio(client, silence(900))
            stopped = await client.recv()
    assert started["type"] == "input_audio_buffer.speech_started"
    assert stopped["type"] == "input_audio_buffer.speech_stopped"
    assert stopped["audio_end_ms"] > started["audio_start_ms"] + 1000


async def test_vad_without_interrupt_or_auto_response(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    url = await start_server()
    detector = {"type": "server_vad", "create_response": False, "interrupt_response": False}
    with trio.fail_after(60):
        async with connect(url) as client:
            await client.update(audio={"input": {"turn_detection": detector}})
            await client.say("tell me a joke")
            await client.send("response.create")
            await client.recv_until("response.output_audio.delta")
            await send_audio(client, speech() + silence(400))
            events = await client.response()
            assert await client.nothing_pending()
    kinds = [e["type"] for e in client.received]
    assert "input_audio_buffer.speech_started" in kinds
    assert "input_audio_buffer.committed" in kinds
    assert events[-2]["response"]["status"] == "completed"
    assert kinds.count("response.created") == 1


async def test_idle_timeout(start_server: Any, autojump_clock: trio.testing.MockClock) -> None:
    url = await start_server()
    detector = {"type": "server_vad", "idle_timeout_ms": 2000}
    with trio.fail_after(60):
        async with connect(url) as client:
            await client.update(output_modalities=["text"])
            await client.say("hello")
            await client.send("response.create")
            await client.response()
            await client.update(audio={"input": {"turn_detection": detector}})
            armed = trio.current_time()
            timeout = await client.recv()
            fired = trio.current_time() - armed
            events = await client.response()
    assert timeout["type"] == "input_audio_buffer.timeout_triggered"
    assert fired == pytest.approx(2.0)
    assert [e["type"] for e in events[:4]] == [
        "input_audio_buffer.committed",
        "conversation.item.added",
        "conversation.item.done",
        "response.created",
    ]
    assert events[0]["item_id"] == timeout["item_id"]
    said = "".join(e["delta"] for e in events if e["type"] == "response.output_text.delta")
    assert said == "Are you still there?"


async def test_response_overrides(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    url = await start_server(pacing=Pacing.instant())
    with trio.fail_after(60):
        async with connect(url) as client:
            await client.say("count to 50")
            await client.send(
                "response.create",
                response={
                    "output_modalities": ["text"],
                    "max_output_tokens": 8,
                    "metadata": {"k": "v"},
                },
            )
            limited = await client.response()
            await client.send("response.create", response={"conversation": "none", "input": []})
            await client.send("response.create")
            both = [await client.recv() for _ in range(2)]
            out_of_band = next(e for e in both if e["response"]["conversation_id"] is None)
            rest = await client.recv_until(
                "response.done", lambda e: e["response"]["id"] == out_of_band["response"]["id"]
            )
    done = limited[-2]["response"]
    assert done["status"] == "incomplete"
    assert done["status_details"] == {"type": "incomplete", "reason": "max_output_tokens"}
    assert done["metadata"] == {"k": "v"}
    assert done["output_modalities"] == ["text"]
    text = done["output"][0]["content"][0]["text"]
    assert text.startswith("1, 2, 3")
    assert len(text) <= 32
    oob_events = [e for e in rest if e.get("response_id") == out_of_band["response"]["id"]]
    assert oob_events
    added_ids = {e["item"]["id"] for e in rest if e["type"] == "conversation.item.added"}
    assert not added_ids & {e["item"]["id"] for e in oob_events if "item" in e}
