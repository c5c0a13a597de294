"""``Config`` -> Gemini Live's ``setup`` message, and what can change mid-session.

Mapping (see ``docs/gemini.md``):

- ``model`` -> ``"models/<model>"`` (kept as is when it already has a ``/``);
- ``modalities`` -> ``generationConfig.responseModalities``: always ``["AUDIO"]`` with
  ``outputAudioTranscription`` (the text of a ``["text"]`` session comes from the transcript),
  or ``["TEXT"]`` with ``GeminiOptions(native_text=True)`` for the models that still offer it;
- ``voice`` -> ``speechConfig``; ``temperature``, ``max_output_tokens`` -> ``generationConfig``;
- ``instructions`` -> ``systemInstruction``; ``tools`` -> ``functionDeclarations`` (blocking);
  ``tool_choice="none"`` sends no tools;
- ``turn_detection`` -> ``realtimeInputConfig``: ``None`` disables automatic activity detection
  (the client sends ``activityStart``/``activityEnd``); ``ServerVad``'s ``prefix_padding_ms`` and
  ``silence_duration_ms`` are sent, a ``threshold`` above 0.5 asks for low start-of-speech
  sensitivity; ``SemanticVad``'s ``eagerness`` picks the end-of-speech sensitivity;
  ``interrupt_response=False`` -> ``activityHandling: NO_INTERRUPTION``;
- ``input_audio_transcription`` -> ``inputAudioTranscription: {}``;
- session resumption (``{}`` or ``{"handle": ...}``; a null handle is never sent) and context
  window compression from :class:`GeminiOptions`;
- a conversation given to a fresh connection -> ``historyConfig:
  {initialHistoryInClientContent: true}`` (the turns follow in ``clientContent``);
- ``provider_extras`` is deep-merged into the ``setup`` object last.

Settings Gemini Live has no place for (``speed``, ``noise_reduction``, a ``tool_choice`` other
than ``auto``/``none``, ``idle_timeout_ms``, ``create_response=False``, a transcription
``language``/``prompt``) are listed by :func:`ignored_settings` (the codec warns once).
"""

from __future__ import annotations

from typing import Any

import attrs

from ..config import Config, SemanticVad, ServerVad
from ._codec import UnsupportedCommand
from ._gemini_schema import function_declaration
from ._openai_session import deep_merge

__all__ = [
    "INPUT_RATE",
    "ContextCompression",
    "GeminiOptions",
    "context_update",
    "ignored_settings",
    "model_path",
    "setup_payload",
]

#: Gemini Live's native input rate: the codec resamples the session's audio to it.
INPUT_RATE = 16_000

# Config fields with no wire effect (the session applies them itself).
_LOCAL_FIELDS = frozenset({"on_interrupt", "tool_timeout", "max_concurrent_tools"})
# Config fields only OpenAI's Realtime API has (see docs/configuration.md).
_OPENAI_ONLY = (
    "mcp_servers",
    "parallel_tool_calls",
    "reasoning_effort",
    "truncation",
    "tracing",
    "prompt",
    "transcription_logprobs",
)
# Config fields a Gemini ``contextUpdate`` can change mid-session.
_CONTEXT_FIELDS = frozenset({"instructions", "tools", "tool_choice"})


def _positive(_: Any, attribute: attrs.Attribute[Any], value: int | None) -> None:
    if value is not None and value <= 0:
        raise ValueError(f"{attribute.name} must be a positive number of tokens, not {value!r}")


@attrs.frozen(kw_only=True)
class ContextCompression:
    """Gemini's sliding-window context compression, which lifts the session length limit.

    When the context reaches ``trigger_tokens`` the server drops the oldest turns down to
    ``target_tokens`` (the system instruction is kept). ``None`` uses the server's defaults.
    """

    trigger_tokens: int | None = attrs.field(default=None, validator=_positive)
    target_tokens: int | None = attrs.field(default=None, validator=_positive)

    def payload(self) -> dict[str, Any]:
        """The ``contextWindowCompression`` object."""
        window: dict[str, Any] = {}
        if self.target_tokens is not None:
            window["targetTokens"] = self.target_tokens
        out: dict[str, Any] = {"slidingWindow": window}
        if self.trigger_tokens is not None:
            out["triggerTokens"] = self.trigger_tokens
        return out


@attrs.frozen(kw_only=True)
class GeminiOptions:
    """Gemini-only settings of a connection (given to ``GeminiGateway``).

    ``session_resumption`` asks the server for resumption handles (needed to survive its
    10-minute connection limit); ``context_compression`` bounds the context (and so lifts the
    15-minute audio session limit); ``native_text`` asks for ``TEXT`` responses in text sessions
    instead of reading the audio's transcript (only older models support it).
    """

    session_resumption: bool = True
    context_compression: ContextCompression | None = None
    native_text: bool = False


def model_path(model: str) -> str:
    """``"models/<model>"`` (a name that already has a ``/`` is kept)."""
    if not model:
        raise ValueError("a Gemini model name is required, e.g. 'gemini-2.5-flash-native-audio'")
    return model if "/" in model else f"models/{model}"


def text_by_transcript(config: Config, options: GeminiOptions) -> bool:
    """Whether a text session reads its text from the output audio's transcript."""
    return not config.audio_output and not options.native_text


def _instruction(text: str) -> dict[str, Any]:
    return {"parts": [{"text": text}]}


def _tools(config: Config) -> list[dict[str, Any]]:
    if not config.tools or config.tool_choice == "none":
        return []
    return [{"functionDeclarations": [function_declaration(tool) for tool in config.tools]}]


def _realtime_input(config: Config) -> dict[str, Any]:
    td = config.turn_detection
    if td is None:
        return {"automaticActivityDetection": {"disabled": True}}
    detection: dict[str, Any] = {"disabled": False}
    if isinstance(td, ServerVad):
        if td.threshold is not None:
            high = td.threshold <= 0.5
            detection["startOfSpeechSensitivity"] = (
                "START_SENSITIVITY_HIGH" if high else "START_SENSITIVITY_LOW"
            )
        if td.prefix_padding_ms is not None:
            detection["prefixPaddingMs"] = td.prefix_padding_ms
        if td.silence_duration_ms is not None:
            detection["silenceDurationMs"] = td.silence_duration_ms
    elif isinstance(td, SemanticVad) and td.eagerness in ("low", "high"):
        detection["endOfSpeechSensitivity"] = f"END_SENSITIVITY_{td.eagerness.upper()}"
    handling = "START_OF_ACTIVITY_INTERRUPTS" if td.interrupt_response else "NO_INTERRUPTION"
    return {"automaticActivityDetection": detection, "activityHandling": handling}


def setup_payload(
    config: Config,
    model: str,
    options: GeminiOptions,
    *,
    resume_handle: str | None = None,
    seed_history: bool = False,
) -> dict[str, Any]:
    """The ``setup`` object for ``config`` (see the module docstring); ``seed_history`` asks
    the server to take the first ``clientContent`` as initial history."""
    generation: dict[str, Any] = {}
    if config.audio_output or not options.native_text:
        generation["responseModalities"] = ["AUDIO"]
        if config.voice is not None:
            voice = {"prebuiltVoiceConfig": {"voiceName": config.voice}}
            generation["speechConfig"] = {"voiceConfig": voice}
    else:
        generation["responseModalities"] = ["TEXT"]
    if config.temperature is not None:
        generation["temperature"] = config.temperature
    if config.max_output_tokens is not None:
        generation["maxOutputTokens"] = config.max_output_tokens
    setup: dict[str, Any] = {"model": model_path(model), "generationConfig": generation}
    if config.instructions is not None:
        setup["systemInstruction"] = _instruction(config.instructions)
    tools = _tools(config)
    if tools:
        setup["tools"] = tools
    setup["realtimeInputConfig"] = _realtime_input(config)
    if config.input_audio_transcription is not None:
        setup["inputAudioTranscription"] = {}
    if generation["responseModalities"] == ["AUDIO"]:
        setup["outputAudioTranscription"] = {}
    if options.session_resumption or resume_handle is not None:
        setup["sessionResumption"] = {"handle": resume_handle} if resume_handle else {}
    if options.context_compression is not None:
        setup["contextWindowCompression"] = options.context_compression.payload()
    if seed_history:
        setup["historyConfig"] = {"initialHistoryInClientContent": True}
    if config.provider_extras:
        setup = deep_merge(setup, config.provider_extras)
    return setup


def ignored_settings(config: Config) -> list[str]:
    """The settings of ``config`` that Gemini Live cannot honour (named for a warning)."""
    ignored = [name for name in ("speed", "noise_reduction") if getattr(config, name) is not None]
    ignored += [name for name in _OPENAI_ONLY if getattr(config, name) not in (None, (), False)]
    if config.tool_choice not in ("auto", "none"):
        ignored.append(f"tool_choice={config.tool_choice!r}")
    td = config.turn_detection
    if isinstance(td, ServerVad) and td.idle_timeout_ms is not None:
        ignored.append("turn_detection.idle_timeout_ms")
    if td is not None and not td.create_response:
        ignored.append("turn_detection.create_response=False")
    t = config.input_audio_transcription
    if t is not None:
        ignored += [
            f"input_audio_transcription.{n}"
            for n in ("language", "prompt", "languages", "keywords", "delay")
            if getattr(t, n)
        ]
    return ignored


def _changed(old: Config, new: Config) -> set[str]:
    return {
        field.name
        for field in attrs.fields(Config)
        if getattr(old, field.name) != getattr(new, field.name)
    }


def context_update(old: Config, new: Config) -> dict[str, Any] | None:
    """The ``contextUpdate`` object taking the session from ``old`` to ``new``.

    None when nothing Gemini needs to hear changed (e.g. only ``on_interrupt``). Raises
    :class:`UnsupportedCommand` for a change Gemini Live cannot make mid-session (the model,
    voice, modalities, audio or turn-detection settings...): reconnect with a new ``Config``.
    """
    changed = _changed(old, new) - _LOCAL_FIELDS
    unsupported = sorted(changed - _CONTEXT_FIELDS)
    if unsupported:
        raise UnsupportedCommand(
            f"Gemini Live cannot change {', '.join(unsupported)} mid-session (only instructions "
            "and tools can change); open a new session with the new Config"
        )
    update: dict[str, Any] = {}
    if "instructions" in changed:
        update["systemInstruction"] = _instruction(new.instructions or "")
    if changed & {"tools", "tool_choice"} and _tools(old) != _tools(new):
        update["tools"] = {"tools": _tools(new)}
    return update or None
