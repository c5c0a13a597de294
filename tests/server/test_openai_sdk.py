"""The official ``openai`` SDK, unchanged, as a client of the local server.

The SDK is asyncio-based: it runs in a worker thread under ``asyncio.run`` while the server runs in
the test's trio nursery (real clock; the server is unpaced so this stays fast). Every raw frame the
SDK receives is also validated against the SDK's types with undeclared fields rejected.
"""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import trio
from openai import AsyncOpenAI
from openai.types.realtime import (
    ResponseAudioDeltaEvent,
    ResponseDoneEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    SessionCreatedEvent,
)

from trio_realtime.server import Pacing, ScriptedTranscriber

from .client import silence, speech
from .test_flows import WEATHER
from .wire_validation import server_event_problems

TIMEOUT = 10.0
TOOL: Any = WEATHER


class _Recorder:
    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.frames: list[bytes] = []

    async def next(self) -> Any:
        raw = await asyncio.wait_for(self.conn.recv_bytes(), TIMEOUT)
        self.frames.append(raw)
        return self.conn.parse_event(raw)

    async def until(self, type_: str) -> list[Any]:
        events = []
        while True:
            event = await self.next()
            events.append(event)
            if event.type == type_:
                return events


async def _sdk_session(base_url: str) -> dict[str, Any]:
    results: dict[str, Any] = {}
    async with (
        AsyncOpenAI(api_key="sk-test", websocket_base_url=base_url) as client,
        client.realtime.connect(model="gpt-realtime") as conn,
    ):
        rec = _Recorder(conn)
        first = await rec.next()
        results["created"] = first

        # 1. a text turn
        await conn.session.update(
            session={
                "type": "realtime",
                "output_modalities": ["text"],
                "audio": {"input": {"turn_detection": None}},
            }
        )
        results["updated"] = (await rec.until("session.updated"))[-1]
        await conn.conversation.item.create(
            item={
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "What's the capital of France?"}],
            }
        )
        await conn.response.create()
        results["text"] = await rec.until("response.done")

        # 2. an audio turn with server VAD and input transcription
        await conn.session.update(
            session={
                "type": "realtime",
                "output_modalities": ["audio"],
                "audio": {
                    "input": {
                        "transcription": {"model": "gpt-4o-mini-transcribe"},
                        "turn_detection": {"type": "server_vad", "silence_duration_ms": 300},
                    }
                },
            }
        )
        await rec.until("session.updated")
        pcm = silence(400) + speech() + silence(700)
        for start in range(0, len(pcm), 4800):
            chunk = base64.b64encode(pcm[start : start + 4800]).decode()
            await conn.input_audio_buffer.append(audio=chunk)
        results["audio"] = await rec.until("response.done")

        # 3. a tool round trip
        await conn.session.update(
            session={"type": "realtime", "output_modalities": ["text"], "tools": [TOOL]}
        )
        await rec.until("session.updated")
        await conn.conversation.item.create(
            item={
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "What's the weather in Oslo?"}],
            }
        )
        await conn.response.create()
        calls = await rec.until("response.done")
        done = next(e for e in calls if e.type == "response.function_call_arguments.done")
        await conn.conversation.item.create(
            item={
                "type": "function_call_output",
                "call_id": done.call_id,
                "output": json.dumps({"temp_c": 7, "sky": "rain"}),
            }
        )
        await conn.response.create()
        results["calls"] = calls
        results["answer"] = await rec.until("response.done")
    results["frames"] = rec.frames
    return results


async def test_openai_sdk_text_audio_and_tool_turns(start_server: Any) -> None:
    transcriber = ScriptedTranscriber(["What time is it?"])
    url = await start_server(pacing=Pacing.instant(), transcriber=transcriber)
    base = url.removesuffix("/realtime")
    with trio.fail_after(60):
        results = await trio.to_thread.run_sync(
            lambda: asyncio.run(_sdk_session(base)), abandon_on_cancel=True
        )

    problems = [p for frame in results["frames"] for p in server_event_problems(frame)]
    assert problems == []
    assert len(results["frames"]) > 50

    assert isinstance(results["created"], SessionCreatedEvent)
    assert results["updated"].session.output_modalities == ["text"]

    text_done = results["text"][-1]
    assert isinstance(text_done, ResponseDoneEvent)
    assert text_done.response.status == "completed"
    text = "".join(e.delta for e in results["text"] if e.type == "response.output_text.delta")
    assert text == "The capital of France is Paris."

    audio = results["audio"]
    kinds = [e.type for e in audio]
    assert kinds[:5] == [
        "input_audio_buffer.speech_started",
        "input_audio_buffer.speech_stopped",
        "input_audio_buffer.committed",
        "conversation.item.added",
        "conversation.item.done",
    ]
    deltas = [e for e in audio if isinstance(e, ResponseAudioDeltaEvent)]
    assert len(deltas) >= 5
    transcript = "".join(
        e.delta for e in audio if e.type == "response.output_audio_transcript.delta"
    )
    assert transcript == "It is 12:00 PM."
    assert audio[-1].response.output[0].content[0].transcript == transcript

    done = next(
        e for e in results["calls"] if isinstance(e, ResponseFunctionCallArgumentsDoneEvent)
    )
    assert done.name == "get_weather"
    assert json.loads(done.arguments) == {"city": "Oslo"}
    answer = "".join(e.delta for e in results["answer"] if e.type == "response.output_text.delta")
    assert answer == "Here is what I found. Oslo: temp_c 7, sky rain."
