"""Tool results and errors as the strings sent in ``function_call_output.output``.

- A ``str`` result is sent as is (a ``str`` subclass as its plain string value, except an
  ``Enum`` member, which is JSON-encoded like any other enum).
- Anything else becomes compact JSON (orjson): dicts and other mappings (non-``str`` keys such
  as ints are turned into strings), lists, tuples, ``set``/``frozenset`` (as arrays), numbers,
  bools, ``None``, ``Enum`` members (their value), attrs instances (unstructured with cattrs),
  dataclasses, pydantic models (``model_dump(mode="json")``), ``datetime``/``date``/``UUID``
  (ISO/RFC 3339 strings) and numpy arrays/scalars.
- ``bytes`` and any other type raise :class:`ToolResultError` naming the type, as do integers
  outside the 64-bit range and cycles/over-deep nesting.
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Mapping
from typing import Any

import attrs
import cattrs
import orjson

from ._errors import ToolResultError

__all__ = ["encode_error", "encode_result", "to_json_value"]

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY
_converter = cattrs.Converter()


class _Unsupported(TypeError):
    pass


def _default(obj: Any) -> Any:
    if attrs.has(type(obj)):
        return _converter.unstructure(obj)
    if isinstance(obj, set | frozenset):
        return list(obj)
    if isinstance(obj, Mapping):
        return dict(obj)
    pydantic = sys.modules.get("pydantic")  # never imported here: only its models need it
    if pydantic is not None and isinstance(obj, pydantic.BaseModel):
        return obj.model_dump(mode="json")
    raise _Unsupported(type(obj).__qualname__)


def _dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value, default=_default, option=_OPTIONS)
    except orjson.JSONEncodeError as exc:
        cause = exc.__cause__
        if isinstance(cause, _Unsupported):
            detail = f"an object of type {cause.args[0]} is not JSON-serializable"
        else:
            detail = str(exc)
        raise ToolResultError(
            f"cannot encode a tool result of type {type(value).__qualname__} as JSON: {detail}"
        ) from None


def encode_result(value: Any) -> str:
    """Encode a tool's return value for the wire; raise :class:`ToolResultError` if impossible."""
    if isinstance(value, str) and not isinstance(value, enum.Enum):
        return str.__str__(value)
    return _dumps(value).decode()


def to_json_value(value: Any) -> Any:
    """The plain JSON value (dict/list/str/...) *value* encodes to, by the rules above."""
    return orjson.loads(_dumps(value))


def encode_error(message: str) -> str:
    """``{"error": message}`` as a JSON string (lone surrogates are replaced by ``?``)."""
    clean = message.encode("utf-8", "replace").decode("utf-8")
    return orjson.dumps({"error": clean}).decode()
