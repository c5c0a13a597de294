"""The turn machine with plain data: decoded events and commands in, actions out (no trio)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from trio_realtime._actions import CancelCalls, InterruptBatch, SealBatch, Send, StartCall
from trio_realtime._turns import TurnMachine
from trio_realtime.config import Config, ResponseOptions
from trio_realtime.events import (
    AssistantAudioDelta,
    AssistantTextDelta,
    AssistantTurnCompleted,
    AssistantTurnStarted,
    Interrupted,
    ToolBatchSubmitted,
    ToolCallCompleted,
    ToolCallDispatched,
    ToolCallFailed,
    UserSpeechStarted,
)
from trio_realtime.protocol import (
    AssistantItemAdded,
    CodecTraits,
    OpenAIProtocol,
    ResponseRejected,
    SessionReady,
    SessionSettings,
    ToolCallReady,
    ToolCallsCancelled,
)


def get_weather(city: str) -> str:
    """Weather in a city."""
    return f"Sunny in {city}"


class Playback:
    def __init__(self) -> None:
        self.played: dict[str, float] = {}

    def played_ms(self, item_id: str) -> float | None:
        return self.played.get(item_id)


def machine(**config: Any) -> tuple[TurnMachine, Playback]:
    settings: dict[str, Any] = {"modalities": ["text"], "turn_detection": None, **config}
    playback = Playback()
    cfg = Config(**settings)
    return TurnMachine(cfg, OpenAIProtocol(cfg), playback), playback


def wire(action: Any) -> dict[str, Any]:
    assert isinstance(action, Send), action
    out: dict[str, Any] = orjson.loads(action.message)
    return out


def types(actions: list[Any]) -> list[str]:
    return [wire(a)["type"] if isinstance(a, Send) else type(a).__name__ for a in actions]


def started(m: TurnMachine, turn: str = "r1") -> None:
    m.apply(AssistantTurnStarted(turn_id=turn), 0.0)


def done(turn: str = "r1", status: str = "completed") -> AssistantTurnCompleted:
    return AssistantTurnCompleted(turn_id=turn, status=status)  # type: ignore[arg-type]


def ready(call_id: str = "c1", args: str = '{"city": "Oslo"}', turn: str = "r1") -> ToolCallReady:
    return ToolCallReady(turn_id=turn, call_id=call_id, name="get_weather", arguments=args)


# -- responses --------------------------------------------------------------------------------


def test_one_response_at_a_time_and_queued_requests_coalesce() -> None:
    m, _ = machine()
    assert types(m.request_response(None)) == ["response.create"]
    assert m.response_state == "requested"
    assert m.request_response(ResponseOptions(instructions="first")) == []
    assert m.request_response(ResponseOptions(instructions="latest")) == []
    started(m)
    assert m.response_state == "active"
    actions = m.apply(done(), 1.0)
    assert types(actions) == ["AssistantTurnCompleted", "response.create"]
    assert wire(actions[1])["response"]["instructions"] == "latest"
    assert m.response_state == "requested"


def test_a_rejected_request_releases_the_response_state() -> None:
    m, _ = machine()
    m.request_response(None)
    assert m.apply(ResponseRejected(event_id="cli_1"), 0.0) == []
    assert m.response_state == "idle"
    assert types(m.request_response(None)) == ["response.create"]


def test_a_repeated_response_created_is_published_once() -> None:
    m, _ = machine()
    event = AssistantTurnStarted(turn_id="r1")
    assert m.apply(event, 0.0) == [event]
    assert m.apply(event, 0.0) == []


@pytest.mark.parametrize(
    "event",
    [
        AssistantTextDelta(turn_id="ghost", item_id="i", delta="boo"),
        AssistantAudioDelta(turn_id="ghost", item_id="i", pcm=b"\0\0", sample_rate=24000),
        done("ghost"),
        ready(turn="ghost"),
        AssistantItemAdded(turn_id="ghost", item_id="i"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_events_of_unannounced_responses_are_ignored_and_counted(event: Any) -> None:
    m, _ = machine(tools=[get_weather])
    started(m, "r1")
    assert m.apply(event, 0.0) == []
    assert m.ignored_events == 1
    assert m.response_state == "active"  # the real response is untouched


def test_cancel_response_is_a_no_op_when_idle_and_names_the_active_response() -> None:
    m, _ = machine()
    assert m.cancel_response() == []
    m.request_response(None)
    assert wire(m.cancel_response()[0]) == {"type": "response.cancel", "event_id": "cli_2"}
    started(m)
    assert wire(m.cancel_response()[0])["response_id"] == "r1"


# -- tools ------------------------------------------------------------------------------------


def test_a_tool_call_starts_then_is_published() -> None:
    m, _ = machine(tools=[get_weather])
    started(m)
    start, dispatched = m.apply(ready(), 0.0)
    assert isinstance(start, StartCall) and start.args == {"city": "Oslo"}
    assert dispatched == ToolCallDispatched(
        turn_id="r1", call_id="c1", name="get_weather", args={"city": "Oslo"}
    )


def test_outputs_go_out_after_the_response_and_every_call_then_one_create() -> None:
    m, _ = machine(tools=[get_weather])
    started(m)
    m.apply(ready("c1"), 0.0)
    m.apply(ready("c2", '{"city": "Rome"}'), 0.0)
    assert types(m.call_succeeded("r1", "c1", "Sunny", '"Sunny"')) == ["ToolCallCompleted"]
    assert types(m.apply(done(), 1.0)) == ["SealBatch", "AssistantTurnCompleted"]
    actions = m.call_succeeded("r1", "c2", "Rainy", '"Rainy"')
    assert types(actions) == [
        "ToolCallCompleted",
        "conversation.item.create",
        "conversation.item.create",
        "ToolBatchSubmitted",
        "response.create",
    ]
    assert [wire(a)["item"]["call_id"] for a in actions[1:3]] == ["c1", "c2"]
    assert actions[3] == ToolBatchSubmitted(turn_id="r1", call_ids=("c1", "c2"))


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ("{not json", "invalid"),
        ('{"town": "Oslo"}', "city"),
    ],
)
def test_bad_arguments_fail_the_call_and_still_answer_it(arguments: str, message: str) -> None:
    m, _ = machine(tools=[get_weather])
    started(m)
    (failed,) = m.apply(ready(args=arguments), 0.0)
    assert isinstance(failed, ToolCallFailed) and message in failed.error
    actions = m.apply(done(), 1.0)
    assert types(actions) == [
        "SealBatch",
        "AssistantTurnCompleted",
        "conversation.item.create",
        "ToolBatchSubmitted",
        "response.create",
    ]
    assert "error" in orjson.loads(wire(actions[2])["item"]["output"])


def test_an_unknown_tool_fails_naming_the_available_ones() -> None:
    m, _ = machine(tools=[get_weather])
    started(m)
    call = ToolCallReady(turn_id="r1", call_id="c1", name="launch", arguments="{}")
    (failed,) = m.apply(call, 0.0)
    assert isinstance(failed, ToolCallFailed)
    assert "unknown tool 'launch'" in failed.error and "get_weather" in failed.error


@pytest.mark.parametrize("status", ["cancelled", "failed", "incomplete"])
def test_no_follow_up_after_a_response_that_did_not_complete(status: str) -> None:
    m, _ = machine(tools=[get_weather])
    started(m)
    m.apply(ready(), 0.0)
    m.apply(done(status=status), 1.0)
    actions = m.call_succeeded("r1", "c1", "Sunny", '"Sunny"')
    assert types(actions) == ["ToolCallCompleted", "conversation.item.create", "ToolBatchSubmitted"]


def test_a_provider_that_continues_by_itself_gets_no_response_request() -> None:
    m, _ = machine(tools=[get_weather])
    m._codec.traits = CodecTraits(responds_to_tool_outputs=True)  # type: ignore[misc]
    started(m)
    m.apply(ready(), 0.0)
    m.apply(done(), 1.0)
    actions = m.call_succeeded("r1", "c1", "Sunny", '"Sunny"')
    assert types(actions) == ["ToolCallCompleted", "conversation.item.create", "ToolBatchSubmitted"]


def test_withdrawn_calls_are_cancelled_and_get_no_output() -> None:
    m, _ = machine(tools=[get_weather])
    started(m)
    m.apply(ready("c1"), 0.0)
    m.apply(ready("c2"), 0.0)
    m.call_succeeded("r1", "c1", "Sunny", '"Sunny"')
    assert m.apply(ToolCallsCancelled(call_ids=("c1", "c2")), 0.5) == [CancelCalls("r1", ("c2",))]
    m.apply(done(), 1.0)
    actions = m.call_cancelled("r1", "c2", "withdrawn")
    assert types(actions) == ["ToolCallFailed"]  # neither call gets an output
    assert m.call_succeeded("r1", "c2", "late", '"late"') == []  # one outcome per call


# -- interruption and truncation ------------------------------------------------------------


def audio(turn: str, item: str, ms: int) -> AssistantAudioDelta:
    return AssistantAudioDelta(
        turn_id=turn, item_id=item, pcm=b"\0\0" * (24 * ms), sample_rate=24000
    )


def audio_turn(m: TurnMachine, ms: int = 1000) -> None:
    started(m)
    m.apply(AssistantItemAdded(turn_id="r1", item_id="i1"), 0.0)
    m.apply(audio("r1", "i1", ms), 0.0)


def test_interrupt_with_nothing_live_is_a_no_op() -> None:
    m, _ = machine()
    assert m.interrupt("manual", 0.0) == []


def test_barge_in_truncates_at_the_estimated_playback_and_drops_late_audio() -> None:
    m, _ = machine(modalities=["audio"])
    audio_turn(m, ms=1000)
    cause = UserSpeechStarted(at_ms=400, item_id="u1")
    actions = m.apply(cause, 0.4)
    assert types(actions) == [
        "response.cancel",
        "conversation.item.truncate",
        "InterruptBatch",
        "UserSpeechStarted",
        "Interrupted",
    ]
    assert wire(actions[1])["audio_end_ms"] == 400
    assert actions[-1] == Interrupted(turn_id="r1", reason="barge_in")
    assert m.apply(audio("r1", "i1", 20), 0.5) == []
    assert m.dropped_audio_deltas == 1


def test_the_server_cancels_by_itself_when_its_vad_interrupts() -> None:
    m, _ = machine(modalities=["audio"])
    m.apply(SessionSettings(turn_detection=True, create_response=True, interrupt_response=True), 0)
    audio_turn(m)
    actions = m.apply(UserSpeechStarted(at_ms=0, item_id="u1"), 0.2)
    assert "response.cancel" not in types(actions)


def test_playback_reports_win_and_are_clamped_to_what_was_received() -> None:
    m, playback = machine(modalities=["audio"])
    audio_turn(m, ms=1000)
    playback.played["i1"] = 250.0
    actions = m.interrupt("manual", 0.9)
    assert wire(actions[1])["audio_end_ms"] == 250
    m2, playback2 = machine(modalities=["audio"])
    audio_turn(m2, ms=1000)
    m2.apply(done(), 0.1)
    playback2.played["i1"] = 999.0  # still playing the last millisecond
    assert types(m2.interrupt("manual", 0.9)) == [
        "conversation.item.truncate",
        "InterruptBatch",
        "Interrupted",
    ]
    playback2.played["i1"] = 1000.0  # everything was heard: nothing is live any more
    assert m2.interrupt("manual", 1.0) == []


def test_nothing_heard_deletes_the_item() -> None:
    m, _ = machine(modalities=["audio"])
    audio_turn(m)
    actions = m.interrupt("manual", 0.0)
    assert wire(actions[1]) == {
        "type": "conversation.item.delete",
        "event_id": wire(actions[1])["event_id"],
        "item_id": "i1",
    }


@pytest.mark.parametrize(
    ("policy", "cancel", "outputs"),
    [("drop", True, 0), ("submit_completed_only", True, 1), ("submit", False, 2)],
)
def test_interruption_policies(policy: str, cancel: bool, outputs: int) -> None:
    m, _ = machine(tools=[get_weather], on_interrupt=policy)
    started(m)
    m.apply(ready("c1"), 0.0)
    m.apply(ready("c2"), 0.0)
    m.call_succeeded("r1", "c1", "Sunny", '"Sunny"')
    actions = m.interrupt("manual", 1.0)
    assert InterruptBatch("r1", cancel=cancel) in actions
    if cancel:
        actions += m.call_cancelled("r1", "c2", "interrupted")
    else:
        actions += m.call_succeeded("r1", "c2", "Rainy", '"Rainy"')
    sent = [a for a in actions if isinstance(a, Send) and wire(a)["type"] != "response.cancel"]
    assert len(sent) == outputs
    assert "response.create" not in types(actions)  # the user's new turn drives the next one


def test_a_barge_in_drops_a_queued_response_request() -> None:
    m, _ = machine(modalities=["audio"])
    audio_turn(m)
    m.request_response(None)  # queued behind r1
    m.apply(UserSpeechStarted(at_ms=0, item_id="u1"), 0.1)
    assert m.apply(done(status="cancelled"), 0.2) == [done(status="cancelled")]


def test_signals_for_the_session_pass_through() -> None:
    m, _ = machine()
    assert m.apply(SessionReady(), 0.0) == [SessionReady()]


def test_seal_comes_before_the_turn_completes() -> None:
    m, _ = machine(tools=[get_weather])
    started(m)
    m.apply(ready(), 0.0)
    assert m.apply(done(), 1.0)[0] == SealBatch("r1")


def test_results_are_published_as_returned() -> None:
    m, _ = machine(tools=[get_weather])
    started(m)
    m.apply(ready(), 0.0)
    (event,) = m.call_succeeded("r1", "c1", {"t": 21}, '{"t":21}')
    assert event == ToolCallCompleted(
        turn_id="r1", call_id="c1", name="get_weather", result={"t": 21}
    )
