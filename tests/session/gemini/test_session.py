"""A real RealtimeSession against a scripted Gemini Live peer, on trio's virtual clock."""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import orjson
import pytest
import trio
import trio.testing

import trio_realtime as rt
from trio_realtime.audio import StreamResampler
from trio_realtime.history import AssistantMessage, History, UserMessage
from trio_realtime.testing import GeminiPeer, MemoryGateway
from trio_realtime.testing import gemini_frames as g

from ...protocol.gemini.genai_wire import validate_client

MODEL = "gemini-2.5-flash-native-audio-preview-12-2025"


def tone(ms: int, *, rate: int = 24_000, freq: float = 440.0) -> bytes:
    t = np.arange(rate * ms // 1000, dtype=np.float64)
    return (9000 * np.sin(2 * np.pi * freq * t / rate)).astype("<i2").tobytes()


class Recorder:
    """Client messages and published events, each with the virtual time it appeared."""

    def __init__(self) -> None:
        self.frames: list[tuple[float, dict[str, Any]]] = []
        self.events: list[tuple[float, rt.SessionEvent]] = []

    async def frames_from(self, peer: GeminiPeer) -> None:
        while True:
            frame = await peer.receive()
            validate_client(orjson.dumps(frame).decode())  # as google-genai would accept it
            self.frames.append((trio.current_time(), frame))

    async def events_from(self, session: rt.RealtimeSession) -> None:
        async for event in session.events():
            self.events.append((trio.current_time(), event))

    def kinds(self) -> list[str]:
        return [GeminiPeer.kind(f) for _, f in self.frames]

    def of(self, kind: str) -> list[tuple[float, Any]]:
        return [(t, e) for t, e in self.events if e.kind == kind]


async def _connect(nursery: trio.Nursery, **config: Any) -> tuple[rt.RealtimeSession, GeminiPeer]:
    gateway = MemoryGateway(provider="gemini")
    session = await rt.connect_session(nursery, MODEL, gateway=gateway, config=rt.Config(**config))
    assert isinstance(gateway.last_peer, GeminiPeer)
    return session, gateway.last_peer


async def _until(events: rt.EventStream, kind: str) -> list[rt.SessionEvent]:
    out = []
    async for event in events:
        out.append(event)
        if event.kind == kind:
            return out
    raise AssertionError(f"the stream ended before {kind}")


async def test_connect_sends_setup_and_waits_for_setup_complete(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway(provider="gemini", auto_handshake=False)
    config = rt.Config(instructions="Be brief.", voice="Kore")
    async with trio.open_nursery() as nursery:

        async def play() -> None:
            peer = await gateway.next_peer()
            await trio.sleep(3)
            setup = await peer.handshake()
            assert setup["model"] == f"models/{MODEL}"
            assert setup["systemInstruction"] == {"parts": [{"text": "Be brief."}]}

        nursery.start_soon(play)
        t0 = trio.current_time()
        session = await rt.connect_session(nursery, MODEL, gateway=gateway, config=config)
        assert trio.current_time() - t0 == 3  # connect returned at setupComplete
        assert session.provider == "gemini"
        assert session.session_id is not None and session.session_id.startswith("gemini_")
        events = await _until(session.events(), "session_updated")
        assert [e.kind for e in events] == ["session_opened", "session_updated"]
        assert events[1].config["generationConfig"]["speechConfig"] == {
            "voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Kore"}}
        }
        await session.aclose()


async def test_connect_times_out_without_setup_complete(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway(provider="gemini", auto_handshake=False, connect_timeout=4)
    t0 = trio.current_time()
    with pytest.raises(rt.RealtimeConnectionError, match="gemini handshake"):
        async with rt.open_session(MODEL, gateway=gateway):
            pass
    assert trio.current_time() - t0 == 4


async def test_text_is_answered_exactly_once(autojump_clock: trio.testing.MockClock) -> None:
    async with trio.open_nursery() as nursery:
        session, peer = await _connect(nursery, modalities=["text"], turn_detection=None)
        events = session.events()
        await _until(events, "session_updated")
        await session.send_text("Hello!")
        assert [GeminiPeer.kind(await peer.receive()) for _ in range(3)] == [
            "realtimeInput.activityStart",
            "realtimeInput.text",
            "realtimeInput.activityEnd",
        ]
        await trio.testing.wait_all_tasks_blocked()
        peer.assert_nothing_left()  # no second request: the text turn is the request
        await peer.send(*g.spoken_turn("Hi there!", tone(80), usage_metadata=g.usage(20, 4)))
        turn = await _until(events, "assistant_turn_completed")
        assert turn == [
            rt.AssistantTurnStarted(turn_id="turn_1"),
            rt.AssistantTextDelta(turn_id="turn_1", item_id="turn_1_out", delta="Hi there!"),
            rt.AssistantText(turn_id="turn_1", item_id="turn_1_out", text="Hi there!"),
            rt.AssistantTurnCompleted(
                turn_id="turn_1",
                status="completed",
                usage=rt.Usage(
                    input_tokens=20,
                    output_tokens=4,
                    total_tokens=24,
                    input_text_tokens=20,
                    output_text_tokens=4,
                ),
            ),
        ]
        await session.aclose()


async def test_audio_turn_with_server_vad(autojump_clock: trio.testing.MockClock) -> None:
    async with trio.open_nursery() as nursery:
        session, peer = await _connect(nursery)
        events = session.events()
        await _until(events, "session_updated")
        mic = tone(200, freq=300.0)
        for start in range(0, len(mic), 960):  # 20 ms frames at 24 kHz
            await session.send_audio_frame(mic[start : start + 960])
        received = b""
        for _ in range(10):
            message = await peer.expect("realtimeInput.audio")
            assert message["realtimeInput"]["audio"]["mimeType"] == "audio/pcm;rate=16000"
            received += base64.b64decode(message["realtimeInput"]["audio"]["data"])
        held = StreamResampler(24_000, 16_000).latency_samples  # the resampler's lookahead
        assert 3200 - held <= len(received) // 2 <= 3200  # 200 ms at 16 kHz
        answer = tone(120)
        await peer.send(
            g.input_transcript("What is"),
            g.input_transcript(" this?", finished=True),
            *g.spoken_turn("A tone.", answer, chunks=3),
        )
        out = await _until(events, "assistant_turn_completed")
        assert [e.kind for e in out] == [
            "user_transcript_delta",
            "user_transcript_delta",
            "user_transcript",
            "assistant_turn_started",
            "assistant_audio_delta",
            "assistant_transcript_delta",
            "assistant_audio_delta",
            "assistant_audio_delta",
            "assistant_transcript",
            "assistant_turn_completed",
        ]
        audio = [e for e in out if isinstance(e, rt.AssistantAudioDelta)]
        assert b"".join(a.pcm for a in audio) == answer
        assert {a.sample_rate for a in audio} == {24_000}
        assert out[2] == rt.UserTranscript(item_id="user_1", text="What is this?")
        await session.aclose()


async def test_push_to_talk_brackets_the_turn(autojump_clock: trio.testing.MockClock) -> None:
    async with trio.open_nursery() as nursery:
        session, peer = await _connect(nursery, turn_detection=None)
        for _ in range(3):
            await session.send_audio_frame(tone(20))
        await session.commit_audio()  # turn detection off: this also asks for the answer
        kinds = [GeminiPeer.kind(await peer.receive()) for _ in range(5)]
        assert kinds == [
            "realtimeInput.activityStart",
            "realtimeInput.audio",
            "realtimeInput.audio",
            "realtimeInput.audio",
            "realtimeInput.activityEnd",
        ]
        await trio.testing.wait_all_tasks_blocked()
        peer.assert_nothing_left()  # activityEnd is the request: nothing more
        await session.aclose()


async def test_a_cancelled_frame_leaves_no_half_open_activity(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway(provider="gemini", buffer=1)
    async with trio.open_nursery() as nursery:
        session = await rt.connect_session(
            nursery, MODEL, gateway=gateway, config=rt.Config(turn_detection=None)
        )
        peer = gateway.last_peer
        assert peer is not None
        cancelled = 0
        for _ in range(100):  # fill the audio lane; later frames wait and are cancelled
            with trio.move_on_after(0.01) as scope:
                await session.send_audio_frame(tone(20))
            cancelled += scope.cancelled_caught
        assert cancelled
        rec = Recorder()
        async with trio.open_nursery() as reader:
            reader.start_soon(rec.frames_from, peer)  # the peer reads again: the lanes drain
            await session.commit_audio()
            await trio.sleep(1)
            reader.cancel_scope.cancel()
        kinds = rec.kinds()
        assert kinds[0] == "realtimeInput.activityStart"
        assert kinds[-1] == "realtimeInput.activityEnd"
        assert kinds.count("realtimeInput.activityStart") == 1
        assert kinds.count("realtimeInput.audio") == 100 - cancelled
        await session.aclose()


async def get_weather(city: str) -> dict[str, Any]:
    """Current weather for a city."""
    await trio.sleep(0.25)
    return {"city": city, "temp_c": 18}


async def get_time(timezone: str) -> str:
    """Local time in a time zone."""
    await trio.sleep(0.5)
    return "21:04"


async def test_two_calls_one_tool_response_and_the_model_goes_on(
    autojump_clock: trio.testing.MockClock,
) -> None:
    rec = Recorder()
    async with trio.open_nursery() as outer:
        session, peer = await _connect(outer, tools=[get_weather, get_time])
        async with trio.open_nursery() as nursery:
            nursery.start_soon(rec.frames_from, peer)
            nursery.start_soon(rec.events_from, session)
            t0 = trio.current_time()
            await peer.send(
                g.tool_call(
                    {
                        "c1": ("get_weather", {"city": "Tokyo"}),
                        "c2": ("get_time", {"timezone": "Asia/Tokyo"}),
                    }
                )
            )
            await trio.sleep(1)
            assert rec.kinds() == ["toolResponse"]  # one message for both, nothing else
            ((when, response),) = rec.frames
            assert when - t0 == 0.5  # when the slower call finished
            assert response["toolResponse"]["functionResponses"] == [
                {
                    "id": "c1",
                    "name": "get_weather",
                    "response": {"output": {"city": "Tokyo", "temp_c": 18}},
                },
                {"id": "c2", "name": "get_time", "response": {"output": "21:04"}},
            ]
            await peer.send(*g.spoken_turn("Rainy, 21:04.", tone(40)))
            await trio.sleep(1)
            nursery.cancel_scope.cancel()
        kinds = [e.kind for _, e in rec.events]
        assert kinds[kinds.index("assistant_turn_started") :] == [
            "assistant_turn_started",
            "tool_call_started",
            "tool_call_args_delta",
            "tool_call_dispatched",
            "tool_call_started",
            "tool_call_args_delta",
            "tool_call_dispatched",
            "assistant_turn_completed",
            "tool_call_completed",
            "tool_call_completed",
            "tool_batch_submitted",
            "assistant_turn_started",
            "assistant_audio_delta",
            "assistant_transcript_delta",
            "assistant_audio_delta",
            "assistant_transcript",
            "assistant_turn_completed",
        ]
        assert rec.of("tool_batch_submitted")[0][1].call_ids == ("c1", "c2")
        assert rec.kinds() == ["toolResponse"]  # the model went on by itself: no request
        await session.aclose()


ended: dict[str, tuple[str, float]] = {}


async def book_table(restaurant: str, guests: int) -> dict[str, Any]:
    """Book a table (takes five seconds)."""
    try:
        await trio.sleep(5)
    except trio.Cancelled:
        ended[restaurant] = ("cancelled", trio.current_time())
        raise
    ended[restaurant] = ("done", trio.current_time())
    return {"confirmed": True}


@pytest.mark.parametrize("policy", ["drop", "submit"])
async def test_barge_in_cancels_a_running_tool_by_policy(
    autojump_clock: trio.testing.MockClock, policy: str
) -> None:
    ended.clear()
    rec = Recorder()
    async with trio.open_nursery() as outer:
        session, peer = await _connect(outer, tools=[book_table], on_interrupt=policy)
        async with trio.open_nursery() as nursery:
            nursery.start_soon(rec.frames_from, peer)
            nursery.start_soon(rec.events_from, session)
            t0 = trio.current_time()
            await peer.send(
                g.audio(tone(100)),
                g.output_transcript("Booking it."),
                g.tool_call({"b1": ("book_table", {"restaurant": "Luigi's", "guests": 2})}),
            )
            await trio.sleep(1.0)
            await peer.send(g.interrupted())  # the user talks over it
            await trio.sleep(6.0)
            nursery.cancel_scope.cancel()
        ((when, interrupted),) = rec.of("interrupted")
        assert interrupted == rt.Interrupted(turn_id="turn_1", reason="barge_in")
        assert when - t0 == 1.0
        ((_, started),) = rec.of("user_speech_started")
        assert started.item_id == "user_1"
        if policy == "drop":
            assert ended["Luigi's"] == ("cancelled", t0 + 1.0)  # the scope exits at t == 1.0
            ((_, failed),) = rec.of("tool_call_failed")
            assert failed.call_id == "b1" and failed.error.startswith("interrupted")
            assert rec.kinds() == []  # a cancelled call gets no answer
            assert rec.of("tool_batch_submitted") == []
        else:
            assert ended["Luigi's"] == ("done", t0 + 5.0)
            assert rec.kinds() == ["toolResponse"]
            assert rec.frames[0][0] - t0 == 5.0
        await session.aclose()


async def test_tool_call_cancellation_withdraws_one_call(
    autojump_clock: trio.testing.MockClock,
) -> None:
    ended.clear()
    rec = Recorder()
    async with trio.open_nursery() as outer:
        session, peer = await _connect(outer, tools=[book_table, get_time])
        async with trio.open_nursery() as nursery:
            nursery.start_soon(rec.frames_from, peer)
            nursery.start_soon(rec.events_from, session)
            t0 = trio.current_time()
            await peer.send(
                g.tool_call(
                    {
                        "b1": ("book_table", {"restaurant": "Chez Nous", "guests": 4}),
                        "t1": ("get_time", {"timezone": "Europe/Paris"}),
                    }
                )
            )
            await trio.sleep(2.0)
            await peer.send(g.tool_call_cancellation(["b1"]))
            await trio.sleep(6.0)
            nursery.cancel_scope.cancel()
        assert ended["Chez Nous"] == ("cancelled", t0 + 2.0)
        ((_, failed),) = rec.of("tool_call_failed")
        assert failed.call_id == "b1" and "withdrew" in failed.error
        ((when, response),) = rec.frames
        assert when - t0 == 2.0  # sent once the withdrawn call is gone, with the other only
        assert [r["id"] for r in response["toolResponse"]["functionResponses"]] == ["t1"]
        ((_, submitted),) = rec.of("tool_batch_submitted")
        assert submitted.call_ids == ("t1",)
        assert rec.of("interrupted") == []  # a withdrawal is not an interruption
        await session.aclose()


async def test_update_instructions_and_unsupported_changes(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with trio.open_nursery() as nursery:
        session, peer = await _connect(nursery)
        await session.update_instructions("Speak French.")
        message = await peer.expect("contextUpdate")
        assert message["contextUpdate"] == {
            "systemInstruction": {"parts": [{"text": "Speak French."}]}
        }
        await session.update(tool_timeout=3.0)  # local only: nothing to send
        with pytest.raises(ValueError, match="cannot change voice"):
            await session.update(voice="Puck")
        await trio.testing.wait_all_tasks_blocked()
        peer.assert_nothing_left()
        assert session.config.voice is None and session.config.tool_timeout == 3.0
        await session.aclose()


async def test_a_close_code_ends_the_session(autojump_clock: trio.testing.MockClock) -> None:
    async with trio.open_nursery() as nursery:
        session, peer = await _connect(nursery)
        events = session.events()
        await _until(events, "session_updated")
        await peer.close(1011, "Internal error encountered.")
        error, closed = await _until(events, "session_closed")
        assert error == rt.Error(
            code="internal_error", message="Internal error encountered.", recoverable=True
        )
        assert closed == rt.SessionClosed(
            reason="server", code=1011, message="Internal error encountered."
        )
        with pytest.raises(rt.SessionClosedError) as info:
            await session.send_text("still there?")
        assert isinstance(info.value.__cause__, rt.ProviderError)
        assert info.value.__cause__.code == "internal_error"
        verdict = rt.GeminiGateway.classify_close(closed.code, closed.message)
        assert verdict.error_code == "internal_error" and verdict.retryable


async def test_a_cancelled_update_changes_neither_the_codec_nor_the_wire(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with trio.open_nursery() as nursery:
        session, peer = await _connect(nursery)
        with trio.CancelScope() as scope:
            scope.cancel()
            await session.update(instructions="Be brief.")
        assert session._rt.codec.config.instructions is None  # encoded only past the checkpoint
        await session.update(instructions="Be brief.")
        message = await peer.expect("contextUpdate")
        assert message["contextUpdate"]["systemInstruction"] == {"parts": [{"text": "Be brief."}]}
        await trio.testing.wait_all_tasks_blocked()
        peer.assert_nothing_left()
        await session.aclose()


async def test_initial_history_goes_out_after_setup_complete(
    autojump_clock: trio.testing.MockClock,
) -> None:
    saved = History(items=[UserMessage(text="I am Ada."), AssistantMessage(text="Hi Ada.")])
    gateway = MemoryGateway(provider="gemini", auto_handshake=False)
    broker = rt.Broker(MODEL, gateway=gateway, config=rt.Config(modalities=["text"]), history=saved)

    async def use() -> None:
        async with broker.connect() as session:
            await session.send_text("Who am I?")

    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(use)
            peer = await gateway.next_peer()
            setup = await peer.expect("setup")
            assert setup["setup"]["historyConfig"] == {"initialHistoryInClientContent": True}
            await trio.testing.wait_all_tasks_blocked()
            assert peer.pending() == []  # Gemini takes nothing before setupComplete
            await peer.send(g.setup_complete())
            seeded = await peer.expect("clientContent")
            assert seeded["clientContent"] == {
                "turns": [
                    {"role": "user", "parts": [{"text": "I am Ada."}]},
                    {"role": "model", "parts": [{"text": "Hi Ada."}]},
                ],
                "turnComplete": True,
            }
            typed = await peer.expect("realtimeInput.text")
            assert typed["realtimeInput"]["text"] == "Who am I?"
            for frame in (setup, seeded, typed):
                validate_client(orjson.dumps(frame).decode())
