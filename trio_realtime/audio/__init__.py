"""Audio toolkit: PCM16 conversions, G.711, WAV, streaming resampling, framing, playback.

Pure numpy + stdlib; nothing here imports trio. Live device I/O lives in
:mod:`trio_realtime.audio.devices` (optional extra ``trio-realtime[sounddevice]``) and is not
imported by this package.
"""

from .framing import FrameChunker
from .g711 import (
    alaw_decode,
    alaw_encode,
    alaw_to_pcm16,
    pcm16_to_alaw,
    pcm16_to_ulaw,
    ulaw_decode,
    ulaw_encode,
    ulaw_to_pcm16,
)
from .pcm import (
    AudioEncoding,
    AudioFormat,
    array_to_pcm16,
    bytes_per_sample,
    bytes_to_ms,
    float_to_int16,
    int16_to_float,
    ms_to_bytes,
    ms_to_samples,
    pcm16_to_array,
    samples_to_ms,
    to_mono,
)
from .playback import JitterBuffer, PlaybackTracker
from .resample import Quality, StreamResampler, resample
from .wav import WavAudio, WavFormatError, load_audio, read_wav, wav_bytes, write_wav

__all__ = [
    "AudioEncoding",
    "AudioFormat",
    "FrameChunker",
    "JitterBuffer",
    "PlaybackTracker",
    "Quality",
    "StreamResampler",
    "WavAudio",
    "WavFormatError",
    "alaw_decode",
    "alaw_encode",
    "alaw_to_pcm16",
    "array_to_pcm16",
    "bytes_per_sample",
    "bytes_to_ms",
    "float_to_int16",
    "int16_to_float",
    "load_audio",
    "ms_to_bytes",
    "ms_to_samples",
    "pcm16_to_alaw",
    "pcm16_to_array",
    "pcm16_to_ulaw",
    "read_wav",
    "resample",
    "samples_to_ms",
    "to_mono",
    "ulaw_decode",
    "ulaw_encode",
    "ulaw_to_pcm16",
    "wav_bytes",
    "write_wav",
]
