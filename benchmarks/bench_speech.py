"""Offline speech speed: STT latency after end of speech, TTS x realtime, VAD cost per frame.

    python benchmarks/bench_speech.py [--quick] [--repeats N] [--out PATH]

Needs the ``speech`` extra (prints a note and exits 0 without it). Baselines measured in the
same run: the utterance's own duration (STT real-time factor), the local server's synthetic
voice (TTS) and the energy VAD (VAD). Also reports Whisper's word error rate on Hibari speech.
"""

from __future__ import annotations

import re
import sys
import time

from _util import measure, parse_args, print_table, ratio, write_json

SENTENCES = [
    "What is the weather in Paris today?",
    "Please book a table for two at seven.",
    "Hello, can you hear me?",
    "Set a timer for ten minutes.",
    "Thanks, that is all for now.",
]
PARAGRAPH = (
    "The quick brown fox jumps over the lazy dog. She sells sea shells by the sea shore. "
    "A journey of a thousand miles begins with a single step, and every step counts today."
)


def wer(reference: str, hypothesis: str) -> float:
    ref = re.sub(r"[^a-z0-9' ]", " ", reference.lower()).split()
    hyp = re.sub(r"[^a-z0-9' ]", " ", hypothesis.lower()).split()
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (r != h))
    return row[-1] / max(1, len(ref))


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> int:
    args = parse_args(__doc__.split("\n\n")[0], default_out="benchmarks/results/speech.json")
    from trio_realtime import pipeline as vp
    from trio_realtime import speech
    from trio_realtime.server import synthesize

    if not speech.available():
        print(f"skipped: {speech.INSTALL_HINT}")
        return 0
    tts, stt, vad = vp.HibariTTS(), vp.WhisperSTT(), vp.SileroVAD()
    loads = {
        "hibari_load_s": timed(lambda: tts._model.get_sync()),
        "whisper_load_s": timed(lambda: stt._model.get_sync()),
        "silero_load_s": timed(lambda: vad._model.get_sync()),
    }
    rows = []
    for name, text in (("short sentence", SENTENCES[0]), ("32-word paragraph", PARAGRAPH)):
        pcm = tts.synthesize_sync(text)
        audio_s = len(pcm) / 2 / 24_000
        hibari = measure(lambda text=text: tts.synthesize_sync(text), repeats=args.repeats)
        counter = iter(range(10**6))  # a fresh text each call: the synthetic voice caches
        synthetic = measure(
            lambda text=text, counter=counter: synthesize(f"{text} {next(counter)}"),
            repeats=args.repeats,
        )
        rows.append(
            {
                "case": f"tts {name}",
                "audio_s": audio_s,
                "median_ms": hibari.median * 1e3,
                "x_realtime": audio_s / hibari.median,
                "baseline": "synthetic voice",
                "baseline_ms": synthetic.median * 1e3,
                "ratio": ratio(hibari.median, synthetic.median),
            }
        )
    errors = []
    for text in SENTENCES[: 2 if args.quick else 5]:
        pcm = tts.synthesize_sync(text)
        heard = stt.transcribe_sync(pcm, 24_000)
        errors.append(wer(text, heard))
        latency = measure(lambda pcm=pcm: stt.transcribe_sync(pcm, 24_000), repeats=args.repeats)
        audio_s = len(pcm) / 2 / 24_000
        rows.append(
            {
                "case": f"stt {text[:24]}...",
                "audio_s": audio_s,
                "median_ms": latency.median * 1e3,
                "x_realtime": audio_s / latency.median,
                "baseline": "utterance duration",
                "baseline_ms": audio_s * 1e3,
                "ratio": ratio(latency.median, audio_s),
            }
        )
    frame = tts.synthesize_sync(SENTENCES[0])[: 2 * 768]  # 32 ms at 24 kHz
    from trio_realtime.audio import array_to_pcm16, pcm16_to_array, resample

    frame16 = array_to_pcm16(resample(pcm16_to_array(frame), 24_000, 16_000))[: 2 * 512]
    energy = vp.EnergyVAD(sample_rate=16_000)
    silero_t = measure(lambda: [vad.is_speech(frame16) for _ in range(100)], repeats=args.repeats)
    energy_t = measure(
        lambda: [energy.is_speech(frame16) for _ in range(100)], repeats=args.repeats
    )
    rows.append(
        {
            "case": "vad per 32 ms frame",
            "median_ms": silero_t.median * 10,
            "baseline": "energy VAD",
            "baseline_ms": energy_t.median * 10,
            "ratio": ratio(silero_t.median, energy_t.median),
        }
    )
    print_table(rows)
    mean_wer = sum(errors) / len(errors)
    print(f"loads: {', '.join(f'{k}={v:.2f}' for k, v in loads.items())}")
    print(f"Whisper tiny.en WER on Hibari speech: {mean_wer:.1%} over {len(errors)} sentences")
    out = write_json(
        args.out,
        {"benchmark": "speech", "results": rows, "loads": loads, "whisper_wer_on_hibari": mean_wer},
    )
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
