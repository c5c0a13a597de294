"""Deterministic, speech-like audio for a transcript (pure numpy; no models, no randomness).

Each word becomes one syllable per vowel group. A syllable is a voiced tone whose fundamental
glides along a per-word pitch contour (rise then fall, lower towards the end of a sentence, rising
at a question mark), built from harmonics weighted by two formant-like resonances chosen by the
syllable's vowel, under an attack/decay envelope; consonant onsets add a short noise burst. Words
are separated by short gaps and punctuation by longer pauses, so the amplitude envelope moves at
syllable rate like speech, and the duration grows with the transcript (about 0.2 s per
syllable at ``speed=1``). The same text, voice, rate and speed always give the same samples.
"""

from __future__ import annotations

import functools
import re
import zlib
from collections.abc import Awaitable, Callable
from typing import TypeAlias

import attrs
import numpy as np
import numpy.typing as npt

__all__ = ["Speech", "Voice", "speech_from_pcm", "synthesize", "voice_pitch", "words"]

_VOICE_PITCH = {
    "alloy": 175.0,
    "ash": 120.0,
    "ballad": 135.0,
    "coral": 205.0,
    "echo": 115.0,
    "sage": 190.0,
    "shimmer": 215.0,
    "verse": 130.0,
    "marin": 195.0,
    "cedar": 110.0,
}
_FORMANTS = {  # vowel -> (F1, F2) in Hz
    "a": (730.0, 1090.0),
    "e": (530.0, 1840.0),
    "i": (300.0, 2250.0),
    "o": (570.0, 840.0),
    "u": (320.0, 900.0),
    "y": (400.0, 1900.0),
}
_PAUSE_S = {",": 0.08, ";": 0.12, ":": 0.12, ".": 0.2, "!": 0.2, "?": 0.2}
_SYLLABLE_S = 0.17
_WORD_GAP_S = 0.06
_PEAK = 0.5 * 32767


@attrs.frozen(kw_only=True)
class Speech:
    """Synthesized audio: PCM16 LE mono ``pcm`` at ``sample_rate``.

    ``words`` are the transcript pieces (each with its leading space, so ``"".join(words)`` is the
    stripped transcript) and ``word_starts`` the sample offset where each one starts to sound.
    """

    pcm: bytes
    sample_rate: int
    words: tuple[str, ...]
    word_starts: tuple[int, ...]

    @property
    def duration_ms(self) -> float:
        return len(self.pcm) / 2 * 1000.0 / self.sample_rate


def words(text: str) -> tuple[str, ...]:
    """Split ``text`` into transcript pieces, each keeping its leading whitespace."""
    return tuple(re.findall(r"\s*\S+", text.strip()))


def voice_pitch(voice: object) -> float:
    """Base fundamental frequency (Hz) for a voice name (or a custom ``{"id": ...}`` voice)."""
    name = voice.get("id", "") if isinstance(voice, dict) else str(voice)
    if name in _VOICE_PITCH:
        return _VOICE_PITCH[name]
    return 100.0 + zlib.crc32(name.encode()) % 120


def _syllables(word: str) -> list[tuple[str, bool]]:
    """(vowel, starts_with_consonant) per syllable of ``word``."""
    letters = re.sub(r"[^a-z0-9]", "", word.lower())
    if not letters:
        return []
    if letters.isdigit():
        return [("e", True)] * max(1, (len(letters) + 1) // 2)
    out = []
    for match in re.finditer(r"([^aeiouy]*)([aeiouy]+)", letters):
        out.append((match.group(2)[0], bool(match.group(1))))
    return out or [("e", True)]


def _syllable(
    rate: int, duration: float, f_start: float, f_end: float, vowel: str, stress: float
) -> npt.NDArray[np.float64]:
    n = max(1, int(duration * rate))
    t = np.arange(n) / rate
    f0 = np.linspace(f_start, f_end, n)
    phase = 2.0 * np.pi * np.cumsum(f0) / rate
    f1, f2 = _FORMANTS.get(vowel, (500.0, 1500.0))
    top = min(3800.0, 0.45 * rate)
    harmonics = np.arange(1, max(2, int(top / max(f_start, f_end))) + 1, dtype=np.float64)
    centre = harmonics * (f_start + f_end) / 2.0
    gains = (
        1.0 / (1.0 + ((centre - f1) / 90.0) ** 2)
        + 0.6 / (1.0 + ((centre - f2) / 120.0) ** 2)
        + 0.05
    ) / harmonics**0.5
    wave = (gains[:, None] * np.sin(harmonics[:, None] * phase[None, :])).sum(axis=0)
    attack = np.clip(t / 0.03, 0.0, 1.0)
    decay = np.clip((duration - t) / 0.06, 0.0, 1.0)
    envelope = stress * np.sin(0.5 * np.pi * attack) * np.sin(0.5 * np.pi * decay)
    return np.asarray(wave * envelope / max(float(gains.sum()), 1e-9), dtype=np.float64)


def _burst(rate: int, seed: int) -> npt.NDArray[np.float64]:
    n = int(0.025 * rate)
    noise = np.random.default_rng(seed).standard_normal(n)
    hiss = np.diff(noise, prepend=0.0) * 0.5
    return np.asarray(0.12 * hiss * np.hanning(n), dtype=np.float64)


@functools.lru_cache(maxsize=64)
def _render(text: str, voice_hz: float, rate: int, speed: float) -> Speech:
    pieces = words(text)
    chunks: list[npt.NDArray[np.float64]] = []
    starts: list[int] = []
    position = 0

    def add(samples: npt.NDArray[np.float64]) -> None:
        nonlocal position
        chunks.append(samples)
        position += len(samples)

    add(np.zeros(int(0.03 * rate)))
    sentence_pos = 0
    for index, piece in enumerate(pieces):
        starts.append(position)
        word = piece.strip()
        seed = zlib.crc32(f"{index}:{word}".encode())
        syllables = _syllables(word)
        declination = max(0.8, 1.08 - 0.04 * sentence_pos)
        question = word.endswith("?")
        for j, (vowel, consonant) in enumerate(syllables):
            duration = (_SYLLABLE_S + 0.03 * ((seed >> (j % 16)) % 3 - 1)) / speed
            shape = 1.0 + 0.08 * np.sin(np.pi * (j + 0.5) / len(syllables))
            f_start = voice_hz * declination * shape
            last = j == len(syllables) - 1
            f_end = f_start * (1.12 if question and last else 0.94)
            if consonant:
                add(_burst(rate, seed + j))
            add(_syllable(rate, duration, f_start, f_end, vowel, 1.0 if j == 0 else 0.75))
            add(np.zeros(int(0.02 * rate / speed)))
        pause = _PAUSE_S.get(word[-1:], 0.0)
        add(np.zeros(int((_WORD_GAP_S + pause) * rate / speed)))
        sentence_pos = 0 if word[-1:] in ".!?" else sentence_pos + 1
    add(np.zeros(int(0.12 * rate)))
    signal = np.concatenate(chunks)
    peak = float(np.max(np.abs(signal))) if signal.size else 0.0
    if peak > 0:
        signal = signal * (_PEAK / peak)
    pcm = np.round(signal).astype("<i2").tobytes()
    return Speech(pcm=pcm, sample_rate=rate, words=pieces, word_starts=tuple(starts))


def synthesize(
    text: str, *, voice: object = "alloy", sample_rate: int = 24000, speed: float = 1.0
) -> Speech:
    """Speech-like PCM16 audio for ``text`` (deterministic; cached for repeated texts)."""
    if sample_rate <= 0 or speed <= 0:
        raise ValueError("sample_rate and speed must be positive")
    return _render(text, voice_pitch(voice), sample_rate, float(speed))


#: A real voice for the server (``serve --speech``): ``(text, voice, sample_rate, speed)`` ->
#: PCM16 LE mono at ``sample_rate`` (sync or async).
Voice: TypeAlias = Callable[[str, object, int, float], bytes | Awaitable[bytes]]


def speech_from_pcm(text: str, pcm: bytes, sample_rate: int) -> Speech:
    """:class:`Speech` for audio made elsewhere: word start times are estimated in proportion
    to the characters before each word (what transcript deltas are paced by)."""
    pieces = words(text)
    total = max(1, sum(len(p) for p in pieces))
    samples = len(pcm) // 2
    starts, seen = [], 0
    for piece in pieces:
        starts.append(samples * seen // total)
        seen += len(piece)
    return Speech(pcm=pcm, sample_rate=sample_rate, words=pieces, word_starts=tuple(starts))
