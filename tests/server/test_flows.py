"""The reference flows (openai-realtime-samples.md) against the local server, raw client."""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import pytest
import trio

from trio_realtime.server import EnergyVad, Pacing, ScriptedTranscriber, VadSettings
from trio_realtime.server.default_brain import JOKE, STORY

from .client import RawClient, audio_chunks, connect, silence, speech

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Get the current weather for a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}
RESPONSE_TAIL = [
    "response.output_item.done",
    "conversation.item.done",
    "response.done",
    "rate_limits.updated",
]


def types(events: list[dict[str, Any]]) -> list[str]:
    return [e["type"] for e in events]


def joined(events: list[dict[str, Any]], type_: str, key: str = "delta") -> str:
    return "".join(e[key] for e in events if e["type"] == type_)


async def test_text_turn(start_server: Any, autojump_clock: trio.testing.MockClock) -> None:
    url = await start_server()
    with trio.fail_after(60):
        async with connect(url) as client:
            created = client.received[0]["session"]
            assert created["id"].startswith("sess_")
            assert created["model"] == "gpt-realtime"
            assert created["output_modalities"] == ["audio"]
            assert created["audio"]["input"]["turn_detection"]["type"] == "server_vad"
            updated = await client.update(
                output_modalities=["text"],
                instructions="You are a concise assistant.",
                audio={"input": {"turn_detection": None}},
            )
            assert updated["session"]["output_modalities"] == ["text"]
            assert updated["session"]["audio"]["input"]["turn_detection"] is None
            assert updated["session"]["instructions"] == "You are a concise assistant."
            await client.send(
                "conversation.item.create",
                event_id="cli_2",
                item={
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": "What's the capital of Canada?"}],
                },
            )
            added, _ = await client.expect("conversation.item.added", "conversation.item.done")
            assert added["previous_item_id"] is None
            user_id = added["item"]["id"]
            assert user_id.startswith("item_")
            start = trio.current_time()
            await client.send("response.create", event_id="cli_3")
            events = await client.response()
            elapsed = trio.current_time() - start
    assert types(events)[:4] == [
        "response.created",
        "response.output_item.added",
        "conversation.item.added",
        "response.content_part.added",
    ]
    assert types(events)[-6:] == [
        "response.output_text.done",
        "response.content_part.done",
        *RESPONSE_TAIL,
    ]
    text = "The capital of Canada is Ottawa."
    assert joined(events, "response.output_text.delta") == text
    assert events[2]["previous_item_id"] == user_id
    done = events[-2]["response"]
    assert done["status"] == "completed"
    assert done["conversation_id"].startswith("conv_")
    assert done["output"][0]["content"] == [{"type": "output_text", "text": text}]
    usage = done["usage"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"] > 0
    ids = [e["event_id"] for e in client.received]
    assert len(ids) == len(set(ids))
    deltas = types(events).count("response.output_text.delta")
    assert elapsed == pytest.approx(Pacing().response_latency + deltas * 0.02)


async def test_vad_audio_turn_with_transcription(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    url = await start_server(transcriber=lambda pcm, rate: "Tell me a joke.")
    audio = silence(500) + speech() + silence(1000)
    expected = EnergyVad(VadSettings(silence_duration_ms=500), 24000).feed(audio)
    onset, stop = expected[0].at_ms, expected[1].at_ms
    assert 500 <= onset <= 700
    with trio.fail_after(60):
        async with connect(url) as client:
            session = await client.update(
                audio={
                    "input": {
                        "transcription": {"model": "gpt-4o-mini-transcribe", "language": "en"},
                        "turn_detection": {"type": "server_vad", "silence_duration_ms": 500},
                    }
                }
            )
            transcription = session["session"]["audio"]["input"]["transcription"]
            assert transcription == {
                "model": "gpt-4o-mini-transcribe",
                "language": "en",
                "prompt": None,
            }
            for chunk in audio_chunks(audio):
                await client.send("input_audio_buffer.append", audio=chunk)
            events = await client.response()
            while "conversation.item.input_audio_transcription.completed" not in types(
                client.received
            ):
                await client.recv()
    started, stopped, committed, added = events[:4]
    assert types(events[:6]) == [
        "input_audio_buffer.speech_started",
        "input_audio_buffer.speech_stopped",
        "input_audio_buffer.committed",
        "conversation.item.added",
        "conversation.item.done",
        "response.created",
    ]
    assert started["audio_start_ms"] == int(onset - 300)
    assert stopped["audio_end_ms"] == int(stop)
    user_id = started["item_id"]
    assert stopped["item_id"] == committed["item_id"] == added["item"]["id"] == user_id
    assert added["item"]["content"] == [{"type": "input_audio", "transcript": None}]
    transcript_events = [
        e for e in client.received if e["type"].startswith("conversation.item.input_audio_trans")
    ]
    assert {e["item_id"] for e in transcript_events} == {user_id}
    assert transcript_events[-1]["transcript"] == "Tell me a joke."
    assert joined(transcript_events, "conversation.item.input_audio_transcription.delta") == (
        "Tell me a joke."
    )
    assert joined(events, "response.output_audio_transcript.delta") == JOKE
    assert events[-2]["response"]["output"][0]["content"][0] == {
        "type": "output_audio",
        "transcript": JOKE,
    }
    pcm = b"".join(
        base64.b64decode(e["delta"]) for e in events if e["type"] == "response.output_audio.delta"
    )
    seconds = len(pcm) / 48000
    assert 3.0 < seconds < 12.0
    samples = np.frombuffer(pcm, dtype="<i2").astype(float)
    assert np.sqrt(np.mean(samples**2)) > 1000
    parts = types(events)
    assert parts.index("response.output_audio.done") < parts.index(
        "response.output_audio_transcript.done"
    )
    assert parts[-6:] == [
        "response.output_audio_transcript.done",
        "response.content_part.done",
        *RESPONSE_TAIL,
    ]


async def tool_turn(client: RawClient, text: str) -> list[dict[str, Any]]:
    await client.update(tools=[WEATHER], tool_choice="auto")
    await client.say(text)
    await client.send("response.create", event_id="cli_call")
    return await client.response()


async def test_single_tool_call_round_trip(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    url = await start_server()
    with trio.fail_after(60):
        async with connect(url) as client:
            events = await tool_turn(client, "What's the weather in Paris?")
            call = events[1]["item"]
            output = {
                "type": "function_call_output",
                "call_id": call["call_id"],
                "output": '{"temp_c":18,"sky":"cloudy"}',
            }
            await client.send("conversation.item.create", event_id="cli_out", item=output)
            added, _ = await client.expect("conversation.item.added", "conversation.item.done")
            await client.send("response.create", event_id="cli_next")
            answer = await client.response()
    assert types(events)[:3] == [
        "response.created",
        "response.output_item.added",
        "conversation.item.added",
    ]
    assert call["type"] == "function_call"
    assert call["name"] == "get_weather"
    assert call["status"] == "in_progress"
    assert call["arguments"] == ""
    assert call["call_id"].startswith("call_")
    assert joined(events, "response.function_call_arguments.delta") == '{"city":"Paris"}'
    args_done = next(e for e in events if e["type"] == "response.function_call_arguments.done")
    assert args_done["arguments"] == '{"city":"Paris"}'
    assert args_done["call_id"] == call["call_id"]
    assert types(events)[-4:] == RESPONSE_TAIL
    final = events[-2]["response"]
    assert final["status"] == "completed"
    assert final["output"][0]["status"] == "completed"
    assert added["previous_item_id"] == call["id"]
    assert added["item"]["id"].startswith("item_")
    said = joined(answer, "response.output_audio_transcript.delta")
    assert said == "Here is what I found. Paris: temp_c 18, sky cloudy."


async def test_parallel_tool_calls(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    url = await start_server(pacing=Pacing.instant())
    with trio.fail_after(60):
        async with connect(url) as client:
            events = await tool_turn(client, "What's the weather in Paris and Rome?")
            calls = [e["item"] for e in events if e["type"] == "response.output_item.done"]
            for call, result in zip(calls, ('{"temp_c":18}', '{"temp_c":24}'), strict=True):
                item = {
                    "type": "function_call_output",
                    "call_id": call["call_id"],
                    "output": result,
                }
                await client.send("conversation.item.create", item=item)
                await client.expect("conversation.item.added", "conversation.item.done")
            await client.send("response.create")
            answer = await client.response()
    assert [c["name"] for c in calls] == ["get_weather", "get_weather"]
    assert [c["arguments"] for c in calls] == ['{"city":"Paris"}', '{"city":"Rome"}']
    assert len({c["call_id"] for c in calls}) == 2
    indexes = [e["output_index"] for e in events if e["type"] == "response.output_item.added"]
    assert indexes == [0, 1]
    assert len(events[-2]["response"]["output"]) == 2
    said = joined(answer, "response.output_audio_transcript.delta")
    assert said == "Here is what I found. Paris: temp_c 18. Rome: temp_c 24."


async def test_barge_in_cancels_the_active_response(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    url = await start_server(transcriber=ScriptedTranscriber(["Tell me a story.", "Stop."]))
    with trio.fail_after(120):
        async with connect(url) as client:
            for chunk in audio_chunks(silence(300) + speech() + silence(400)):
                await client.send("input_audio_buffer.append", audio=chunk)
            await client.recv_until("response.created")
            first = await client.recv_until("response.output_audio.delta")
            assistant_id = first[0]["item"]["id"]
            first += await client.recv_until("response.output_audio.delta")
            for chunk in audio_chunks(speech("Wait, stop please.")[: 2 * 24000 * 6 // 10]):
                await client.send("input_audio_buffer.append", audio=chunk)
            before = await client.recv_until("input_audio_buffer.speech_started")
            trailing = await client.response()
            await client.send(
                "conversation.item.truncate",
                event_id="cli_40",
                item_id=assistant_id,
                content_index=0,
                audio_end_ms=150,
            )
            truncated = await client.recv()
            await client.send("response.cancel", event_id="cli_41")
            benign = await client.recv()
            for chunk in audio_chunks(silence(600)):
                await client.send("input_audio_buffer.append", audio=chunk)
            after = await client.recv_until("response.created")
            await client.send("response.cancel")
            await client.response()
    assert types(trailing) == [
        "response.output_audio.done",
        "response.output_audio_transcript.done",
        "response.content_part.done",
        "response.output_item.done",
        "conversation.item.done",
        "response.done",
        "rate_limits.updated",
    ]
    item = trailing[3]["item"]
    assert item["id"] == assistant_id
    assert item["status"] == "incomplete"
    response = trailing[5]["response"]
    assert response["status"] == "cancelled"
    assert response["status_details"] == {"type": "cancelled", "reason": "turn_detected"}
    heard = joined(first + before, "response.output_audio_transcript.delta")
    assert trailing[1]["transcript"] == heard
    assert heard
    assert STORY.startswith(heard)
    assert truncated == {**truncated, "type": "conversation.item.truncated", "audio_end_ms": 150}
    assert benign["error"]["code"] == "response_cancel_not_active"
    assert benign["error"]["event_id"] == "cli_41"
    assert types(after)[:3] == [
        "input_audio_buffer.speech_stopped",
        "input_audio_buffer.committed",
        "conversation.item.added",
    ]
    assert after[1]["previous_item_id"] == assistant_id
