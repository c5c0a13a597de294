"""Session configuration: one frozen, provider-neutral ``Config``.

Every field has a sensible default; validation happens at construction with a ``ValueError``
that names the field. Derive variants with ``attrs.evolve(config, voice="marin")`` (validation
runs again) or ``session.update(voice="marin")`` on a live session.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal, Protocol, TypeAlias

import attrs

from .tools import Tool, ToolRegistry, as_tool

__all__ = [
    "AudioFormat",
    "Config",
    "InterruptPolicy",
    "Modality",
    "ResponseOptions",
    "SemanticVad",
    "ServerVad",
    "ToolSource",
    "Transcription",
    "TurnDetection",
]

Modality = Literal["text", "audio"]
AudioFormat = Literal["pcm16", "g711_ulaw", "g711_alaw"]
_AUDIO_FORMATS = ("pcm16", "g711_ulaw", "g711_alaw")
_SAMPLE_RATES: Mapping[str, int] = {"pcm16": 24_000, "g711_ulaw": 8_000, "g711_alaw": 8_000}


class InterruptPolicy(str, enum.Enum):
    """What happens to a turn's running tools when the turn is interrupted."""

    #: Cancel the tools; submit nothing.
    DROP = "drop"
    #: Cancel the tools; submit the outcomes that finished before the interruption.
    SUBMIT_COMPLETED_ONLY = "submit_completed_only"
    #: Let the tools finish; submit every outcome (but request no new response).
    SUBMIT = "submit"


def _to_policy(value: InterruptPolicy | str) -> InterruptPolicy:
    try:
        return InterruptPolicy(value)
    except ValueError:
        choices = ", ".join(repr(p.value) for p in InterruptPolicy)
        raise ValueError(f"on_interrupt must be one of {choices}, not {value!r}") from None


def _in_range(low: float, high: float) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None and not (low <= value <= high):
            raise ValueError(f"{attribute.name} must be between {low} and {high}, not {value!r}")

    return check


@attrs.frozen(kw_only=True)
class ServerVad:
    """Server-side voice activity detection. ``None`` fields use the provider's defaults."""

    threshold: float | None = attrs.field(default=None, validator=_in_range(0.0, 1.0))
    prefix_padding_ms: int | None = attrs.field(default=None, validator=_in_range(0, 10_000))
    silence_duration_ms: int | None = attrs.field(default=None, validator=_in_range(0, 10_000))
    create_response: bool = True
    interrupt_response: bool = True
    idle_timeout_ms: int | None = attrs.field(default=None, validator=_in_range(5_000, 30_000))


@attrs.frozen(kw_only=True)
class SemanticVad:
    """Model-based turn detection; ``eagerness`` None uses the provider's default ("auto")."""

    eagerness: Literal["low", "medium", "high", "auto"] | None = attrs.field(
        default=None,
        validator=attrs.validators.optional(
            attrs.validators.in_(("low", "medium", "high", "auto"))
        ),
    )
    create_response: bool = True
    interrupt_response: bool = True


TurnDetection: TypeAlias = "ServerVad | SemanticVad | None"


@attrs.frozen(kw_only=True)
class Transcription:
    """Transcription of the user's audio (runs asynchronously on a separate model)."""

    model: str = "gpt-4o-mini-transcribe"
    language: str | None = None
    prompt: str | None = None


def _to_transcription(value: bool | Transcription | None) -> Transcription | None:
    if value is True:
        return Transcription()
    if value is False or value is None:
        return None
    if isinstance(value, Transcription):
        return value
    raise ValueError(
        f"input_audio_transcription must be a bool or Transcription, not {type(value).__name__}"
    )


def _to_modalities(value: Iterable[str] | str) -> tuple[Modality, ...]:
    items = (value,) if isinstance(value, str) else tuple(value)
    if len(items) != 1 or items[0] not in ("text", "audio"):
        raise ValueError(
            f'modalities must be ["text"] or ["audio"] (audio always carries a transcript), '
            f"not {list(items)!r}"
        )
    return items  # type: ignore[return-value]


class ToolSource(Protocol):
    """Anything that becomes a tool through ``to_tool()``, e.g. ``rt.ToolDefinition``."""

    def to_tool(self) -> Tool: ...


def _to_tool(value: Tool | Callable[..., Any] | ToolSource) -> Tool:
    to_tool = getattr(type(value), "to_tool", None)
    if not isinstance(value, Tool) and not callable(value) and callable(to_tool):
        tool = value.to_tool()
        if not isinstance(tool, Tool):
            raise TypeError(f"{type(value).__name__}.to_tool() returned {tool!r}, not a Tool")
        return tool
    return as_tool(value)  # type: ignore[arg-type]  # as_tool raises TypeError for the rest


def _to_tools(value: Iterable[Tool | Callable[..., Any] | ToolSource]) -> tuple[Tool, ...]:
    return tuple(_to_tool(v) for v in value)


def _check_format(_: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    if value not in _AUDIO_FORMATS:
        raise ValueError(f"{attribute.name} must be one of {_AUDIO_FORMATS}, not {value!r}")


def _check_turn_detection(_: Any, __: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, (ServerVad, SemanticVad)):
        raise ValueError(
            f"turn_detection must be None, ServerVad(...) or SemanticVad(...), not {value!r}"
        )


@attrs.frozen(kw_only=True)
class Config:
    """Everything a session is configured with, for any provider.

    ``tools`` takes :class:`~trio_realtime.tools.Tool` objects, plain functions (sync or async) and
    definitions such as ``rt.ToolDefinition`` (answered by the application).

    ``provider_extras`` is an escape hatch: a mapping deep-merged into the provider's own
    session payload (e.g. ``{"truncation": "disabled"}`` for OpenAI), for settings this class
    does not model yet.
    """

    modalities: tuple[Modality, ...] = attrs.field(default=("audio",), converter=_to_modalities)
    instructions: str | None = None
    voice: str | None = None
    turn_detection: ServerVad | SemanticVad | None = attrs.field(
        factory=ServerVad, validator=_check_turn_detection
    )
    input_audio_transcription: Transcription | None = attrs.field(
        factory=Transcription, converter=_to_transcription
    )
    noise_reduction: Literal["near_field", "far_field"] | None = attrs.field(
        default=None,
        validator=attrs.validators.optional(attrs.validators.in_(("near_field", "far_field"))),
    )
    input_audio_format: AudioFormat = attrs.field(default="pcm16", validator=_check_format)
    output_audio_format: AudioFormat = attrs.field(default="pcm16", validator=_check_format)
    tools: tuple[Tool, ...] = attrs.field(default=(), converter=_to_tools)
    tool_choice: str = "auto"
    max_output_tokens: int | None = attrs.field(default=None, validator=_in_range(1, 4096))
    speed: float | None = attrs.field(default=None, validator=_in_range(0.25, 1.5))
    temperature: float | None = attrs.field(default=None, validator=_in_range(0.0, 2.0))
    on_interrupt: InterruptPolicy = attrs.field(default=InterruptPolicy.DROP, converter=_to_policy)
    tool_timeout: float | None = attrs.field(default=30.0, validator=_in_range(0.0, 86_400.0))
    max_concurrent_tools: int = attrs.field(default=8, validator=_in_range(1, 1024))
    provider_extras: Mapping[str, Any] = attrs.field(factory=dict, converter=dict)

    def __attrs_post_init__(self) -> None:
        registry = ToolRegistry(self.tools)  # raises ValueError on duplicate names
        if (
            self.tool_choice not in ("auto", "none", "required")
            and self.tool_choice not in registry
        ):
            raise ValueError(
                f"tool_choice must be 'auto', 'none', 'required' or the name of one of the "
                f"tools {registry.names!r}, not {self.tool_choice!r}"
            )

    @property
    def input_sample_rate(self) -> int:
        """Sample rate of the audio ``send_audio_frame`` expects (PCM16 at this rate)."""
        return _SAMPLE_RATES[self.input_audio_format]

    @property
    def output_sample_rate(self) -> int:
        """Sample rate of ``assistant_audio_delta.pcm``."""
        return _SAMPLE_RATES[self.output_audio_format]

    @property
    def audio_output(self) -> bool:
        """True when the model answers with audio (and a transcript)."""
        return self.modalities == ("audio",)

    def tool_registry(self) -> ToolRegistry:
        """The tools as a registry, looked up by name."""
        return ToolRegistry(self.tools)


@attrs.frozen(kw_only=True)
class ResponseOptions:
    """Overrides for one response only (``session.create_response(options)``).

    ``None`` keeps the session's setting. ``out_of_band`` runs the response outside the default
    conversation (OpenAI ``conversation: "none"``): it reads the conversation but adds nothing.
    """

    instructions: str | None = None
    modalities: tuple[Modality, ...] | None = attrs.field(
        default=None, converter=attrs.converters.optional(_to_modalities)
    )
    voice: str | None = None
    tools: tuple[Tool, ...] | None = attrs.field(
        default=None, converter=attrs.converters.optional(_to_tools)
    )
    tool_choice: str | None = None
    max_output_tokens: int | None = attrs.field(default=None, validator=_in_range(1, 4096))
    metadata: Mapping[str, str] | None = None
    out_of_band: bool = False
