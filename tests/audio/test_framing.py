"""FrameChunker: fixed-size frames whatever the input chunking."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trio_realtime.audio.framing import FrameChunker


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(c, len(data)) for c in cuts})
    edges = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges)]


@given(
    st.binary(max_size=3000),
    st.lists(st.integers(0, 3000), max_size=30),
    st.sampled_from(
        [(10, 8000, "pcm16"), (20, 24000, "pcm16"), (20, 8000, "g711_ulaw"), (20, 22050, "pcm16")]
    ),
)
def test_frames_are_independent_of_chunking(data: bytes, cuts: list[int], params) -> None:  # type: ignore[no-untyped-def]
    frame_ms, rate, encoding = params
    chunker = FrameChunker(frame_ms=frame_ms, sample_rate=rate, encoding=encoding)
    size = chunker.frame_bytes
    frames: list[bytes] = []
    for piece in split(data, cuts):
        frames.extend(chunker.push(piece))
    assert all(len(f) == size for f in frames)
    whole = len(data) // size * size
    assert b"".join(frames) == data[:whole]
    assert chunker.pending == len(data) - whole
    tail = chunker.flush()
    sample = 2 if encoding == "pcm16" else 1
    assert tail == data[whole : len(data) - (len(data) - whole) % sample]
    assert chunker.pending == 0


def test_frame_sizes() -> None:
    assert FrameChunker().frame_bytes == 960  # 20 ms at 24 kHz PCM16
    assert FrameChunker(frame_ms=20, sample_rate=8000, encoding="g711_alaw").frame_bytes == 160
    assert FrameChunker(frame_ms=20, sample_rate=22050).frame_bytes == 882
    assert FrameChunker(frame_ms=10, sample_rate=22050).frame_bytes == 440  # whole samples
    assert FrameChunker(frame_ms=20, sample_rate=48000, channels=2).frame_bytes == 3840
    with pytest.raises(ValueError, match="shorter than one sample"):
        FrameChunker(frame_ms=0.01, sample_rate=8000)
    with pytest.raises(ValueError, match="8000"):
        FrameChunker(sample_rate=24000, encoding="g711_ulaw")


def test_odd_byte_is_carried_across_chunks() -> None:
    chunker = FrameChunker(frame_ms=1, sample_rate=8000)  # 8 samples = 16 bytes
    assert chunker.push(b"\x01") == []
    assert chunker.pending == 1
    assert chunker.push(bytes(range(2, 17))) == [bytes(range(1, 17))]
    assert chunker.push(b"abc") == []
    assert chunker.flush() == b"ab"  # the dangling half sample is dropped
    assert chunker.push(memoryview(bytes(32))) == [bytes(16), bytes(16)]


@pytest.mark.parametrize(
    ("encoding", "silence"), [("pcm16", 0x00), ("g711_ulaw", 0xFF), ("g711_alaw", 0xD5)]
)
def test_flush_pads_with_silence(encoding, silence) -> None:  # type: ignore[no-untyped-def]
    chunker = FrameChunker(frame_ms=1, sample_rate=8000, encoding=encoding)
    chunker.push(b"\x11\x22")
    out = chunker.flush(pad=True)
    assert len(out) == chunker.frame_bytes
    assert out[:2] == b"\x11\x22" and set(out[2:]) == {silence}
    assert chunker.flush(pad=True) == b""  # nothing pending: nothing to pad
    chunker.push(b"\x01\x02\x03")
    chunker.reset()
    assert chunker.pending == 0
