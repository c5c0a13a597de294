"""The facade's data: what ``run()`` streams and what ``on_tool_call`` receives.

Plain frozen attrs values with the pinned fields, constructible positionally in the pinned
order (``AudioChunk(data, duration_ms, is_final)``) or by keyword.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Literal, TypeAlias

import attrs

from ..tools import Tool

__all__ = [
    "AudioChunk",
    "Speaker",
    "ToolCallRequest",
    "ToolDefinition",
    "TranscriptDelta",
    "VoiceItem",
]

Speaker: TypeAlias = Literal["assistant", "user"]


def _short_repr(value: bytes) -> str:
    return f"<{len(value)} bytes>"


@attrs.frozen
class AudioChunk:
    """A piece of assistant audio: PCM16 little-endian mono at ``sample_rate`` (24 kHz).

    ``is_final`` marks the last chunk of an answer. It comes on an extra chunk with empty
    ``data`` when the answer's turn completes (also when it was interrupted), so no chunk is
    held back waiting to learn whether it is the last one.
    """

    data: bytes = attrs.field(repr=_short_repr)
    duration_ms: float
    is_final: bool = False
    sample_rate: int = 24_000

    @classmethod
    def from_pcm(cls, data: bytes, sample_rate: int, *, is_final: bool = False) -> AudioChunk:
        """A chunk of ``data`` with its duration computed from ``sample_rate``."""
        return cls(data, len(data) / 2 * 1000 / sample_rate, is_final, sample_rate)


def _check_speaker(_: Any, __: Any, value: str) -> None:
    if value not in ("assistant", "user"):
        raise ValueError(f'speaker must be "assistant" or "user", not {value!r}')


@attrs.frozen
class TranscriptDelta:
    """Words of the conversation as text.

    ``is_final=False``: a piece of the text, in order; ``is_final=True``: the whole text of
    one item (an assistant answer, or one user utterance when input transcription is on).
    For an assistant answer in the text modality, the text is the answer itself.
    """

    text: str
    is_final: bool
    speaker: Speaker = attrs.field(validator=_check_speaker)


@attrs.frozen
class ToolCallRequest:
    """A call of an application-answered tool, as ``on_tool_call`` receives it.

    ``arguments`` are the parsed JSON arguments, already validated against the tool's schema.
    """

    call_id: str
    function_name: str
    arguments: Mapping[str, Any] = attrs.field(factory=dict)


def _empty_object() -> dict[str, Any]:
    return {"type": "object", "properties": {}}


def _copy_mapping(value: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"parameters must be a JSON Schema mapping, not {type(value).__name__}")
    return copy.deepcopy(dict(value))


@attrs.frozen
class ToolDefinition:
    """A tool the model may call, answered by the application (``on_tool_call``).

    Give it in ``Config(tools=[...])`` beside plain functions: it becomes an
    application-answered :class:`~trio_realtime.Tool` (no function), whose name and schema are
    checked there (``ValueError`` for an invalid name or schema).
    """

    name: str
    description: str = ""
    parameters: Mapping[str, Any] = attrs.field(
        factory=_empty_object, converter=_copy_mapping, hash=False
    )

    def to_tool(self) -> Tool:
        """The application-answered :class:`~trio_realtime.Tool` for this definition."""
        return Tool(name=self.name, description=self.description, parameters=self.parameters)


#: What ``RealtimeVoice.run()`` streams.
VoiceItem: TypeAlias = "AudioChunk | TranscriptDelta"
