"""The voice pipeline: speech-to-text -> a workflow -> text-to-speech (DESIGN 7.7).

::

    from trio_realtime import pipeline as vp

    workflow = vp.SimpleWorkflow(lambda text: [f"I understood: {text}"], greeting="Hello!")
    pipe = vp.VoicePipeline(workflow=workflow)
    async with pipe.run(vp.AudioInput(wav_bytes)) as result:
        async for event in result:
            if isinstance(event, vp.VoiceStreamEventAudio):
                play(event.data, event.sample_rate)

Models: OpenAI's over HTTP when ``OPENAI_API_KEY`` is set, else the offline ``speech`` extra
(:class:`WhisperSTT`, :class:`HibariTTS`, :class:`SileroVAD`), or any object of the
:class:`STTModel` / :class:`TTSModel` / :class:`VAD` protocols.
"""

from ..speech import HibariTTS, SileroVAD, WhisperSTT
from ._pipeline import VoicePipeline, VoiceStreamResult
from .agent_workflow import AgentWorkflow
from .config import (
    OPENAI_TTS_VOICES,
    PipelineConfig,
    STTSettings,
    TTSSettings,
    TurnDetection,
)
from .events import (
    VoiceStreamEvent,
    VoiceStreamEventAudio,
    VoiceStreamEventError,
    VoiceStreamEventLifecycle,
    VoiceStreamEventTranscript,
)
from .http import (
    AuthenticationError,
    BadRequestError,
    ConnectionFailedError,
    HTTPModelError,
    RateLimitError,
    ServerError,
)
from .input import AudioInput, StreamedAudioInput
from .models import VAD, STTModel, TTSModel
from .openai_models import OpenAISTT, OpenAITTS
from .sentences import SentenceSplitter
from .vad import EnergyVAD, TurnSegmenter
from .workflow import SimpleWorkflow, Workflow

__all__ = [
    "OPENAI_TTS_VOICES",
    "VAD",
    "AgentWorkflow",
    "AudioInput",
    "AuthenticationError",
    "BadRequestError",
    "ConnectionFailedError",
    "EnergyVAD",
    "HTTPModelError",
    "HibariTTS",
    "OpenAISTT",
    "OpenAITTS",
    "PipelineConfig",
    "RateLimitError",
    "STTModel",
    "STTSettings",
    "SentenceSplitter",
    "ServerError",
    "SileroVAD",
    "SimpleWorkflow",
    "StreamedAudioInput",
    "TTSModel",
    "TTSSettings",
    "TurnDetection",
    "TurnSegmenter",
    "VoicePipeline",
    "VoiceStreamEvent",
    "VoiceStreamEventAudio",
    "VoiceStreamEventError",
    "VoiceStreamEventLifecycle",
    "VoiceStreamEventTranscript",
    "VoiceStreamResult",
    "WhisperSTT",
    "Workflow",
]
