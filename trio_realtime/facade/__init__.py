"""The callback facade: ``rt.RealtimeVoice``, a provider picked from the environment, callbacks
for audio, transcripts, tool calls, errors and interruptions, and ``run()`` for a whole spoken
exchange from an audio source.

::

    import trio, trio_realtime as rt

    voice = rt.RealtimeVoice()                      # OPENAI_API_KEY -> OpenAI, else Gemini

    @voice.on_transcript
    def show(text: str, is_final: bool) -> None:
        print(text, end="\\n" if is_final else "", flush=True)

    async def main() -> None:
        async with voice.connect() as session:
            await session.send_text("What's 2 + 2?")
            await trio.sleep(5)

Everything here is built on :class:`~trio_realtime.RealtimeSession`; see ``docs/facade.md``.
"""

from ._errors import AnswerTimeoutError, CallbackError, CallbackOverflowError, SessionError
from ._models import AudioChunk, ToolCallRequest, ToolDefinition, TranscriptDelta, VoiceItem
from ._providers import PROVIDERS, ProviderInfo
from ._stream import VoiceStream
from ._voice import RealtimeVoice

__all__ = [
    "PROVIDERS",
    "AnswerTimeoutError",
    "AudioChunk",
    "CallbackError",
    "CallbackOverflowError",
    "ProviderInfo",
    "RealtimeVoice",
    "SessionError",
    "ToolCallRequest",
    "ToolDefinition",
    "TranscriptDelta",
    "VoiceItem",
    "VoiceStream",
]
