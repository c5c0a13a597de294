"""The ``setup`` message: validated as the service does, turned into :class:`GeminiSetup`.

Supported: ``model``; ``generationConfig`` (``responseModalities`` AUDIO or TEXT — one —,
``speechConfig`` voice; the sampling fields are checked and otherwise ignored);
``systemInstruction``; ``tools`` with ``functionDeclarations``; ``realtimeInputConfig``
(automatic activity detection and its settings, or ``disabled`` for manual activityStart/End;
``activityHandling``); ``inputAudioTranscription`` / ``outputAudioTranscription``;
``sessionResumption``; ``historyConfig``. Accepted and ignored: ``contextWindowCompression``,
``proactivity``, ``explicitVadSignal``, ``safetySettings``, ``labels``, ``avatarConfig``.
Other tool kinds (``googleSearch``, ``codeExecution``, ...) close with 1008 (not implemented).
"""

from __future__ import annotations

import copy
from typing import Any

import attrs

from ..vad import VadSettings
from ._wire import (
    NOT_IMPLEMENTED,
    GeminiClose,
    as_bool,
    as_enum,
    as_int,
    as_list,
    as_number,
    as_str,
    fields,
    invalid_argument,
)

__all__ = ["DEFAULT_VOICE", "RETIRED_MODELS", "GeminiSetup", "parse_setup", "text_of"]

DEFAULT_VOICE = "Puck"
#: Model ids the service no longer serves (closed with 1008, as the service does).
RETIRED_MODELS = frozenset(
    {"gemini-2.0-flash-exp", "gemini-2.0-flash-live-001", "gemini-live-2.5-flash-preview"}
)
_SETUP = (
    "model",
    "generationConfig",
    "systemInstruction",
    "tools",
    "realtimeInputConfig",
    "sessionResumption",
    "contextWindowCompression",
    "inputAudioTranscription",
    "outputAudioTranscription",
    "proactivity",
    "explicitVadSignal",
    "historyConfig",
    "avatarConfig",
    "safetySettings",
    "labels",
)
_GENERATION = (
    "audioTimestamp",
    "audioTranscriptionConfig",
    "candidateCount",
    "enableAffectiveDialog",
    "enableEnhancedCivicAnswers",
    "frequencyPenalty",
    "logprobs",
    "maxOutputTokens",
    "mediaResolution",
    "modelSelectionConfig",
    "presencePenalty",
    "responseFormat",
    "responseJsonSchema",
    "responseLogprobs",
    "responseMimeType",
    "responseModalities",
    "responseSchema",
    "routingConfig",
    "seed",
    "speechConfig",
    "stopSequences",
    "temperature",
    "thinkingConfig",
    "topK",
    "topP",
    "translationConfig",
)
_NUMBERS = ("temperature", "topP", "topK", "presencePenalty", "frequencyPenalty")
_INTEGERS = ("maxOutputTokens", "seed", "candidateCount", "logprobs")
_TOOL_KINDS = (
    "functionDeclarations",
    "retrieval",
    "computerUse",
    "fileSearch",
    "googleSearch",
    "googleMaps",
    "codeExecution",
    "enterpriseWebSearch",
    "googleSearchRetrieval",
    "parallelAiSearch",
    "urlContext",
    "mcpServers",
    "exaAiSearch",
)
_DECLARATION = (
    "name",
    "description",
    "parameters",
    "parametersJsonSchema",
    "response",
    "responseJsonSchema",
    "behavior",
)
_CONTENT = ("parts", "role")


@attrs.frozen(kw_only=True)
class GeminiSetup:
    """The effective configuration of a Gemini Live session."""

    model: str
    modality: str  # "AUDIO" | "TEXT"
    voice: str
    instructions: str
    tools: tuple[dict[str, Any], ...]  # function tools in the brain's (OpenAI) shape
    input_transcription: bool
    output_transcription: bool
    automatic_activity: bool
    vad: VadSettings
    interrupts: bool  # activityHandling START_OF_ACTIVITY_INTERRUPTS
    resumption: bool
    resume_handle: str | None
    history_in_client_content: bool
    raw: dict[str, Any]  # the setup as received, keys in camelCase at the levels read here

    def session(self) -> dict[str, Any]:
        """What a brain sees as ``BrainRequest.session`` on the Gemini path."""
        return {
            "type": "gemini",
            "model": self.model,
            "instructions": self.instructions,
            "tools": [copy.deepcopy(t) for t in self.tools],
            "tool_choice": "auto",
            "output_modalities": [self.modality.lower()],
            "voice": self.voice,
            "setup": copy.deepcopy(self.raw),
        }

    def with_context(
        self, instructions: str | None, tools: tuple[dict[str, Any], ...] | None
    ) -> GeminiSetup:
        """After a ``contextUpdate``: new instructions and/or tools."""
        return attrs.evolve(
            self,
            instructions=self.instructions if instructions is None else instructions,
            tools=self.tools if tools is None else tools,
        )


def text_of(content: object, path: str) -> str:
    """The text of a ``Content`` used as an instruction (its text parts, joined)."""
    obj = fields(content, _CONTENT, path)
    texts = []
    for i, raw in enumerate(as_list(obj.get("parts", []), f"{path}.parts")):
        part = fields(raw, ("text", "thought"), f"{path}.parts[{i}]")
        if "text" in part:
            texts.append(as_str(part["text"], f"{path}.parts[{i}].text"))
    return "".join(texts)


def _json_schema(schema: object) -> Any:
    """A Gemini ``Schema`` (OpenAPI subset, ``type`` in UPPER case) as JSON Schema."""
    if isinstance(schema, dict):
        out: dict[str, Any] = {}
        for key, value in schema.items():
            if key == "type" and isinstance(value, str):
                out[key] = value.lower()
            elif key == "properties" and isinstance(value, dict):
                out[key] = {name: _json_schema(v) for name, v in value.items()}
            else:
                out[key] = _json_schema(value)
        return out
    if isinstance(schema, list):
        return [_json_schema(v) for v in schema]
    return schema


def parse_tools(value: object, path: str) -> tuple[dict[str, Any], ...]:
    """``tools`` (a list of ``Tool``) -> function tools in the brain's shape."""
    out = []
    for i, raw in enumerate(as_list(value, path)):
        tool = fields(raw, _TOOL_KINDS, f"{path}[{i}]")
        if set(tool) - {"functionDeclarations"}:
            raise GeminiClose(1008, NOT_IMPLEMENTED)
        declarations = as_list(
            tool.get("functionDeclarations", []), f"{path}[{i}].functionDeclarations"
        )
        for j, entry in enumerate(declarations):
            where = f"{path}[{i}].functionDeclarations[{j}]"
            declaration = fields(entry, _DECLARATION, where)
            name = as_str(declaration.get("name", ""), f"{where}.name")
            if not name:
                raise invalid_argument()
            norm: dict[str, Any] = {"type": "function", "name": name}
            if "description" in declaration:
                norm["description"] = as_str(declaration["description"], f"{where}.description")
            if "parametersJsonSchema" in declaration:
                norm["parameters"] = copy.deepcopy(declaration["parametersJsonSchema"])
            elif "parameters" in declaration:
                norm["parameters"] = _json_schema(declaration["parameters"])
            if "behavior" in declaration:
                as_enum(
                    declaration["behavior"],
                    f"{where}.behavior",
                    ("UNSPECIFIED", "BLOCKING", "NON_BLOCKING"),
                )
            out.append(norm)
    return tuple(out)


def _generation(value: object) -> tuple[str, str]:
    """``generationConfig`` -> (modality, voice)."""
    path = "setup.generationConfig"
    config = fields(value, _GENERATION, path)
    for key in _NUMBERS:
        if key in config:
            as_number(config[key], f"{path}.{key}")
    for key in _INTEGERS:
        if key in config:
            as_int(config[key], f"{path}.{key}")
    modality = "AUDIO"
    if "responseModalities" in config:
        where = f"{path}.responseModalities"
        modalities = [
            as_enum(m, f"{where}[{i}]", ("MODALITY_UNSPECIFIED", "TEXT", "IMAGE", "AUDIO", "VIDEO"))
            for i, m in enumerate(as_list(config["responseModalities"], where))
        ]
        if len(modalities) > 1 or (modalities and modalities[0] not in ("TEXT", "AUDIO")):
            raise invalid_argument()  # one modality, TEXT or AUDIO
        modality = modalities[0] if modalities else "AUDIO"
    voice = DEFAULT_VOICE
    if "speechConfig" in config:
        where = f"{path}.speechConfig"
        speech = fields(
            config["speechConfig"],
            ("voiceConfig", "languageCode", "multiSpeakerVoiceConfig"),
            where,
        )
        if "multiSpeakerVoiceConfig" in speech:
            raise invalid_argument()
        if "languageCode" in speech:
            as_str(speech["languageCode"], f"{where}.languageCode")
        if "voiceConfig" in speech:
            voice_config = fields(
                speech["voiceConfig"],
                ("prebuiltVoiceConfig", "replicatedVoiceConfig", "voice"),
                f"{where}.voiceConfig",
            )
            if "prebuiltVoiceConfig" in voice_config:
                prebuilt = fields(
                    voice_config["prebuiltVoiceConfig"],
                    ("voiceName",),
                    f"{where}.voiceConfig.prebuiltVoiceConfig",
                )
                name_path = f"{where}.voiceConfig.prebuiltVoiceConfig.voiceName"
                voice = as_str(prebuilt.get("voiceName", DEFAULT_VOICE), name_path)
    return modality, voice


def _realtime_input(value: object) -> tuple[bool, VadSettings, bool]:
    """``realtimeInputConfig`` -> (automatic activity detection, its settings, interrupts)."""
    path = "setup.realtimeInputConfig"
    config = fields(
        value,
        (
            "automaticActivityDetection",
            "activityHandling",
            "turnCoverage",
            "interimTranscriptTimestampEnabled",
        ),
        path,
    )
    interrupts = True
    if "activityHandling" in config:
        handling = as_enum(
            config["activityHandling"],
            f"{path}.activityHandling",
            ("ACTIVITY_HANDLING_UNSPECIFIED", "START_OF_ACTIVITY_INTERRUPTS", "NO_INTERRUPTION"),
        )
        interrupts = handling != "NO_INTERRUPTION"
    if "turnCoverage" in config:
        as_enum(
            config["turnCoverage"],
            f"{path}.turnCoverage",
            (
                "TURN_COVERAGE_UNSPECIFIED",
                "TURN_INCLUDES_ONLY_ACTIVITY",
                "TURN_INCLUDES_ALL_INPUT",
                "TURN_INCLUDES_AUDIO_ACTIVITY_AND_ALL_VIDEO",
            ),
        )
    detection = fields(
        config.get("automaticActivityDetection", {}),
        (
            "disabled",
            "startOfSpeechSensitivity",
            "endOfSpeechSensitivity",
            "prefixPaddingMs",
            "silenceDurationMs",
        ),
        f"{path}.automaticActivityDetection",
    )
    where = f"{path}.automaticActivityDetection"
    disabled = as_bool(detection.get("disabled", False), f"{where}.disabled")
    start = as_enum(
        detection.get("startOfSpeechSensitivity", "START_SENSITIVITY_HIGH"),
        f"{where}.startOfSpeechSensitivity",
        ("START_SENSITIVITY_UNSPECIFIED", "START_SENSITIVITY_HIGH", "START_SENSITIVITY_LOW"),
    )
    end = as_enum(
        detection.get("endOfSpeechSensitivity", "END_SENSITIVITY_HIGH"),
        f"{where}.endOfSpeechSensitivity",
        ("END_SENSITIVITY_UNSPECIFIED", "END_SENSITIVITY_HIGH", "END_SENSITIVITY_LOW"),
    )
    silence = 1000 if end == "END_SENSITIVITY_LOW" else 500
    if "silenceDurationMs" in detection:
        silence = as_int(detection["silenceDurationMs"], f"{where}.silenceDurationMs")
    min_speech = 20
    if "prefixPaddingMs" in detection:
        min_speech = as_int(detection["prefixPaddingMs"], f"{where}.prefixPaddingMs")
    if silence < 0 or min_speech < 0:
        raise invalid_argument()
    settings = VadSettings(
        threshold=0.6 if start == "START_SENSITIVITY_LOW" else 0.4,
        prefix_padding_ms=300,
        silence_duration_ms=silence,
        min_speech_ms=max(min_speech, 10),
    )
    return not disabled, settings, interrupts


def _model(value: object, version: str) -> str:
    model = as_str(value, "setup.model")
    name = model.removeprefix("models/")
    if not name:
        raise invalid_argument()
    if name in RETIRED_MODELS:
        raise GeminiClose(
            1008,
            f"models/{name} is not found for API version {version}, or is not supported for "
            "bidiGenerateContent. Call ListModels to see the list of available models and "
            "their supported methods.",
        )
    return f"models/{name}"


def parse_setup(value: object, version: str) -> GeminiSetup:
    """Validate a ``setup`` (raises :class:`GeminiClose` with Google's code and reason)."""
    setup = fields(value, _SETUP, "setup")
    if "model" not in setup:
        raise invalid_argument()
    model = _model(setup["model"], version)
    modality, voice = _generation(setup.get("generationConfig", {}))
    instructions = ""
    if "systemInstruction" in setup:
        instructions = text_of(setup["systemInstruction"], "setup.systemInstruction")
    tools = parse_tools(setup.get("tools", []), "setup.tools")
    automatic, vad, interrupts = _realtime_input(setup.get("realtimeInputConfig", {}))
    for key in ("inputAudioTranscription", "outputAudioTranscription"):
        if key in setup:
            fields(setup[key], _TRANSCRIPTION, f"setup.{key}")
    resumption = "sessionResumption" in setup
    handle = None
    if resumption:
        where = "setup.sessionResumption"
        config = fields(setup["sessionResumption"], ("handle", "transparent"), where)
        if "handle" in config:
            handle = as_str(config["handle"], f"{where}.handle")  # null is refused, as on 3.x
        if as_bool(config.get("transparent", False), f"{where}.transparent"):
            raise invalid_argument()  # Vertex only
    history = False
    if "historyConfig" in setup:
        where = "setup.historyConfig"
        config = fields(setup["historyConfig"], ("initialHistoryInClientContent",), where)
        history = as_bool(
            config.get("initialHistoryInClientContent", False),
            f"{where}.initialHistoryInClientContent",
        )
    return GeminiSetup(
        model=model,
        modality=modality,
        voice=voice,
        instructions=instructions,
        tools=tools,
        input_transcription="inputAudioTranscription" in setup,
        output_transcription="outputAudioTranscription" in setup,
        automatic_activity=automatic,
        vad=vad,
        interrupts=interrupts,
        resumption=resumption,
        resume_handle=handle,
        history_in_client_content=history,
        raw=copy.deepcopy(setup),
    )


_TRANSCRIPTION = (
    "languageCodes",
    "languageAuto",
    "languageHints",
    "customVocabulary",
    "adaptationPhrases",
    "wordTimestamp",
    "diarization",
    "mode",
    "sourceText",
)
