"""The retained-audio bound (issue 13.4): a long session keeps at most ``retained_audio_seconds``
of audio, forgetting the oldest, while what the brain and the transcriber need is kept."""

from __future__ import annotations

import base64
from typing import Any

import orjson
import pytest

from trio_realtime.server import Limits, Pacing, RealtimeServerState, Transcribe
from trio_realtime.server._audio_input import InputAudio
from trio_realtime.server.conversation import Conversation

from .client import silence, speech
from .wire_validation import assert_valid_server_event

PCM16_PER_MS = 48.0


def test_conversation_forgets_the_oldest_audio_beyond_its_budget() -> None:
    conversation = Conversation("conv_1", audio_budget_ms=1000)
    for index in range(5):
        conversation.insert({"id": f"item_{index}", "type": "message", "content": []})
        conversation.set_audio(f"item_{index}", silence(400), PCM16_PER_MS)
    assert conversation.kept_audio_ms() <= 1000
    kept = [i for i in range(5) if conversation.audio(f"item_{i}") is not None]
    assert kept == [3, 4]  # the newest 800 ms; adding a third would pass 1000 ms
    assert [conversation.audio_ms(f"item_{i}") for i in range(5)] == [400.0] * 5
    assert "audio" not in str(conversation.retrieved("item_0"))


def test_a_streamed_item_longer_than_the_budget_is_forgotten_whole() -> None:
    conversation = Conversation("conv_1", audio_budget_ms=500)
    conversation.insert({"id": "item_a", "type": "message", "content": []})
    for _ in range(10):
        conversation.append_audio("item_a", silence(100), PCM16_PER_MS)
    assert conversation.audio("item_a") is None  # never a silently partial audio
    assert conversation.audio_ms("item_a") == 1000.0
    assert conversation.kept_audio_ms() == 0.0
    conversation.truncate_audio("item_a", 300)  # lengths still work
    assert conversation.audio_ms("item_a") == 300.0


def test_deleting_and_truncating_keep_the_accounting_right() -> None:
    conversation = Conversation("conv_1", audio_budget_ms=1000)
    for name in ("a", "b"):
        conversation.insert({"id": name, "type": "message", "content": []})
        conversation.set_audio(name, silence(500), PCM16_PER_MS)
    conversation.truncate_audio("a", 100)
    conversation.delete("b")
    assert conversation.kept_audio_ms() == pytest.approx(100.0)
    conversation.insert({"id": "c", "type": "message", "content": []})
    conversation.set_audio("c", silence(900), PCM16_PER_MS)
    assert conversation.audio("a") is not None and conversation.audio("c") is not None


def test_audio_given_again_counts_as_the_newest() -> None:
    conversation = Conversation("conv_1", audio_budget_ms=1000)
    for name in ("a", "b", "c"):
        conversation.insert({"id": name, "type": "message", "content": []})
        conversation.set_audio(name, silence(300), PCM16_PER_MS)
    conversation.set_audio("a", silence(300), PCM16_PER_MS)  # replaced: now the newest
    conversation.delete("c")
    conversation.insert({"id": "d", "type": "message", "content": []})
    conversation.append_audio("d", silence(300), PCM16_PER_MS)
    conversation.append_audio("d", silence(200), PCM16_PER_MS)  # 1100 ms: b goes first
    assert conversation.audio("b") is None
    assert conversation.audio("a") is not None and conversation.audio("d") is not None
    assert conversation.kept_audio_ms() == pytest.approx(800.0)


def test_uncommitted_input_audio_is_capped() -> None:
    audio = InputAudio(max_buffer_ms=1000)
    audio.configure({"type": "audio/pcm", "rate": 24000}, None)  # manual commits
    for _ in range(30):
        audio.append(silence(100))
    assert audio.buffered_ms == pytest.approx(1000.0)
    assert audio.clock_ms == pytest.approx(3000.0)


def _send(state: RealtimeServerState, type_: str, **fields: Any) -> list[Any]:
    return state.receive(orjson.dumps({"type": type_, **fields}))


def test_a_long_session_keeps_bounded_audio_and_still_transcribes_each_turn() -> None:
    state = RealtimeServerState(pacing=Pacing.instant(), limits=Limits(retained_audio_seconds=3))
    state.start()
    detector = {"type": "server_vad", "silence_duration_ms": 300, "create_response": False}
    _send(state, "session.update", session={"type": "realtime", "audio": {"input": {
        "turn_detection": detector}}})  # fmt: skip
    turn = silence(300) + speech("Hello there, how are you today?") + silence(600)
    transcribed: list[Transcribe] = []
    for _ in range(6):
        for start in range(0, len(turn), 4800):
            chunk = base64.b64encode(turn[start : start + 4800]).decode()
            out = _send(state, "input_audio_buffer.append", audio=chunk)
            for event in out:
                if isinstance(event, dict):
                    assert_valid_server_event(event)
            transcribed += [o for o in out if isinstance(o, Transcribe)]
    assert len(transcribed) == 6
    lengths = {len(t.pcm) for t in transcribed}
    assert len(lengths) == 1 and lengths.pop() > 24000  # every turn whole (> 0.5 s)
    assert state.conversation.kept_audio_ms() <= 3000
    items = state.conversation.items()
    assert state.conversation.audio(items[0]["id"]) is None
    assert state.conversation.audio(items[-1]["id"]) is not None
