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

from ._config_types import (
    REASONING_EFFORTS,
    NoiseReduction,
    Prompt,
    ReasoningEffort,
    Tracing,
    Truncation,
    TruncationSetting,
)
from .mcp import McpServer, McpToolChoice
from .tools import Tool, ToolRegistry, as_tool

__all__ = [
    "AudioFormat",
    "Config",
    "InterruptPolicy",
    "Modality",
    "NoiseReduction",
    "Prompt",
    "ReasoningEffort",
    "ResponseOptions",
    "SemanticVad",
    "ServerVad",
    "ToolSource",
    "Tracing",
    "Transcription",
    "Truncation",
    "TruncationSetting",
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


def _to_strings(value: Iterable[str] | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        raise TypeError("expected a collection of strings, not a str")
    return tuple(value)


@attrs.frozen(kw_only=True)
class Transcription:
    """Transcription of the user's audio (runs asynchronously on a separate model).

    ``language`` (ISO-639-1) and ``prompt`` guide it; ``languages`` (possible languages),
    ``keywords`` and ``delay`` (how long it may wait for accuracy) are model-specific
    (OpenAI's ``gpt-transcribe`` / ``gpt-live-transcribe`` / ``gpt-realtime-whisper``).
    """

    model: str = "gpt-4o-mini-transcribe"
    language: str | None = None
    prompt: str | None = None
    languages: tuple[str, ...] | None = attrs.field(default=None, converter=_to_strings)
    keywords: tuple[str, ...] | None = attrs.field(default=None, converter=_to_strings)
    delay: Literal["minimal", "low", "medium", "high", "xhigh"] | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.in_(REASONING_EFFORTS))
    )


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


def _to_tool(value: Tool | Callable[..., Any] | ToolSource | McpServer) -> Tool:
    if isinstance(value, McpServer):
        return value  # type: ignore[return-value]  # moved to mcp_servers after conversion
    to_tool = getattr(type(value), "to_tool", None)
    if not isinstance(value, Tool) and not callable(value) and callable(to_tool):
        tool = value.to_tool()
        if not isinstance(tool, Tool):
            raise TypeError(f"{type(value).__name__}.to_tool() returned {tool!r}, not a Tool")
        return tool
    return as_tool(value)  # type: ignore[arg-type]  # as_tool raises TypeError for the rest


def _to_tools(
    value: Iterable[Tool | Callable[..., Any] | ToolSource | McpServer],
) -> tuple[Tool, ...]:
    return tuple(_to_tool(v) for v in value)


def _to_servers(value: Iterable[McpServer]) -> tuple[McpServer, ...]:
    servers = tuple(value)
    for server in servers:
        if not isinstance(server, McpServer):
            raise TypeError(f"mcp_servers must hold McpServer objects, not {server!r}")
    return servers


def _split_servers(
    tools: tuple[Tool, ...], servers: tuple[McpServer, ...]
) -> tuple[tuple[Tool, ...], tuple[McpServer, ...]]:
    """Move the MCP servers given among ``tools`` into ``servers`` (keyed by label: a server
    given in ``tools`` replaces one of the same label)."""
    given = [t for t in tools if isinstance(t, McpServer)]
    if not given:
        return tools, servers
    by_label = {server.label: server for server in servers}
    by_label.update((server.label, server) for server in given)
    return tuple(t for t in tools if not isinstance(t, McpServer)), tuple(by_label.values())


def _check_servers(servers: tuple[McpServer, ...]) -> None:
    labels = [server.label for server in servers]
    duplicates = sorted({label for label in labels if labels.count(label) > 1})
    if duplicates:
        raise ValueError(f"two MCP servers share the label(s) {', '.join(duplicates)}")


def _check_tool_choice(
    choice: str | McpToolChoice, registry: ToolRegistry, servers: tuple[McpServer, ...]
) -> None:
    if isinstance(choice, McpToolChoice):
        labels = [server.label for server in servers]
        if choice.server_label not in labels:
            raise ValueError(
                f"tool_choice names MCP server {choice.server_label!r}, which is not one of "
                f"the MCP servers {labels!r}"
            )
        return
    if choice not in ("auto", "none", "required") and choice not in registry:
        raise ValueError(
            f"tool_choice must be 'auto', 'none', 'required', the name of one of the tools "
            f"{registry.names!r} or an McpToolChoice, not {choice!r}"
        )


def _check_noise_reduction(_: Any, __: attrs.Attribute[Any], value: object) -> None:
    if value is None or isinstance(value, NoiseReduction):
        return
    if value not in ("near_field", "far_field"):
        raise ValueError(
            "noise_reduction must be 'near_field', 'far_field', NoiseReduction(...) or None, "
            f"not {value!r}"
        )


def _check_truncation(_: Any, __: attrs.Attribute[Any], value: object) -> None:
    if (
        value is not None
        and value not in ("auto", "disabled")
        and not isinstance(value, Truncation)
    ):
        raise ValueError(
            f"truncation must be 'auto', 'disabled', Truncation(...) or None, not {value!r}"
        )


def _check_tracing(_: Any, __: attrs.Attribute[Any], value: object) -> None:
    if value is not None and value != "auto" and not isinstance(value, Tracing):
        raise ValueError(f"tracing must be None, 'auto' or Tracing(...), not {value!r}")


_optional_effort = attrs.validators.optional(attrs.validators.in_(REASONING_EFFORTS))


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

    MCP servers (:class:`~trio_realtime.McpServer`) may be given among ``tools``: they are kept
    in ``mcp_servers`` (a server in ``tools`` replaces the one of the same label there).

    ``provider_extras`` is an escape hatch: a mapping deep-merged into the provider's own
    session payload, for settings this class does not model yet. Which provider honours which
    setting: ``docs/configuration.md``.
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
    noise_reduction: Literal["near_field", "far_field"] | NoiseReduction | None = attrs.field(
        default=None, validator=_check_noise_reduction
    )
    input_audio_format: AudioFormat = attrs.field(default="pcm16", validator=_check_format)
    output_audio_format: AudioFormat = attrs.field(default="pcm16", validator=_check_format)
    tools: tuple[Tool, ...] = attrs.field(default=(), converter=_to_tools)
    tool_choice: str | McpToolChoice = "auto"
    max_output_tokens: int | None = attrs.field(default=None, validator=_in_range(1, 4096))
    speed: float | None = attrs.field(default=None, validator=_in_range(0.25, 1.5))
    mcp_servers: tuple[McpServer, ...] = attrs.field(default=(), converter=_to_servers)
    parallel_tool_calls: bool | None = None
    reasoning_effort: ReasoningEffort | None = attrs.field(default=None, validator=_optional_effort)
    truncation: TruncationSetting | None = attrs.field(default=None, validator=_check_truncation)
    tracing: Literal["auto"] | Tracing | None = attrs.field(default=None, validator=_check_tracing)
    prompt: Prompt | None = None
    transcription_logprobs: bool = False
    temperature: float | None = attrs.field(default=None, validator=_in_range(0.0, 2.0))
    on_interrupt: InterruptPolicy = attrs.field(default=InterruptPolicy.DROP, converter=_to_policy)
    tool_timeout: float | None = attrs.field(default=30.0, validator=_in_range(0.0, 86_400.0))
    max_concurrent_tools: int = attrs.field(default=8, validator=_in_range(1, 1024))
    provider_extras: Mapping[str, Any] = attrs.field(factory=dict, converter=dict)

    def __attrs_post_init__(self) -> None:
        tools, servers = _split_servers(self.tools, self.mcp_servers)
        object.__setattr__(self, "tools", tools)
        object.__setattr__(self, "mcp_servers", servers)
        _check_servers(servers)
        registry = ToolRegistry(self.tools)  # raises ValueError on duplicate names
        _check_tool_choice(self.tool_choice, registry, servers)

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


def _check_metadata(_: Any, __: attrs.Attribute[Any], value: Mapping[str, str] | None) -> None:
    """OpenAI's limits: at most 16 pairs, keys up to 64 and values up to 512 characters."""
    if value is None:
        return
    if len(value) > 16:
        raise ValueError(f"metadata holds at most 16 pairs, not {len(value)}")
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise TypeError("metadata must map str to str")
        if len(key) > 64 or len(item) > 512:
            raise ValueError(
                f"metadata keys are at most 64 and values at most 512 characters ({key[:20]!r})"
            )


@attrs.frozen(kw_only=True)
class ResponseOptions:
    """Overrides for one response only (``session.create_response(options)``).

    ``None`` keeps the session's setting. ``out_of_band`` runs the response outside the default
    conversation (OpenAI ``conversation: "none"``): it adds nothing to the conversation and may
    run beside the default conversation's response; its events carry its own ``turn_id`` and
    ``assistant_turn_started`` says ``out_of_band=True`` with the ``metadata`` given here.
    ``input`` replaces the context the response sees (items, see ``session.add_item``; ``[]``
    for none). MCP servers may be given among ``tools`` (they join ``mcp_servers``).
    """

    instructions: str | None = None
    modalities: tuple[Modality, ...] | None = attrs.field(
        default=None, converter=attrs.converters.optional(_to_modalities)
    )
    voice: str | None = None
    tools: tuple[Tool, ...] | None = attrs.field(
        default=None, converter=attrs.converters.optional(_to_tools)
    )
    tool_choice: str | McpToolChoice | None = None
    max_output_tokens: int | None = attrs.field(default=None, validator=_in_range(1, 4096))
    metadata: Mapping[str, str] | None = attrs.field(default=None, validator=_check_metadata)
    out_of_band: bool = False
    input: tuple[Any, ...] | None = attrs.field(
        default=None, converter=attrs.converters.optional(tuple)
    )
    mcp_servers: tuple[McpServer, ...] | None = attrs.field(
        default=None, converter=attrs.converters.optional(_to_servers)
    )
    parallel_tool_calls: bool | None = None
    reasoning_effort: ReasoningEffort | None = attrs.field(default=None, validator=_optional_effort)

    def __attrs_post_init__(self) -> None:
        if self.tools is not None:
            tools, servers = _split_servers(self.tools, self.mcp_servers or ())
            object.__setattr__(self, "tools", tools)
            if servers:
                object.__setattr__(self, "mcp_servers", servers)
        _check_servers(self.mcp_servers or ())
