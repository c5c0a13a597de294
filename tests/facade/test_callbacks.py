"""The five callbacks against a scripted peer, on trio's virtual clock (exact times)."""

from __future__ import annotations

import logging
from typing import Any

import orjson
import pytest
import trio
import trio.testing

import trio_realtime as rt
from trio_realtime.facade import CallbackError, CallbackOverflowError, SessionError
from trio_realtime.testing import MemoryGateway, ScriptedPeer, frames

from .conftest import LOOKUP, Calls

PCM = [bytes([n]) * 960 for n in range(1, 11)]  # ten distinct 20 ms chunks


def audio_answer(rid: str, words: list[str], chunks: list[bytes]) -> list[dict[str, Any]]:
    """A spoken answer: audio and transcript deltas interleaved, then the done events."""
    out = [frames.response_created(rid), frames.message_added(rid, f"item_{rid}")]
    for word, pcm in zip(words, chunks, strict=True):
        out += [
            frames.audio_delta(rid, f"item_{rid}", pcm),
            frames.transcript_delta(rid, f"item_{rid}", word),
        ]
    out += [frames.transcript_done(rid, f"item_{rid}", "".join(words)), frames.response_done(rid)]
    return out


async def add(a: int, b: int) -> int:
    """Add two numbers (async: a sync tool runs in a thread, which the virtual clock skips)."""
    return a + b


def make_voice(calls: Calls | None = None, **config: Any) -> tuple[rt.RealtimeVoice, MemoryGateway]:
    gateway = MemoryGateway()
    config.setdefault("tools", [add, LOOKUP])
    voice = rt.RealtimeVoice(gateway=gateway, config=rt.Config(**config))
    if calls is not None:
        calls.register(voice, tool_result=lambda request: {"found": request.arguments["q"]})
    return voice, gateway


def peer_of(gateway: MemoryGateway) -> ScriptedPeer:
    assert gateway.last_peer is not None
    return gateway.last_peer


def outputs(sent: list[dict[str, Any]]) -> dict[str, Any]:
    items = [f["item"] for f in sent if f["type"] == "conversation.item.create"]
    return {
        i["call_id"]: _decode(i["output"]) for i in items if i["type"] == "function_call_output"
    }


def _decode(output: str) -> Any:
    try:
        return orjson.loads(output)
    except orjson.JSONDecodeError:
        return output  # a str result goes as is


async def test_audio_and_transcript(autojump_clock: trio.testing.MockClock) -> None:
    calls = Calls()
    voice, gateway = make_voice(calls)
    async with voice.connect() as session:
        assert isinstance(session, rt.RealtimeSession)
        await peer_of(gateway).send(*audio_answer("resp_1", ["Hello", " there", "."], PCM[:3]))
        await trio.sleep(1)
    assert calls.of("on_audio") == [(PCM[0],), (PCM[1],), (PCM[2],)]
    assert calls.of("on_transcript") == [
        ("Hello", False),
        (" there", False),
        (".", False),
        ("Hello there.", True),
    ]
    assert calls.of("on_error") == calls.of("on_interrupted") == calls.of("on_tool_call") == []


async def test_text_answers_reach_on_transcript(autojump_clock: trio.testing.MockClock) -> None:
    calls = Calls()
    voice, gateway = make_voice(calls, modalities=["text"])
    async with voice.connect() as session:
        await session.send_text("Ping?")
        await peer_of(gateway).send(*frames.text_turn("resp_1", "item_1", "Pong."))
        await trio.sleep(1)
    assert calls.of("on_transcript") == [("Pong.", False), ("Pong.", True)]
    assert calls.of("on_audio") == []


async def test_out_of_band_answers_stay_out_of_the_callbacks(
    autojump_clock: trio.testing.MockClock,
) -> None:
    calls = Calls()
    voice, gateway = make_voice(calls)
    async with voice.connect() as session:
        turns = session.subscribe(kinds={"assistant_turn_started"})
        await session.create_response(rt.ResponseOptions(out_of_band=True, modalities=["text"]))
        oob = frames.response_created("resp_oob")
        oob["response"]["conversation_id"] = None  # how the server marks an out-of-band response
        await peer_of(gateway).send(
            oob,
            frames.audio_delta("resp_oob", "item_oob", PCM[9]),
            *frames.text_turn("resp_oob", "item_oob", "positive")[1:],
        )
        await peer_of(gateway).send(*audio_answer("resp_1", ["Hi."], PCM[:1]))
        await trio.sleep(1)
        started = [await turns.receive(), await turns.receive()]
    assert [(e.turn_id, e.out_of_band) for e in started] == [  # type: ignore[union-attr]
        ("resp_oob", True),
        ("resp_1", False),
    ]
    assert calls.of("on_audio") == [(PCM[0],)]
    assert calls.of("on_transcript") == [("Hi.", False), ("Hi.", True)]


async def test_tool_calls_get_exactly_one_output_each(
    autojump_clock: trio.testing.MockClock,
) -> None:
    calls = Calls()
    voice, gateway = make_voice(calls)
    async with voice.connect():
        peer = peer_of(gateway)
        await peer.send(
            *frames.tool_turn(
                "resp_1",
                {
                    "c1": ("lookup", '{"q": "a"}'),
                    "c2": ("add", '{"a": 1, "b": 2}'),  # a function tool: the session runs it
                    "c3": ("lookup", '{"q": "b"}'),
                },
            )
        )
        await trio.sleep(1)
        sent = peer.pending()
    assert calls.of("on_tool_call") == [
        (rt.ToolCallRequest("c1", "lookup", {"q": "a"}),),
        (rt.ToolCallRequest("c3", "lookup", {"q": "b"}),),
    ]
    assert outputs(sent) == {"c1": {"found": "a"}, "c2": 3, "c3": {"found": "b"}}
    types = [f["type"] for f in sent]
    assert types.count("conversation.item.create") == 3
    assert types.count("response.create") == 1 and types[-1] == "response.create"


async def test_a_raising_tool_callback_answers_with_the_error(
    autojump_clock: trio.testing.MockClock,
) -> None:
    calls = Calls()
    voice, gateway = make_voice(calls)

    @voice.on_tool_call
    async def lookup(request: rt.ToolCallRequest) -> str:
        if request.arguments["q"] == "bad":
            raise ValueError("bad query")
        return "fine"

    async with voice.connect():
        peer = peer_of(gateway)
        calls_ = {"c1": ("lookup", '{"q": "bad"}'), "c2": ("lookup", '{"q": "ok"}')}
        await peer.send(*frames.tool_turn("resp_1", calls_))
        await trio.sleep(1)
        sent = peer.pending()
    assert outputs(sent) == {
        "c1": {"error": "tool 'lookup' raised ValueError: bad query"},
        "c2": "fine",
    }
    assert [f["type"] for f in sent].count("response.create") == 1
    [(error,)] = calls.of("on_error")
    assert isinstance(error, CallbackError) and error.callback == "on_tool_call"
    assert isinstance(error.__cause__, ValueError) and str(error.__cause__) == "bad query"


async def test_an_interrupted_call_cancels_its_callback(
    autojump_clock: trio.testing.MockClock,
) -> None:
    voice, gateway = make_voice()
    log: list[tuple[float, str]] = []

    @voice.on_tool_call
    async def slow(request: rt.ToolCallRequest) -> str:
        try:
            await trio.sleep(5)
        except trio.Cancelled:
            log.append((trio.current_time(), "cancelled"))
            raise
        return "late"

    async with voice.connect():
        peer = peer_of(gateway)
        t0 = trio.current_time()
        await peer.send(*frames.tool_turn("resp_1", {"c1": ("lookup", '{"q": "x"}')}))
        await trio.sleep(1)
        await peer.send(frames.speech_started())  # barge-in: on_interrupt="drop" cancels
        await trio.sleep(10)
        sent = peer.pending()
    assert log == [(t0 + 1, "cancelled")]
    assert outputs(sent) == {}  # a cancelled call gets no output


async def test_a_call_that_times_out_gets_one_output(
    autojump_clock: trio.testing.MockClock,
) -> None:
    voice, gateway = make_voice(tool_timeout=2.0)
    log: list[float] = []

    @voice.on_tool_call
    async def slow(request: rt.ToolCallRequest) -> str:
        try:
            await trio.sleep(5)
        finally:
            log.append(trio.current_time())
        return "late"

    async with voice.connect():
        peer = peer_of(gateway)
        t0 = trio.current_time()
        await peer.send(*frames.tool_turn("resp_1", {"c1": ("lookup", '{"q": "x"}')}))
        await trio.sleep(10)
        sent = peer.pending()
    assert log == [t0 + 2]
    assert outputs(sent) == {"c1": {"error": "tool 'lookup' timed out after 2 s"}}


async def test_on_interrupted(autojump_clock: trio.testing.MockClock) -> None:
    calls = Calls()
    voice, gateway = make_voice(calls)
    async with voice.connect():
        peer = peer_of(gateway)
        answer = audio_answer("resp_1", ["Once", " upon"], PCM[:2])
        await peer.send(*answer[:4])  # started, item, first audio and transcript deltas
        await trio.sleep(0.5)
        t = trio.current_time()
        await peer.send(frames.speech_started())
        await peer.send(frames.response_done("resp_1", "cancelled"))
        await trio.sleep(1)
    assert calls.timed("on_interrupted") == [(t, ())]


async def test_session_errors_and_closes_reach_on_error(
    autojump_clock: trio.testing.MockClock,
) -> None:
    calls = Calls()
    voice, gateway = make_voice(calls)
    async with voice.connect() as session:
        peer = peer_of(gateway)
        await peer.send(frames.error("invalid_value", "Bad thing."))
        await trio.sleep(1)
        await peer.close(1011, "server going away")
        await trio.sleep(1)
        assert session.closed
    first, second = (args[0] for args in calls.of("on_error"))
    assert isinstance(first, SessionError)
    assert (first.code, first.message, first.recoverable) == ("invalid_value", "Bad thing.", True)
    assert isinstance(second, rt.SessionClosedError)
    assert (second.code, second.reason) == (1011, "server going away")
    assert "closed by the server" in str(second)


async def test_a_slow_audio_callback_stalls_nothing(autojump_clock: trio.testing.MockClock) -> None:
    """on_audio takes 1 s per chunk; ten chunks arrive 0.1 s apart into a buffer of 4.

    It gets chunk 0 at once, then falls behind: chunks 1-5 are dropped (oldest first) and
    reported, and it plays 6-9 one per second. Meanwhile transcripts and the session's other
    consumers get every event the moment it arrives."""
    gateway = MemoryGateway()
    voice = rt.RealtimeVoice(gateway=gateway, callback_buffer=4)
    calls = Calls()

    @voice.on_audio
    async def play(pcm: bytes) -> None:
        calls.add("on_audio", pcm)
        await trio.sleep(1)

    @voice.on_transcript
    async def show(text: str, is_final: bool) -> None:
        calls.add("on_transcript", text, is_final)

    @voice.on_error
    async def error(error: rt.RealtimeError) -> None:
        calls.add("on_error", error)

    seen: list[float] = []

    async def other_consumer(sub: rt.Subscription) -> None:
        with sub:
            async for _ in sub:
                seen.append(trio.current_time())

    async with voice.connect() as session, trio.open_nursery() as nursery:
        nursery.start_soon(other_consumer, session.subscribe(kinds={"assistant_audio_delta"}))
        peer = peer_of(gateway)
        t0 = trio.current_time()
        answer = audio_answer("resp_1", [f"w{n} " for n in range(10)], PCM)
        await peer.send(*answer[:2])
        for n in range(10):
            await peer.send(*answer[2 + 2 * n : 4 + 2 * n])
            await trio.sleep(0.1)
        await peer.send(*answer[-2:])
        await trio.sleep(10)
        nursery.cancel_scope.cancel()
    assert [(t - t0, pcm) for t, (pcm,) in calls.timed("on_audio")] == [
        (0, PCM[0]),
        (pytest.approx(1), PCM[6]),
        (pytest.approx(2), PCM[7]),
        (pytest.approx(3), PCM[8]),
        (pytest.approx(4), PCM[9]),
    ]
    [(when, (overflow,))] = calls.timed("on_error")
    assert isinstance(overflow, CallbackOverflowError)
    assert (when - t0, overflow.callback, overflow.dropped) == (pytest.approx(1), "on_audio", 5)
    deltas = [(t - t0, args) for t, args in calls.timed("on_transcript") if not args[1]]
    assert deltas == [(pytest.approx(0.1 * n), (f"w{n} ", False)) for n in range(10)]
    assert [t - t0 for t in seen] == [pytest.approx(0.1 * n) for n in range(10)]
    assert session.statistics().subscribers == ()  # every feed was unsubscribed at the end


async def test_a_raising_callback_is_reported_and_the_session_goes_on(
    autojump_clock: trio.testing.MockClock,
) -> None:
    calls = Calls()
    voice, gateway = make_voice(calls)
    failures = iter([KeyError("first")])

    @voice.on_transcript
    async def flaky(text: str, is_final: bool) -> None:
        if (failure := next(failures, None)) is not None:
            raise failure
        calls.add("on_transcript", text, is_final)

    async with voice.connect() as session:
        peer = peer_of(gateway)
        await peer.send(*audio_answer("resp_1", ["a", "b"], PCM[:2]))
        await trio.sleep(1)
        await session.send_text("still there?")
        assert (await peer.expect("conversation.item.create"))["item"]["role"] == "user"
    assert calls.of("on_transcript") == [("b", False), ("ab", True)]
    assert calls.of("on_audio") == [(PCM[0],), (PCM[1],)]
    [(error,)] = calls.of("on_error")
    assert isinstance(error, CallbackError) and error.callback == "on_transcript"
    assert isinstance(error.__cause__, KeyError)
    assert str(error) == "on_transcript raised KeyError: 'first'"


async def test_without_on_error_a_failure_is_logged(
    autojump_clock: trio.testing.MockClock, caplog: pytest.LogCaptureFixture
) -> None:
    voice, gateway = make_voice()

    @voice.on_audio
    async def broken(pcm: bytes) -> None:
        raise RuntimeError("no device")

    async with voice.connect():
        await peer_of(gateway).send(*audio_answer("resp_1", ["a"], PCM[:1]))
        await trio.sleep(1)
    [record] = [r for r in caplog.records if r.name == "trio_realtime.facade"]
    assert record.levelno == logging.WARNING
    assert record.getMessage() == "on_audio raised RuntimeError: no device"
    assert record.exc_info is not None and isinstance(record.exc_info[1], CallbackError)


async def test_a_raising_on_error_is_logged_and_errors_keep_coming(
    autojump_clock: trio.testing.MockClock, caplog: pytest.LogCaptureFixture
) -> None:
    voice, gateway = make_voice()
    seen: list[str] = []

    @voice.on_error
    async def fragile(error: rt.RealtimeError) -> None:
        seen.append(str(error))
        if len(seen) == 1:
            raise RuntimeError("handler bug")

    async with voice.connect():
        peer = peer_of(gateway)
        await peer.send(frames.error("e1", "one"), frames.error("e2", "two"))
        await trio.sleep(1)
    assert seen == ["one (code=e1)", "two (code=e2)"]
    assert any("on_error raised" in r.getMessage() for r in caplog.records)


async def test_leaving_connect_cancels_callbacks_first(
    autojump_clock: trio.testing.MockClock,
) -> None:
    voice, gateway = make_voice()
    order: list[str] = []

    @voice.on_audio
    async def forever(pcm: bytes) -> None:
        try:
            await trio.sleep_forever()
        finally:
            order.append("callback cancelled")

    async with voice.connect() as session:
        await peer_of(gateway).send(*audio_answer("resp_1", ["a"], PCM[:1]))
        await trio.sleep(1)
    order.append("connect returned")
    assert order == ["callback cancelled", "connect returned"]
    assert session.closed


async def test_cancelling_connect_from_outside(autojump_clock: trio.testing.MockClock) -> None:
    voice, gateway = make_voice()
    cancelled: list[float] = []

    @voice.on_audio
    async def forever(pcm: bytes) -> None:
        try:
            await trio.sleep_forever()
        except trio.Cancelled:
            cancelled.append(trio.current_time())
            raise

    t0 = trio.current_time()
    with trio.move_on_after(5) as scope:
        async with voice.connect() as session:
            await peer_of(gateway).send(*audio_answer("resp_1", ["a"], PCM[:1]))
            await trio.sleep_forever()
    assert scope.cancelled_caught
    assert cancelled == [t0 + 5]
    assert session.closed


async def test_a_failed_connect_raises_bare_and_leaves_nothing(
    autojump_clock: trio.testing.MockClock,
) -> None:
    gateway = MemoryGateway(auto_handshake=False, connect_timeout=3.0)
    voice = rt.RealtimeVoice(gateway=gateway)
    voice.on_audio(lambda pcm: None)
    with pytest.raises(rt.RealtimeConnectionError):
        async with voice.connect():
            pytest.fail("not reached")


async def test_errors_in_the_block_come_out_bare(autojump_clock: trio.testing.MockClock) -> None:
    voice, _ = make_voice(Calls())
    with pytest.raises(ZeroDivisionError):
        async with voice.connect():
            1 / 0  # noqa: B018


async def test_the_session_has_no_primary_stream(autojump_clock: trio.testing.MockClock) -> None:
    voice, gateway = make_voice()
    async with voice.connect() as session:
        with pytest.raises(RuntimeError, match="use subscribe"):
            session.events()
        with session.subscribe(kinds={"assistant_text"}) as sub:
            await peer_of(gateway).send(*frames.text_turn("resp_1", "item_1", "Own stream."))
            assert (await sub.receive()).text == "Own stream."  # type: ignore[union-attr]


async def test_callbacks_take_effect_from_the_next_connect(
    autojump_clock: trio.testing.MockClock,
) -> None:
    voice, gateway = make_voice(modalities=["text"])
    texts: list[str] = []

    async def show(text: str, is_final: bool) -> None:
        texts.append(text)

    async with voice.connect():
        voice.on_transcript(show)
        await peer_of(gateway).send(*frames.text_turn("resp_1", "item_1", "One."))
        await trio.sleep(1)
    assert texts == []
    async with voice.connect():
        await peer_of(gateway).send(*frames.text_turn("resp_2", "item_2", "Two."))
        await trio.sleep(1)
    assert texts == ["Two.", "Two."]


def test_decorators_return_the_function_and_check_it() -> None:
    voice = rt.RealtimeVoice(gateway=MemoryGateway())

    def play(pcm: bytes) -> None: ...

    assert voice.on_audio(play) is play
    with pytest.raises(TypeError, match="on_error needs a function"):
        voice.on_error("print")  # type: ignore[arg-type]
