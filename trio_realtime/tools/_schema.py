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
attrs classes, ``TypedDict``            ``{"type": "object", "properties": ..., "required": ...,``
                                        ``"additionalProperties": false}`` (+ the class summary
                                        and per-field descriptions from its docstring)
``Annotated[T, "text"]``                T with ``"description": "text"``
``NewType``, ``type X = ...`` aliases     their underlying type
=====================================  ==========================================================

Anything else (sets, bytes, datetimes, plain classes, recursive types, dicts with non-``str``
keys) raises :class:`HintError`, a ``TypeError``.
"""

from __future__ import annotations

import collections.abc
import enum
import types
import typing
from collections.abc import Callable
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import attrs

from ._docstrings import parse_docstring
from ._encode import to_json_value
from ._errors import ToolResultError
from ._validate import is_valid

__all__ = ["HintError", "Node", "compile_hint", "json_default", "with_description"]

Converter = Callable[[Any], Any]

_SCALARS: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}
_SEQUENCES = (list, collections.abc.Sequence, collections.abc.MutableSequence)
_MAPPINGS = (dict, collections.abc.Mapping, collections.abc.MutableMapping)


def _td_qualifiers() -> tuple[Any, ...]:
    found: list[Any] = []
    modules: list[Any] = [typing]
    try:
        import typing_extensions
    except ImportError:  # pragma: no cover - typing_extensions is almost always around
        pass
    else:
        modules.append(typing_extensions)
    for module in modules:
        for name in ("Required", "NotRequired", "ReadOnly"):
            if hasattr(module, name):
                found.append(getattr(module, name))
    return tuple(found)


_TD_QUALIFIERS = _td_qualifiers()


class HintError(TypeError):
    """A type hint cannot be expressed as a tool parameter schema."""


@attrs.frozen
class Node:
    """A compiled hint: its JSON Schema and how to convert a valid JSON value (None: as is)."""

    schema: dict[str, Any]
    convert: Converter | None = None


def compile_hint(hint: Any) -> Node:
    """Compile *hint*; raise :class:`HintError` when it is unsupported."""
    return _Compiler().compile(hint)


def with_description(node: Node, description: str | None) -> Node:
    """*node* with ``description`` set (unchanged when *description* is empty)."""
    if not description:
        return node
    return Node({**node.schema, "description": description}, node.convert)


def json_default(value: Any) -> tuple[bool, Any]:
    """``(True, json_value)`` when a default can be shown in a schema, else ``(False, None)``."""
    try:
        return True, to_json_value(value)
    except ToolResultError:
        return False, None


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


def _is_typeddict(hint: Any) -> bool:
    return (
        isinstance(hint, type)
        and issubclass(hint, dict)
        and hasattr(hint, "__required_keys__")
        and hasattr(hint, "__annotations__")
    )


class _Compiler:
    def __init__(self) -> None:
        self._active: list[type] = []

    def compile(self, hint: Any) -> Node:
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
        if isinstance(hint, type) and attrs.has(hint):
            return self._guarded(hint, self._attrs)
        if _is_typeddict(hint):
            return self._guarded(hint, self._typeddict)
        if hasattr(hint, "__supertype__"):  # typing.NewType
            return self.compile(hint.__supertype__)
        if type(hint).__name__ == "TypeAliasType":  # PEP 695 `type X = ...`
            return self.compile(hint.__value__)
        if isinstance(hint, str | typing.ForwardRef):
            raise HintError(f"unresolved forward reference {hint!r}")
        raise HintError(f"unsupported type hint {_hint_name(hint)}")

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

        def convert(value: Any) -> Any:
            for node in nodes:
                if is_valid(value, node.schema):
                    return value if node.convert is None else node.convert(value)
            raise ValueError(f"{value!r} matches none of the alternatives")

        return Node(schema, convert)

    def _array(self, args: tuple[Any, ...], factory: Callable[[Any], Any]) -> Node:
        if not args:
            return Node({"type": "array"}, None if factory is list else factory)
        item = self.compile(args[0])
        conv = item.convert
        schema = {"type": "array", "items": item.schema}
        if conv is None:
            return Node(schema, None if factory is list else factory)
        return Node(schema, lambda value: factory(conv(v) for v in value))

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
            return tuple(v if c is None else c(v) for v, c in zip(value, convs, strict=True))

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
        return Node(schema, lambda obj: {k: conv(v) for k, v in obj.items()})

    def _guarded(self, cls: type, build: Callable[[Any], Node]) -> Node:
        if cls in self._active:
            raise HintError(f"recursive type {cls.__qualname__} is not supported")
        self._active.append(cls)
        try:
            return build(cls)
        finally:
            self._active.pop()

    def _class_hints(self, cls: type) -> dict[str, Any]:
        try:
            return typing.get_type_hints(cls, include_extras=True)
        except Exception as exc:
            raise HintError(f"cannot resolve the type hints of {cls.__qualname__}: {exc}") from exc

    def _fields_node(
        self,
        cls: type,
        fields: list[tuple[str, Any, bool, tuple[bool, Any]]],
    ) -> tuple[dict[str, Any], dict[str, Converter]]:
        """Object schema for (name, hint, required, (has_default, default)) fields."""
        doc = parse_docstring(cls.__dict__.get("__doc__"))
        props: dict[str, Any] = {}
        required: list[str] = []
        convs: dict[str, Converter] = {}
        for name, hint, is_required, (has_default, default) in fields:
            try:
                node = self.compile(hint)
            except HintError as exc:
                raise HintError(f"field {cls.__qualname__}.{name}: {exc}") from None
            schema = with_description(node, doc.params.get(name)).schema
            if has_default:
                schema = {**schema, "default": default}
            props[name] = schema
            if is_required:
                required.append(name)
            if node.convert is not None:
                convs[name] = node.convert
        schema = {"type": "object"}
        if doc.summary:
            schema["description"] = doc.summary
        schema["properties"] = props
        if required:
            schema["required"] = required
        schema["additionalProperties"] = False
        return schema, convs

    def _attrs(self, cls: type) -> Node:
        hints = self._class_hints(cls)
        fields: list[tuple[str, Any, bool, tuple[bool, Any]]] = []
        aliases: dict[str, str] = {}
        for a in attrs.fields(cls):
            if not a.init:
                continue
            hint = hints.get(a.name, a.type)
            if hint is None:
                raise HintError(f"field {cls.__qualname__}.{a.name} has no type annotation")
            required = a.default is attrs.NOTHING
            shown = (False, None)
            if not required and not isinstance(a.default, attrs.Factory):  # type: ignore[arg-type]
                shown = json_default(a.default)
            fields.append((a.name, hint, required, shown))
            aliases[a.name] = a.alias or a.name
        schema, convs = self._fields_node(cls, fields)

        def convert(value: Any) -> Any:
            kwargs = {
                aliases[k]: (convs[k](v) if k in convs else v)
                for k, v in value.items()
                if k in aliases
            }
            return cls(**kwargs)

        return Node(schema, convert)

    def _typeddict(self, cls: type) -> Node:
        hints = self._class_hints(cls)
        required_keys: frozenset[str] = getattr(cls, "__required_keys__", frozenset())
        fields: list[tuple[str, Any, bool, tuple[bool, Any]]] = []
        for name, hint in hints.items():
            while get_origin(hint) in _TD_QUALIFIERS:
                hint = get_args(hint)[0]
            fields.append((name, hint, name in required_keys, (False, None)))
        schema, convs = self._fields_node(cls, fields)
        if not convs:
            return Node(schema)

        def convert(value: Any) -> Any:
            return {k: (convs[k](v) if k in convs else v) for k, v in value.items()}

        return Node(schema, convert)


def _hint_name(hint: Any) -> str:
    if isinstance(hint, type):
        return hint.__qualname__
    return repr(hint).replace("typing.", "")
