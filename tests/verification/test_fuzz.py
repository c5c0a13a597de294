"""Fuzzing the parsers with hypothesis: both codecs (server frames in) and the local server's
sans-I/O state (client frames in). The targets and what they check live in
:mod:`.fuzz_targets` (the atheris harness of ``nox -s fuzz`` runs the same ones)."""

from __future__ import annotations

import copy
import json
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trio_realtime.config import Config
from trio_realtime.protocol import OpenAIProtocol
from trio_realtime.protocol._codec import MAX_STATISTICS_KEYS, OTHER_KEY

from . import fuzz_targets as targets
from ._budget import budget

NAMES = ["type", "id", "event_id", "response", "item", "status", "delta", "audio", "session"]
NAMES += ["serverContent", "modelTurn", "parts", "toolCall", "functionCalls", "args", "name"]
KEYS = st.sampled_from(NAMES) | st.text(max_size=6)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([0, -1, 2**63, 10**30, 1e308, -0.0, 1.5])
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10)
    | st.sampled_from(["", "AAEC", "AAE", "completed", "failed", "function_call", "message"])
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=12,
)
RAW_FRAME = (
    st.binary(max_size=120)
    | st.text(max_size=120)
    | JSON.map(json.dumps)
    | st.dictionaries(KEYS, JSON, max_size=6).map(json.dumps)
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            out += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            out += _paths(child, (*prefix, index))
    return out


@st.composite
def mutated_flow(draw: st.DrawFn, corpus: list[list[Any]], types: list[str]) -> list[Any]:
    """A valid flow with some frames mutated: a field replaced or deleted, the type swapped
    for another known one, the bytes cut short, frames repeated, dropped or swapped."""
    flow = copy.deepcopy(draw(st.sampled_from(corpus)))
    out: list[Any] = []
    for frame in flow:
        if isinstance(frame, str):
            frame = orjson.loads(frame)
        how = draw(st.sampled_from(["keep", "keep", "replace", "delete", "type", "cut", "drop"]))
        paths = _paths(frame)
        if how in ("replace", "delete") and paths:
            path = draw(st.sampled_from(paths))
            parent = frame
            for key in path[:-1]:
                parent = parent[key]
            if how == "delete" and isinstance(parent, dict):
                del parent[path[-1]]
            else:
                parent[path[-1]] = draw(JSON)
        elif how == "type" and types and isinstance(frame, dict):
            frame["type"] = draw(st.sampled_from(types))
        elif how == "drop":
            continue
        data = json.dumps(frame).encode()  # (orjson refuses integers beyond 64 bits)
        if how == "cut":
            data = data[: draw(st.integers(0, len(data)))]
        out.append(data if draw(st.booleans()) else data.decode(errors="replace"))
        if draw(st.integers(0, 9)) == 0:
            out.append(out[-1])  # a repeated frame
    if len(out) > 1 and draw(st.booleans()):
        i = draw(st.integers(0, len(out) - 2))
        out[i], out[i + 1] = out[i + 1], out[i]
    return out


OPENAI_TYPES = sorted(OpenAIProtocol(Config()).decoder.handled_types)
CLIENT_TYPES = [
    "session.update",
    "input_audio_buffer.append",
    "input_audio_buffer.commit",
    "input_audio_buffer.clear",
    "output_audio_buffer.clear",
    "conversation.item.create",
    "conversation.item.retrieve",
    "conversation.item.truncate",
    "conversation.item.delete",
    "response.create",
    "response.cancel",
]
FORMATS = st.sampled_from(["pcm16", "g711_ulaw", "g711_alaw"])

# -- the OpenAI codec -------------------------------------------------------------------------


@budget(200)
@given(mutated_flow(targets.openai_server_corpus(), OPENAI_TYPES), FORMATS)
def test_openai_codec_on_mutated_flows(sequence: list[Any], fmt: str) -> None:
    targets.decode_openai(sequence, Config(output_audio_format=fmt))  # type: ignore[arg-type]


@budget(150)
@given(st.lists(RAW_FRAME, max_size=8))
def test_openai_codec_on_random_frames(sequence: list[Any]) -> None:
    targets.decode_openai(sequence)


def test_openai_statistics_keep_64_names_then_fold_the_rest() -> None:
    codec = OpenAIProtocol(Config())
    for i in range(500):
        codec.receive(orjson.dumps({"type": f"future.{i}"}))
        codec.receive(orjson.dumps({"type": "response.created", f"x{i}": 1, "response": {}}))
    stats = codec.statistics()
    assert len(stats.unknown_event_types) == MAX_STATISTICS_KEYS + 1
    assert stats.unknown_event_types[OTHER_KEY] == 500 - MAX_STATISTICS_KEYS
    assert len(stats.unknown_fields) == MAX_STATISTICS_KEYS + 1


# -- the Gemini codec (skips until trio_realtime.protocol.gemini is merged) ---------------------

needs_gemini = pytest.mark.skipif(
    targets.gemini_module() is None,
    reason="trio_realtime.protocol.gemini is not in this build yet (merged separately)",
)
GEMINI_KEYS = [
    "setupComplete",
    "serverContent",
    "toolCall",
    "toolCallCancellation",
    "goAway",
    "sessionResumptionUpdate",
    "usageMetadata",
]


@needs_gemini
@budget(200)
@given(mutated_flow(targets.gemini_server_corpus(), []))
def test_gemini_codec_on_mutated_flows(sequence: list[Any]) -> None:
    targets.decode_gemini(sequence)


@needs_gemini
@budget(150)
@given(
    st.lists(
        RAW_FRAME | st.dictionaries(st.sampled_from(GEMINI_KEYS), JSON, min_size=1).map(json.dumps),
        max_size=8,
    )
)
def test_gemini_codec_on_random_frames(sequence: list[Any]) -> None:
    targets.decode_gemini(sequence)


# -- the local server's parser ------------------------------------------------------------------


@budget(150)
@given(mutated_flow(targets.client_corpus(), CLIENT_TYPES))
def test_server_on_mutated_client_flows(sequence: list[Any]) -> None:
    targets.serve_client_frames(sequence)


@budget(100)
@given(
    st.lists(
        RAW_FRAME
        | st.dictionaries(KEYS, JSON)
        .flatmap(lambda d: st.sampled_from(CLIENT_TYPES).map(lambda t: {**d, "type": t}))
        .map(json.dumps),
        max_size=6,
    )
)
def test_server_on_random_client_frames(sequence: list[Any]) -> None:
    targets.serve_client_frames(sequence)


def test_the_seed_corpora_are_sound() -> None:
    """The valid flows themselves pass every target (so the fuzzers start from good input)."""
    for flow in targets.openai_server_corpus():
        targets.decode_openai([orjson.dumps(f) for f in flow])
    for flow in targets.client_corpus():
        targets.serve_client_frames(flow)
    if targets.gemini_module() is not None:
        targets.decode_gemini([orjson.dumps(f) for f in targets.GEMINI_SERVER_FLOW])
