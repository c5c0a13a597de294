"""Sans-I/O parts of the pipeline: sentence splitting, inputs, turn segmentation, settings."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import trio
import trio.testing
from hypothesis import given
from hypothesis import strategies as st

from trio_realtime import pipeline as vp
from trio_realtime.audio import WavFormatError, wav_bytes

from .fakes import silence, tone

# -- sentences ----------------------------------------------------------------------------------


def split(chunks: list[str], **options: int) -> list[str]:
    splitter = vp.SentenceSplitter(**options)
    out = [piece for chunk in chunks for piece in splitter.feed(chunk)]
    rest = splitter.flush()
    return [*out, rest] if rest else out


def test_sentence_rules() -> None:
    assert split(["Hello there. How are you? Fine!"]) == ["Hello there.", " How are you?", " Fine!"]
    assert split(["Wait… what?! ", "Ok"]) == ["Wait…", " what?!", " Ok"]
    assert split(['He said "stop." Then left.']) == ['He said "stop."', " Then left."]
    assert split(["Pi is 3.14 today."]) == ["Pi is 3.14 today."]  # no whitespace after "3."
    assert split(["Pi is 3.", "14 today."]) == ["Pi is 3.14 today."]  # waits for the next delta
    assert split(["No terminator at all"]) == ["No terminator at all"]
    assert split(["x"]) == ["x"] and split([]) == [] and split([""]) == []


def test_first_sentence_is_released_as_soon_as_whitespace_follows() -> None:
    splitter = vp.SentenceSplitter()
    assert splitter.feed("Hello.") == []
    assert splitter.feed(" How") == ["Hello."]
    assert splitter.feed(" are you?") == []
    assert splitter.flush() == " How are you?"


def test_long_text_without_terminator_is_cut_at_whitespace() -> None:
    pieces = split(["word " * 30], max_chars=40)
    assert all(len(p) <= 40 for p in pieces) and "".join(pieces) == "word " * 30
    assert split(["x" * 25], max_chars=10) == ["x" * 10, "x" * 10, "x" * 5]


text_alphabet = st.sampled_from(list("ab .!?…\"') \n3"))


@given(st.text(alphabet=text_alphabet, max_size=60), st.lists(st.integers(0, 60), max_size=8))
def test_nothing_dropped_or_reordered_whatever_the_chunking(text: str, cuts: list[int]) -> None:
    bounds = sorted({0, len(text), *(min(c, len(text)) for c in cuts)})
    chunks = [text[a:b] for a, b in itertools.pairwise(bounds)]
    pieces = split(chunks, max_chars=1000)
    assert "".join(pieces) == text
    assert pieces == split([text], max_chars=1000)  # chunking-independent
    assert all(pieces)  # every piece is non-empty


# -- inputs -------------------------------------------------------------------------------------


def test_audio_input_shapes() -> None:
    pcm = tone(100, 16_000)
    wav = vp.AudioInput(wav_bytes(pcm, sample_rate=16_000))
    assert wav.sample_rate == 16_000 and wav.pcm == pcm and wav.duration_ms == 100
    stereo = wav_bytes(np.zeros((160, 2), dtype=np.int16), sample_rate=8000, channels=2)
    assert vp.AudioInput(stereo).pcm == bytes(320)  # mixed down to mono
    assert vp.AudioInput(pcm, sample_rate=16_000).pcm == pcm
    array = np.frombuffer(pcm, dtype=np.int16)
    assert vp.AudioInput(array, sample_rate=16_000).pcm == pcm
    with pytest.raises(WavFormatError, match="sample_rate"):
        vp.AudioInput(pcm)
    with pytest.raises(ValueError, match="sample_rate"):
        vp.AudioInput(array)
    with pytest.raises(ValueError, match="int16"):
        vp.AudioInput(array.astype(np.float32), sample_rate=16_000)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="whole"):
        vp.AudioInput(b"\x00\x01\x02", sample_rate=16_000)
    assert "duration_ms=100" in repr(wav)


async def test_push_is_bounded_and_cancel_safe(autojump_clock: trio.testing.MockClock) -> None:
    source = vp.StreamedAudioInput(sample_rate=16_000, buffer_chunks=2)
    await source.push(b"\x01\x00")
    await source.push(np.array([2, 3], dtype=np.int16))
    with trio.move_on_after(1) as scope:
        await source.push(b"\x04\x00")  # full: waits
    assert scope.cancelled_caught and trio.current_time() == 1
    receive = source._claim()
    assert [receive.receive_nowait(), receive.receive_nowait()] == [
        b"\x01\x00",
        b"\x02\x00\x03\x00",
    ]
    with pytest.raises(trio.WouldBlock):
        receive.receive_nowait()  # the cancelled push queued nothing
    await source.push(b"\x05")  # half a sample is carried over ...
    await source.push(b"\x00\x06\x00")
    assert receive.receive_nowait() == b"\x05\x00\x06\x00"  # ... and completed
    with pytest.raises(RuntimeError, match="already read"):
        source._claim()
    await source.close()
    await source.close()  # idempotent
    with pytest.raises(trio.ClosedResourceError):
        await source.push(b"\x00\x00")
    with pytest.raises(trio.ClosedResourceError):
        await source.push(b"\x00")


async def test_close_takes_effect_even_when_cancelled() -> None:
    source = vp.StreamedAudioInput()
    with trio.CancelScope() as scope:
        scope.cancel()
        with pytest.raises(trio.Cancelled):
            await source.close()
    receive = source._claim()
    with pytest.raises(trio.EndOfChannel):
        receive.receive_nowait()


# -- turn segmentation --------------------------------------------------------------------------


def segment(audio: bytes, rate: int = 24_000, **settings: int) -> list[float]:
    """Utterance lengths in ms."""
    segmenter = vp.TurnSegmenter(vp.EnergyVAD(), rate, vp.TurnDetection(**settings))
    step = 2 * rate // 50
    found = [u for i in range(0, len(audio), step) for u in segmenter.feed(audio[i : i + step])]
    last = segmenter.flush()
    return [len(u) / 2 * 1000 / rate for u in [*found, *([last] if last else [])]]


def test_segmenter_splits_utterances_with_padding_and_trailing_silence() -> None:
    lengths = segment(silence(1000) + tone(500) + silence(700) + tone(300) + silence(600))
    # padding 256 ms + speech + 500 ms of silence, to 32 ms frames
    assert lengths == [
        pytest.approx(256 + 500 + 500, abs=64),
        pytest.approx(256 + 300 + 500, abs=64),
    ]


def test_segmenter_ignores_short_clicks_and_cuts_long_turns() -> None:
    assert segment(tone(20) + silence(1000)) == []  # shorter than start_ms
    lengths = segment(tone(2500), max_turn_ms=1000)
    assert lengths[:2] == [pytest.approx(1000, abs=40)] * 2 and sum(lengths) > 2400


def test_segmenter_keeps_bounded_audio_while_idle() -> None:
    segmenter = vp.TurnSegmenter(vp.EnergyVAD(), 24_000, vp.TurnDetection())
    for _ in range(500):  # 10 s of silence
        segmenter.feed(silence(20))
    assert len(segmenter._audio) < 2 * 24 * 500


def test_energy_vad() -> None:
    vad = vp.EnergyVAD(sample_rate=16_000)
    assert vad.is_speech(tone(32, 16_000)) and not vad.is_speech(silence(32, 16_000))
    assert not vad.is_speech(b"")
    with pytest.raises(ValueError, match="threshold"):
        vp.EnergyVAD(threshold=2)


def test_settings_validation() -> None:
    assert vp.TTSSettings(voice="nova").voice == "nova"
    assert set(vp.OPENAI_TTS_VOICES) >= {"alloy", "nova", "marin", "cedar", "fable", "onyx"}
    with pytest.raises(ValueError, match="unknown voice 'bob'.*alloy"):
        vp.TTSSettings(voice="bob")
    with pytest.raises(ValueError, match="speed"):
        vp.TTSSettings(speed=5)
    with pytest.raises(ValueError, match="timeout"):
        vp.STTSettings(timeout=0)
    with pytest.raises(ValueError, match="max_retries"):
        vp.STTSettings(max_retries=-1)
    config = vp.PipelineConfig(workflow_name="Assistant")
    assert config.stt_settings.model == "gpt-4o-transcribe"
    assert config.tts_settings.model == "gpt-4o-mini-tts"


def test_event_classes() -> None:
    audio = vp.VoiceStreamEventAudio(b"\x01\x00\x02\x00", 24_000)
    assert audio.samples.tolist() == [1, 2] and audio.kind == "audio"
    assert "4 bytes" in repr(audio)
    assert vp.VoiceStreamEventLifecycle("turn_started").event == "turn_started"
    assert vp.VoiceStreamEventTranscript("hi", "user").speaker == "user"
    assert vp.VoiceStreamEventError("boom", "tts").stage == "tts"
