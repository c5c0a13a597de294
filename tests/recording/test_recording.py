"""Record a session against the local server, replay it, get the same events; no key in the
file; audio elision, the size bound, divergence, the format's errors, Gemini's binary frames."""

from __future__ import annotations

import contextlib
import pathlib
from typing import Any

import orjson
import pytest
import trio

import trio_realtime as rt
from trio_realtime.recording import DIVERGED, TRUNCATED, read_recording
from trio_realtime.server import Pacing, ScriptedTranscriber, gemini_url, synthesize
from trio_realtime.testing import calls, start_local_server

pytestmark = pytest.mark.filterwarnings("ignore::trio.TrioDeprecationWarning")

KEY = "sk-proj-RecordingKey0123456789abcdefXYZ"


class Gate:
    """The tool answers once the app saw its response end: the order of a tool's outcome and
    the response's end is then the same in the recording and in the replay (otherwise it is
    the application's timing, which a replay does not reproduce)."""

    event = trio.Event()


async def weather(city: str) -> str:
    """The weather in a city."""
    await Gate.event.wait()
    return f"sunny in {city}"


TOOL_CONFIG = rt.Config(modalities=["audio"], turn_detection=None, tools=[weather])


def brain(request: Any) -> Any:
    if request.tool_outputs():
        return "It is sunny in Oslo."
    if "weather" in (request.last_user_text() or ""):
        return calls(("weather", {"city": "Oslo"}))
    return "Hello there."


async def script(session: rt.RealtimeSession) -> list[rt.SessionEvent]:
    """The client's side: a text turn with a tool round trip, then a spoken user turn."""
    events: list[rt.SessionEvent] = []
    stream = session.events()
    Gate.event = trio.Event()

    async def until_completed(count: int) -> None:
        done = 0
        async for event in stream:
            events.append(event)
            if event.kind == "assistant_turn_completed":
                Gate.event.set()
                done += 1
                if done == count:
                    return

    await session.send_text("what is the weather?")
    await until_completed(2)
    speech = synthesize("hello", sample_rate=24_000).pcm
    for start in range(0, len(speech), 4800):  # 100 ms frames
        await session.send_audio_frame(speech[start : start + 4800])
    await session.commit_audio()
    await until_completed(1)
    return events


def comparable(events: list[rt.SessionEvent]) -> list[dict[str, Any]]:
    return [rt.event_to_dict(event) for event in events]


async def record(path: pathlib.Path, **recorder: Any) -> list[rt.SessionEvent]:
    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            server = await start_local_server(
                nursery,
                brain=brain,
                pacing=Pacing.instant(),
                transcriber=ScriptedTranscriber(["hello"]),
            )
            gateway = rt.OpenAIGateway(url=server.url, api_key=KEY)
            broker = rt.Broker(
                "gpt-realtime",
                gateway=gateway,
                config=TOOL_CONFIG,
                recorder=rt.Recorder(path, **recorder),
            )
            async with broker.connect() as session:
                events = await script(session)
            nursery.cancel_scope.cancel()
    return events


async def replay(path: pathlib.Path) -> tuple[list[rt.SessionEvent], rt.ReplayGateway]:
    gateway = rt.ReplayGateway(path)
    with trio.fail_after(10):
        async with rt.Broker(
            "gpt-realtime", gateway=gateway, config=TOOL_CONFIG
        ).connect() as session:
            events = await script(session)
    return events, gateway


async def test_a_replay_gives_the_same_event_sequence(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "call.jsonl"
    original = await record(path)
    replayed, gateway = await replay(path)
    assert gateway.divergences == []
    assert comparable(replayed) == comparable(original)
    kinds = {e.kind for e in original}
    assert {"tool_call_completed", "assistant_audio_delta", "user_transcript"} <= kinds


async def test_no_key_anywhere_in_a_recording(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "call.jsonl"
    await record(path)
    data = path.read_bytes()
    assert KEY.encode() not in data
    assert KEY[-12:].encode() not in data
    (connection,) = read_recording(path)
    header = connection.header
    assert header["provider"] == "openai" and header["model"] == "gpt-realtime"
    assert ["Authorization", "[redacted]"] in header["headers"]
    assert header["url"].startswith("ws://127.0.0.1:") and "model=gpt-realtime" in header["url"]
    times = [line["t"] for line in connection.lines]
    assert times == sorted(times) and times[0] >= 0
    assert connection.lines[-1]["event"] == "close"
    assert connection.lines[-1]["initiator"] == "client"


async def test_a_recording_without_audio_replays_the_same_events_with_silence(
    tmp_path: pathlib.Path,
) -> None:
    path = tmp_path / "quiet.jsonl"
    original = await record(path, audio=False)
    data = path.read_text()
    assert "bytes>" in data and '"elided":true' in data
    replayed, _ = await replay(path)
    assert [e.kind for e in replayed] == [e.kind for e in original]
    heard = [e for e in original if isinstance(e, rt.AssistantAudioDelta)]
    silent = [e for e in replayed if isinstance(e, rt.AssistantAudioDelta)]
    assert [len(e.pcm) for e in silent] == [len(e.pcm) for e in heard]
    assert all(not any(e.pcm) for e in silent) and any(any(e.pcm) for e in heard)
    full = tmp_path / "full.jsonl"
    await record(full)
    assert path.stat().st_size < full.stat().st_size / 2


async def test_the_size_bound_drops_audio_first_then_truncates(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "bounded.jsonl"
    await record(path, max_bytes=20_000)
    assert path.stat().st_size <= 20_000
    (connection,) = read_recording(path)
    events = [line.get("event") for line in connection.lines if "event" in line]
    assert events[0] == "audio_off"
    assert "truncated" in events
    assert connection.truncated
    gateway = rt.ReplayGateway(path)
    with trio.fail_after(10):
        async with rt.Broker(
            "gpt-realtime", gateway=gateway, config=TOOL_CONFIG
        ).connect() as session:
            with session.subscribe(kinds={"session_closed"}) as closes:
                # as far as the recording goes; then closed (the next command may see it)
                with contextlib.suppress(rt.SessionClosedError):
                    await script(session)
                (closed,) = [event async for event in closes]
    assert isinstance(closed, rt.SessionClosed)
    assert closed.code == TRUNCATED


async def test_a_diverging_client_gets_a_clear_close(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "call.jsonl"
    await record(path)
    gateway = rt.ReplayGateway(path)
    with trio.fail_after(10):
        async with rt.Broker(
            "gpt-realtime", gateway=gateway, config=TOOL_CONFIG
        ).connect() as session:
            await session.commit_audio()  # the recording's client sent a text message here
            closed = [e async for e in session.events() if e.kind == "session_closed"]
            with pytest.raises(rt.SessionClosedError, match="replay diverged"):
                await session.send_text("too late")
    (event,) = closed
    assert event.code == DIVERGED  # type: ignore[union-attr]
    assert "expected 'conversation.item.create', got 'input_audio_buffer.commit'" in (
        event.message  # type: ignore[union-attr]
    )
    assert gateway.divergences and "client frame 2" in gateway.divergences[0]
    with pytest.raises(rt.RealtimeConnectionError, match="no more connections"):
        async with rt.Broker("gpt-realtime", gateway=gateway).connect():
            pass


def test_files_that_are_not_recordings(tmp_path: pathlib.Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    with pytest.raises(ValueError, match="bad.jsonl:1: not JSON"):
        rt.ReplayGateway(bad)
    bad.write_text('{"t": 0, "dir": "recv", "text": "x"}\n')
    with pytest.raises(ValueError, match="starts with a header"):
        rt.ReplayGateway(bad)
    bad.write_text(orjson.dumps({"event": "connection", "version": 99}).decode() + "\n")
    with pytest.raises(ValueError, match="format version 99"):
        rt.ReplayGateway(bad)
    bad.write_text("")
    with pytest.raises(ValueError, match="empty recording"):
        rt.ReplayGateway(bad)
    with pytest.raises(ValueError, match="max_bytes"):
        rt.Recorder(bad, max_bytes=10)


async def test_gemini_binary_frames_round_trip(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "gemini.jsonl"
    model = "gemini-2.5-flash-native-audio-preview-12-2025"
    config = rt.Config(modalities=["text"], turn_detection=None)

    async def talk(session: rt.RealtimeSession) -> list[dict[str, Any]]:
        out = []
        await session.send_text("hello")
        async for event in session.events():
            data = rt.event_to_dict(event)
            if event.kind == "session_opened":
                data["session_id"] = None  # Gemini's session id is made up by the client
            out.append(data)
            if event.kind == "assistant_turn_completed":
                return out
        raise AssertionError("no answer")

    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            server = await start_local_server(nursery, brain=brain, pacing=Pacing.instant())
            gateway = rt.GeminiGateway(url=gemini_url(server.url), api_key="AIza" + "x" * 35)
            broker = rt.Broker(model, gateway=gateway, config=config, recorder=rt.Recorder(path))
            async with broker.connect() as session:
                original = await talk(session)
            nursery.cancel_scope.cancel()
    (connection,) = read_recording(path)
    assert connection.provider == "gemini"
    assert any("binary" in line for line in connection.lines)  # Google's frames are binary
    assert "AIza" + "x" * 35 not in path.read_text()
    replay_gateway = rt.ReplayGateway(path)
    async with rt.Broker(model, gateway=replay_gateway, config=config).connect() as session:
        assert session.provider == "gemini"
        assert await talk(session) == original


async def test_a_reconnect_keeps_recording_on_the_new_connection(tmp_path: pathlib.Path) -> None:
    from trio_realtime.server import Faults

    path = tmp_path / "reconnect.jsonl"
    config = rt.Config(modalities=["text"], turn_detection=None)
    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            server = await start_local_server(
                nursery, pacing=Pacing.instant(), faults=Faults(drop_after=4, connections=1)
            )
            broker = rt.Broker(
                "gpt-realtime",
                gateway=rt.OpenAIGateway(url=server.url, api_key=KEY),
                config=config,
                recorder=rt.Recorder(path),
                reconnect=rt.Reconnect(backoff=(0.01, 0.01), jitter=0),
            )
            async with broker.connect() as session:
                events = session.events()
                await session.send_text("Hello!")
                async for event in events:
                    if event.kind == "reconnected":
                        break
                await session.send_text("Are you there?")
                async for event in events:
                    if event.kind == "assistant_turn_completed":
                        break
            nursery.cancel_scope.cancel()
    connections = read_recording(path)
    assert len(connections) == 2  # the dropped one, and the one the reconnect opened
    assert KEY not in path.read_text()
