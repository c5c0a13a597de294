"""One pipeline run: turns in, events out, in order. The trio shell of :class:`VoicePipeline`.

Per turn: ``turn_started`` -> STT -> the user's transcript -> the workflow's text, cut into
sentences (one task) while TTS speaks them in order (another task, fed through a small
channel), each sentence as an assistant transcript followed by its audio -> ``turn_ended``.
Exceptions of the models and the workflow become error events; anything else is a bug and
ends the run.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import attrs
import trio

from .. import telemetry
from ..telemetry import Name
from .config import PipelineConfig
from .events import (
    Stage,
    VoiceStreamEvent,
    VoiceStreamEventAudio,
    VoiceStreamEventError,
    VoiceStreamEventLifecycle,
    VoiceStreamEventTranscript,
)
from .models import VAD, STTModel, TTSModel
from .sentences import SentenceSplitter
from .vad import TurnSegmenter
from .workflow import Workflow, iterate_output

__all__ = ["Engine", "describe_error"]

_SENTENCES_BUFFER = 16
_TURNS_BUFFER = 4
_CLOSE_TIMEOUT = 2.0


def describe_error(exc: BaseException) -> str:
    """``"Type: message"`` for an error event (our HTTP errors never carry a key)."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@attrs.frozen
class _Failed:
    """A failure travelling in order with the items of a channel."""

    stage: Stage
    message: str


async def _aclose(iterator: object) -> None:
    """Close an async iterator if it can be closed; bounded and shielded, so a cancelled run
    still releases what the iterator holds (an HTTP stream, a thread's result)."""
    close = getattr(iterator, "aclose", None)
    if close is None:
        return
    with trio.CancelScope(shield=True), trio.move_on_after(_CLOSE_TIMEOUT):
        await close()


class Engine:
    """The state of one run (see the module docstring)."""

    def __init__(
        self,
        *,
        workflow: Workflow,
        stt: STTModel,
        tts: TTSModel,
        config: PipelineConfig,
        send: trio.MemorySendChannel[VoiceStreamEvent],
        mode: str,
    ) -> None:
        self.workflow = workflow
        self.stt = stt
        self.tts = tts
        self.config = config
        self._send = send
        self.turns = 0
        self.errors = 0
        self.meta: dict[str, Any] = {
            "run_id": f"run_{secrets.token_hex(6)}",
            "workflow_name": config.workflow_name,
            "mode": mode,
        }

    async def out(self, event: VoiceStreamEvent) -> None:
        await self._send.send(event)

    async def error(self, stage: Stage, message: str) -> None:
        self.errors += 1
        await self.out(VoiceStreamEventError(message, stage))

    def _emit(
        self, name: Name, measurements: dict[str, float], turn_id: str | None, **extra: Any
    ) -> None:
        meta = {**self.meta, "turn_id": turn_id, **extra}
        content = meta.pop("content", None)
        telemetry.emit(name, measurements, meta, content=content)

    # -- the run ---------------------------------------------------------------------------------

    @asynccontextmanager
    async def session(self) -> AsyncIterator[None]:
        """Telemetry start/stop around the run; ``session_ended`` last; then the stream ends."""
        started = trio.current_time()
        telemetry.emit(telemetry.PIPELINE_START, {}, self.meta)
        status = "cancelled"
        try:
            with self._send:
                yield
                await self.out(VoiceStreamEventLifecycle("session_ended"))
            status = "completed"
        except Exception:
            status = "failed"
            raise
        finally:
            measured = {
                "duration_s": trio.current_time() - started,
                "turns": float(self.turns),
                "errors": float(self.errors),
            }
            telemetry.emit(telemetry.PIPELINE_STOP, measured, {**self.meta, "status": status})

    async def single(self, pcm: bytes, sample_rate: int) -> None:
        """``run()``: the whole buffer is one turn (none when it is empty)."""
        async with self.session():
            if pcm:
                await self.turn(pcm, sample_rate)

    async def streamed(
        self,
        source: trio.MemoryReceiveChannel[bytes],
        sample_rate: int,
        vad: VAD,
    ) -> None:
        """``run_streamed()``: the greeting, then one turn per utterance the VAD finds."""
        async with self.session():
            send, receive = trio.open_memory_channel[bytes | _Failed](_TURNS_BUFFER)
            async with trio.open_nursery() as nursery:
                nursery.start_soon(self._segment, source, sample_rate, vad, send)
                await self.greet()
                async for item in receive:
                    if isinstance(item, _Failed):
                        await self.error(item.stage, item.message)
                    else:
                        await self.turn(item, sample_rate)

    async def _segment(
        self,
        source: trio.MemoryReceiveChannel[bytes],
        sample_rate: int,
        vad: VAD,
        turns: trio.MemorySendChannel[bytes | _Failed],
    ) -> None:
        """Cut the input into utterances. VAD inference runs in a worker thread unless the VAD
        says it is cheap (``blocking = False``). Closing the input (or a VAD failure, reported
        as an ``stt`` error) ends the turns; the input is closed for pushers when this ends."""
        blocking = getattr(vad, "blocking", True) is not False
        with source, turns:
            try:
                segmenter = TurnSegmenter(vad, sample_rate, self.config.turn_detection)
                reset = getattr(vad, "reset", None)
                if callable(reset):
                    await (trio.to_thread.run_sync(reset) if blocking else _call(reset))
                async for chunk in source:
                    if blocking:
                        utterances = await trio.to_thread.run_sync(segmenter.feed, chunk)
                    else:
                        utterances = segmenter.feed(chunk)
                    for utterance in utterances:
                        await turns.send(utterance)
                last = segmenter.flush()
            except Exception as exc:
                message = f"voice activity detection failed: {describe_error(exc)}"
                await turns.send(_Failed("stt", message))
                return
            if last:
                await turns.send(last)

    # -- turns -----------------------------------------------------------------------------------

    async def greet(self) -> None:
        """The workflow's greeting as a turn of its own (nothing when there is none)."""
        try:
            text = self.workflow.greeting()
        except Exception as exc:
            self.turns += 1
            await self.out(VoiceStreamEventLifecycle("turn_started"))
            await self.error("workflow", describe_error(exc))
            await self.out(VoiceStreamEventLifecycle("turn_ended"))
            return
        if text is None or not text.strip():
            return
        self.turns += 1
        await self.out(VoiceStreamEventLifecycle("turn_started"))
        await self.answer(lambda: text, f"turn_{self.turns}")
        await self.out(VoiceStreamEventLifecycle("turn_ended"))

    async def turn(self, pcm: bytes, sample_rate: int) -> None:
        self.turns += 1
        turn_id = f"turn_{self.turns}"
        await self.out(VoiceStreamEventLifecycle("turn_started"))
        text = await self.transcribe(pcm, sample_rate, turn_id)
        if text:
            await self.out(VoiceStreamEventTranscript(text, "user"))
            await self.answer(lambda: self.workflow.run(text), turn_id)
        await self.out(VoiceStreamEventLifecycle("turn_ended"))

    async def transcribe(self, pcm: bytes, sample_rate: int, turn_id: str) -> str | None:
        """The user's words, stripped (``""``: nothing said); None after an error event."""
        audio_ms = len(pcm) / 2 * 1000 / sample_rate
        self._emit(telemetry.STT_START, {"audio_ms": audio_ms}, turn_id)
        started = trio.current_time()
        try:
            text = _text(await self.stt.transcribe(pcm, sample_rate))
        except Exception as exc:
            spent = {"duration_s": trio.current_time() - started, "audio_ms": audio_ms}
            self._emit(telemetry.STT_COMPLETE, spent, turn_id, error=type(exc).__name__)
            await self.error("stt", describe_error(exc))
            return None
        spent = {"duration_s": trio.current_time() - started, "audio_ms": audio_ms}
        self._emit(telemetry.STT_COMPLETE, spent, turn_id, content={"text": text})
        return text.strip()

    async def answer(self, make_output: Callable[[], Any], turn_id: str) -> None:
        """Speak the workflow's output: text and speech run concurrently, so TTS starts on the
        first complete sentence while the workflow goes on."""
        send, receive = trio.open_memory_channel[str | _Failed](_SENTENCES_BUFFER)
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._write, make_output, send)
            await self._speak(receive, turn_id)

    async def _write(
        self, make_output: Callable[[], Any], send: trio.MemorySendChannel[str | _Failed]
    ) -> None:
        splitter = SentenceSplitter()
        failure: Exception | None = None
        with send:
            chunks = None
            try:
                chunks = iterate_output(make_output())
                async for chunk in chunks:
                    for sentence in splitter.feed(chunk):
                        await send.send(sentence)
            except Exception as exc:
                failure = exc
            finally:
                await _aclose(chunks)
            rest = splitter.flush()  # what came before a failure is still spoken
            if rest:
                await send.send(rest)
            if failure is not None:
                await send.send(_Failed("workflow", describe_error(failure)))

    async def _speak(self, receive: trio.MemoryReceiveChannel[str | _Failed], turn_id: str) -> None:
        speaking = True  # after a TTS failure the turn's text is still shown, not spoken
        with receive:
            async for item in receive:
                if isinstance(item, _Failed):
                    await self.error(item.stage, item.message)
                    continue
                text = item.strip()
                if not text:
                    continue
                await self.out(VoiceStreamEventTranscript(text, "assistant"))
                if speaking:
                    speaking = await self.say(text, turn_id)

    async def say(self, text: str, turn_id: str) -> bool:
        """Synthesize one sentence into audio events; False (after an error event) if TTS
        failed."""
        rate = int(self.tts.sample_rate)
        self._emit(
            telemetry.TTS_START, {"chars": float(len(text))}, turn_id, content={"text": text}
        )
        started = trio.current_time()
        first: float | None = None
        total = 0
        carry = b""
        failure: Exception | None = None
        chunks = None
        try:
            try:
                chunks = aiter(self.tts.synthesize(text))
            except Exception as exc:
                failure = exc
            while chunks is not None and failure is None:
                try:
                    chunk = _audio(await anext(chunks))
                except StopAsyncIteration:
                    break
                except Exception as exc:
                    failure = exc
                    break
                data = carry + bytes(chunk)
                cut = len(data) - len(data) % 2
                data, carry = data[:cut], data[cut:]
                if not data:
                    continue
                if first is None:
                    first = trio.current_time() - started
                total += len(data)
                if telemetry.enabled(telemetry.TTS_CHUNK):
                    measured = {"bytes": float(len(data)), "duration_ms": len(data) * 500 / rate}
                    self._emit(telemetry.TTS_CHUNK, measured, turn_id)
                await self.out(VoiceStreamEventAudio(data, rate))
        finally:
            await _aclose(chunks)
        spent = {
            "duration_s": trio.current_time() - started,
            "audio_ms": total * 500 / rate,
            "first_chunk_s": -1.0 if first is None else first,
        }
        if failure is not None:
            self._emit(telemetry.TTS_COMPLETE, spent, turn_id, error=type(failure).__name__)
            await self.error("tts", describe_error(failure))
            return False
        self._emit(telemetry.TTS_COMPLETE, spent, turn_id)
        return True


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"transcribe() returned {type(value).__name__}, not str")
    return value


def _audio(value: object) -> bytes | bytearray | memoryview:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise TypeError(f"synthesize() yielded {type(value).__name__}, not bytes")
    return value


async def _call(fn: Callable[[], object]) -> None:
    fn()
    await trio.lowlevel.checkpoint()
