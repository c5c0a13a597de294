"""The package's public names (other parts of the library are written against them)."""

from __future__ import annotations

import inspect

import trio_realtime.audio as audio

PINNED = {
    "pcm16_to_array", "array_to_pcm16", "float_to_int16", "int16_to_float", "to_mono",
    "AudioEncoding", "bytes_per_sample", "ms_to_bytes", "bytes_to_ms", "samples_to_ms",
    "pcm16_to_ulaw", "ulaw_to_pcm16", "pcm16_to_alaw", "alaw_to_pcm16",
    "StreamResampler", "resample",
    "read_wav", "write_wav", "wav_bytes", "load_audio", "WavAudio", "WavFormatError",
    "FrameChunker", "PlaybackTracker", "JitterBuffer",
}  # fmt: skip


def test_all_is_complete_and_importable() -> None:
    assert set(audio.__all__) >= PINNED
    assert sorted(audio.__all__) == list(audio.__all__)
    for name in audio.__all__:
        assert getattr(audio, name) is not None
    assert "open_microphone" not in audio.__all__


def test_pinned_signatures() -> None:
    def kw_only(fn: object) -> set[str]:
        params = inspect.signature(fn).parameters.values()  # type: ignore[arg-type]
        return {p.name for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY}

    assert {"rate", "encoding"} <= kw_only(audio.ms_to_bytes)
    assert {"rate", "encoding"} <= kw_only(audio.bytes_to_ms)
    assert {"sample_rate", "channels"} <= kw_only(audio.write_wav)
    assert {"sample_rate", "channels"} <= kw_only(audio.wav_bytes)
    assert {"sample_rate", "target_rate"} <= kw_only(audio.load_audio)
    assert {"frame_ms", "sample_rate", "encoding"} <= kw_only(audio.FrameChunker)
    assert {"max_ms", "sample_rate"} <= kw_only(audio.JitterBuffer)
    assert "quality" in kw_only(audio.StreamResampler)
    chunker = audio.FrameChunker()
    assert (chunker.frame_ms, chunker.sample_rate, chunker.encoding) == (20, 24000, "pcm16")
    assert issubclass(audio.WavFormatError, ValueError)
    assert list(inspect.signature(audio.resample).parameters)[:3] == [
        "samples",
        "in_rate",
        "out_rate",
    ]
