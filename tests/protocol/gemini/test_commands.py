"""Any sequence of commands keeps Gemini's rules: valid messages, activities well bracketed,
each user turn answered once, each call answered at most once."""

from __future__ import annotations

from typing import Any

import hypothesis.strategies as st
from hypothesis import given, settings

from trio_realtime.config import Config
from trio_realtime.testing import gemini_frames as g

from .flows import tone
from .helpers import codec, feed, sent

_COMMANDS = st.lists(
    st.one_of(
        st.tuples(st.just("audio"), st.integers(0, 40)),  # milliseconds of 24 kHz audio
        st.just(("commit",)),
        st.tuples(st.just("text"), st.text(max_size=8)),
        st.just(("respond",)),
        st.just(("cancel",)),
        st.just(("model speaks",)),
        st.just(("model done",)),
        st.just(("interrupted",)),
        st.just(("call",)),
        st.just(("answer",)),
    ),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(manual=st.booleans(), commands=_COMMANDS)
def test_command_sequences_keep_geminis_rules(
    manual: bool, commands: list[tuple[Any, ...]]
) -> None:
    protocol = codec(Config(turn_detection=None) if manual else Config())
    sent(protocol.open())
    feed(protocol, [g.setup_complete()])
    activity = False  # manual mode: between activityStart and activityEnd
    calls: list[str] = []
    answered: set[str] = set()
    for command in commands:
        kind = command[0]
        if kind == "audio":
            messages = sent(protocol.append_audio(tone(command[1])))
        elif kind == "commit":
            messages = sent(protocol.commit_audio())
        elif kind == "text":
            messages = sent(protocol.user_text(command[1]))
            assert protocol.create_response() is None  # the text turn is the request: once
        elif kind == "respond":
            messages = sent(protocol.create_response())
        elif kind == "cancel":
            messages = sent(protocol.cancel_response())
        elif kind == "answer":
            outputs = [(c, '{"ok":true}') for c in calls]
            messages = sent(protocol.tool_outputs(outputs))
            for message in messages:
                ids = [r["id"] for r in message["toolResponse"]["functionResponses"]]
                assert not answered & set(ids), "a call answered twice"
                answered.update(ids)
        else:
            server = {
                "model speaks": [g.output_transcript("x")],
                "model done": [g.turn_complete()],
                "interrupted": [g.interrupted()],
                "call": [g.tool_call({f"c{len(calls)}": ("f", {})})],
            }[kind]
            if kind == "call":
                calls.append(f"c{len(calls)}")
            feed(protocol, server)
            messages = []
        for message in messages:
            body = message.get("realtimeInput", {})
            if "activityStart" in body:
                assert manual and not activity, "activityStart without turn detection off, twice"
                activity = True
            elif "activityEnd" in body:
                assert manual and activity, "activityEnd without activityStart"
                activity = False
            elif "audio" in body or "text" in body:
                assert not manual or activity, "input outside an activity (Gemini closes 1007)"
            elif "audioStreamEnd" in body:
                assert not manual
