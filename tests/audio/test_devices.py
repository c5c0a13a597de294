"""Device bridges, driven through a fake ``sounddevice`` (and a real one when available)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np
import pytest
import trio
import trio.testing

from trio_realtime.audio import devices
from trio_realtime.audio.playback import PlaybackTracker


class FakeStream:
    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.callback = kwargs["callback"]
        self.events: list[str] = []

    def start(self) -> None:
        self.events.append("start")

    def stop(self) -> None:
        self.events.append("stop")

    def close(self) -> None:
        self.events.append("close")


class FakeSoundDevice:
    def __init__(self) -> None:
        self.streams: list[FakeStream] = []

    def _make(self, **kwargs: Any) -> FakeStream:
        stream = FakeStream(**kwargs)
        self.streams.append(stream)
        return stream

    RawInputStream = RawOutputStream = _make


@pytest.fixture
def fake_sd(monkeypatch: pytest.MonkeyPatch) -> FakeSoundDevice:
    sd = FakeSoundDevice()
    monkeypatch.setattr(devices, "_import_sounddevice", lambda: sd)
    return sd


async def in_audio_thread(fn: Any, *args: Any) -> None:
    """Call a PortAudio callback from another thread, as PortAudio does, then let trio run
    the work it handed over."""
    await trio.to_thread.run_sync(fn, *args)
    await trio.testing.wait_all_tasks_blocked()


def test_core_package_does_not_import_devices_or_trio() -> None:
    code = (
        "import sys, trio_realtime.audio as a; "
        "assert 'trio_realtime.audio.devices' not in sys.modules; "
        "assert 'sounddevice' not in sys.modules; "
        "assert not hasattr(a, 'open_microphone')"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    import ast
    import pathlib

    root = pathlib.Path(devices.__file__).parent
    for path in root.glob("*.py"):
        if path.name == "devices.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                assert not any(n.split(".")[0] in ("trio", "sounddevice") for n in names), path


def test_missing_extra_gives_a_clear_import_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # makes `import sounddevice` fail
    with pytest.raises(ImportError, match=r"trio-realtime\[sounddevice\]"):
        devices._import_sounddevice()


async def test_missing_extra_raises_when_opening(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", None)
    with pytest.raises(ImportError, match="sounddevice"):
        async with devices.open_microphone():
            pass


async def test_microphone_delivers_frames_in_order_and_closes(fake_sd: FakeSoundDevice) -> None:
    with trio.fail_after(10):
        async with devices.open_microphone(sample_rate=16000, frame_ms=10) as mic:
            (stream,) = fake_sd.streams
            assert stream.kwargs["samplerate"] == 16000
            assert stream.kwargs["blocksize"] == 160 and stream.kwargs["dtype"] == "int16"
            assert stream.events == ["start"]
            for i in range(3):
                await in_audio_thread(stream.callback, bytes([i]) * 320, 160, None, None)
            assert [await mic.receive() for _ in range(3)] == [bytes([i]) * 320 for i in range(3)]
        assert stream.events == ["start", "stop", "close"]
        with pytest.raises(trio.ClosedResourceError):
            await mic.receive()
        stream.callback(b"\x00\x00", 1, None, None)  # a late callback is harmless
        await trio.testing.wait_all_tasks_blocked()


async def test_microphone_drops_frames_when_the_consumer_lags(fake_sd: FakeSoundDevice) -> None:
    with trio.fail_after(10):
        async with devices.open_microphone(max_frames=2) as mic:
            stream = fake_sd.streams[0]
            for i in range(5):
                await in_audio_thread(stream.callback, bytes([i, 0]), 1, None, None)
            assert await mic.receive() == bytes([0, 0])
            assert await mic.receive() == bytes([1, 0])
            assert mic.statistics().current_buffer_used == 0  # frames 2-4 were dropped


async def test_microphone_closes_the_device_on_cancellation(fake_sd: FakeSoundDevice) -> None:
    with trio.CancelScope() as scope:
        async with devices.open_microphone():
            scope.cancel()
            await trio.sleep_forever()
    assert fake_sd.streams[0].events == ["start", "stop", "close"]


def play(stream: FakeStream, nbytes: int) -> bytearray:
    out = bytearray(nbytes)
    stream.callback(out, nbytes // 2, None, None)
    return out


async def test_speaker_plays_reports_and_clears(fake_sd: FakeSoundDevice) -> None:
    tracker = PlaybackTracker()
    audio = np.arange(1, 961, dtype="<i2").tobytes()  # 40 ms at 24 kHz
    with trio.fail_after(10):
        async with devices.open_speaker(tracker=tracker, buffer_ms=100) as speaker:
            stream = fake_sd.streams[0]
            assert stream.kwargs["blocksize"] == 480
            await speaker.send(("item_1", audio))
            await trio.testing.wait_all_tasks_blocked()
            heard = bytearray()
            for _ in range(2):
                chunk = bytearray(960)
                await in_audio_thread(stream.callback, chunk, 480, None, None)
                heard += chunk
            assert bytes(heard) == audio[:1920]
            assert tracker.played_ms("item_1") == pytest.approx(40.0)
            await speaker.send(devices.CLEAR)  # barge-in: the rest is never played
            await trio.testing.wait_all_tasks_blocked()
            chunk = bytearray(960)
            await in_audio_thread(stream.callback, chunk, 480, None, None)
            assert bytes(chunk) == bytes(960)
            assert tracker.played_ms("item_1") == pytest.approx(40.0)
            await speaker.send(b"\x05\x00" * 4)  # plain bytes: played, not tracked
            await trio.testing.wait_all_tasks_blocked()
            await in_audio_thread(stream.callback, bytearray(8), 4, None, None)
            assert len(tracker) == 1
    assert stream.events == ["start", "stop", "close"]


async def test_speaker_backpressure_and_drain_on_exit(fake_sd: FakeSoundDevice) -> None:
    tracker = PlaybackTracker()
    audio = np.arange(1, 4801, dtype="<i2").tobytes()  # 200 ms at 24 kHz, buffer holds 50 ms
    heard = bytearray()
    done = trio.Event()

    async def producer() -> None:
        async with devices.open_speaker(tracker=tracker, buffer_ms=50, max_items=1) as speaker:
            for i in range(0, len(audio), 1920):
                await speaker.send(("a", audio[i : i + 1920]))
        done.set()  # only after everything queued was played

    async def device() -> None:
        while not fake_sd.streams:
            await trio.testing.wait_all_tasks_blocked()
        stream = fake_sd.streams[0]
        while not done.is_set():
            chunk = bytearray(480)
            await in_audio_thread(stream.callback, chunk, 240, None, None)
            heard.extend(chunk)

    with trio.fail_after(20):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(producer)
            nursery.start_soon(device)
    samples = np.frombuffer(bytes(heard), dtype="<i2")
    assert samples[samples != 0].tobytes() == audio  # all of it, in order, despite backpressure
    assert tracker.played_ms("a") == pytest.approx(200.0)


def test_real_devices_when_available() -> None:
    try:
        sd = pytest.importorskip("sounddevice")
    except OSError:
        pytest.skip("PortAudio library not available")
    try:
        sd.query_devices(kind="input")
        sd.query_devices(kind="output")
    except Exception:
        pytest.skip("no audio device")

    async def main() -> None:
        with trio.fail_after(10):
            async with devices.open_microphone(frame_ms=20) as mic:
                frame = await mic.receive()
                assert len(frame) == 960
            async with devices.open_speaker() as speaker:
                await speaker.send(bytes(960))

    trio.run(main)


async def test_a_device_that_fails_to_start_is_closed_not_stopped(
    fake_sd: FakeSoundDevice, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_start(self: FakeStream) -> None:
        raise RuntimeError("device busy")

    monkeypatch.setattr(FakeStream, "start", broken_start)
    with pytest.raises(RuntimeError, match="device busy"):
        async with devices.open_speaker():
            pytest.fail("must not get here")  # pragma: no cover
    assert fake_sd.streams[0].events == ["close"]


async def test_speaker_errors_propagate_bare_and_stop_playback(fake_sd: FakeSoundDevice) -> None:
    with pytest.raises(ValueError, match="boom"):
        async with devices.open_speaker() as speaker:
            await speaker.send(b"\x01\x00" * 100)
            raise ValueError("boom")
    assert fake_sd.streams[0].events == ["start", "stop", "close"]
