"""Out-of-band responses in the turn machine (plain data, no trio): they run beside the default
conversation's response and never become its live turn."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from trio_realtime._actions import SealBatch, Send, StartCall
from trio_realtime._turns import TurnMachine
from trio_realtime.config import Config, ResponseOptions
from trio_realtime.events import (
    AssistantAudioDelta,
    AssistantTurnCompleted,
    AssistantTurnStarted,
    Interrupted,
    ToolBatchSubmitted,
    ToolCallCompleted,
    UserSpeechStarted,
)
from trio_realtime.protocol import (
    AssistantItemAdded,
    GeminiProtocol,
    OpenAIProtocol,
    ToolCallReady,
    UnsupportedCommand,
)

from .wire import check_client_frame

OOB = ResponseOptions(out_of_band=True, metadata={"purpose": "classify"})


def classify(mood: str) -> str:
    """Record the user's mood."""
    return mood


def machine(**config: Any) -> TurnMachine:
    cfg = Config(**{"modalities": ["audio"], "turn_detection": None, **config})
    return TurnMachine(cfg, OpenAIProtocol(cfg))


def sent(actions: list[Any]) -> list[dict[str, Any]]:
    return [check_client_frame(a.message) for a in actions if isinstance(a, Send)]


def test_an_out_of_band_request_goes_out_while_a_response_is_active() -> None:
    m = machine()
    assert [e["type"] for e in sent(m.request_response(None))] == ["response.create"]
    m.apply(AssistantTurnStarted(turn_id="r1"), 0.0)
    assert m.response_state == "active"
    (oob,) = sent(m.request_response(OOB))
    assert oob["response"] == {"metadata": {"purpose": "classify"}, "conversation": "none"}
    assert sent(m.request_response(None)) == []  # the default conversation still queues
    m.apply(
        AssistantTurnStarted(turn_id="o1", out_of_band=True, metadata={"purpose": "classify"}), 0.1
    )
    assert m.current_turn_id == "r1"
    done = m.apply(AssistantTurnCompleted(turn_id="o1", status="completed", out_of_band=True), 0.2)
    assert [type(a).__name__ for a in done] == ["AssistantTurnCompleted"]  # no queued create yet
    done = m.apply(AssistantTurnCompleted(turn_id="r1", status="completed"), 0.3)
    assert [e["type"] for e in sent(done)] == ["response.create"]  # the queued one, after r1


def test_an_out_of_band_start_does_not_satisfy_a_pending_request() -> None:
    m = machine()
    m.request_response(None)
    m.request_response(OOB)
    m.apply(AssistantTurnStarted(turn_id="o1", out_of_band=True), 0.0)
    assert m.response_state == "requested"  # ours has not started yet
    m.apply(AssistantTurnStarted(turn_id="r1"), 0.1)
    assert m.response_state == "active"


def test_a_barge_in_leaves_the_out_of_band_response_alone() -> None:
    m = machine()
    m.request_response(OOB)
    m.apply(AssistantTurnStarted(turn_id="o1", out_of_band=True), 0.0)
    m.apply(AssistantItemAdded(turn_id="o1", item_id="item_o"), 0.0)
    audio = AssistantAudioDelta(
        turn_id="o1", item_id="item_o", pcm=b"\x00\x00" * 2400, sample_rate=24000
    )
    assert m.apply(audio, 0.0) == [audio]
    actions = m.apply(UserSpeechStarted(at_ms=10, item_id="u1"), 0.05)
    assert not any(isinstance(a, Interrupted) for a in actions)
    assert sent(actions) == []  # no cancel, no truncate
    assert m.apply(audio, 0.06) == [audio]  # its audio still flows


def test_out_of_band_tool_calls_run_but_are_not_submitted() -> None:
    m = machine(tools=[classify])
    m.request_response(OOB)
    m.apply(AssistantTurnStarted(turn_id="o1", out_of_band=True), 0.0)
    actions = m.apply(
        ToolCallReady(turn_id="o1", call_id="c1", name="classify", arguments='{"mood":"happy"}'),
        0.0,
    )
    assert any(isinstance(a, StartCall) for a in actions)
    done = m.apply(AssistantTurnCompleted(turn_id="o1", status="completed", out_of_band=True), 0.1)
    assert isinstance(done[0], SealBatch)
    actions = m.call_succeeded("o1", "c1", "happy", "happy")
    assert [type(a) for a in actions] == [ToolCallCompleted]
    assert not any(isinstance(a, (Send, ToolBatchSubmitted)) for a in actions)


def test_a_provider_without_out_of_band_responses_refuses() -> None:
    cfg = Config(modalities=["text"], turn_detection=None)
    m = TurnMachine(cfg, GeminiProtocol(cfg, model="gemini-live"))
    with pytest.raises(UnsupportedCommand, match="gemini cannot run out-of-band"):
        m.request_response(OOB)


def test_the_out_of_band_request_id_is_not_matched_to_a_rejection() -> None:
    m = machine()
    (oob,) = sent(m.request_response(OOB))
    codec = m._codec
    error = {
        "type": "error",
        "event_id": "e1",
        "error": {
            "type": "invalid_request_error",
            "code": "x",
            "message": "bad",
            "event_id": oob["event_id"],
        },
    }
    assert [type(d).__name__ for d in codec.receive(orjson.dumps(error))] == ["Error"]


def test_a_lost_connection_ends_out_of_band_responses_too() -> None:
    m = machine()
    m.request_response(None)
    m.apply(AssistantTurnStarted(turn_id="r1"), 0.0)
    m.request_response(OOB)
    m.apply(AssistantTurnStarted(turn_id="o1", out_of_band=True), 0.0)
    ended = [a for a in m.connection_lost(1.0) if isinstance(a, AssistantTurnCompleted)]
    assert [(e.turn_id, e.status, e.out_of_band) for e in ended] == [
        ("r1", "incomplete", False),
        ("o1", "incomplete", True),
    ]
    assert m.response_state == "idle"


def test_out_of_band_answers_stay_out_of_the_history() -> None:
    from trio_realtime._conversation import ConversationLog
    from trio_realtime.events import AssistantText

    log = ConversationLog()
    log.user_text("hi")
    for event in (
        AssistantTurnStarted(turn_id="o1", out_of_band=True),
        AssistantText(turn_id="o1", item_id="i_o", text="mood: happy"),
        AssistantTurnStarted(turn_id="r1"),
        AssistantText(turn_id="r1", item_id="i_r", text="Hello!"),
    ):
        log.observe(event)
    assert [getattr(i, "text", None) for i in log.snapshot().items] == ["hi", "Hello!"]


def test_a_session_of_only_out_of_band_responses_keeps_bounded_turn_state() -> None:
    m = machine()
    for n in range(200):
        m.request_response(OOB)
        m.apply(AssistantTurnStarted(turn_id=f"o{n}", out_of_band=True), float(n))
        m.apply(AssistantTurnCompleted(turn_id=f"o{n}", status="completed", out_of_band=True), n)
    assert len(m._turns) <= 2  # the running one and, at most, the last finished one
