"""The Gemini path's resumption store: a conversation keeps its few latest handles (resumed
connections continue the same conversation), the server a bounded number in all."""

from __future__ import annotations

from trio_realtime.server.gemini import History
from trio_realtime.server.gemini._store import SessionStore


def said(text: str) -> History:
    history = History()
    history.add("user", [{"text": text}])
    return history


def texts(history: History | None) -> list[str]:
    assert history is not None
    return [part["text"] for turn in history.turns for part in turn["parts"]]


def test_a_conversation_keeps_its_latest_handles_only() -> None:
    store = SessionStore(per_conversation=2)
    store.save("a1", said("one"))
    store.save("a2", said("two"), after="a1")
    store.save("a3", said("three"), after="a2")
    assert len(store) == 2
    assert store.resume("a1") is None  # older than the two latest: forgotten
    assert texts(store.resume("a3")) == ["three"]


def test_a_resumed_connection_continues_its_conversation() -> None:
    store = SessionStore(per_conversation=2)
    store.save("a1", said("one"))
    store.save("a2", said("two"), after="a1")
    store.save("b1", said("other"))  # another conversation: its own handles
    store.save("a3", said("three"), after="a2")  # (a new connection resumed from a2)
    assert {h for h in ("a1", "a2", "a3", "b1") if store.resume(h) is not None} == {
        "a2",
        "a3",
        "b1",
    }


def test_the_server_bound_forgets_the_oldest_handles() -> None:
    store = SessionStore(capacity=3, per_conversation=2)
    for name in "abcd":
        store.save(name, said(name))
    assert len(store) == 3 and store.resume("a") is None
    store.save("d2", said("d2"), after="d")  # over the server's bound: b, the oldest, goes
    store.save("d3", said("d3"), after="d2")  # over d's own bound: d goes
    kept = [h for h in ("b", "c", "d", "d2", "d3") if store.resume(h) is not None]
    assert kept == ["c", "d2", "d3"]
    assert texts(store.resume("d3")) == ["d3"]


def test_a_resumed_copy_is_independent() -> None:
    store = SessionStore()
    history = said("one")
    store.save("h", history)
    history.add("user", [{"text": "later"}])
    resumed = store.resume("h")
    assert texts(resumed) == ["one"]
    assert resumed is not None
    resumed.add("user", [{"text": "changed"}])
    assert texts(store.resume("h")) == ["one"]
