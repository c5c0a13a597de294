"""PlaybackTracker and JitterBuffer."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trio_realtime.audio.playback import JitterBuffer, PlaybackTracker


def test_tracker_reports_cumulative_and_incremental_positions() -> None:
    t = PlaybackTracker()
    assert t.played_ms("a") is None
    assert (t.last_item_id,) == (None,)  # (a tuple, so mypy does not narrow the property)
    t.on_play("a", 100.0)
    t.on_play("a", 50.0)  # late, smaller report: ignored
    assert t.played_ms("a") == 100.0
    t.advance("a", 2400, 24000)  # +100 ms
    assert t.played_ms("a") == pytest.approx(200.0)
    t.on_play("a", 150.0)
    assert t.played_ms("a") == pytest.approx(200.0)
    t.advance("b", 160, 8000)
    assert t.played_ms("b") == pytest.approx(20.0)
    assert t.last_item_id == "b"
    assert "a" in t and len(t) == 2
    t.forget("a")
    t.forget("nope")
    assert t.played_ms("a") is None
    t.on_play("c", 0.0)
    assert t.played_ms("c") == 0.0  # reported, even if nothing was heard yet
    t.clear()
    assert len(t) == 0


def test_tracker_validates() -> None:
    t = PlaybackTracker()
    for bad in (-1.0, math.nan, math.inf):
        with pytest.raises(ValueError):
            t.on_play("a", bad)
    with pytest.raises(ValueError):
        t.advance("a", -1, 24000)
    with pytest.raises(ValueError):
        t.advance("a", 1, 0)
    with pytest.raises(ValueError):
        PlaybackTracker(max_items=0)


def test_tracker_memory_is_bounded_to_recent_items() -> None:
    t = PlaybackTracker(max_items=3)
    for i in range(10):
        t.on_play(f"item{i}", float(i))
    assert len(t) == 3
    assert [t.played_ms(f"item{i}") for i in (6, 7, 8, 9)] == [None, 7.0, 8.0, 9.0]
    t.advance("item7", 8, 8000)  # touching an item makes it recent again
    t.on_play("new", 1.0)
    assert t.played_ms("item7") == pytest.approx(8.0) and t.played_ms("item8") is None


@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=50))
def test_tracker_position_is_the_running_maximum(reports: list[float]) -> None:
    t = PlaybackTracker()
    for r in reports:
        t.on_play("x", r)
    assert t.played_ms("x") == max(reports)


def test_jitter_buffer_pops_exact_sizes_and_pads_underruns() -> None:
    jb = JitterBuffer(max_ms=100, sample_rate=8000)  # 1600 bytes
    assert jb.pop(4) == bytes(4)  # priming: silence, not an underrun
    assert (jb.underruns, jb.playing) == (0, False)
    jb.push(b"\x01\x02\x03\x04\x05\x06")
    assert jb.buffered_ms == pytest.approx(3 / 8)
    assert jb.pop(4) == b"\x01\x02\x03\x04"
    assert jb.playing
    assert jb.pop(4) == b"\x05\x06\x00\x00"  # ran dry mid-pop
    assert jb.underruns == 1 and jb.underrun_ms == pytest.approx(1 / 8)
    assert jb.pop(4) == bytes(4)  # priming again: not counted twice
    assert jb.underruns == 1
    with pytest.raises(ValueError):
        jb.pop(3)


def test_jitter_buffer_drops_oldest_beyond_max() -> None:
    jb = JitterBuffer(max_ms=1, sample_rate=8000)  # 8 samples = 16 bytes
    jb.push(bytes(range(10)))
    jb.push(bytes(range(10, 20)))  # 20 bytes: the oldest 4 go
    assert jb.buffered_bytes == 16
    assert jb.dropped_ms == pytest.approx(2 / 8)
    assert jb.pop(16) == bytes(range(4, 20))


def test_jitter_buffer_prefill_and_clear() -> None:
    jb = JitterBuffer(max_ms=50, sample_rate=16000, prefill_ms=10)  # prefill 320 bytes
    jb.push(bytes([1]) * 300)
    assert jb.pop(100) == bytes(100)  # still priming
    jb.push(bytes([1]) * 20)
    assert jb.pop(100) == bytes([1]) * 100
    jb.clear()
    assert jb.buffered_bytes == 0 and not jb.playing
    with pytest.raises(ValueError, match="exceeds"):
        JitterBuffer(max_ms=10, sample_rate=16000, prefill_ms=20)
    with pytest.raises(ValueError, match="less than one frame"):
        JitterBuffer(max_ms=0.01, sample_rate=8000)
    assert "JitterBuffer" in repr(jb)


@given(
    st.lists(
        st.one_of(
            st.binary(max_size=100).map(lambda b: ("push", b)),
            st.integers(0, 40).map(lambda n: ("pop", 2 * n)),
        ),
        max_size=60,
    )
)
def test_jitter_buffer_conserves_audio(ops: list[tuple[str, object]]) -> None:
    """Everything pushed is played, dropped (oldest first) or still buffered, in order; a
    trailing odd byte (half a sample) waits for its pair."""
    jb = JitterBuffer(max_ms=10, sample_rate=8000)  # 160 bytes
    pushed, played = 0, 0
    for op, arg in ops:
        if op == "push":
            assert isinstance(arg, bytes)
            jb.push(arg)
            pushed += len(arg)
        else:
            assert isinstance(arg, int)
            before = jb.buffered_bytes
            out = jb.pop(arg)
            assert len(out) == arg
            played += before - jb.buffered_bytes
        assert jb.buffered_bytes <= jb.max_bytes
    dropped = round(jb.dropped_ms * 16)
    assert pushed == played + dropped + jb.buffered_bytes + pushed % 2
