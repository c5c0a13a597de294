"""The state the OpenAI encoder and decoder share on one connection.

The encoder changes it (the configuration a ``session.update`` put in effect, the ids of our
``response.create`` requests); the decoder reads it (the audio formats, which ``error`` names one
of our requests). Keeping it in one explicit object makes that collaboration visible.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from ..config import Config

__all__ = ["AudioTranscoder", "Shared"]

AudioTranscoder = Callable[[bytes], bytes]

#: How many of our recent ``response.create`` event ids an ``error`` can still be matched to.
MAX_PENDING_CREATES = 8
#: How many unanswered ``conversation.item.retrieve`` requests are remembered.
MAX_PENDING_RETRIEVES = 32


class Shared:
    """The configuration in effect and our pending ``response.create`` ids."""

    __slots__ = ("_config", "decode_audio", "encode_audio", "pending_creates", "pending_retrieves")

    def __init__(self, config: Config) -> None:
        self.pending_creates: deque[str] = deque(maxlen=MAX_PENDING_CREATES)
        self.pending_retrieves: dict[str, str] = {}  # event_id -> item_id
        self.encode_audio: AudioTranscoder | None = None
        self.decode_audio: AudioTranscoder | None = None
        self.config = config

    def remember_retrieve(self, event_id: str, item_id: str) -> None:
        """Remember a ``conversation.item.retrieve`` (the oldest is forgotten when full)."""
        if len(self.pending_retrieves) >= MAX_PENDING_RETRIEVES:
            del self.pending_retrieves[next(iter(self.pending_retrieves))]
        self.pending_retrieves[event_id] = item_id

    @property
    def config(self) -> Config:
        """The configuration in effect; setting it picks the audio transcoders once."""
        return self._config

    @config.setter
    def config(self, config: Config) -> None:
        self._config = config
        self.encode_audio = _transcoder(config.input_audio_format, encode=True)
        self.decode_audio = _transcoder(config.output_audio_format, encode=False)


def _transcoder(fmt: str, *, encode: bool) -> AudioTranscoder | None:
    """PCM16 <-> G.711 for ``fmt`` (None for PCM16, which needs no transcoding)."""
    if fmt == "pcm16":
        return None
    from ..audio import g711

    if fmt == "g711_ulaw":
        return g711.pcm16_to_ulaw if encode else g711.ulaw_to_pcm16
    return g711.pcm16_to_alaw if encode else g711.alaw_to_pcm16
