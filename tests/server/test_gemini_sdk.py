"""The official ``google-genai`` client, unchanged, against the local server over TLS.

The SDK always dials ``wss://`` (its base URL's scheme becomes ``wss``), so the test serves TLS
with a certificate from a local CA and the client trusts it through ``SSL_CERT_FILE``, exactly
as a user of ``serve --tls`` would. The SDK runs on asyncio, so it runs in a subprocess (its own
event loop, no threads here) talking to the server in this trio test, on the real clock with an
unpaced server; everything is bounded by timeouts.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
import trio

from trio_realtime.server import Pacing, ScriptedTranscriber, serve_local_realtime
from trio_realtime.server.tls import LocalTLS

pytest.importorskip("google.genai")
pytest.importorskip("trustme")

KEY = "AIza-local-sdk-key"
SDK_SESSION = r"""
import asyncio, json, sys
from google import genai
from google.genai import types
from trio_realtime.server import synthesize

MODEL = "gemini-2.5-flash-native-audio-preview-12-2025"
WEATHER = types.FunctionDeclaration(
    name="get_weather",
    description="Current weather for a city.",
    parameters={"type": "OBJECT", "properties": {"city": {"type": "STRING"}}, "required": ["city"]},
)


async def collect(session, results, name):
    text, audio, heard = "", b"", ""
    async for message in session.receive():  # ends at turnComplete
        content = message.server_content
        if message.tool_call is not None:
            calls = message.tool_call.function_calls
            results[name + "_calls"] = [{"id": c.id, "name": c.name, "args": c.args} for c in calls]
            return
        if content is None:
            continue
        if content.output_transcription is not None:
            text += content.output_transcription.text or ""
        if content.input_transcription is not None:
            heard += content.input_transcription.text or ""
        if content.model_turn is not None:
            for part in content.model_turn.parts or []:
                if part.inline_data is not None:
                    audio += part.inline_data.data
                    results.setdefault("mime", part.inline_data.mime_type)
        if message.usage_metadata is not None:
            results[name + "_usage"] = message.usage_metadata.total_token_count
    results[name] = {"text": text, "heard": heard, "audio_bytes": len(audio)}


async def main(base_url):
    client = genai.Client(api_key=sys.argv[2], http_options=types.HttpOptions(base_url=base_url))
    config = types.LiveConnectConfig(
        response_modalities=["AUDIO"],
        speech_config=types.SpeechConfig(
            voice_config=types.VoiceConfig(
                prebuilt_voice_config=types.PrebuiltVoiceConfig(voice_name="Kore")
            )
        ),
        input_audio_transcription=types.AudioTranscriptionConfig(),
        output_audio_transcription=types.AudioTranscriptionConfig(),
        tools=[types.Tool(function_declarations=[WEATHER])],
    )
    results = {}
    async with client.aio.live.connect(model=MODEL, config=config) as session:
        # 1. a text turn
        await session.send_realtime_input(text="What is the capital of France?")
        await asyncio.wait_for(collect(session, results, "text"), 20)
        # 2. an audio turn (16 kHz PCM16, automatic activity detection)
        speech = synthesize("What time is it?", voice="Puck", sample_rate=16000).pcm
        pcm = bytes(32 * 300) + speech + bytes(32 * 900)
        for start in range(0, len(pcm), 3200):
            blob = types.Blob(data=pcm[start : start + 3200], mime_type="audio/pcm;rate=16000")
            await session.send_realtime_input(audio=blob)
        await asyncio.wait_for(collect(session, results, "audio"), 20)
        # 3. a tool round trip
        await session.send_realtime_input(text="What's the weather in Oslo?")
        await asyncio.wait_for(collect(session, results, "tool"), 20)
        call = results["tool_calls"][0]
        await session.send_tool_response(
            function_responses=[
                types.FunctionResponse(
                    id=call["id"], name=call["name"], response={"output": {"temp_c": 7}}
                )
            ]
        )
        await asyncio.wait_for(collect(session, results, "answer"), 20)
    print(json.dumps(results))


asyncio.run(main(sys.argv[1]))
"""


async def _run_sdk(base_url: str, ca_file: Path) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOOGLE_", "GEMINI_"))}
    env["SSL_CERT_FILE"] = str(ca_file)
    with trio.fail_after(90):
        done = await trio.run_process(
            [sys.executable, "-c", SDK_SESSION, base_url, KEY],
            env=env,
            capture_stdout=True,
            capture_stderr=True,
            check=False,
        )
    assert done.returncode == 0, done.stderr.decode()[-4000:]
    result: dict[str, Any] = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return result


async def test_google_genai_text_audio_and_tool_turns(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    tls = LocalTLS.create(tmp_path)
    serve = functools.partial(
        serve_local_realtime,
        ssl_context=tls.server_context,
        pacing=Pacing.instant(),
        transcriber=ScriptedTranscriber(["What time is it?"]),
        require_api_key=KEY,
    )
    url: str = await nursery.start(serve)
    base_url = url.removesuffix("/v1/realtime").replace("wss://", "https://")
    results = await _run_sdk(base_url, tls.ca_file)

    assert results["mime"] == "audio/pcm;rate=24000"
    assert results["text"]["text"] == "The capital of France is Paris."
    assert results["text"]["audio_bytes"] > 24000
    assert results["text_usage"] > 0
    assert results["audio"]["heard"] == "What time is it?"
    assert results["audio"]["text"] == "It is 12:00 PM."
    (call,) = results["tool_calls"]
    assert (call["name"], call["args"]) == ("get_weather", {"city": "Oslo"})
    assert call["id"].startswith("function-call-")
    assert results["answer"]["text"] == "Here is what I found. Oslo: temp_c 7."
