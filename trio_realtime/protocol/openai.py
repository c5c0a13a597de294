"""Sans-I/O codec for one OpenAI Realtime (GA) connection.

:class:`OpenAIProtocol` implements the :class:`~trio_realtime.protocol.Codec` interface by
composing an :class:`~._openai_encode.OpenAIEncoder` (commands -> GA client events, JSON text)
and an :class:`~._openai_decode.OpenAIDecoder` (server frames -> neutral events and signals)
around the little state they share (:class:`~._openai_shared.Shared`). It imports no trio and
touches no socket: feed it frames, get back data. It never raises on server input (see the
decoder's docstring for what malformed input becomes).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..config import Config, ResponseOptions
from ..history import History
from ..items import InputImage
from ._codec import CloseVerdict, CodecStatistics, CodecTraits, Message, Restoration, WireMark
from ._openai_decode import OpenAIDecoder
from ._openai_encode import OpenAIEncoder
from ._openai_fields import retry_after_ms
from ._openai_items import image_message
from ._openai_shared import Shared
from ._openai_tables import classify_error
from .signals import Decoded

__all__ = ["OpenAIProtocol", "classify_error", "retry_after_ms"]

_RETRYABLE_CLOSES = frozenset({1001, 1011, 1012, 1013})
_CREATE = '{"type":"response.create"'  # how the encoder starts these messages
_COMMIT = '{"type":"input_audio_buffer.commit"'


class OpenAIProtocol:
    """The codec of one connection; create a new one per connection.

    ``config`` decides the audio formats: outgoing audio is PCM16 at ``config.input_sample_rate``
    (encoded to G.711 here when the session uses it), incoming audio is always delivered as
    PCM16 at ``config.output_sample_rate``. ``server_events=True`` publishes the server events
    the neutral kinds do not cover as ``ServerEvent``.
    """

    provider = "openai"
    traits = CodecTraits(responds_to_tool_outputs=False)

    def __init__(self, config: Config, *, server_events: bool = False) -> None:
        self._shared = Shared(config)
        self.encoder = OpenAIEncoder(self._shared)
        self.decoder = OpenAIDecoder(self._shared, server_events=server_events)

    @property
    def config(self) -> Config:
        """The configuration in effect (as created, or as last sent by ``session_update``)."""
        return self._shared.config

    # -- decoding ---------------------------------------------------------------------------

    def receive(self, frame: str | bytes) -> list[Decoded]:
        """Decode one server frame into zero or more events and signals. Never raises."""
        return self.decoder.receive(frame)

    def statistics(self) -> CodecStatistics:
        """A snapshot of the decoder's counters."""
        return self.decoder.counters.snapshot()

    def restore(self, history: History) -> Restoration:
        """The conversation replayed as items (a new server session knows nothing of it):
        user texts and transcripts as user messages, assistant texts and transcripts (as
        heard) as assistant messages, function calls and their outputs."""
        messages, complete = self.encoder.history_items(history)
        return Restoration(messages=tuple(messages), complete=complete)

    def describe_close(self, code: int | None, reason: str) -> CloseVerdict:
        """OpenAI reports failures in-band (``error`` events); a close is retryable when the
        connection dropped (``code`` None) or the server went away, restarted or is overloaded
        (1001, 1011, 1012, 1013). Never after 1008 (policy) or a normal close."""
        return CloseVerdict(retryable=code is None or code in _RETRYABLE_CLOSES)

    # -- encoding ---------------------------------------------------------------------------

    def open(self) -> list[str]:
        """The first message of a connection: ``session.update`` with the whole configuration."""
        return [self.encoder.session_update(self._shared.config)]

    def session_update(self, config: Config, *, previous: Config | None = None) -> str:
        """``session.update`` for ``config`` (only what changed since ``previous``)."""
        return self.encoder.session_update(config, previous=previous)

    def append_audio(self, pcm: bytes) -> str:
        """``input_audio_buffer.append`` of PCM16 at the input rate (G.711 when configured)."""
        return self.encoder.append_audio(pcm)

    def commit_audio(self) -> str:
        """``input_audio_buffer.commit``."""
        return self.encoder.commit_audio()

    def clear_audio(self) -> str:
        """``input_audio_buffer.clear``."""
        return self.encoder.clear_audio()

    def user_text(self, text: str) -> str:
        """``conversation.item.create`` with a user text message."""
        return self.encoder.user_text(text)

    def create_response(self, options: ResponseOptions | None = None) -> str:
        """``response.create`` (with per-response overrides when given)."""
        return self.encoder.create_response(options)

    def cancel_response(self, response_id: str | None = None) -> str:
        """``response.cancel`` (of ``response_id``, or of whatever response is active)."""
        return self.encoder.cancel_response(response_id)

    def tool_output(self, call_id: str, output: str) -> str:
        """``conversation.item.create`` with one ``function_call_output`` item."""
        return self.encoder.tool_output(call_id, output)

    def tool_outputs(self, outputs: Sequence[tuple[str, str]]) -> list[str]:
        """One ``function_call_output`` item per ``(call_id, output)``, in order."""
        return self.encoder.tool_outputs(outputs)

    def truncate(self, item_id: str, audio_end_ms: int) -> str:
        """``conversation.item.truncate`` of content 0 at ``audio_end_ms``."""
        return self.encoder.truncate(item_id, audio_end_ms)

    def delete_item(self, item_id: str) -> str:
        """``conversation.item.delete``."""
        return self.encoder.delete_item(item_id)

    def wire_mark(self, message: Message) -> WireMark | None:
        """A ``response.create`` is a request, an ``input_audio_buffer.commit`` the end of
        speech (see :meth:`~trio_realtime.protocol.Codec.wire_mark`)."""
        if isinstance(message, str):
            if message.startswith(_CREATE):
                return "request"
            if message.startswith(_COMMIT):
                return "speech_end"
        return None

    # -- conversation items and MCP approvals (see ItemCodec) ---------------------------------

    def add_item(self, item: object, previous_item_id: str | None = None) -> str:
        """``conversation.item.create`` of ``item`` (a wire mapping, a ``trio_realtime.items``
        value or a history item)."""
        return self.encoder.add_item(item, previous_item_id)

    def add_image(self, image: InputImage, text: str | None = None) -> str:
        """``conversation.item.create`` of a user message with an ``input_image`` part."""
        return self.encoder.add_item(image_message(image, text))

    def retrieve_item(self, item_id: str) -> str:
        """``conversation.item.retrieve`` (answered by ``item_retrieved``)."""
        return self.encoder.retrieve_item(item_id)

    def mcp_approval(self, approval_id: str, approve: bool, reason: str | None = None) -> str:
        """The ``mcp_approval_response`` item answering approval request ``approval_id``."""
        return self.encoder.mcp_approval(approval_id, approve, reason)
