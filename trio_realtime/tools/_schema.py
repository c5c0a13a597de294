"""Python type hints -> JSON Schema, plus the conversion of validated JSON back to those types.

Supported hints and their schemas:

=====================================  ==========================================================
``str`` / ``int`` / ``float`` / ``bool``  ``{"type": "string" | "integer" | "number" | "boolean"}``
``None``                                ``{"type": "null"}``
``Any``                                 ``{}`` (any JSON value)
``list[T]``, ``Sequence[T]``            ``{"type": "array", "items": T}`` (bare: no ``items``)
``tuple[T, ...]``                       as ``list[T]``, converted to a tuple
``tuple[A, B]``                         ``{"type": "array", "prefixItems": [A, B],``
                                        ``"minItems": 2, "maxItems": 2}``
``dict[str, T]``, ``Mapping[str, T]``   ``{"type": "object", "additionalProperties": T}``
``Literal[...]``                        ``{"type": ..., "enum": [...]}`` (str/int/float/bool/None)
``Enum`` subclasses                     ``{"type": ..., "enum": [values]}``, converted by value
``A | B``, ``Optional[A]``              ``{"type": [a, b]}`` when both are bare types, else
                                        ``{"anyOf": [A, B]}``
attrs classes, dataclasses,             ``{"type": "object", "properties": ..., "required": ...,``
``TypedDict``                           ``"additionalProperties": false}`` (+ the class summary
                                        and per-field descriptions from its docstring), see
                                        :mod:`._records`
pydantic models and dataclasses         pydantic's own JSON Schema, see :mod:`._pydantic`
``Annotated[T, "text"]``                T with ``"description": "text"``
``NewType``, ``type X = ...`` aliases     their underlying type
=====================================  ==========================================================

Anything else (sets, bytes, datetimes, plain classes, recursive types other than pydantic
models, dicts with non-``str`` keys) raises :class:`HintError`, a ``TypeError``.

Conversions raise :class:`~._nodes.ConversionError` with the path of the failing value.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import enum
import types
import typing
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import attrs

from ._nodes import ConversionError, HintError, Node, convert_at, with_description
from ._pydantic import is_pydantic_class, pydantic_node
from ._records import attrs_node, dataclass_node, is_typeddict, typeddict_node
from ._refs import rename_definitions
from ._validation import ArgumentsValidator

__all__ = ["HintError", "Node", "SchemaCompiler"]

_SCALARS: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}
_SEQUENCES = (list, collections.abc.Sequence, collections.abc.MutableSequence)
_MAPPINGS = (dict, collections.abc.Mapping, collections.abc.MutableMapping)


def _primitive_type(value: Any) -> str:
    if value is None:
        return "null"
    for cls in (bool, int, float, str):
        if isinstance(value, cls):
            return _SCALARS[cls]
    raise HintError(f"value {value!r} is not a JSON string, number, boolean or null")


def _enum_schema(values: list[Any]) -> dict[str, Any]:
    names: list[str] = []
    for v in values:
        t = _primitive_type(v)
        if t not in names:
            names.append(t)
    return {"type": names[0] if len(names) == 1 else names, "enum": values}


def _to_int(value: Any) -> Any:
    return int(value) if isinstance(value, float) else value


def _to_float(value: Any) -> Any:
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


class SchemaCompiler:
    """Compiles the hints of one tool; collects the ``$defs`` they share.

    ``definitions`` holds the definitions that must sit under the root ``$defs`` of the tool's
    parameters schema (only recursive pydantic models need any).
    """

    def __init__(self) -> None:
        self.definitions: dict[str, Any] = {}
        self._active: list[type] = []

    def compile(self, hint: Any) -> Node:
        """Compile *hint*; raise :class:`HintError` when it is unsupported."""
        origin, args = get_origin(hint), get_args(hint)
        if origin is Annotated:
            text = next((m for m in hint.__metadata__ if isinstance(m, str)), None)
            return with_description(self.compile(args[0]), text)
        if hint is Any:
            return Node({})
        if hint is None or hint is type(None):
            return Node({"type": "null"})
        scalar = next((k for k in _SCALARS if hint is k), None)
        if scalar is not None:
            convert = _to_int if scalar is int else _to_float if scalar is float else None
            return Node({"type": _SCALARS[scalar]}, convert)
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            return self._enum(hint)
        if origin is Literal:
            if not args:
                raise HintError("an empty Literal is not supported")
            return Node(_enum_schema(list(args)))
        if origin is Union or origin is types.UnionType:
            return self._union(args)
        if hint in _SEQUENCES or origin in _SEQUENCES:
            return self._array(args, list)
        if hint is tuple or origin is tuple:
            return self._tuple(args)
        if hint in _MAPPINGS or origin in _MAPPINGS:
            return self._mapping(hint, args)
        if is_pydantic_class(hint):  # before dataclasses: pydantic dataclasses are both
            return pydantic_node(hint, self._register)
        if isinstance(hint, type) and attrs.has(hint):
            return self._guarded(hint, attrs_node)
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            return self._guarded(hint, dataclass_node)
        if is_typeddict(hint):
            return self._guarded(hint, typeddict_node)
        if hasattr(hint, "__supertype__"):  # typing.NewType
            return self.compile(hint.__supertype__)
        if type(hint).__name__ == "TypeAliasType":  # PEP 695 `type X = ...`
            return self.compile(hint.__value__)
        if isinstance(hint, str | typing.ForwardRef):
            raise HintError(f"unresolved forward reference {hint!r}")
        raise HintError(f"unsupported type hint {_hint_name(hint)}")

    def _register(self, definitions: Mapping[str, Any]) -> dict[str, str]:
        """Add *definitions* to the root ``$defs``; return the name each one got there."""
        names: dict[str, str] = {}
        for name, body in definitions.items():
            candidate, n = name, 2
            while candidate in self.definitions and self.definitions[candidate] != body:
                candidate, n = f"{name}{n}", n + 1
            names[name] = candidate
        for name, body in definitions.items():
            self.definitions[names[name]] = rename_definitions(body, names)
        return names

    def _enum(self, cls: type[enum.Enum]) -> Node:
        members = list(cls)
        if not members:
            raise HintError(f"enum {cls.__qualname__} has no members")
        try:
            schema = _enum_schema([m.value for m in members])
        except HintError as exc:
            raise HintError(f"enum {cls.__qualname__}: {exc}") from None
        return Node(schema, cls)

    def _union(self, args: tuple[Any, ...]) -> Node:
        nodes = [self.compile(a) for a in args]
        schemas = [n.schema for n in nodes]
        if all(set(s) == {"type"} for s in schemas):
            names: list[str] = []
            for s in schemas:
                for t in s["type"] if isinstance(s["type"], list) else [s["type"]]:
                    if t not in names:
                        names.append(t)
            schema: dict[str, Any] = {"type": names[0] if len(names) == 1 else names}
        else:
            schema = {"anyOf": schemas}
        if all(n.convert is None for n in nodes):
            return Node(schema)
        defs = dict(self.definitions)
        members = [
            (
                ArgumentsValidator({**n.schema, "$defs": defs} if defs else n.schema, check=False),
                n.convert,
            )
            for n in nodes
        ]

        def convert(value: Any) -> Any:
            for validator, conv in members:
                if validator.is_valid(value):
                    return value if conv is None else conv(value)
            raise ConversionError([((), "matches none of the alternatives")])

        return Node(schema, convert)

    def _array(self, args: tuple[Any, ...], factory: Callable[[Any], Any]) -> Node:
        if not args:
            return Node({"type": "array"}, None if factory is list else factory)
        item = self.compile(args[0])
        conv = item.convert
        schema = {"type": "array", "items": item.schema}
        if conv is None:
            return Node(schema, None if factory is list else factory)
        return Node(
            schema, lambda value: factory(convert_at(i, conv, v) for i, v in enumerate(value))
        )

    def _tuple(self, args: tuple[Any, ...]) -> Node:
        if len(args) == 2 and args[1] is Ellipsis:
            return self._array(args[:1], tuple)
        if not args or args == ((),):
            return Node({"type": "array"}, tuple)
        nodes = [self.compile(a) for a in args]
        schema = {
            "type": "array",
            "prefixItems": [n.schema for n in nodes],
            "minItems": len(nodes),
            "maxItems": len(nodes),
        }
        convs = [n.convert for n in nodes]

        def convert(value: Any) -> Any:
            return tuple(
                v if c is None else convert_at(i, c, v)
                for i, (v, c) in enumerate(zip(value, convs, strict=True))
            )

        return Node(schema, convert)

    def _mapping(self, hint: Any, args: tuple[Any, ...]) -> Node:
        if not args:
            return Node({"type": "object"})
        if args[0] is not str:
            raise HintError(f"{_hint_name(hint)}: JSON object keys are strings; use str keys")
        value = self.compile(args[1])
        schema: dict[str, Any] = {"type": "object"}
        if value.schema:
            schema["additionalProperties"] = value.schema
        conv = value.convert
        if conv is None:
            return Node(schema)
        return Node(schema, lambda obj: {k: convert_at(k, conv, v) for k, v in obj.items()})

    def _guarded(self, cls: type, build: Callable[[Callable[[Any], Node], type], Node]) -> Node:
        if cls in self._active:
            raise HintError(f"recursive type {cls.__qualname__} is not supported")
        self._active.append(cls)
        try:
            return build(self.compile, cls)
        finally:
            self._active.pop()


def _with_defs(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "$defs": defs} if defs else schema


def _hint_name(hint: Any) -> str:
    if isinstance(hint, type):
        return hint.__qualname__
    return repr(hint).replace("typing.", "")
