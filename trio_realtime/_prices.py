"""Token prices and cost estimates (pure data, no I/O).

The default table holds list prices in USD per million tokens as the providers published them
on their model pages (OpenAI: developers.openai.com/api/docs/models, 2025-2026; Google: the
Gemini API pricing page for the Live native-audio model, paid tier, 2025). They are
**estimates**: prices change, discounts and contracts differ, and the providers' usage reports
do not split every figure we would need (cached tokens reported without a modality split are
split here by the input's text/audio/image proportions). Pass your own table to
``Broker(..., prices=...)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

import attrs

from .events import Usage

__all__ = ["DEFAULT_PRICES", "ModelPrices", "estimate_cost", "prices_for"]


def _non_negative(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{attribute.name} must be a non-negative number, not {value!r}")


_price = attrs.field(default=0.0, validator=_non_negative)


@attrs.frozen(kw_only=True)
class ModelPrices:
    """One model's prices in USD per million tokens.

    ``*_cached_input`` apply to the part of the input the provider reports as cached; a model
    without a cache discount repeats its input price there.
    """

    text_input: float = _price
    text_cached_input: float = _price
    text_output: float = _price
    audio_input: float = _price
    audio_cached_input: float = _price
    audio_output: float = _price
    image_input: float = _price
    image_cached_input: float = _price


_GPT_REALTIME = ModelPrices(
    text_input=4.0,
    text_cached_input=0.4,
    text_output=16.0,
    audio_input=32.0,
    audio_cached_input=0.4,
    audio_output=64.0,
    image_input=5.0,
    image_cached_input=0.5,
)
_GPT_REALTIME_MINI = ModelPrices(
    text_input=0.6,
    text_cached_input=0.06,
    text_output=2.4,
    audio_input=10.0,
    audio_cached_input=0.3,
    audio_output=20.0,
    image_input=0.8,
    image_cached_input=0.08,
)

#: Prices by model name prefix (the longest matching prefix wins): see the module docstring.
DEFAULT_PRICES: Final[Mapping[str, ModelPrices]] = MappingProxyType(
    {
        "gpt-realtime": _GPT_REALTIME,
        "gpt-realtime-mini": _GPT_REALTIME_MINI,
        "gpt-4o-realtime-preview": ModelPrices(
            text_input=5.0,
            text_cached_input=2.5,
            text_output=20.0,
            audio_input=40.0,
            audio_cached_input=2.5,
            audio_output=80.0,
        ),
        "gpt-4o-mini-realtime-preview": ModelPrices(
            text_input=0.6,
            text_cached_input=0.3,
            text_output=2.4,
            audio_input=10.0,
            audio_cached_input=0.3,
            audio_output=20.0,
        ),
        "gemini-2.5-flash-native-audio": ModelPrices(
            text_input=0.5,
            text_cached_input=0.5,
            text_output=2.0,
            audio_input=3.0,
            audio_cached_input=3.0,
            audio_output=12.0,
            image_input=3.0,
            image_cached_input=3.0,
        ),
    }
)


def prices_for(model: str, table: Mapping[str, ModelPrices]) -> ModelPrices | None:
    """The prices of ``model``: the entry whose name is the longest prefix of it (so
    ``gpt-realtime-2025-08-28`` uses ``gpt-realtime``, ``gpt-realtime-mini`` its own), or None.
    A ``models/`` path prefix (Gemini) is ignored."""
    name = model.removeprefix("models/")
    best: str | None = None
    for key in table:
        if name.startswith(key) and (best is None or len(key) > len(best)):
            best = key
    return None if best is None else table[best]


def estimate_cost(usage: Usage, prices: ModelPrices) -> float:
    """The estimated cost in USD of ``usage`` at ``prices``.

    Cached input tokens are charged at the cached prices, the rest of the input at the input
    prices. When the provider splits its cached tokens by modality, that split is used; when it
    reports only their total, the total is split over text, audio and image in the proportions
    of the input. Input tokens reported without a modality split count as text.
    """
    text, audio, image = usage.input_text_tokens, usage.input_audio_tokens, usage.input_image_tokens
    split = text + audio + image
    if split == 0:
        text, split = usage.input_tokens, usage.input_tokens
    cached_split: tuple[float, ...] = (
        usage.cached_text_tokens,
        usage.cached_audio_tokens,
        usage.cached_image_tokens,
    )
    if not any(cached_split):
        cached = min(usage.cached_tokens, split)
        cached_split = tuple(
            cached * count / split if split else 0.0 for count in (text, audio, image)
        )
    cost = 0.0
    for count, cached_part, full, discounted in (
        (text, cached_split[0], prices.text_input, prices.text_cached_input),
        (audio, cached_split[1], prices.audio_input, prices.audio_cached_input),
        (image, cached_split[2], prices.image_input, prices.image_cached_input),
    ):
        cached_part = min(cached_part, count)
        cost += (count - cached_part) * full + cached_part * discounted
    out_text, out_audio = usage.output_text_tokens, usage.output_audio_tokens
    if out_text + out_audio == 0:
        out_text = usage.output_tokens
    cost += out_text * prices.text_output + out_audio * prices.audio_output
    return cost / 1_000_000
