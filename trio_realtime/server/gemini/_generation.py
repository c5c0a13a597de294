"""One generation of a Gemini Live model turn: a brain reply streamed as server messages.

Like the OpenAI path's response script, a :class:`Generation` is a generator that yields the
pause before its next step and emits the messages of a step only when :meth:`advance` runs it,
so whatever was emitted counts as sent, and :meth:`cancel` (barge-in) leaves the history with
exactly what the client received. Per step it emits, in order:

- AUDIO: ``serverContent.modelTurn`` parts with ``inlineData`` (PCM16 24 kHz chunks of
  ``Pacing.audio_chunk_ms``), each preceded by the ``outputTranscription`` fragments of the
  words that start in it (when output transcription is on); TEXT: ``modelTurn`` text parts.
- Then one ``toolCall`` with every function call (the turn stays open for the responses), or
  ``generationComplete`` and, once the estimated playback is over, ``turnComplete``.
"""

from __future__ import annotations

import base64
from collections.abc import Generator
from typing import Any

import orjson

from ..brain import BrainReply, ToolCallSpec
from ..pacing import Pacing
from ..synth import Speech, synthesize, words

__all__ = ["Generation", "function_call_args"]

OUTPUT_RATE = 24000
OUTPUT_MIME = f"audio/pcm;rate={OUTPUT_RATE}"


def function_call_args(spec: ToolCallSpec) -> dict[str, Any]:
    """A call's ``args`` object; arguments given as JSON text must hold an object."""
    if isinstance(spec.arguments, str):
        value = orjson.loads(spec.arguments)
        if not isinstance(value, dict):
            raise ValueError(f"arguments of {spec.name} are not a JSON object")  # noqa: TRY004
        return value
    return dict(spec.arguments)


class Generation:
    """The messages of one brain reply (see the module docstring)."""

    def __init__(
        self,
        *,
        generation_id: str,
        model_turn: dict[str, Any],
        modality: str,
        voice: str,
        output_transcription: bool,
        pacing: Pacing,
    ) -> None:
        self.id = generation_id
        self.delay: float | None = None
        self.finished = False
        self.calls: list[dict[str, Any]] = []  # set when the toolCall is emitted
        self.turn_completed = False
        self.audio_ms = 0.0
        self.text_out = ""
        self._turn = model_turn
        self._modality = modality
        self._voice = voice
        self._transcribe = output_transcription
        self._pacing = pacing
        self._gen: Generator[float, None, None] | None = None
        self._buf: list[dict[str, Any]] = []

    def begin(self, reply: BrainReply, calls: list[dict[str, Any]], speech: Speech | None) -> None:
        """Plan the generation; afterwards ``delay`` is the first pause."""
        if self.finished:
            return
        self._gen = self._script((reply.text or "").strip(), calls, speech)
        self.delay = next(self._gen)

    def advance(self) -> list[dict[str, Any]]:
        """Run the next step (after sleeping ``delay``); return its messages."""
        if self.finished or self._gen is None:
            return []
        self._buf = []
        try:
            self.delay = next(self._gen)
        except StopIteration:
            self.delay = None
            self.finished = True
        return self._buf

    def cancel(self) -> None:
        """Stop now (nothing more is emitted; the history keeps what was sent)."""
        if self._gen is not None:
            self._gen.close()
        self._gen = None
        self.finished = True
        self.delay = None

    # -- the script ----------------------------------------------------------------------------

    def _spoken(self, piece: str) -> None:
        parts = self._turn["parts"]
        if not parts or "text" not in parts[-1]:
            parts.append({"text": ""})
        parts[-1]["text"] += piece
        self.text_out += piece

    def _content(self, **content: Any) -> None:
        self._buf.append({"serverContent": content})

    def _script(
        self, text: str, calls: list[dict[str, Any]], speech: Speech | None
    ) -> Generator[float, None, None]:
        yield self._pacing.response_latency
        if text and self._modality == "AUDIO":
            yield from self._audio(text, speech)
        elif text:
            for piece in words(text):
                yield self._pacing.text_delta_interval
                self._spoken(piece)
                self._content(modelTurn={"parts": [{"text": piece}]})
        if calls:
            self._turn["parts"].extend({"functionCall": dict(call)} for call in calls)
            self.calls = calls
            self._buf.append({"toolCall": {"functionCalls": calls}})
            return
        self._content(generationComplete=True)
        if self._pacing.playback_wait:  # the service holds turnComplete until the audio played
            yield self.audio_ms / 1000.0 * (1.0 - 1.0 / self._pacing.audio_speed)
        self.turn_completed = True
        self._content(turnComplete=True)

    def _audio(self, text: str, given: Speech | None) -> Generator[float, None, None]:
        if given is not None and given.sample_rate == OUTPUT_RATE and "".join(given.words) == text:
            speech = given  # a real voice (serve --speech)
        else:
            speech = synthesize(text, voice=self._voice, sample_rate=OUTPUT_RATE)
        per_ms = OUTPUT_RATE * 2 / 1000.0
        step = int(self._pacing.audio_chunk_ms * per_ms)
        step -= step % 2
        next_word = 0
        for offset in range(0, len(speech.pcm), step):
            yield self._pacing.audio_chunk_delay
            chunk = speech.pcm[offset : offset + step]
            end_sample = (offset + len(chunk)) // 2
            while next_word < len(speech.words) and speech.word_starts[next_word] < end_sample:
                self._word(speech.words[next_word])
                next_word += 1
            data = base64.b64encode(chunk).decode()
            blob = {"mimeType": OUTPUT_MIME, "data": data}
            self._content(modelTurn={"parts": [{"inlineData": blob}]})
            self.audio_ms += len(chunk) / per_ms
        for piece in speech.words[next_word:]:
            self._word(piece)

    def _word(self, piece: str) -> None:
        self._spoken(piece)
        if self._transcribe:
            self._content(outputTranscription={"text": piece})
