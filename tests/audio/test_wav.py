"""WAV reading/writing, malformed headers, conversions, and load_audio detection."""

from __future__ import annotations

import io
import struct
import wave
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from trio_realtime.audio import g711
from trio_realtime.audio.pcm import array_to_pcm16
from trio_realtime.audio.resample import resample
from trio_realtime.audio.wav import (
    WavAudio,
    WavFormatError,
    load_audio,
    read_wav,
    wav_bytes,
    write_wav,
)

RATES = [8000, 11025, 16000, 22050, 24000, 44100, 48000, 96000]


def stdlib_wav(frames: bytes, *, rate: int, channels: int, width: int) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(frames)
    return out.getvalue()


def riff(*chunks: tuple[bytes, bytes]) -> bytes:
    """A RIFF/WAVE file from (id, body) chunks, with pad bytes after odd-sized bodies."""
    body = b"WAVE"
    for cid, data in chunks:
        body += cid + struct.pack("<I", len(data)) + data + b"\x00" * (len(data) & 1)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def fmt(tag: int, channels: int, rate: int, bits: int, extra: bytes = b"") -> tuple[bytes, bytes]:
    align = channels * bits // 8
    return b"fmt ", struct.pack("<HHIIHH", tag, channels, rate, rate * align, align, bits) + extra


def extensible(sub_tag: int, channels: int, rate: int, bits: int) -> tuple[bytes, bytes]:
    guid = struct.pack("<H", sub_tag) + bytes.fromhex("000000001000800000aa00389b71")
    ext = struct.pack("<HHI", 22, bits, 0) + guid
    return fmt(0xFFFE, channels, rate, bits, ext)


frames_strategy = st.integers(1, 3).flatmap(
    lambda ch: st.tuples(
        st.just(ch), hnp.arrays(np.int16, st.tuples(st.integers(0, 200), st.just(ch)))
    )
)


@settings(max_examples=60)
@given(frames_strategy, st.sampled_from(RATES))
def test_write_read_round_trip(ch_frames: tuple[int, np.ndarray], rate: int) -> None:
    channels, frames = ch_frames
    data = wav_bytes(frames, sample_rate=rate, channels=channels)
    audio = read_wav(data)
    assert (audio.sample_rate, audio.channels, audio.frames) == (rate, channels, len(frames))
    assert np.array_equal(audio.samples.reshape(-1, channels), frames)
    assert audio.duration_ms == pytest.approx(len(frames) * 1000 / rate)
    with wave.open(io.BytesIO(data)) as w:  # and the stdlib agrees with what we wrote
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (channels, 2, rate)
        assert w.readframes(w.getnframes()) == audio.pcm


@given(st.integers(1, 4), st.sampled_from(RATES), st.binary(max_size=400))
def test_reads_files_written_by_stdlib_wave(channels: int, rate: int, raw: bytes) -> None:
    pcm = raw[: len(raw) - len(raw) % (2 * channels)]
    audio = read_wav(stdlib_wav(pcm, rate=rate, channels=channels, width=2))
    assert audio == WavAudio(pcm=pcm, sample_rate=rate, channels=channels)


def test_sources_path_file_and_bytes(tmp_path: Path) -> None:
    pcm = np.arange(-50, 50, dtype=np.int16)
    path = tmp_path / "a.wav"
    write_wav(path, pcm, sample_rate=16000)
    write_wav(str(tmp_path / "b.wav"), pcm.tobytes(), sample_rate=16000)
    buf = io.BytesIO()
    write_wav(buf, bytearray(pcm.tobytes()), sample_rate=16000)
    assert not buf.closed  # a caller's file object stays open
    expected = WavAudio(pcm=pcm.tobytes(), sample_rate=16000)
    assert read_wav(path) == expected
    assert read_wav(str(tmp_path / "b.wav")) == expected
    assert read_wav(io.BytesIO(buf.getvalue())) == expected
    assert read_wav(memoryview(buf.getvalue())) == expected
    assert path.read_bytes() == buf.getvalue() == expected.to_wav()


def test_write_validates() -> None:
    with pytest.raises(ValueError, match="float_to_int16"):
        wav_bytes(np.zeros(10, dtype=np.float32), sample_rate=16000)
    with pytest.raises(ValueError, match="whole number"):
        wav_bytes(b"\x00\x00\x00", sample_rate=16000)
    with pytest.raises(ValueError, match="whole number"):
        wav_bytes(b"\x00\x00", sample_rate=16000, channels=2)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (stdlib_wav(b"\x80" * 10, rate=8000, channels=1, width=1), "8-bit PCM"),
        (stdlib_wav(b"\x00" * 30, rate=48000, channels=2, width=3), "24-bit PCM"),
        (stdlib_wav(b"\x00" * 16, rate=48000, channels=1, width=4), "32-bit PCM"),
        (riff(fmt(3, 1, 48000, 32), (b"data", b"\x00" * 8)), "32-bit IEEE float"),
        (riff(fmt(7, 1, 8000, 8), (b"data", b"\xff" * 8)), "mu-law"),
        (riff(fmt(0x11, 1, 8000, 4), (b"data", b"\x00" * 8)), "compressed WAV .format tag 0x0011"),
        (riff(fmt(0x55, 2, 44100, 0), (b"data", b"\x00" * 8)), "compressed"),
        (riff(extensible(3, 1, 48000, 32), (b"data", b"\x00" * 8)), "float"),
        (riff(fmt(0xFFFE, 1, 48000, 16)), "truncated WAVE_FORMAT_EXTENSIBLE"),
        (b"not a wav file at all", "not a WAV file"),
        (b"RIFF\x00\x00", "not a WAV file"),
        (b"RIFF\x10\x00\x00\x00AVI LIST", "not a WAV file"),
        (b"RF64\xff\xff\xff\xffWAVEds64", "RF64"),
        (riff((b"data", b"\x00" * 4)), "before the 'fmt ' chunk"),
        (riff(fmt(1, 1, 16000, 16)), "no 'data' chunk"),
        (riff((b"LIST", b"abc")), "no 'fmt ' chunk"),
        (riff((b"fmt ", b"\x01\x00\x01\x00")), "truncated 'fmt ' chunk"),
        (riff(fmt(1, 0, 16000, 16), (b"data", b"")), "0 channels"),
        (riff(fmt(1, 1, 0, 16), (b"data", b"")), "at 0 Hz"),
        (riff((b"fmt ", struct.pack("<HHIIHH", 1, 2, 8000, 0, 2, 16)), (b"data", b"")), "align"),
    ],
)
def test_unsupported_or_malformed_files_raise_clearly(data: bytes, match: str) -> None:
    with pytest.raises(WavFormatError, match=match):
        read_wav(data)


def test_truncated_valid_file_prefixes_never_crash() -> None:
    data = wav_bytes(np.arange(100, dtype=np.int16), sample_rate=16000)
    for n in range(len(data)):
        try:
            audio = read_wav(data[:n])
        except WavFormatError:
            continue
        assert audio.pcm == data[44 : 44 + (n - 44) // 2 * 2]  # a short data chunk is kept


def test_error_is_a_value_error_and_names_the_fix() -> None:
    data = stdlib_wav(b"\x00" * 30, rate=48000, channels=1, width=3)
    with pytest.raises(ValueError, match="convert=True"):
        read_wav(data)


def test_chunk_walking_extensible_padding_and_streaming_sizes() -> None:
    pcm = np.array([1, -2, 3, -4], dtype="<i2").tobytes()
    # Extensible 16-bit PCM with an odd-sized LIST chunk (pad byte) before the data.
    data = riff(extensible(1, 2, 16000, 16), (b"LIST", b"odd"), (b"data", pcm))
    assert read_wav(data) == WavAudio(pcm=pcm, sample_rate=16000, channels=2)
    # A streaming writer's unknown size (0xFFFFFFFF) or a size past the end: take what is there.
    header = riff(fmt(1, 1, 8000, 16))
    for size in (0xFFFFFFFF, 1000):
        streamed = header + b"data" + struct.pack("<I", size) + pcm + b"\x07"
        assert read_wav(streamed).pcm == pcm  # the dangling odd byte is dropped


def test_convert_other_sample_formats() -> None:
    u8 = bytes([0, 128, 255])
    assert read_wav(
        stdlib_wav(u8, rate=8000, channels=1, width=1), convert=True
    ).samples.tolist() == [
        -32768,
        0,
        32512,
    ]
    s24 = b"".join(
        v.to_bytes(3, "little", signed=True) for v in (0x7FFFFF, -0x800000, 0x000180, -0x80)
    )
    got = read_wav(stdlib_wav(s24, rate=48000, channels=1, width=3), convert=True)
    assert got.samples.tolist() == [32767, -32768, 2, 0]  # rounded, saturated
    s32 = b"".join(v.to_bytes(4, "little", signed=True) for v in (2**31 - 1, -(2**31), 3 << 16))
    assert read_wav(
        stdlib_wav(s32, rate=48000, channels=1, width=4), convert=True
    ).samples.tolist() == [
        32767,
        -32768,
        3,
    ]
    f32 = np.array([0.5, -1.0, 2.0], dtype="<f4").tobytes()
    got = read_wav(riff(fmt(3, 1, 48000, 32), (b"data", f32)), convert=True)
    assert got.samples.tolist() == [16384, -32768, 32767]
    codes = bytes(range(0, 256, 17))
    ulaw = read_wav(riff(fmt(7, 1, 8000, 8), (b"data", codes)), convert=True)
    assert ulaw.pcm == g711.ulaw_to_pcm16(codes)
    alaw = read_wav(riff(extensible(6, 1, 8000, 8), (b"data", codes)), convert=True)
    assert alaw.pcm == g711.alaw_to_pcm16(codes)
    with pytest.raises(WavFormatError, match="compressed"):
        read_wav(riff(fmt(0x11, 1, 8000, 4), (b"data", b"\x00")), convert=True)
    with pytest.raises(WavFormatError, match="invalid header"):
        read_wav(riff(fmt(1, 1, 8000, 12), (b"data", b"\x00" * 4)), convert=True)


def test_wav_audio_value_object() -> None:
    stereo = np.array([[100, 300], [-5, -6], [7, 8]], dtype=np.int16)
    audio = WavAudio(pcm=stereo.tobytes(), sample_rate=44100, channels=2)
    assert audio.frames == 3
    assert audio.samples.tolist() == [100, 300, -5, -6, 7, 8]
    assert not audio.samples.flags.writeable
    mono = audio.mono()
    assert (mono.channels, mono.samples.tolist()) == (1, [200, -6, 8])
    assert mono.mono() is mono
    assert "pcm" not in repr(audio) and "44100" in repr(audio)
    with pytest.raises(AttributeError):
        audio.sample_rate = 8000  # type: ignore[misc]
    with pytest.raises(ValueError, match="whole number"):
        WavAudio(pcm=b"\x00\x00", sample_rate=8000, channels=2)
    with pytest.raises(ValueError, match="positive"):
        WavAudio(pcm=b"", sample_rate=0)
    assert WavAudio(pcm=bytearray(b"\x01\x00"), sample_rate=8000).pcm == b"\x01\x00"


def test_resampled_keeps_channels_and_matches_mono_resampler() -> None:
    left = np.random.default_rng(1).integers(-9000, 9000, 441).astype(np.int16)
    right = (left // 3).astype(np.int16)
    audio = WavAudio(pcm=np.stack([left, right], axis=1).tobytes(), sample_rate=44100, channels=2)
    out = audio.resampled(16000)
    assert (out.sample_rate, out.channels, out.frames) == (16000, 2, 160)
    frames = out.samples.reshape(-1, 2)
    assert np.array_equal(frames[:, 0], resample(left, 44100, 16000))
    assert np.array_equal(frames[:, 1], resample(right, 44100, 16000))
    assert audio.resampled(44100) is audio


def test_load_audio_detects_wav_or_raw(tmp_path: Path) -> None:
    pcm = np.arange(-240, 240, dtype=np.int16)
    wav = wav_bytes(pcm, sample_rate=24000)
    assert load_audio(wav) == WavAudio(pcm=pcm.tobytes(), sample_rate=24000)
    assert load_audio(wav, sample_rate=8000).sample_rate == 24000  # the header wins
    raw = load_audio(pcm.tobytes(), sample_rate=24000)
    assert raw == WavAudio(pcm=pcm.tobytes(), sample_rate=24000)
    with pytest.raises(WavFormatError, match="sample_rate"):
        load_audio(pcm.tobytes())
    with pytest.raises(WavFormatError, match="whole"):
        load_audio(b"\x00\x01\x02", sample_rate=16000)
    with pytest.raises(WavFormatError, match="not a WAV"):
        load_audio(b"RIFF" + b"\x00" * 20, sample_rate=16000)  # a broken header is not raw
    path = tmp_path / "x.raw"
    path.write_bytes(pcm.tobytes())
    assert load_audio(path, sample_rate=24000, target_rate=16000).samples.size == 320
    assert load_audio(io.BytesIO(wav), target_rate=16000).pcm == array_to_pcm16(
        resample(pcm, 24000, 16000)
    )


def test_load_audio_mixes_down_by_default() -> None:
    stereo = np.array([[10, 20], [30, 40]], dtype=np.int16)
    wav = wav_bytes(stereo, sample_rate=48000, channels=2)
    assert load_audio(wav).samples.tolist() == [15, 35]
    kept = load_audio(wav, mono=False)
    assert kept.channels == 2 and kept.samples.tolist() == [10, 20, 30, 40]
    raw = load_audio(stereo.tobytes(), sample_rate=48000, channels=2, mono=False)
    assert raw.channels == 2
    assert load_audio(stereo.tobytes(), sample_rate=48000, channels=2).samples.tolist() == [15, 35]
