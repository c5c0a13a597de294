"""Pydantic models (and pydantic dataclasses) as tool parameters, when pydantic is installed.

pydantic is optional and never imported here: a class can only be a pydantic model if pydantic
was imported to define it, so the check looks at ``sys.modules``.

- Schema: pydantic's own JSON Schema (validation mode, ``by_alias``), as pydantic makes it
  (titles, constraints, formats, descriptions from ``Field``/docstrings), except that
  ``#/$defs/...`` references are inlined: the nested model's schema appears in place. Recursive
  models cannot be inlined; their definitions are handed to *register* to be kept under the
  tool schema's root ``$defs`` (renamed when two different models share a name).
- Conversion: ``Model.model_validate`` (``TypeAdapter(cls).validate_python`` for a pydantic
  dataclass). Its ``ValidationError`` becomes a :class:`ConversionError` with one
  ``(location, "message, got <input>")`` per pydantic error.
- pydantic 1 models (and ``pydantic.v1`` ones) are rejected with a clear :class:`HintError`.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Mapping
from typing import Any

from ._messages import show
from ._nodes import ConversionError, HintError, Node
from ._refs import inline_definitions, rename_definitions

__all__ = ["is_pydantic_class", "pydantic_node"]

Register = Callable[[Mapping[str, Any]], Mapping[str, str]]


def is_pydantic_class(hint: Any) -> bool:
    """Whether *hint* is a pydantic model class or a pydantic dataclass."""
    pydantic = sys.modules.get("pydantic")
    if pydantic is None or not isinstance(hint, type):
        return False
    try:
        if issubclass(hint, pydantic.BaseModel):
            return True
    except TypeError:  # `list[int]` passes isinstance(..., type) on Python 3.10
        return False
    return dataclasses.is_dataclass(hint) and hasattr(hint, "__pydantic_validator__")


def pydantic_node(cls: type, register: Register) -> Node:
    """The schema and converter of the pydantic class *cls*.

    *register* receives the recursive definitions to keep under the root ``$defs`` and returns
    the name each one got there.
    """
    pydantic: Any = sys.modules["pydantic"]
    if not hasattr(pydantic, "TypeAdapter"):
        raise HintError(f"{cls.__qualname__} is a pydantic 1 model; install pydantic>=2")
    model: Any = cls
    try:
        if issubclass(cls, pydantic.BaseModel):
            schema = model.model_json_schema()
            validate = model.model_validate
        else:
            adapter = pydantic.TypeAdapter(cls)
            schema = adapter.json_schema()
            validate = adapter.validate_python
    except pydantic.PydanticUserError as exc:  # also PydanticInvalidForJsonSchema
        raise HintError(f"pydantic cannot describe {cls.__qualname__}: {exc}") from None
    defs = schema.pop("$defs", {})
    inlined, kept = inline_definitions(schema, defs)
    if kept:
        names = register(kept)
        if any(old != new for old, new in names.items()):
            inlined = rename_definitions(inlined, names)
    error_type = pydantic.ValidationError

    def convert(value: Any) -> Any:
        try:
            return validate(value)
        except error_type as exc:
            raise ConversionError(_problems(exc.errors(include_url=False))) from None

    return Node(inlined, convert)


def _problems(errors: list[dict[str, Any]]) -> list[tuple[tuple[str | int, ...], str]]:
    out: list[tuple[tuple[str | int, ...], str]] = []
    for error in errors:
        path = tuple(p for p in error.get("loc", ()) if isinstance(p, str | int))
        text = str(error.get("msg", "invalid value"))
        value = error.get("input")
        if error.get("type") != "missing" and isinstance(value, str | int | float | bool):
            text += f", got {show(value)}"
        out.append((path, text))
    return out
