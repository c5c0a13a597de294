"""Golden wire sequences: server frames in, the exact events and signals out (no trio)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson
import pytest

from trio_realtime._turns import TurnMachine
from trio_realtime.config import Config, ServerVad, Transcription
from trio_realtime.events import (
    AssistantAudioDelta,
    AssistantText,
    AssistantTextDelta,
    AssistantTranscript,
    AssistantTranscriptDelta,
    AssistantTurnCompleted,
    AssistantTurnStarted,
    SessionOpened,
    SessionUpdated,
    ToolCallArgsDelta,
    ToolCallStarted,
    Usage,
    UserSpeechStarted,
    UserSpeechStopped,
    UserTranscript,
    UserTranscriptDelta,
)
from trio_realtime.protocol.openai import OpenAIProtocol
from trio_realtime.protocol.signals import (
    AssistantItemAdded,
    Decoded,
    SessionReady,
    SessionSettings,
    ToolCallReady,
)

from . import flows
from .flows import Frame

VAD_ON = SessionSettings(turn_detection=True, create_response=True, interrupt_response=True)
VAD_OFF = SessionSettings(turn_detection=False, create_response=False, interrupt_response=False)
TEXT = Config(modalities=["text"], turn_detection=None, input_audio_transcription=False)
AUDIO = Config(
    turn_detection=ServerVad(silence_duration_ms=500),
    input_audio_transcription=Transcription(language="en"),
    voice="marin",
)


def feed(codec: OpenAIProtocol, frames: Iterable[Frame]) -> list[Decoded]:
    out: list[Decoded] = []
    for frame in frames:
        out += codec.receive(orjson.dumps(frame))
    return out


def usage(
    inp: int, out: int, *, audio_in: int = 0, audio_out: int = 0, cached_audio: int = 0
) -> Usage:
    """The recordings' usage: every cached token in them is an audio token."""
    return Usage(
        input_tokens=inp,
        output_tokens=out,
        total_tokens=inp + out,
        input_text_tokens=inp - audio_in,
        input_audio_tokens=audio_in,
        cached_tokens=cached_audio,
        cached_audio_tokens=cached_audio,
        output_text_tokens=out - audio_out,
        output_audio_tokens=audio_out,
    )


def session_of(frames: list[Frame], index: int) -> Any:
    return frames[index]["session"]


def expected_text_turn(frames: list[Frame]) -> list[Decoded]:
    return [
        SessionOpened(session_id="sess_T1"),
        VAD_ON,  # session.created reports the server's default server_vad
        SessionUpdated(config=session_of(frames, 1)),
        VAD_OFF,
        SessionReady(),  # session.created, then the session.updated for our configuration
        AssistantTurnStarted(turn_id="resp_T1"),
        AssistantItemAdded(turn_id="resp_T1", item_id="item_A1"),
        AssistantTextDelta(turn_id="resp_T1", item_id="item_A1", delta="The capital"),
        AssistantTextDelta(turn_id="resp_T1", item_id="item_A1", delta=" of Canada is Ottawa."),
        AssistantText(
            turn_id="resp_T1", item_id="item_A1", text="The capital of Canada is Ottawa."
        ),
        AssistantTurnCompleted(turn_id="resp_T1", status="completed", usage=usage(140, 9)),
    ]


def _audio(turn: str, item: str, pcm: bytes, rate: int = 24_000) -> AssistantAudioDelta:
    return AssistantAudioDelta(turn_id=turn, item_id=item, pcm=pcm, sample_rate=rate)


def expected_audio_turn(frames: list[Frame]) -> list[Decoded]:
    reply = flows.AUDIO_REPLY
    said = "Sure! Why did the scarecrow win an award?"
    return [
        SessionUpdated(config=session_of(frames, 0)),
        VAD_ON,
        UserSpeechStarted(at_ms=1236, item_id="item_U2"),
        UserSpeechStopped(at_ms=3808, item_id="item_U2"),
        AssistantTurnStarted(turn_id="resp_V1"),
        AssistantItemAdded(turn_id="resp_V1", item_id="item_A2"),
        AssistantTranscriptDelta(turn_id="resp_V1", item_id="item_A2", delta="Sure! Why did"),
        _audio("resp_V1", "item_A2", reply[:3200]),  # 3201 bytes: one byte carried
        UserTranscriptDelta(item_id="item_U2", delta="Tell me a joke."),
        UserTranscript(item_id="item_U2", text="Tell me a joke."),
        AssistantTranscriptDelta(
            turn_id="resp_V1", item_id="item_A2", delta=" the scarecrow win an award?"
        ),
        _audio("resp_V1", "item_A2", reply[3200:6400]),  # carry + 3200 -> carry again
        _audio("resp_V1", "item_A2", reply[6400:]),  # carry + 3199: even again
        AssistantTranscript(turn_id="resp_V1", item_id="item_A2", text=said),
        AssistantTurnCompleted(
            turn_id="resp_V1",
            status="completed",
            usage=usage(132, 188, audio_in=73, audio_out=147, cached_audio=64),
        ),
    ]


def expected_tool_call(frames: list[Frame]) -> list[Decoded]:
    call = flows.CALL_ID
    answer = "It's 18 degrees and cloudy in Paris."
    return [
        SessionUpdated(config=session_of(frames, 0)),
        VAD_ON,
        AssistantTurnStarted(turn_id="resp_F1"),
        ToolCallStarted(turn_id="resp_F1", call_id=call, name="get_weather"),
        ToolCallArgsDelta(turn_id="resp_F1", call_id=call, delta='{"city":'),
        ToolCallArgsDelta(turn_id="resp_F1", call_id=call, delta='"Paris"}'),
        ToolCallReady(
            turn_id="resp_F1", call_id=call, name="get_weather", arguments='{"city":"Paris"}'
        ),
        AssistantTurnCompleted(turn_id="resp_F1", status="completed", usage=usage(301, 15)),
        AssistantTurnStarted(turn_id="resp_F2"),
        AssistantItemAdded(turn_id="resp_F2", item_id="item_A3"),
        AssistantTranscriptDelta(turn_id="resp_F2", item_id="item_A3", delta=answer),
        _audio("resp_F2", "item_A3", flows.ANSWER_AUDIO),
        AssistantTranscript(turn_id="resp_F2", item_id="item_A3", text=answer),
        AssistantTurnCompleted(
            turn_id="resp_F2",
            status="completed",
            usage=usage(340, 96, audio_out=74, cached_audio=256),
        ),
    ]


def expected_parallel_calls(frames: list[Frame]) -> list[Decoded]:
    out: list[Decoded] = [AssistantTurnStarted(turn_id="resp_P1")]
    for call, city in ((flows.CALL_A, "Paris"), (flows.CALL_B, "Rome")):
        args = f'{{"city":"{city}"}}'
        out += [
            ToolCallStarted(turn_id="resp_P1", call_id=call, name="get_weather"),
            ToolCallArgsDelta(turn_id="resp_P1", call_id=call, delta=args),
            ToolCallReady(turn_id="resp_P1", call_id=call, name="get_weather", arguments=args),
        ]
    out.append(AssistantTurnCompleted(turn_id="resp_P1", status="completed", usage=usage(310, 30)))
    return out


def expected_barge_in(frames: list[Frame]) -> list[Decoded]:
    partial = "Once upon a time, in a quiet village"
    audio = flows.BARGE_AUDIO
    return [
        AssistantTurnStarted(turn_id="resp_B1"),
        AssistantItemAdded(turn_id="resp_B1", item_id="item_A5"),
        AssistantTranscriptDelta(turn_id="resp_B1", item_id="item_A5", delta=partial),
        _audio("resp_B1", "item_A5", audio[:1920]),
        _audio("resp_B1", "item_A5", audio[1920:]),
        UserSpeechStarted(at_ms=20480, item_id="item_U6"),
        AssistantTranscript(turn_id="resp_B1", item_id="item_A5", text=partial),
        AssistantTurnCompleted(
            turn_id="resp_B1",
            status="cancelled",
            usage=usage(420, 61, audio_in=300, audio_out=49, cached_audio=384),
            status_reason="turn_detected",
        ),
        # conversation.item.truncated -> nothing; response_cancel_not_active -> nothing
        UserSpeechStopped(at_ms=22112, item_id="item_U6"),
        AssistantTurnStarted(turn_id="resp_B2"),
    ]


def expected_rate_limited(frames: list[Frame]) -> list[Decoded]:
    from trio_realtime.events import RateLimited

    return [
        AssistantTurnStarted(turn_id="resp_R1"),
        RateLimited(reset_ms=3282, details=flows.RATE_LIMIT_ERROR),
        AssistantTurnCompleted(turn_id="resp_R1", status="failed", usage=None),
        # the drained rate_limits.updated (remaining 0) that follows adds nothing
    ]


CASES = {
    "text_turn": (TEXT, expected_text_turn),
    "audio_turn": (AUDIO, expected_audio_turn),
    "tool_call": (Config(), expected_tool_call),
    "parallel_calls": (Config(), expected_parallel_calls),
    "barge_in": (Config(), expected_barge_in),
    "rate_limited": (Config(), expected_rate_limited),
}


def test_every_flow_has_a_case() -> None:
    assert set(CASES) == set(flows.FLOW_NAMES)


@pytest.mark.parametrize("name", flows.FLOW_NAMES)
def test_golden_flow(name: str) -> None:
    config, expected = CASES[name]
    frames = flows.load(name)
    codec = OpenAIProtocol(config)
    assert feed(codec, frames) == expected(frames)
    stats = codec.statistics()
    assert stats.malformed_frames == 0
    assert stats.unknown_event_types == {}
    assert stats.unknown_fields == {}


@pytest.mark.parametrize("name", flows.FLOW_NAMES)
def test_beta_event_names_give_the_same_events(name: str) -> None:
    config, expected = CASES[name]
    frames = flows.load(name)
    beta = flows.to_beta(frames)
    assert {f["type"] for f in beta} != {f["type"] for f in frames} or name in (
        "parallel_calls",
        "rate_limited",
    )
    codec = OpenAIProtocol(config)
    assert feed(codec, beta) == expected(frames)
    assert codec.statistics().unknown_event_types == {}


@pytest.mark.parametrize("name", flows.FLOW_NAMES)
def test_frames_one_by_one_match_their_events(name: str) -> None:
    """Feeding frame by frame and all at once agree; silent frames give exactly []."""
    config, expected = CASES[name]
    frames = flows.load(name)
    codec = OpenAIProtocol(config)
    per_frame = [codec.receive(orjson.dumps(frame)) for frame in frames]
    assert [d for out in per_frame for d in out] == expected(frames)
    silent = {
        "conversation.item.added",
        "conversation.item.done",
        "input_audio_buffer.committed",
        "response.content_part.added",
        "response.content_part.done",
        "response.output_audio.done",
        "conversation.item.truncated",
    }
    for frame, out in zip(frames, per_frame, strict=True):
        if frame["type"] in silent:
            assert out == [], frame["type"]


def test_audio_counts_samples_per_item() -> None:
    """The turn machine counts the received audio (in samples) of each item it publishes."""
    codec = OpenAIProtocol(AUDIO)
    machine = TurnMachine(AUDIO, codec)
    frames = flows.load("audio_turn")
    first_delta = next(
        i for i, f in enumerate(frames) if f["type"] == "response.output_audio.delta"
    )
    for item in feed(codec, frames[: first_delta + 1]):
        machine.apply(item, 0.0)
    assert machine.received_ms("item_A2") == pytest.approx(1600 / 24)
    for item in feed(codec, frames[first_delta + 1 :]):
        machine.apply(item, 0.0)
    assert machine.received_ms("item_A2") == pytest.approx(200.0)  # the carried byte counts
    assert machine.received_ms("item_never_seen") == 0


def test_decoded_audio_is_the_sent_pcm() -> None:
    codec = OpenAIProtocol(AUDIO)
    out = feed(codec, flows.load("audio_turn"))
    deltas = [d for d in out if isinstance(d, AssistantAudioDelta)]
    assert [len(d.pcm) for d in deltas] == [3200, 3200, 3200]
    assert all(d.sample_rate == 24_000 for d in deltas)
    assert b"".join(d.pcm for d in deltas) == flows.AUDIO_REPLY
    assert sum(d.duration_ms for d in deltas) == pytest.approx(200.0)
    joined = [s for d in deltas for s in d.samples.tolist()]
    assert max(joined) > 8900
    assert min(joined) < -8900


def test_odd_carry_is_per_item() -> None:
    """A byte carried for one item never leaks into another item's audio."""
    codec = OpenAIProtocol(Config())
    a, b = flows.tone(10), flows.tone(10, freq=880.0)

    def delta(item: str, data: bytes) -> bytes:
        frame = {
            "type": "response.output_audio.delta",
            "event_id": "e",
            "response_id": "resp_1",
            "item_id": item,
            "output_index": 0,
            "content_index": 0,
            "delta": flows.b64(data),
        }
        return orjson.dumps(frame)

    out = codec.receive(delta("item_a", a[:101]))
    out += codec.receive(delta("item_b", b[:99]))
    out += codec.receive(delta("item_a", a[101:]))
    out += codec.receive(delta("item_b", b[99:]))
    pcm = {"item_a": b"", "item_b": b""}
    for event in out:
        assert isinstance(event, AssistantAudioDelta)
        assert len(event.pcm) % 2 == 0
        pcm[event.item_id] += event.pcm
    assert pcm == {"item_a": a, "item_b": b}


def test_session_settings_from_beta_session_shape() -> None:
    codec = OpenAIProtocol(Config())
    beta_session = {
        "id": "sess_1",
        "modalities": ["text", "audio"],
        "turn_detection": {"type": "server_vad", "create_response": False},
    }
    frame = {"type": "session.updated", "event_id": "e", "session": beta_session}
    assert codec.receive(orjson.dumps(frame)) == [
        SessionUpdated(config=beta_session),
        SessionSettings(turn_detection=True, create_response=False, interrupt_response=True),
    ]


def test_semantic_vad_without_auto_response() -> None:
    session = flows.load("text_turn")[0]["session"]
    session["audio"]["input"]["turn_detection"] = {
        "type": "semantic_vad",
        "eagerness": "low",
        "create_response": False,
        "interrupt_response": False,
    }
    codec = OpenAIProtocol(Config())
    out = codec.receive(
        orjson.dumps({"type": "session.created", "event_id": "e", "session": session})
    )
    assert out == [
        SessionOpened(session_id="sess_T1"),
        SessionSettings(turn_detection=True, create_response=False, interrupt_response=False),
    ]
