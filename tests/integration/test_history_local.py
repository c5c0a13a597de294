"""``session.history()`` against the embedded local server: spoken turns, a barge-in, the JSON
round trip, and the replay of the conversation to a new connection after a drop.

Real sockets on loopback, so the real clock with instant pacing. The local server speaks each
word of an answer as a transcript delta followed by that word's audio, which gives the ground
truth of what a listener had heard at any point of the audio; playback is reported to the
session (``report_playback``) so that the point where the listener stopped is exact.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import attrs
import pytest
import trio

import trio_realtime as rt
from trio_realtime.history import AssistantMessage, HistoryItem, UserMessage
from trio_realtime.server import (
    BrainReply,
    BrainRequest,
    Pacing,
    ScriptedTranscriber,
    default_brain,
    serve_local_realtime,
)

from .relay import TcpRelay
from .test_local_server import collect, events_of, local_session, speech, stream

pytestmark = pytest.mark.filterwarnings("ignore::trio.TrioDeprecationWarning")

#: How much of the long answer the listener heard when they barged in.
HEARD_MS = 1500.0
#: The barge-in starts once this much of the long answer's audio has arrived.
RECEIVED_BEFORE_BARGE_IN_MS = 3000.0
#: Reconnects after 50 ms (a drop on loopback needs no more).
FAST = rt.Reconnect(backoff=(0.05, 0.05), jitter=0, max_attempts=3, command_timeout=5)


class Recorder:
    """A brain that records each request (what the server's conversation held), then answers
    like the default one."""

    def __init__(self) -> None:
        self.requests: list[BrainRequest] = []

    def __call__(self, request: BrainRequest) -> BrainReply:
        self.requests.append(request)
        return default_brain(request)


@attrs.frozen(kw_only=True)
class BargeIn:
    """What the events said of a long spoken answer interrupted by the user's "Stop."."""

    ask: rt.UserTranscript  # the spoken "Count to 100."
    interrupted: rt.Interrupted
    item_id: str  # the interrupted answer's audio item
    transcript: str  # its whole transcript, as the server sent it
    heard_words: int  # its words whose audio had started within HEARD_MS
    stop_user: rt.UserTranscript  # the interrupting turn
    stop_answer: rt.AssistantTranscript  # and its answer


async def barge_in(session: rt.RealtimeSession) -> BargeIn:
    """Ask for a long spoken answer, hear HEARD_MS of it, interrupt it by speaking "Stop.",
    and read the events until the answer to "Stop." is complete (its audio all played)."""
    await stream(session, speech("Count to 100."))
    position = 0.0  # the answer's audio received so far, in ms
    heard_words = 0
    item_id = ask = None
    async for event in events_of(session):
        if isinstance(event, rt.UserTranscript):
            ask = event
        elif isinstance(event, rt.AssistantTranscriptDelta) and position < HEARD_MS:
            heard_words += len(event.delta.split())  # its audio starts at ``position``
        elif isinstance(event, rt.AssistantAudioDelta):
            item_id = event.item_id
            position += event.duration_ms
            if position >= RECEIVED_BEFORE_BARGE_IN_MS:
                break
    assert item_id is not None and ask is not None
    session.report_playback(item_id, HEARD_MS)  # the listener stopped hearing it there
    await stream(session, speech("Stop."))
    interrupted = None
    transcripts: dict[str, rt.AssistantTranscript] = {}
    audio_ms: dict[str, float] = {}
    stop_user = None
    async for event in events_of(session):
        if isinstance(event, rt.Interrupted):
            interrupted = event
        elif isinstance(event, rt.AssistantAudioDelta):
            audio_ms[event.item_id] = audio_ms.get(event.item_id, 0.0) + event.duration_ms
        elif isinstance(event, rt.AssistantTranscript):
            transcripts[event.item_id] = event
        elif isinstance(event, rt.UserTranscript):
            stop_user = event
        elif (
            isinstance(event, rt.AssistantTurnCompleted)
            and interrupted is not None
            and event.turn_id != interrupted.turn_id
        ):
            break
    assert interrupted is not None and interrupted.reason == "barge_in"
    assert stop_user is not None and stop_user.text == "Stop."
    (stop_answer,) = [t for i, t in transcripts.items() if i != item_id]
    session.report_playback(stop_answer.item_id, audio_ms[stop_answer.item_id])  # all heard
    return BargeIn(
        ask=ask,
        interrupted=interrupted,
        item_id=item_id,
        transcript=transcripts[item_id].text,
        heard_words=heard_words,
        stop_user=stop_user,
        stop_answer=stop_answer,
    )


def check_interrupted_answer(message: HistoryItem, barge: BargeIn) -> None:
    """``message`` is the interrupted answer cut where the listener stopped hearing it."""
    assert isinstance(message, AssistantMessage)
    assert message.truncated
    assert (message.item_id, message.turn_id) == (barge.item_id, barge.interrupted.turn_id)
    words, full = message.text.split(), barge.transcript.split()
    assert 0 < len(words) < len(full)
    assert words == full[: len(words)]  # a strict prefix, by words
    # an estimate (in proportion to the audio heard): within a word of what was heard
    assert abs(len(words) - barge.heard_words) <= 1, (message.text, barge.heard_words)


# -- one connection ------------------------------------------------------------------------


async def test_a_spoken_turn_is_the_users_transcript_then_the_spoken_answer() -> None:
    async with local_session(transcripts=["Tell me a joke."], voice="marin") as session:
        await stream(session, speech("Tell me a joke."))
        events = await collect(session, "assistant_turn_completed")
        history = session.history()
    (user,) = [e for e in events if isinstance(e, rt.UserTranscript)]
    (answer,) = [e for e in events if isinstance(e, rt.AssistantTranscript)]
    assert "scarecrow" in answer.text  # the default brain's joke, spoken
    assert history == rt.History(
        items=(
            UserMessage(text="Tell me a joke.", source="audio", item_id=user.item_id),
            AssistantMessage(
                text=answer.text, truncated=False, item_id=answer.item_id, turn_id=answer.turn_id
            ),
        ),
        complete=True,
    )


async def test_a_barge_in_cuts_the_answer_where_the_listener_stopped() -> None:
    async with local_session(transcripts=["Count to 100.", "Stop."], timeout=20) as session:
        barge = await barge_in(session)
        history = session.history()
    assert barge.transcript.startswith("1, 2, 3, 4, 5, 6, 7, 8, 9, 10,")
    user, cut, stop, answer = history.items
    assert barge.ask.text == "Count to 100."
    assert user == UserMessage(text="Count to 100.", source="audio", item_id=barge.ask.item_id)
    check_interrupted_answer(cut, barge)
    assert stop == UserMessage(text="Stop.", source="audio", item_id=barge.stop_user.item_id)
    assert answer == AssistantMessage(
        text=barge.stop_answer.text,
        item_id=barge.stop_answer.item_id,
        turn_id=barge.stop_answer.turn_id,
    )
    assert answer.text == "You said: Stop."
    assert history.complete


async def test_the_history_of_a_barge_in_round_trips_through_json() -> None:
    async with local_session(transcripts=["Count to 100.", "Stop."], timeout=20) as session:
        barge = await barge_in(session)
        history = session.history()
    check_interrupted_answer(history.items[1], barge)
    text = history.to_json()
    again = rt.History.from_json(text)
    assert again == history
    assert [type(i) for i in again.items] == [type(i) for i in history.items]
    assert rt.History.from_dict(history.to_dict()) == history
    assert rt.History.from_json(text.encode()) == history
    cut = history.to_dict()["items"][1]
    assert (cut["type"], cut["truncated"], cut["text"]) == (
        "assistant_message",
        True,
        history.items[1].text,  # type: ignore[union-attr]
    )


# -- reconnecting ------------------------------------------------------------------------------


@asynccontextmanager
async def reconnecting_session(
    brain: Recorder, transcripts: list[str], **config: Any
) -> AsyncIterator[tuple[rt.RealtimeSession, TcpRelay]]:
    """A session that reconnects, to the local server through a relay the test can drop."""
    relay = TcpRelay()
    with trio.fail_after(30):
        async with trio.open_nursery() as nursery:
            server_url = await nursery.start(
                functools.partial(
                    serve_local_realtime,
                    brain=brain,
                    pacing=Pacing.instant(),
                    transcriber=ScriptedTranscriber(transcripts),
                )
            )
            url = await nursery.start(relay.serve, server_url)
            gateway = rt.OpenAIGateway(url=url, connect_timeout=5)
            broker = rt.Broker(
                "gpt-realtime", gateway=gateway, config=rt.Config(**config), reconnect=FAST
            )
            async with broker.connect() as session:
                yield session, relay
            nursery.cancel_scope.cancel()


def messages(request: BrainRequest) -> list[tuple[str, str, str | None]]:
    """The server's conversation as (role, content type, text) triples."""
    out = []
    for item in request.conversation:
        assert item["type"] == "message", item
        (part,) = item["content"]
        out.append((item["role"], part["type"], part.get("text", part.get("transcript"))))
    return out


async def drop_and_reconnect(session: rt.RealtimeSession, relay: TcpRelay) -> rt.Reconnected:
    """Drop the connection; the events until the session is back on a new one."""
    relay.drop()
    kinds = []
    async for event in events_of(session):
        kinds.append(event.kind)
        if isinstance(event, rt.Reconnected):
            assert "reconnecting" in kinds and "interrupted" not in kinds  # nothing was live
            assert relay.connections == 2
            return event
    raise AssertionError(f"the session ended without reconnecting: {kinds}")


async def test_a_reconnect_replays_the_spoken_conversation_as_heard() -> None:
    brain = Recorder()
    transcripts = ["Count to 100.", "Stop."]
    async with reconnecting_session(brain, transcripts) as (session, relay):
        barge = await barge_in(session)
        before = session.history()
        reconnected = await drop_and_reconnect(session, relay)
        assert reconnected.state_restored
        await session.send_text("What did I say?")
        await collect(session, "assistant_turn_completed")
        after = session.history()
    check_interrupted_answer(before.items[1], barge)
    assert len(brain.requests) == 3  # "Count to 100.", "Stop.", then on the new connection
    assert messages(brain.requests[2]) == [
        ("user", "input_text", "Count to 100."),  # the transcript of the spoken turn
        ("assistant", "output_text", before.items[1].text),  # type: ignore[union-attr]
        ("user", "input_text", "Stop."),
        ("assistant", "output_text", "You said: Stop."),
        ("user", "input_text", "What did I say?"),
    ]
    assert after.items[:4] == before.items
    assert after.items[4] == UserMessage(text="What did I say?")
    assert after.complete


async def test_a_spoken_turn_without_a_transcript_is_not_restored() -> None:
    brain = Recorder()
    async with reconnecting_session(
        brain, ["Tell me a joke."], input_audio_transcription=False
    ) as (session, relay):
        await stream(session, speech("Tell me a joke."))
        events = await collect(session, "assistant_turn_completed")
        (answer,) = [e for e in events if isinstance(e, rt.AssistantTranscript)]
        played = sum(
            e.duration_ms
            for e in events
            if isinstance(e, rt.AssistantAudioDelta) and e.item_id == answer.item_id
        )
        session.report_playback(answer.item_id, played)  # all heard
        before = session.history()
        reconnected = await drop_and_reconnect(session, relay)
        await session.send_text("And another one?")
        await collect(session, "assistant_turn_completed")
    assert not [e for e in events if isinstance(e, rt.UserTranscript)]
    (spoken,) = [e for e in events if isinstance(e, rt.UserSpeechStopped)]
    assert before.items[0] == UserMessage(text=None, source="audio", item_id=spoken.item_id)
    assert before.items[1] == AssistantMessage(
        text=answer.text, item_id=answer.item_id, turn_id=answer.turn_id
    )
    assert not before.complete
    assert reconnected == rt.Reconnected(attempt=1, state_restored=False)
    # the new server session has the answer but not the question it cannot be told
    assert messages(brain.requests[-1]) == [
        ("assistant", "output_text", answer.text),
        ("user", "input_text", "And another one?"),
    ]
