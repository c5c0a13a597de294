"""Runtime check that an event or signal carries well-typed payload fields (for fuzz tests)."""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, Union

import attrs

from trio_realtime.events import EVENT_CLASSES
from trio_realtime.protocol import signals

SIGNAL_CLASSES = (
    signals.ToolCallReady,
    signals.AssistantItemAdded,
    signals.ResponseRejected,
    signals.SessionSettings,
)
DECODED_CLASSES = (*EVENT_CLASSES.values(), *SIGNAL_CLASSES)


def matches(value: Any, tp: Any) -> bool:
    """Whether ``value`` fits the annotation ``tp`` (the subset of typing the events use)."""
    if tp is Any:
        return True
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        return any(matches(value, arg) for arg in typing.get_args(tp))
    if origin is Literal:
        return value in typing.get_args(tp)
    if tp is type(None):
        return value is None
    if origin is tuple:
        (item, _) = typing.get_args(tp)
        return isinstance(value, tuple) and all(matches(v, item) for v in value)
    if origin is Mapping or tp is Mapping:
        return isinstance(value, Mapping) and all(isinstance(k, str) for k in value)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp in (str, bytes, bool, float):
        return isinstance(value, tp)
    if isinstance(tp, type) and attrs.has(tp):
        return isinstance(value, tp) and well_typed(value)
    raise NotImplementedError(f"no runtime check for {tp!r}")


def well_typed(obj: Any) -> bool:
    """Every attrs field of ``obj`` matches its annotation."""
    hints = typing.get_type_hints(type(obj))
    return all(matches(getattr(obj, f.name), hints[f.name]) for f in attrs.fields(type(obj)))


def problems(decoded: list[Any]) -> list[str]:
    """What is wrong with one ``receive`` result (an empty list when it is sound)."""
    found = []
    if not isinstance(decoded, list):
        return [f"receive returned {type(decoded).__name__}, not a list"]
    for item in decoded:
        if not isinstance(item, DECODED_CLASSES):
            found.append(f"unexpected object {item!r}")
        elif not well_typed(item):
            found.append(f"ill-typed {item!r}")
    errors = [d for d in decoded if type(d).__name__ == "Error"]
    if len(errors) > 1:
        found.append(f"more than one error: {errors!r}")
    if any(e.code in ("invalid_json", "invalid_event") for e in errors) and len(decoded) != 1:
        found.append(f"a malformed frame must give only its error: {decoded!r}")
    return found
