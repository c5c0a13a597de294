"""Sync callbacks run in worker threads: they may block without stalling anything.

Threads take real time, which the virtual clock would skip over, so these tests run on the
real clock, each bounded by ``fail_after``; every wait is on an event, never a sleep.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
import trio

import trio_realtime as rt
from trio_realtime.facade._callbacks import invoke
from trio_realtime.testing import MemoryGateway, frames

from .conftest import LOOKUP
from .test_callbacks import PCM, audio_answer, outputs, peer_of


async def test_sync_callbacks_run_in_worker_threads() -> None:
    gateway = MemoryGateway()
    voice = rt.RealtimeVoice(gateway=gateway, config=rt.Config(tools=[LOOKUP]))
    threads: dict[str, str] = {}
    done = trio.Event()
    seen: list[Any] = []

    def note(name: str, *args: Any) -> None:
        threads[name] = threading.current_thread().name
        seen.append((name, *args))
        if len(threads) == 5:
            trio.from_thread.run_sync(done.set)  # back into trio from the worker thread

    voice.on_audio(lambda pcm: note("on_audio", pcm))
    voice.on_transcript(lambda text, is_final: note("on_transcript", text, is_final))
    voice.on_interrupted(lambda: note("on_interrupted"))
    voice.on_error(lambda error: note("on_error", str(error)))

    @voice.on_tool_call
    def lookup(request: rt.ToolCallRequest) -> str:
        note("on_tool_call", request.call_id)
        return f"found {request.arguments['q']}"

    with trio.fail_after(10):
        async with voice.connect():
            peer = peer_of(gateway)
            answer = audio_answer("resp_1", ["Hi"], PCM[:1])
            await peer.send(*answer[:4], frames.speech_started(), *answer[4:])
            await peer.send(frames.error("oops", "Oops."))
            await peer.send(*frames.tool_turn("resp_2", {"c1": ("lookup", '{"q": "x"}')}))
            await done.wait()
            while (await peer.receive())["type"] != "response.create":
                pass
            sent = peer.received
    main = threading.main_thread().name
    assert set(threads) == {
        "on_audio",
        "on_transcript",
        "on_interrupted",
        "on_error",
        "on_tool_call",
    }
    assert main not in threads.values()
    assert ("on_audio", PCM[0]) in seen and ("on_error", "Oops. (code=oops)") in seen
    assert outputs(sent) == {"c1": "found x"}


async def test_a_blocked_sync_callback_holds_up_nothing_else() -> None:
    gateway = MemoryGateway()
    voice = rt.RealtimeVoice(gateway=gateway)
    release = threading.Event()
    played: list[bytes] = []
    texts: list[tuple[str, bool]] = []
    all_played, all_texts = trio.Event(), trio.Event()

    @voice.on_audio
    def play(pcm: bytes) -> None:  # a blocking device write, stuck until released
        release.wait(10)
        played.append(pcm)
        if len(played) == 3:
            trio.from_thread.run_sync(all_played.set)

    @voice.on_transcript
    async def show(text: str, is_final: bool) -> None:
        texts.append((text, is_final))
        if is_final:
            all_texts.set()

    with trio.fail_after(10):
        async with voice.connect():
            await peer_of(gateway).send(*audio_answer("resp_1", ["a", "b", "c"], PCM[:3]))
            await all_texts.wait()  # every transcript, while on_audio is stuck on chunk 0
            assert texts == [("a", False), ("b", False), ("c", False), ("abc", True)]
            assert played == []
            release.set()
            await all_played.wait()
    assert played == PCM[:3]


async def test_leaving_connect_abandons_a_stuck_sync_callback() -> None:
    gateway = MemoryGateway()
    voice = rt.RealtimeVoice(gateway=gateway)
    entered, release, finished = trio.Event(), threading.Event(), threading.Event()

    @voice.on_audio
    def stuck(pcm: bytes) -> None:
        trio.from_thread.run_sync(entered.set)
        release.wait(10)
        finished.set()

    try:
        with trio.fail_after(5):  # returns although the thread is still blocked
            async with voice.connect():
                await peer_of(gateway).send(*audio_answer("resp_1", ["a"], PCM[:1]))
                await entered.wait()
        assert not finished.is_set()
    finally:
        release.set()
    await trio.to_thread.run_sync(finished.wait, 5)
    assert finished.is_set()


async def test_a_sync_function_returning_a_coroutine_is_refused() -> None:
    async def later() -> int:
        await trio.lowlevel.checkpoint()
        return 42

    assert await invoke(lambda: 7) == 7
    with pytest.raises(TypeError, match="appears to be asynchronous"):
        await invoke(lambda: later())  # trio closes the coroutine; declare it async def
