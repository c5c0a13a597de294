"""RunProgress (sans-I/O): stream items from events, and when ``run()`` is complete."""

from __future__ import annotations

import pytest

import trio_realtime as rt
from trio_realtime.events import EVENT_CLASSES
from trio_realtime.facade._progress import STREAM_KINDS, RunProgress


def speech(item: str = "u1") -> list[rt.RealtimeEvent]:
    return [
        rt.UserSpeechStarted(at_ms=0, item_id=item),
        rt.UserSpeechStopped(at_ms=900, item_id=item),
    ]


def started(turn: str) -> rt.AssistantTurnStarted:
    return rt.AssistantTurnStarted(turn_id=turn)


def completed(turn: str, status: str = "completed") -> rt.AssistantTurnCompleted:
    return rt.AssistantTurnCompleted(turn_id=turn, status=status)  # type: ignore[arg-type]


def audio(turn: str, pcm: bytes = bytes(480)) -> rt.AssistantAudioDelta:
    return rt.AssistantAudioDelta(turn_id=turn, item_id="a1", pcm=pcm, sample_rate=24_000)


def feed(progress: RunProgress, events: list[rt.RealtimeEvent]) -> list[object]:
    items: list[object] = []
    for event in events:
        items += progress.observe(event)
    return items


def test_the_stream_subscribes_to_real_kinds() -> None:
    assert set(EVENT_CLASSES) >= STREAM_KINDS


def test_items_from_events() -> None:
    progress = RunProgress(vad_responds=True, transcripts=True)
    items = feed(
        progress,
        [
            rt.UserTranscriptDelta(item_id="u1", delta="Hi"),
            rt.UserTranscript(item_id="u1", text="Hi there"),
            started("r1"),
            rt.AssistantTranscriptDelta(turn_id="r1", item_id="a1", delta="Hel"),
            audio("r1", bytes(4800)),
            rt.AssistantTranscript(turn_id="r1", item_id="a1", text="Hello"),
            rt.AssistantTextDelta(turn_id="r1", item_id="a1", delta="T"),
            rt.AssistantText(turn_id="r1", item_id="a1", text="Text"),
            completed("r1"),
            started("r2"),  # a turn without audio ends without a final chunk
            completed("r2"),
        ],
    )
    assert items == [
        rt.TranscriptDelta("Hi", False, "user"),
        rt.TranscriptDelta("Hi there", True, "user"),
        rt.TranscriptDelta("Hel", False, "assistant"),
        rt.AudioChunk(bytes(4800), 100.0, False),
        rt.TranscriptDelta("Hello", True, "assistant"),
        rt.TranscriptDelta("T", False, "assistant"),
        rt.TranscriptDelta("Text", True, "assistant"),
        rt.AudioChunk(b"", 0.0, True),
    ]


def test_an_interrupted_answer_also_ends_with_a_final_chunk() -> None:
    progress = RunProgress(vad_responds=True, transcripts=False)
    items = feed(
        progress,
        [
            started("r1"),
            audio("r1"),
            rt.Interrupted(turn_id="r1", reason="barge_in"),
            completed("r1", "cancelled"),
        ],
    )
    assert items[-1] == rt.AudioChunk(b"", 0.0, True)


def test_a_vad_utterance_waits_for_its_answer() -> None:
    progress = RunProgress(vad_responds=True, transcripts=False)
    assert progress.waiting_for() is None
    progress.observe(speech()[0])
    assert progress.waiting_for() == "an answer"
    progress.observe(speech()[1])
    assert progress.waiting_for() == "an answer"
    progress.observe(started("r1"))
    assert progress.waiting_for() == "the answer to finish"
    progress.observe(completed("r1"))
    assert progress.waiting_for() is None


def test_a_vad_that_does_not_respond_expects_nothing() -> None:
    progress = RunProgress(vad_responds=False, transcripts=False)
    feed(progress, speech())
    assert progress.waiting_for() is None


def test_push_to_talk_commit_expects_an_answer_and_a_transcript() -> None:
    progress = RunProgress(vad_responds=False, transcripts=True)
    progress.committed()
    assert progress.waiting_for() == "an answer" and progress.transcripts_due
    feed(progress, [started("r1"), completed("r1")])
    assert progress.waiting_for() is None and progress.transcripts_due
    progress.observe(rt.UserTranscript(item_id="item_9", text="Hello"))  # an id never seen
    assert not progress.transcripts_due


def test_transcripts_per_utterance_and_failures() -> None:
    progress = RunProgress(vad_responds=True, transcripts=True)
    feed(progress, [*speech("u1"), *speech("u2")])
    assert progress.transcripts_due
    progress.observe(rt.UserTranscript(item_id="u2", text="second"))
    assert progress.transcripts_due
    progress.observe(
        rt.Error(
            code="transcription_failed", message="transcription of u1 failed: x", recoverable=True
        )
    )
    assert not progress.transcripts_due
    progress.committed()
    progress.observe(rt.Error(code="server_error", message="unrelated", recoverable=True))
    assert progress.transcripts_due
    progress.observe(rt.Error(code="transcription_failed", message="failed", recoverable=True))
    assert not progress.transcripts_due


@pytest.mark.parametrize(
    ("status", "interrupted", "followup"),
    [("completed", False, True), ("completed", True, False), ("cancelled", False, False)],
)
def test_a_tool_round_trip_waits_for_the_follow_up(
    status: str, interrupted: bool, followup: bool
) -> None:
    progress = RunProgress(vad_responds=True, transcripts=False)
    events: list[rt.RealtimeEvent] = [
        *speech(),
        started("r1"),
        rt.ToolCallDispatched(turn_id="r1", call_id="c1", name="lookup", args={}),
    ]
    if interrupted:
        events.append(rt.Interrupted(turn_id="r1", reason="manual"))
    events.append(completed("r1", status))
    feed(progress, events)
    assert progress.calls_running and progress.waiting_for() == "tool calls to finish"
    progress.observe(rt.ToolCallCompleted(turn_id="r1", call_id="c1", name="lookup", result=1))
    assert not progress.calls_running
    progress.observe(rt.ToolBatchSubmitted(turn_id="r1", call_ids=("c1",)))
    assert progress.waiting_for() == ("the answer to the tool results" if followup else None)
    progress.observe(started("r2"))
    assert progress.waiting_for() == "the answer to finish"
    progress.observe(completed("r2"))
    assert progress.waiting_for() is None


def test_a_dropped_batch_expects_no_follow_up() -> None:
    progress = RunProgress(vad_responds=True, transcripts=False)
    feed(
        progress,
        [
            started("r1"),
            rt.ToolCallDispatched(turn_id="r1", call_id="c1", name="lookup", args={}),
            rt.Interrupted(turn_id="r1", reason="manual"),
            rt.ToolCallFailed(turn_id="r1", call_id="c1", name="lookup", error="interrupted"),
            completed("r1", "cancelled"),
        ],
    )
    assert progress.waiting_for() is None


def test_a_barge_in_expects_the_next_answer() -> None:
    progress = RunProgress(vad_responds=True, transcripts=False)
    feed(progress, [started("r1"), speech()[0], rt.Interrupted(turn_id="r1", reason="barge_in")])
    progress.observe(completed("r1", "cancelled"))
    assert progress.waiting_for() == "an answer"  # the interruption's own utterance
    feed(progress, [speech()[1], started("r2"), completed("r2")])
    assert progress.waiting_for() is None


def test_a_late_speech_signal_inside_an_answer_belongs_to_it() -> None:
    # Gemini synthesizes user_speech_started from the input transcription, which can arrive
    # after the model started answering that very utterance.
    progress = RunProgress(vad_responds=True, transcripts=False)
    feed(progress, [started("r1"), speech()[0]])
    assert progress.waiting_for() == "the answer to finish"
    progress.observe(completed("r1"))
    assert progress.waiting_for() is None


def test_speech_that_stops_after_an_uninterrupted_answer_expects_another() -> None:
    # interrupt_response=False: the user spoke over the answer; the server answers afterwards.
    progress = RunProgress(vad_responds=True, transcripts=False)
    feed(progress, [started("r1"), speech()[0], completed("r1"), speech()[1]])
    assert progress.waiting_for() == "an answer"


def test_turn_memory_is_bounded() -> None:
    progress = RunProgress(vad_responds=True, transcripts=False)
    for n in range(500):
        feed(
            progress,
            [
                started(f"r{n}"),
                rt.Interrupted(turn_id=f"r{n}", reason="manual"),
                completed(f"r{n}"),
            ],
        )
    assert len(progress._status) <= 64 and len(progress._interrupted) <= 64


def test_out_of_band_responses_are_neither_streamed_nor_waited_for() -> None:
    progress = RunProgress(vad_responds=True, transcripts=False)
    items = feed(
        progress,
        [
            *speech(),
            rt.AssistantTurnStarted(turn_id="oob", out_of_band=True, metadata={"k": "v"}),
            audio("oob"),
            rt.AssistantText(turn_id="oob", item_id="o1", text="positive"),
        ],
    )
    assert items == []
    # The out-of-band turn is running, yet it is not the answer the user's speech expects.
    assert progress.waiting_for() == "an answer"
    items = feed(progress, [started("r1"), audio("r1", bytes(4800))])
    assert progress.waiting_for() == "the answer to finish"
    items += feed(progress, [completed("r1"), completed("oob")])
    assert items == [rt.AudioChunk(bytes(4800), 100.0, False), rt.AudioChunk(b"", 0.0, True)]
    assert progress.waiting_for() is None


def test_an_out_of_band_turn_still_running_does_not_hold_run_open() -> None:
    progress = RunProgress(vad_responds=False, transcripts=False)
    feed(progress, [rt.AssistantTurnStarted(turn_id="oob", out_of_band=True)])
    assert progress.waiting_for() is None
