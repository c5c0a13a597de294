"""Issue 13.8: audio whose chunks split a sample (or a stereo frame) stays aligned for good.

A producer may hand the playout buffer any byte count (network chunks do not respect sample
boundaries). An underrun that happens while half a sample is buffered must not play that half:
otherwise every later sample is shifted by one byte (mono) or the channels swap (stereo).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import trio
import trio.testing
from hypothesis import given, settings
from hypothesis import strategies as st

from trio_realtime.audio import devices
from trio_realtime.audio.playback import JitterBuffer, PlaybackTracker

from .test_devices import FakeSoundDevice, FakeStream, in_audio_thread


def ramp(frames: int, channels: int) -> bytes:
    """Distinct non-zero samples: left 1, 2, 3 ...; right -1, -2, -3 ... (so silence, a
    one-byte shift and a channel swap are all visible)."""
    left = np.arange(1, frames + 1, dtype="<i2")
    columns = [left, -left][:channels]
    return np.stack(columns, axis=1).astype("<i2").tobytes()


def test_an_underrun_with_half_a_sample_buffered_keeps_later_samples_aligned() -> None:
    jb = JitterBuffer(max_ms=100, sample_rate=8000)
    audio = ramp(4, 1)  # samples 1, 2, 3, 4
    jb.push(audio[:3])  # sample 1 and the low byte of sample 2
    assert jb.pop(4) == audio[:2] + bytes(2)  # sample 1, then silence: an underrun
    assert jb.underruns == 1
    jb.push(audio[3:])  # the high byte of sample 2, then samples 3 and 4
    assert jb.pop(6) == audio[2:]  # samples 2, 3, 4: not shifted by a byte


def test_an_underrun_with_half_a_stereo_frame_buffered_does_not_swap_channels() -> None:
    jb = JitterBuffer(max_ms=100, sample_rate=8000, channels=2)
    audio = ramp(3, 2)  # (1, -1), (2, -2), (3, -3)
    jb.push(audio[:6])  # frame 1 and the left sample of frame 2
    assert jb.pop(8) == audio[:4] + bytes(4)
    jb.push(audio[6:])
    assert jb.pop(8) == audio[4:]  # left stays left


def test_a_partial_frame_is_not_counted_as_buffered_audio() -> None:
    jb = JitterBuffer(max_ms=1, sample_rate=8000)  # 16 bytes
    jb.push(bytes(range(1, 18)))  # 8 whole samples and one byte: nothing is dropped
    assert jb.buffered_bytes == 16 and jb.dropped_ms == 0
    assert jb.pop(16) == bytes(range(1, 17))
    assert jb.pop(2) == bytes(2) and jb.buffered_bytes == 0  # the odd byte waits for its pair
    jb.push(b"\x00")
    assert jb.pop(2) == b"\x11\x00"


@settings(max_examples=150, deadline=None)
@given(
    channels=st.sampled_from([1, 2]),
    cuts=st.lists(st.integers(0, 23), max_size=30),
    pops=st.lists(st.integers(0, 6), min_size=1, max_size=30),
)
def test_any_chunking_plays_the_pushed_audio_in_order(
    channels: int, cuts: list[int], pops: list[int]
) -> None:
    """Whatever the split of the stream and the pop sizes, the non-silent output is exactly
    the pushed audio, frame for frame (nothing dropped: the buffer is big enough)."""
    audio = ramp(60, channels)
    frame = 2 * channels
    jb = JitterBuffer(max_ms=1000, sample_rate=8000, channels=channels)
    heard = bytearray()
    at = 0
    for i, cut in enumerate([*cuts, len(audio)]):
        jb.push(audio[at : at + cut])
        at += cut
        heard += jb.pop(frame * pops[i % len(pops)])
    jb.push(audio[at:])
    heard += jb.pop(len(audio) + frame)
    frames = np.frombuffer(bytes(heard), dtype="<i2").reshape(-1, channels)
    played = frames[frames[:, 0] != 0]
    assert played.tobytes() == audio


# -- through the speaker device ----------------------------------------------------------------


@pytest.fixture
def fake_sd(monkeypatch: pytest.MonkeyPatch) -> FakeSoundDevice:
    sd = FakeSoundDevice()
    monkeypatch.setattr(devices, "_import_sounddevice", lambda: sd)
    return sd


async def play(stream: FakeStream, nbytes: int) -> bytes:
    chunk = bytearray(nbytes)
    await in_audio_thread(stream.callback, chunk, nbytes // 2, None, None)
    return bytes(chunk)


@pytest.mark.parametrize("channels", [1, 2])
async def test_open_speaker_with_chunks_that_split_a_sample(
    fake_sd: FakeSoundDevice, channels: int
) -> None:
    tracker = PlaybackTracker()
    frame = 2 * channels
    audio = ramp(480, channels)  # 60 ms at 8 kHz
    heard = bytearray()
    with trio.fail_after(10):
        async with devices.open_speaker(
            sample_rate=8000, channels=channels, tracker=tracker, buffer_ms=100
        ) as speaker:
            stream: Any = fake_sd.streams[0]
            cut = 160 * frame + 1  # 20 ms and one byte: half a sample
            await speaker.send(("item", audio[:cut]))
            await trio.testing.wait_all_tasks_blocked()
            heard += await play(stream, 320 * frame)  # 40 ms asked: an underrun
            await speaker.send(("item", audio[cut:]))
            await trio.testing.wait_all_tasks_blocked()
            for _ in range(3):
                heard += await play(stream, 160 * frame)
    frames = np.frombuffer(bytes(heard), dtype="<i2").reshape(-1, channels)
    assert frames[frames[:, 0] != 0].tobytes() == audio
    assert tracker.played_ms("item") == pytest.approx(60.0)
