"""WAV files in and out, and loading audio input that may be a WAV file or raw PCM16.

Reading walks the RIFF chunks itself (the stdlib ``wave`` reader rejects
``WAVE_FORMAT_EXTENSIBLE`` before Python 3.12 and gives terse errors), so every Python version
accepts the same files and a rejected file gets a message saying what it is and what to do.
Writing uses the stdlib ``wave`` module. Only 16-bit PCM is read as is; 8/24/32-bit PCM,
float and G.711 WAVs raise :class:`WavFormatError` unless ``convert=True`` asks for a
conversion to PCM16.
"""

from __future__ import annotations

import io
import os
import struct
import wave
from typing import BinaryIO, Final

import attrs
import numpy as np
import numpy.typing as npt

from . import g711
from .pcm import Buffer, array_to_pcm16, float_to_int16, pcm16_to_array, to_mono
from .resample import resample

__all__ = ["WavAudio", "WavFormatError", "load_audio", "read_wav", "wav_bytes", "write_wav"]

Source = str | os.PathLike[str] | BinaryIO | bytes | bytearray | memoryview

_PCM: Final = 0x0001
_FLOAT: Final = 0x0003
_ALAW: Final = 0x0006
_ULAW: Final = 0x0007
_EXTENSIBLE: Final = 0xFFFE
# Sub-format GUIDs of WAVE_FORMAT_EXTENSIBLE share this tail after the 2-byte format tag.
_GUID_TAIL: Final = bytes.fromhex("000000001000800000aa00389b71")
_TAG_NAMES: Final = {_FLOAT: "IEEE float", _ALAW: "G.711 A-law", _ULAW: "G.711 mu-law"}
_CONVERT_HINT: Final = (
    "pass convert=True or convert it to 16-bit PCM (e.g. `sox in.wav -b 16 out.wav`)"
)


class WavFormatError(ValueError):
    """The data is not a WAV file this module can read (the message says why)."""


def _check_layout(inst: WavAudio, _attr: object, value: bytes) -> None:
    if inst.sample_rate <= 0:
        raise ValueError(f"sample_rate must be positive, got {inst.sample_rate}")
    if inst.channels < 1:
        raise ValueError(f"channels must be >= 1, got {inst.channels}")
    if len(value) % (2 * inst.channels):
        raise ValueError(f"{len(value)} bytes is not a whole number of {inst.channels}-ch frames")


@attrs.frozen(kw_only=True, repr=False)
class WavAudio:
    """PCM16 LE audio (interleaved when multi-channel) with its sample rate and channel count."""

    sample_rate: int
    channels: int = 1
    pcm: bytes = attrs.field(converter=bytes, validator=_check_layout)

    @property
    def samples(self) -> npt.NDArray[np.int16]:
        """Read-only int16 view of :attr:`pcm` (1-D, interleaved)."""
        return pcm16_to_array(self.pcm)

    @property
    def frames(self) -> int:
        """Samples per channel."""
        return len(self.pcm) // (2 * self.channels)

    @property
    def duration_ms(self) -> float:
        return self.frames * 1000 / self.sample_rate

    def mono(self) -> WavAudio:
        """Channels averaged into one (``self`` if already mono)."""
        if self.channels == 1:
            return self
        mixed = to_mono(self.samples, self.channels)
        return WavAudio(pcm=array_to_pcm16(mixed), sample_rate=self.sample_rate, channels=1)

    def resampled(self, rate: int) -> WavAudio:
        """The audio at ``rate`` Hz (each channel resampled; ``self`` if the rate matches)."""
        if rate == self.sample_rate:
            return self
        frames = self.samples.reshape(-1, self.channels)
        out = [resample(frames[:, ch], self.sample_rate, rate) for ch in range(self.channels)]
        pcm = array_to_pcm16(np.stack(out, axis=1))
        return WavAudio(pcm=pcm, sample_rate=rate, channels=self.channels)

    def to_wav(self) -> bytes:
        """This audio as a WAV file."""
        return wav_bytes(self.pcm, sample_rate=self.sample_rate, channels=self.channels)

    def __repr__(self) -> str:
        return (
            f"WavAudio(sample_rate={self.sample_rate}, channels={self.channels}, "
            f"duration_ms={self.duration_ms:.1f})"
        )


def _read_source(source: Source) -> bytes | bytearray | memoryview:
    if isinstance(source, bytes | bytearray | memoryview):
        return source
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as f:
            return f.read()
    return source.read()


def _is_riff(data: Buffer) -> bool:
    return bytes(data[:4]) in (b"RIFF", b"RF64", b"RIFX")


def _convert(body: memoryview, tag: int, bits: int) -> bytes:
    """Other sample formats -> PCM16 LE (rounded to nearest, saturating)."""
    if tag == _ULAW and bits == 8:
        return g711.ulaw_to_pcm16(body)
    if tag == _ALAW and bits == 8:
        return g711.alaw_to_pcm16(body)
    if tag == _FLOAT and bits in (32, 64):
        return array_to_pcm16(float_to_int16(np.frombuffer(body, dtype=f"<f{bits // 8}")))
    if tag == _PCM and bits == 8:  # unsigned, offset 128
        return array_to_pcm16((np.frombuffer(body, dtype=np.uint8).astype(np.int16) - 128) << 8)
    if tag == _PCM and bits in (24, 32):
        raw = np.frombuffer(body, dtype=np.uint8).reshape(-1, bits // 8)
        wide = np.zeros((raw.shape[0], 4), dtype=np.uint8)
        wide[:, 4 - bits // 8 :] = raw  # left-align into int32
        value = wide.view("<i4").reshape(-1).astype(np.int64)
        return array_to_pcm16(np.clip((value + (1 << 15)) >> 16, -32768, 32767))
    raise WavFormatError(f"cannot convert a {bits}-bit WAV with format tag 0x{tag:04x}")


def _parse(data: Buffer, *, convert: bool) -> WavAudio:
    view = memoryview(data).cast("B")
    if len(view) < 12 or bytes(view[:4]) != b"RIFF" or bytes(view[8:12]) != b"WAVE":
        kind = bytes(view[:4])
        if kind in (b"RF64", b"RIFX"):
            raise WavFormatError(f"{kind.decode()} WAV files are not supported; {_CONVERT_HINT}")
        raise WavFormatError("not a WAV file: missing the 'RIFF....WAVE' header")
    pos, fmt, body = 12, None, None
    while pos + 8 <= len(view):
        chunk_id, size = (
            bytes(view[pos : pos + 4]),
            int.from_bytes(view[pos + 4 : pos + 8], "little"),
        )
        start = pos + 8
        if chunk_id == b"fmt ":
            if size < 16 or start + 16 > len(view):
                raise WavFormatError(f"truncated 'fmt ' chunk ({size} bytes)")
            fmt = struct.unpack_from("<HHIIHH", view, start)
            if fmt[0] == _EXTENSIBLE:
                if size < 40 or start + 40 > len(view):
                    raise WavFormatError("truncated WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk")
                guid = bytes(view[start + 24 : start + 40])
                sub = int.from_bytes(guid[:2], "little") if guid[2:] == _GUID_TAIL else -1
                fmt = (sub, *fmt[1:])
        elif chunk_id == b"data":
            if fmt is None:
                raise WavFormatError("'data' chunk before the 'fmt ' chunk")
            # Streaming writers leave the size unknown (0xFFFFFFFF) or too big: take what is there.
            body = view[start : min(start + size, len(view))]
            break
        pos = start + size + (size & 1)
    if fmt is None:
        raise WavFormatError("no 'fmt ' chunk")
    if body is None:
        raise WavFormatError("no 'data' chunk")
    tag, channels, rate, _byte_rate, block_align, bits = fmt
    if channels < 1 or rate < 1:
        raise WavFormatError(f"invalid header: {channels} channels at {rate} Hz")
    if tag == _PCM and bits == 16:
        if block_align != 2 * channels:
            raise WavFormatError(
                f"invalid header: block align {block_align} for 16-bit x {channels}"
            )
        pcm: bytes | memoryview = body[: len(body) - len(body) % block_align]
    elif tag == -1 or tag not in (_PCM, _FLOAT, _ALAW, _ULAW):
        raise WavFormatError(f"compressed WAV (format tag 0x{tag & 0xFFFF:04x}) is not supported")
    elif not convert:
        name = _TAG_NAMES.get(tag, "PCM")
        raise WavFormatError(f"{bits}-bit {name} WAV is not supported as is; {_CONVERT_HINT}")
    elif bits % 8 or bits == 0 or block_align != channels * bits // 8:
        raise WavFormatError(f"invalid header: {bits} bits, block align {block_align}")
    else:
        pcm = _convert(body[: len(body) - len(body) % block_align], tag, bits)
    return WavAudio(pcm=pcm, sample_rate=rate, channels=channels)


def read_wav(source: Source, *, convert: bool = False) -> WavAudio:
    """Read a WAV file (path, binary file object or the file's bytes) as PCM16.

    16-bit PCM (plain or WAVE_FORMAT_EXTENSIBLE) at any rate and channel count is read as is.
    With ``convert=True``, 8/24/32-bit PCM, 32/64-bit float and G.711 WAVs become PCM16;
    otherwise they raise :class:`WavFormatError`, as do compressed and malformed files.
    """
    return _parse(_read_source(source), convert=convert)


_MAX_RATE: Final = 0xFFFFFFFF  # the header's 32-bit field
_MAX_CHANNELS: Final = 0xFFFF


def _as_pcm(pcm: Buffer | npt.ArrayLike, channels: int | None) -> tuple[bytes, int]:
    """The interleaved bytes and the channel count: a 2-D array says it by its shape,
    bytes and 1-D arrays are interleaved ``channels`` (default 1)."""
    if isinstance(pcm, bytes | bytearray | memoryview):
        data = bytes(pcm)
    else:
        arr = np.asarray(pcm)
        if arr.ndim == 2:
            if channels is not None and channels != arr.shape[1]:
                raise ValueError(
                    f"channels={channels} contradicts the array's {arr.shape[1]} columns "
                    "(a (frames, channels) array); leave channels out"
                )
            channels = arr.shape[1]
        elif arr.ndim > 2:
            raise ValueError(
                f"expected 1-D (interleaved) or 2-D (frames, channels) samples, got {arr.shape}"
            )
        data = array_to_pcm16(arr)
    channels = 1 if channels is None else channels
    if not 1 <= channels <= _MAX_CHANNELS:
        raise ValueError(f"channels must be between 1 and {_MAX_CHANNELS}, got {channels}")
    if len(data) % (2 * channels):
        raise ValueError(f"{len(data)} bytes is not a whole number of {channels}-channel frames")
    return data, channels


def write_wav(
    dest: str | os.PathLike[str] | BinaryIO,
    pcm: Buffer | npt.ArrayLike,
    *,
    sample_rate: int,
    channels: int | None = None,
) -> None:
    """Write PCM16 LE bytes or an int16 array as a 16-bit PCM WAV file.

    A ``(frames, channels)`` array gives its channel count by its shape (``channels``, if given,
    must agree); bytes and 1-D arrays are interleaved ``channels`` (default 1). Bad arguments
    (``sample_rate`` not in 1..2**32-1, a channel count that does not fit, a partial frame)
    raise ``ValueError`` before anything is written. A file object is written to but not
    closed.
    """
    if not 0 < sample_rate <= _MAX_RATE:
        raise ValueError(f"sample_rate must be between 1 and {_MAX_RATE} Hz, got {sample_rate}")
    data, channels = _as_pcm(pcm, channels)
    target: str | BinaryIO = os.fspath(dest) if isinstance(dest, str | os.PathLike) else dest
    with wave.open(target, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.setnframes(len(data) // (2 * channels))
        w.writeframes(data)


def wav_bytes(
    pcm: Buffer | npt.ArrayLike, *, sample_rate: int, channels: int | None = None
) -> bytes:
    """The bytes of a 16-bit PCM WAV file holding ``pcm`` (arguments as :func:`write_wav`)."""
    out = io.BytesIO()
    write_wav(out, pcm, sample_rate=sample_rate, channels=channels)
    return out.getvalue()


def load_audio(
    source: Source,
    *,
    sample_rate: int | None = None,
    target_rate: int | None = None,
    channels: int = 1,
    mono: bool = True,
    convert: bool = False,
) -> WavAudio:
    """Load audio input that is either a WAV file or raw PCM16 LE, detected by the header.

    A WAV file describes itself (``sample_rate`` and ``channels`` are then ignored); raw PCM16
    needs ``sample_rate`` (and ``channels`` when not mono). The result is mixed down to mono
    unless ``mono=False``, then resampled to ``target_rate`` when given.
    """
    data = _read_source(source)
    if _is_riff(data):
        audio = _parse(data, convert=convert)
    elif sample_rate is None:
        raise WavFormatError("no WAV header found: raw PCM16 input needs sample_rate=")
    else:
        view = memoryview(data).cast("B")
        if len(view) % (2 * channels):
            raise WavFormatError(
                f"raw PCM16 input of {len(view)} bytes is not whole {channels}-channel frames"
            )
        audio = WavAudio(pcm=view, sample_rate=sample_rate, channels=channels)
    if mono:
        audio = audio.mono()
    if target_rate is not None:
        audio = audio.resampled(target_rate)
    return audio
