"""ConversationLog (pure): a refused commit leaves no place in the history; and end to end, an
empty ``commit_audio()`` against the local server does not misplace the next user turn."""

from __future__ import annotations

import trio

import trio_realtime as rt
from trio_realtime._conversation import REJECTED_COMMIT, ConversationLog
from trio_realtime.events import AssistantText, AssistantTurnStarted, UserTranscript
from trio_realtime.history import AssistantMessage, McpCall, UserMessage
from trio_realtime.testing import start_local_server


def refused() -> rt.Error:
    return rt.Error(code=REJECTED_COMMIT, message="buffer too small", recoverable=True)


def test_a_refused_commit_forgets_its_place() -> None:
    log = ConversationLog()
    log.audio_committed()  # accepted: its item comes later
    log.audio_committed()  # refused: the buffer was empty
    log.observe(refused())
    log.user_text("typed")
    log.observe(UserTranscript(item_id="item_a", text="spoken"))
    items = log.snapshot().items
    assert [(type(i).__name__, i.text) for i in items] == [
        ("UserMessage", "spoken"),
        ("UserMessage", "typed"),
    ]
    assert log.snapshot().complete


def test_other_errors_keep_the_place() -> None:
    log = ConversationLog()
    log.audio_committed()
    log.observe(rt.Error(code="rate_limit_exceeded", message="slow down", recoverable=True))
    log.observe(UserTranscript(item_id="item_a", text="spoken"))
    assert [i.text for i in log.snapshot().items] == ["spoken"]  # type: ignore[union-attr]


def test_a_refusal_with_no_commit_pending_changes_nothing() -> None:
    log = ConversationLog()
    log.user_text("hi")
    log.observe(refused())
    log.observe(AssistantTurnStarted(turn_id="r1"))
    log.observe(AssistantText(turn_id="r1", item_id="a1", text="Hello"))
    assert [i.text for i in log.snapshot().items] == ["hi", "Hello"]  # type: ignore[union-attr]


def test_a_remote_mcp_call_is_recorded_with_its_outcome() -> None:
    log = ConversationLog()
    log.user_text("look it up")
    log.observe(
        rt.McpCallCompleted(
            turn_id="r1", item_id="m1", server_label="s", name="t", arguments="{}", output="ok"
        )
    )
    log.observe(
        rt.McpCallFailed(
            turn_id="r1", item_id="m2", server_label="s", name="t", arguments="{}", error="no"
        )
    )
    history = log.snapshot()
    assert history.items[1:] == (
        McpCall(item_id="m1", server_label="s", name="t", arguments="{}", output="ok"),
        McpCall(item_id="m2", server_label="s", name="t", arguments="{}", error="no"),
    )
    assert history.complete
    assert rt.History.from_json(history.to_json()) == history
    seeded = ConversationLog(seed=history).snapshot()
    assert seeded == history


async def test_an_empty_commit_against_the_local_server() -> None:
    config = rt.Config(modalities=["text"], turn_detection=None)
    with trio.fail_after(20):
        async with trio.open_nursery() as nursery:
            server = await start_local_server(nursery)
            async with rt.Broker(
                "gpt-realtime", gateway=server.gateway(), config=config
            ).connect() as session:
                events = session.events()
                await session.commit_audio(respond=False)  # nothing was sent: refused
                async for event in events:
                    if event.kind == "error":
                        assert event.code == REJECTED_COMMIT
                        break
                await session.send_text("What is the capital of France?")
                await session.create_response()
                async for event in events:
                    if event.kind == "assistant_turn_completed":
                        break
                history = session.history()
            nursery.cancel_scope.cancel()
    assert [type(i) for i in history.items] == [UserMessage, AssistantMessage]
    assert history.items[0].text == "What is the capital of France?"  # type: ignore[union-attr]
    assert history.complete
