"""Issue 13.8: what ``write_wav``/``wav_bytes`` write is what the array holds, checked against
the stdlib ``wave`` reader and libsndfile (``soundfile``, when installed)."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest

from trio_realtime.audio.wav import read_wav, wav_bytes, write_wav


def stdlib_layout(data: bytes) -> tuple[int, int, int]:
    with wave.open(io.BytesIO(data)) as w:
        return w.getnchannels(), w.getframerate(), w.getnframes()


def test_a_frames_by_channels_array_is_written_with_its_channels() -> None:
    stereo = np.array([[1, -1], [2, -2], [3, -3]], dtype=np.int16)
    data = wav_bytes(stereo, sample_rate=16000)  # channels not given: the shape says 2
    assert stdlib_layout(data) == (2, 16000, 3)
    audio = read_wav(data)
    assert audio.channels == 2 and np.array_equal(audio.samples.reshape(-1, 2), stereo)
    out = io.BytesIO()
    write_wav(out, stereo, sample_rate=16000)
    assert out.getvalue() == data


def test_libsndfile_reads_the_channels_we_write() -> None:
    soundfile = pytest.importorskip("soundfile")
    stereo = np.stack([np.arange(100), -np.arange(100)], axis=1).astype(np.int16)
    read, rate = soundfile.read(io.BytesIO(wav_bytes(stereo, sample_rate=8000)), dtype="int16")
    assert rate == 8000 and read.shape == (100, 2)
    assert np.array_equal(read, stereo)


def test_channels_that_contradict_the_array_shape_are_an_error() -> None:
    stereo = np.zeros((10, 2), dtype=np.int16)
    with pytest.raises(ValueError, match="2 columns"):
        wav_bytes(stereo, sample_rate=8000, channels=1)
    with pytest.raises(ValueError, match="1-D .* or 2-D"):
        wav_bytes(np.zeros((2, 2, 2), dtype=np.int16), sample_rate=8000)
    # 1-D arrays and bytes are interleaved: channels says how many
    interleaved = stereo.reshape(-1)
    assert stdlib_layout(wav_bytes(interleaved, sample_rate=8000, channels=2)) == (2, 8000, 10)
    assert stdlib_layout(wav_bytes(interleaved, sample_rate=8000)) == (1, 8000, 20)
    assert stdlib_layout(wav_bytes(interleaved.tobytes(), sample_rate=8000)) == (1, 8000, 20)


@pytest.mark.parametrize("rate", [0, -8000, 2**32])
def test_an_impossible_sample_rate_is_a_value_error(rate: int) -> None:
    with pytest.raises(ValueError, match="sample_rate"):
        wav_bytes(b"\x00\x00", sample_rate=rate)
    with pytest.raises(ValueError, match="sample_rate"):
        write_wav(io.BytesIO(), b"\x00\x00", sample_rate=rate)


@pytest.mark.parametrize("channels", [0, -1, 65536])
def test_an_impossible_channel_count_is_a_value_error(channels: int) -> None:
    with pytest.raises(ValueError, match="channels"):
        wav_bytes(b"", sample_rate=8000, channels=channels)


def test_nothing_is_written_to_a_path_when_the_arguments_are_bad(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "x.wav"
    with pytest.raises(ValueError, match="sample_rate"):
        write_wav(path, b"\x00\x00", sample_rate=0)
    assert not path.exists()
