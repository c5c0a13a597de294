"""The value types of the less common session settings (re-exported by :mod:`.config`).

Each is frozen and validated at construction (``ValueError`` naming the field). Which provider
honours which setting is in ``docs/configuration.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeAlias

import attrs

__all__ = [
    "NoiseReduction",
    "Prompt",
    "ReasoningEffort",
    "Tracing",
    "Truncation",
    "TruncationSetting",
]

ReasoningEffort: TypeAlias = Literal["minimal", "low", "medium", "high", "xhigh"]
REASONING_EFFORTS = ("minimal", "low", "medium", "high", "xhigh")


def _fraction(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not (0.0 <= value <= 1.0):
        raise ValueError(f"{attribute.name} must be between 0.0 and 1.0, not {value!r}")


def _positive(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError(f"{attribute.name} must be a positive int, not {value!r}")


@attrs.frozen(kw_only=True)
class NoiseReduction:
    """Input noise reduction: ``type`` for the microphone, ``strength`` 0-1 (None: default 1)."""

    type: Literal["near_field", "far_field"] = attrs.field(
        validator=attrs.validators.in_(("near_field", "far_field"))
    )
    strength: float | None = attrs.field(default=None, validator=_fraction)

    def payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type}
        if self.strength is not None:
            out["strength"] = self.strength
        return out


@attrs.frozen(kw_only=True)
class Truncation:
    """When the context overflows, drop old turns until ``retention_ratio`` of the allowed
    tokens are used (fewer, larger truncations: better caching); ``post_instructions_tokens``
    caps the conversation after the instructions."""

    retention_ratio: float = attrs.field(validator=_fraction)
    post_instructions_tokens: int | None = attrs.field(default=None, validator=_positive)

    def payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "retention_ratio", "retention_ratio": self.retention_ratio}
        if self.post_instructions_tokens is not None:
            out["token_limits"] = {"post_instructions": self.post_instructions_tokens}
        return out


#: ``"auto"`` (drop the oldest turns), ``"disabled"`` (fail instead), or a :class:`Truncation`.
TruncationSetting: TypeAlias = "Literal['auto', 'disabled'] | Truncation"


@attrs.frozen(kw_only=True)
class Tracing:
    """Provider-side tracing of the session (OpenAI's Traces dashboard); cannot be changed
    once enabled."""

    workflow_name: str | None = None
    group_id: str | None = None
    metadata: Mapping[str, Any] | None = None

    def payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.workflow_name is not None:
            out["workflow_name"] = self.workflow_name
        if self.group_id is not None:
            out["group_id"] = self.group_id
        if self.metadata is not None:
            out["metadata"] = dict(self.metadata)
        return out


def _to_variables(value: Mapping[str, str] | None) -> Mapping[str, str]:
    variables = dict(value or {})
    for name, item in variables.items():
        if not isinstance(name, str) or not isinstance(item, str):
            raise TypeError("prompt variables must map str to str")
    return variables


@attrs.frozen(kw_only=True)
class Prompt:
    """A stored prompt template (``id``, optional ``version``) with string ``variables``.

    OpenAI deprecated stored prompts in favour of prompts in application code.
    """

    id: str
    version: str | None = None
    variables: Mapping[str, str] = attrs.field(factory=dict, converter=_to_variables)

    def payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id}
        if self.version is not None:
            out["version"] = self.version
        if self.variables:
            out["variables"] = dict(self.variables)
        return out
