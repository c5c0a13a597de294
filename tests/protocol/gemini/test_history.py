"""A saved conversation given to a fresh Gemini connection as initial history: ``historyConfig``
in ``setup``, then one ``clientContent`` with every turn, each validated against google-genai
and equal to what the SDK itself sends for the same turns."""

from __future__ import annotations

import orjson

from trio_realtime.config import Config
from trio_realtime.history import (
    AssistantMessage,
    FunctionCall,
    FunctionCallOutput,
    History,
    McpCall,
    UserMessage,
)
from trio_realtime.protocol.gemini import GeminiOptions

from .genai_wire import sdk_sends
from .helpers import codec, feed, sent, setup_of

CONVERSATION = History(
    items=[
        UserMessage(text="What is the weather in Oslo?"),
        FunctionCall(call_id="call_1", name="weather", arguments='{"city": "Oslo"}'),
        FunctionCall(call_id="call_2", name="time", arguments="{}"),
        FunctionCallOutput(call_id="call_1", output='{"sky": "clear"}'),
        FunctionCallOutput(call_id="call_2", output="noon"),
        AssistantMessage(text="Clear skies at noon.", truncated=True),
        UserMessage(text="Thanks!", source="audio"),
    ]
)

TURNS = [
    {"role": "user", "parts": [{"text": "What is the weather in Oslo?"}]},
    {
        "role": "model",
        "parts": [
            {"functionCall": {"id": "call_1", "name": "weather", "args": {"city": "Oslo"}}},
            {"functionCall": {"id": "call_2", "name": "time", "args": {}}},
        ],
    },
    {
        "role": "user",
        "parts": [
            {
                "functionResponse": {
                    "id": "call_1",
                    "name": "weather",
                    "response": {"output": {"sky": "clear"}},
                }
            },
            {"functionResponse": {"id": "call_2", "name": "time", "response": {"output": "noon"}}},
        ],
    },
    {"role": "model", "parts": [{"text": "Clear skies at noon."}]},
    {"role": "user", "parts": [{"text": "Thanks!"}]},
]


def test_a_fresh_connection_is_given_the_conversation_as_initial_history() -> None:
    protocol = codec(Config())
    restoration = protocol.restore(CONVERSATION)
    setup = setup_of(protocol)  # (open after restore, as the session does)
    assert setup["historyConfig"] == {"initialHistoryInClientContent": True}
    (message,) = sent(restoration.messages)
    assert message == {"clientContent": {"turns": TURNS, "turnComplete": True}}
    assert restoration.complete and restoration.after_ready  # (once setupComplete came)
    assert sdk_sends("clientContent", message["clientContent"]) == message


def test_what_cannot_be_carried_makes_the_restoration_incomplete() -> None:
    history = History(
        items=[
            UserMessage(text=None, source="audio"),  # no transcript
            FunctionCallOutput(call_id="call_9", output="orphan"),  # its call is not here
            FunctionCall(call_id="call_3", name="lookup", arguments="not json"),
            McpCall(item_id="m1", server_label="s", name="t", arguments="{}", output="ok"),
            AssistantMessage(text="Done."),
        ]
    )
    protocol = codec(Config())
    restoration = protocol.restore(history)
    (message,) = sent(restoration.messages)
    assert message["clientContent"]["turns"] == [
        {
            "role": "model",
            "parts": [
                {"functionCall": {"id": "call_3", "name": "lookup", "args": {}}},
                {"text": "Done."},
            ],
        }
    ]
    assert not restoration.complete


def test_an_empty_or_uncarriable_history_sends_nothing() -> None:
    protocol = codec(Config())
    assert protocol.restore(History()).messages == ()
    assert protocol.restore(History()).complete
    nothing = protocol.restore(History(items=[UserMessage(text=None, source="audio")]))
    assert nothing.messages == () and not nothing.complete
    assert "historyConfig" not in setup_of(protocol)


def test_a_resumed_connection_gets_the_conversation_from_the_server() -> None:
    first = codec(Config(), options=GeminiOptions(session_resumption=True))
    setup_of(first)
    handle = {"sessionResumptionUpdate": {"newHandle": "h-1", "resumable": True}}
    feed(first, [{"setupComplete": {}}, handle])
    resumed = first.resumed()
    restoration = resumed.restore(CONVERSATION)
    assert restoration.messages == () and restoration.complete
    setup = setup_of(resumed)
    assert "historyConfig" not in setup
    assert setup["sessionResumption"] == {"handle": "h-1"}
    assert orjson.loads(resumed.open()[0])["setup"] == setup
