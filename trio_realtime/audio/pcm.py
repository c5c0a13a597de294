"""PCM16 sample conversions and duration arithmetic for every wire encoding.

Conventions: PCM16 is signed 16-bit little-endian, interleaved when multi-channel. Float audio is
``float32`` in ``[-1, 1)`` with full scale 32768 (so int16 -> float -> int16 is exact). G.711
(``g711_ulaw`` / ``g711_alaw``) is one byte per sample at 8 kHz.
"""

from __future__ import annotations

import math
from typing import Final, Literal, get_args

import attrs
import numpy as np
import numpy.typing as npt

__all__ = [
    "AudioEncoding",
    "AudioFormat",
    "array_to_pcm16",
    "bytes_per_sample",
    "bytes_to_ms",
    "float_to_int16",
    "int16_to_float",
    "ms_to_bytes",
    "ms_to_samples",
    "pcm16_to_array",
    "samples_to_ms",
    "to_mono",
]

AudioEncoding = Literal["pcm16", "g711_ulaw", "g711_alaw"]

_ENCODINGS: Final[tuple[str, ...]] = get_args(AudioEncoding)
_BYTES_PER_SAMPLE: Final = {"pcm16": 2, "g711_ulaw": 1, "g711_alaw": 1}
G711_RATE: Final = 8000
_I16: Final = np.dtype("<i2")
_I16_MIN: Final = -32768
_I16_MAX: Final = 32767

Buffer = bytes | bytearray | memoryview


def pcm16_to_array(data: Buffer) -> npt.NDArray[np.int16]:
    """View PCM16 LE bytes as a read-only 1-D int16 array (zero copy; interleaved if stereo).

    Raises ``ValueError`` for an odd byte count.
    """
    view = memoryview(data)
    if view.nbytes % 2:
        raise ValueError(f"PCM16 data must have an even number of bytes, got {view.nbytes}")
    arr: npt.NDArray[np.int16] = np.frombuffer(view, dtype=_I16)
    arr.flags.writeable = False
    return arr


def array_to_pcm16(samples: npt.ArrayLike) -> bytes:
    """Serialize integer samples to PCM16 LE bytes (C order, so ``(frames, channels)`` interleaves).

    int16 arrays are taken as is; other integer arrays must fit the int16 range (no silent
    wrap-around). Float arrays raise ``ValueError``: scale them with :func:`float_to_int16` first.
    """
    arr = np.asarray(samples)
    if arr.dtype.kind == "f":
        raise ValueError("float samples are ambiguous; convert them with float_to_int16() first")
    if arr.dtype.kind not in "iu":
        raise ValueError(f"expected integer samples, got dtype {arr.dtype}")
    wide = arr.dtype.itemsize > 2 or arr.dtype == np.uint16
    if wide and arr.size and (int(arr.min()) < _I16_MIN or int(arr.max()) > _I16_MAX):
        raise ValueError("sample values out of the int16 range")
    return arr.astype(_I16, copy=False).tobytes()


def float_to_int16(x: npt.ArrayLike) -> npt.NDArray[np.int16]:
    """Float samples (full scale 1.0) to int16: scale by 32768, round to nearest, clip.

    NaN becomes 0; values beyond full scale saturate at -32768 / 32767.
    """
    arr = np.asarray(x, dtype=np.float64)
    scaled = np.nan_to_num(arr * 32768.0, nan=0.0, posinf=_I16_MAX, neginf=_I16_MIN)
    return np.clip(np.rint(scaled), _I16_MIN, _I16_MAX).astype(np.int16)


def int16_to_float(x: npt.ArrayLike) -> npt.NDArray[np.float32]:
    """int16 samples (or PCM16 LE bytes) to float32 in ``[-1, 1)`` (divides by 32768)."""
    arr = pcm16_to_array(x) if isinstance(x, bytes | bytearray | memoryview) else np.asarray(x)
    if arr.dtype.kind not in "iu":
        raise ValueError(f"expected integer samples, got dtype {arr.dtype}")
    out: npt.NDArray[np.float32] = arr.astype(np.float32) * np.float32(1.0 / 32768.0)
    return out


def to_mono(samples: npt.ArrayLike | Buffer, channels: int) -> npt.NDArray[np.int16]:
    """Average interleaved channels into one (rounded to nearest, ties to even).

    ``samples`` is a 1-D interleaved int16 array, a ``(frames, channels)`` array, or PCM16 LE
    bytes. With ``channels == 1`` the samples are returned unchanged.
    """
    if channels < 1:
        raise ValueError(f"channels must be >= 1, got {channels}")
    if isinstance(samples, bytes | bytearray | memoryview):
        arr: np.ndarray = pcm16_to_array(samples)
    else:
        arr = np.asarray(samples)
    if arr.dtype.kind not in "iu":
        raise ValueError(f"expected integer samples, got dtype {arr.dtype}")
    flat = arr.reshape(-1)
    if flat.size % channels:
        raise ValueError(f"{flat.size} samples is not a whole number of {channels}-channel frames")
    if channels == 1:
        return flat.astype(np.int16, copy=False)
    frames = flat.reshape(-1, channels).astype(np.int32)
    mean = frames.sum(axis=1) / channels
    out: npt.NDArray[np.int16] = np.rint(mean).astype(np.int16)
    return out


def bytes_per_sample(encoding: AudioEncoding) -> int:
    """Bytes per sample per channel: 2 for ``pcm16``, 1 for G.711."""
    try:
        return _BYTES_PER_SAMPLE[encoding]
    except KeyError:
        raise ValueError(
            f"unknown audio encoding {encoding!r}; expected one of {_ENCODINGS}"
        ) from None


def _check_rate(rate: int, encoding: AudioEncoding) -> None:
    if rate <= 0:
        raise ValueError(f"sample rate must be positive, got {rate}")
    if encoding != "pcm16" and rate != G711_RATE:
        raise ValueError(f"{encoding} is defined at {G711_RATE} Hz only, got rate={rate}")


def ms_to_samples(ms: float, rate: int) -> int:
    """Whole samples (per channel) in ``ms`` milliseconds, rounded down."""
    if ms < 0 or not math.isfinite(ms):
        raise ValueError(f"duration must be a finite non-negative number of ms, got {ms}")
    # The epsilon absorbs float error in e.g. 0.1 * 3 ms; it is far below one sample.
    return math.floor(ms * rate / 1000 + 1e-9)


def ms_to_bytes(
    ms: float, *, rate: int, encoding: AudioEncoding = "pcm16", channels: int = 1
) -> int:
    """Bytes for ``ms`` milliseconds of audio, rounded down to whole samples.

    G.711 encodings require ``rate == 8000`` (``ValueError`` otherwise).
    """
    _check_rate(rate, encoding)
    return ms_to_samples(ms, rate) * bytes_per_sample(encoding) * channels


def bytes_to_ms(
    n: int, *, rate: int, encoding: AudioEncoding = "pcm16", channels: int = 1
) -> float:
    """Duration in ms of ``n`` bytes of audio, counting whole samples only (a trailing partial
    sample adds nothing). G.711 encodings require ``rate == 8000``."""
    _check_rate(rate, encoding)
    if n < 0:
        raise ValueError(f"byte count must be non-negative, got {n}")
    return samples_to_ms(n // (bytes_per_sample(encoding) * channels), rate)


def samples_to_ms(n: int, rate: int) -> float:
    """Duration in ms of ``n`` samples (per channel) at ``rate`` Hz."""
    if rate <= 0:
        raise ValueError(f"sample rate must be positive, got {rate}")
    return n * 1000 / rate


def _check_encoding(_inst: object, _attr: object, value: str) -> None:
    if value not in _ENCODINGS:
        raise ValueError(f"unknown audio encoding {value!r}; expected one of {_ENCODINGS}")


@attrs.frozen(kw_only=True)
class AudioFormat:
    """An explicit audio format: encoding, sample rate and channel count.

    Validated on construction (G.711 is 8 kHz only), so a chunk tagged with a format can be
    checked at a boundary instead of being silently reinterpreted.
    """

    encoding: AudioEncoding = attrs.field(default="pcm16", validator=_check_encoding)
    sample_rate: int = 24000
    channels: int = 1

    def __attrs_post_init__(self) -> None:
        _check_rate(self.sample_rate, self.encoding)
        if self.channels < 1:
            raise ValueError(f"channels must be >= 1, got {self.channels}")

    @property
    def frame_bytes(self) -> int:
        """Bytes per frame (one sample for every channel)."""
        return bytes_per_sample(self.encoding) * self.channels

    def ms_to_bytes(self, ms: float) -> int:
        """Bytes for ``ms`` milliseconds, rounded down to whole frames."""
        return ms_to_bytes(
            ms, rate=self.sample_rate, encoding=self.encoding, channels=self.channels
        )

    def bytes_to_ms(self, n: int) -> float:
        """Duration in ms of ``n`` bytes (whole frames only)."""
        return bytes_to_ms(n, rate=self.sample_rate, encoding=self.encoding, channels=self.channels)
