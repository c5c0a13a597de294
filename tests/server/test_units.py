"""Unit tests of the sans-I/O pieces: VAD, synthesizer, ids, faults, pacing, config."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest

from trio_realtime.server import (
    EnergyVad,
    Faults,
    Pacing,
    SpeechStarted,
    SpeechStopped,
    VadSettings,
    synthesize,
    threshold_to_rms,
)
from trio_realtime.server._apierror import ApiError
from trio_realtime.server._ids import IdFactory
from trio_realtime.server.config import apply_session_update, default_session, resolve_response
from trio_realtime.server.synth import _render, voice_pitch


def tone(ms: int, amplitude: float = 8000.0, rate: int = 24000) -> bytes:
    t = np.arange(rate * ms // 1000) / rate
    return (amplitude * np.sin(2 * np.pi * 220 * t)).astype("<i2").tobytes()


def quiet(ms: int, rate: int = 24000) -> bytes:
    return bytes(2 * rate * ms // 1000)


def frame_rms(pcm: bytes, rate: int = 24000, frame_ms: int = 20) -> npt.NDArray[np.float64]:
    x = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    n = rate * frame_ms // 1000
    frames = x[: len(x) // n * n].reshape(-1, n)
    return np.asarray(np.sqrt((frames**2).mean(axis=1)), dtype=np.float64)


# -- VAD -------------------------------------------------------------------------------------------


def test_threshold_maps_to_a_log_rms_scale() -> None:
    assert threshold_to_rms(0.5) == pytest.approx(32768 * 10 ** (-35 / 20))
    assert threshold_to_rms(0.0) == pytest.approx(32768 * 10 ** (-60 / 20))
    assert threshold_to_rms(1.0) == pytest.approx(32768 * 10 ** (-10 / 20))
    assert threshold_to_rms(2.0) == threshold_to_rms(1.0)


def test_vad_boundaries_on_its_clock() -> None:
    vad = EnergyVad(VadSettings(silence_duration_ms=200), 24000, start_ms=1000.0)
    events = vad.feed(quiet(500) + tone(300) + quiet(300))
    assert events == [SpeechStarted(1500.0), SpeechStopped(2000.0)]
    assert vad.clock_ms == 2100.0
    assert not vad.in_speech


def test_vad_is_independent_of_chunking() -> None:
    audio = quiet(230) + tone(410) + quiet(170) + tone(90) + quiet(450)
    whole = EnergyVad(VadSettings(), 24000).feed(audio)
    chunked = EnergyVad(VadSettings(), 24000)
    pieces = []
    for start in range(0, len(audio), 777):  # odd sizes split samples and frames
        pieces += chunked.feed(audio[start : start + 777])
    assert pieces == whole
    assert [type(e) for e in whole] == [SpeechStarted, SpeechStopped]


def test_vad_threshold_and_short_blips() -> None:
    level = threshold_to_rms(0.5)
    below = tone(300, amplitude=level * 0.9 * math.sqrt(2))
    above = tone(300, amplitude=level * 1.2 * math.sqrt(2))
    assert EnergyVad(VadSettings(), 24000).feed(quiet(100) + below + quiet(300)) == []
    assert len(EnergyVad(VadSettings(), 24000).feed(quiet(100) + above + quiet(300))) == 2
    blip = EnergyVad(VadSettings(min_speech_ms=30), 24000).feed(quiet(100) + tone(20) + quiet(300))
    assert blip == []


def test_vad_reset_forgets_speech_but_keeps_the_clock() -> None:
    vad = EnergyVad(VadSettings(), 8000)
    assert vad.feed(quiet(100, 8000) + tone(100, rate=8000)) == [SpeechStarted(100.0)]
    vad.reset()
    assert not vad.in_speech
    assert vad.feed(quiet(300, 8000)) == []
    assert vad.clock_ms == 500.0


def test_semantic_vad_settings_from_eagerness() -> None:
    low = VadSettings.from_turn_detection({"type": "semantic_vad", "eagerness": "low"})
    high = VadSettings.from_turn_detection({"type": "semantic_vad", "eagerness": "high"})
    assert low.silence_duration_ms > high.silence_duration_ms
    server = VadSettings.from_turn_detection({"type": "server_vad", "threshold": 0.7})
    assert server.threshold == 0.7


# -- synthesizer ---------------------------------------------------------------


def test_synth_is_deterministic_and_voice_dependent() -> None:
    text = "The quick brown fox jumps over the lazy dog."
    first = synthesize(text, voice="alloy")
    uncached = _render.__wrapped__(text, voice_pitch("alloy"), 24000, 1.0)
    assert uncached.pcm == first.pcm
    assert uncached is not first
    assert synthesize(text, voice="echo").pcm != first.pcm
    assert "".join(first.words) == text
    assert list(first.word_starts) == sorted(first.word_starts)
    assert len(first.word_starts) == len(first.words) == 9


def test_synth_is_speech_like_not_a_flat_tone() -> None:
    speech = synthesize("Hello there! How are you doing today?", voice="alloy")
    rms = frame_rms(speech.pcm)
    voiced = rms > 500
    assert 0.4 < voiced.mean() < 0.95
    assert rms.std() / rms.mean() > 0.5
    # the amplitude envelope rises and falls at syllable rate: count voiced onsets
    onsets = int(np.sum(voiced[1:] & ~voiced[:-1]))
    assert onsets >= 5
    # the pitch moves: zero-crossing rates of voiced frames differ across the utterance
    x = np.frombuffer(speech.pcm, dtype="<i2").astype(float)
    frames = x[: len(x) // 480 * 480].reshape(-1, 480)[voiced]
    crossings = (np.diff(np.sign(frames), axis=1) != 0).sum(axis=1)
    assert crossings.max() - crossings.min() > 5
    assert np.abs(x).max() <= 32767


def test_synth_duration_grows_with_the_transcript() -> None:
    short = synthesize("one two three four").duration_ms
    long = synthesize(" ".join(["one two three four"] * 4)).duration_ms
    assert 3.0 < long / short < 4.5
    slow = synthesize("one two three four", speed=0.5).duration_ms
    assert slow > 1.6 * short
    narrow = synthesize("one two three four", sample_rate=8000)
    assert narrow.sample_rate == 8000
    assert narrow.duration_ms == pytest.approx(short, rel=0.01)
    assert synthesize("").pcm and synthesize("").words == ()
    with pytest.raises(ValueError):
        synthesize("x", speed=0)


# -- ids, faults, pacing ---------------------------------------------------------------


def test_ids_look_like_openai_ids_and_never_repeat() -> None:
    ids = IdFactory(3)
    made = [ids.new("item") for _ in range(5000)]
    assert len(set(made)) == 5000
    assert all(m.startswith("item_") and len(m) == 26 and m[5:].isalnum() for m in made)
    call = ids.new("call", 16)
    assert call.startswith("call_") and len(call) == 21
    event = ids.event("response.done", response={})
    assert list(event) == ["type", "event_id", "response"]
    assert IdFactory(3).new("item") == IdFactory(3).new("item") != IdFactory(4).new("item")


def test_faults_validation_and_messages() -> None:
    with pytest.raises(ValueError):
        Faults(drop_after=-1)
    with pytest.raises(ValueError):
        Faults(fail_responses=(0,))
    faults = Faults(fail_responses=[2], retry_after=1.5, expire_after=90)
    assert faults.fail_responses == (2,)
    assert faults.failure(1) is None
    failure = faults.failure(2, "gpt-realtime-mini")
    assert failure is not None
    assert failure["message"].startswith("Rate limit reached for gpt-realtime-mini")
    assert failure["message"].endswith("Please try again in 1.5s.")
    assert faults.expiry_message() == "Your session hit the maximum duration of 90 seconds."
    assert Faults(expire_after=60).expiry_message().endswith("of 1 minute.")
    assert Faults(connections=2).applies_to(2) and not Faults(connections=2).applies_to(3)
    assert not Faults().transport_faults and Faults(event_delay=0.1).transport_faults


def test_pacing() -> None:
    assert Pacing().audio_chunk_delay == pytest.approx(0.025)
    assert Pacing.instant().audio_chunk_delay == 0.0
    with pytest.raises(ValueError):
        Pacing(audio_speed=0)
    with pytest.raises(ValueError):
        Pacing(audio_chunk_ms=5)
    with pytest.raises(ValueError):
        Pacing(response_latency=-1)


# -- config ---------------------------------------------------------------


def test_session_update_is_atomic_and_pure() -> None:
    session = default_session(session_id="sess_x", model="m", expires_at=0)
    snapshot = repr(session)
    with pytest.raises(ApiError) as info:
        apply_session_update(session, {"type": "realtime", "instructions": "x", "bogus": 1})
    assert info.value.code == "unknown_parameter"
    updated = apply_session_update(session, {"type": "realtime", "instructions": "x"})
    assert repr(session) == snapshot
    assert updated["instructions"] == "x"
    assert updated is not session


def test_response_overrides_resolve_against_the_session() -> None:
    session = default_session(session_id="sess_x", model="m", expires_at=0)
    config = resolve_response(
        session,
        {
            "output_modalities": ["text"],
            "instructions": "Be brief.",
            "audio": {"output": {"voice": {"id": "voice_123"}, "format": {"type": "audio/pcma"}}},
        },
    )
    assert config.output_modalities == ("text",)
    assert config.instructions == "Be brief."
    assert config.voice == {"id": "voice_123"}
    assert config.output_format == {"type": "audio/pcma"}
    assert config.conversation == "auto"
    plain = resolve_response(session, None)
    assert plain.output_modalities == ("audio",)
    assert plain.overrides == {}
