"""Record-like classes as nested JSON objects: attrs classes, dataclasses and ``TypedDict``.

Each becomes ``{"type": "object", "description": <class summary>, "properties": ...,
"required": [...], "additionalProperties": false}``; field descriptions come from the class
docstring (``Attributes:`` and the like). A field with a plain default is optional and shows it
as ``"default"`` when it is JSON-encodable; a field with a default factory is optional without a
shown default; ``init=False`` fields are left out.

Validated JSON converts back to an instance (attrs: by each field's ``alias``; dataclasses: by
field name) with nested values converted first; a ``TypedDict`` stays a ``dict`` with its values
converted.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from typing import Any, get_args, get_origin

import attrs

from ._docstrings import parse_docstring
from ._nodes import Converter, HintError, Node, convert_at, json_default, with_description

__all__ = ["attrs_node", "dataclass_node", "is_typeddict", "typeddict_node"]

Compile = Callable[[Any], Node]
# (name, hint, required, (shown, default))
Field = tuple[str, Any, bool, tuple[bool, Any]]


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


def is_typeddict(hint: Any) -> bool:
    return (
        isinstance(hint, type)
        and issubclass(hint, dict)
        and hasattr(hint, "__required_keys__")
        and hasattr(hint, "__annotations__")
    )


def _class_hints(cls: type) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls, include_extras=True)
    except Exception as exc:
        raise HintError(f"cannot resolve the type hints of {cls.__qualname__}: {exc}") from exc


def _class_doc(cls: type) -> str | None:
    doc = cls.__dict__.get("__doc__")
    if (
        dataclasses.is_dataclass(cls)
        and isinstance(doc, str)
        and doc.startswith(cls.__name__ + "(")
    ):
        return None  # the signature dataclasses put there when the class has no docstring
    return doc if isinstance(doc, str) else None


def _object_node(
    compile_hint: Compile, cls: type, fields: list[Field]
) -> tuple[dict[str, Any], dict[str, Converter]]:
    doc = parse_docstring(_class_doc(cls))
    props: dict[str, Any] = {}
    required: list[str] = []
    convs: dict[str, Converter] = {}
    for name, hint, is_required, (shown, default) in fields:
        try:
            node = compile_hint(hint)
        except HintError as exc:
            raise HintError(f"field {cls.__qualname__}.{name}: {exc}") from None
        prop = with_description(node, doc.params.get(name)).schema
        if shown:
            prop = {**prop, "default": default}
        props[name] = prop
        if is_required:
            required.append(name)
        if node.convert is not None:
            convs[name] = node.convert
    schema: dict[str, Any] = {"type": "object"}
    if doc.summary:
        schema["description"] = doc.summary
    schema["properties"] = props
    if required:
        schema["required"] = required
    schema["additionalProperties"] = False
    return schema, convs


def _constructor(cls: type, keywords: dict[str, str], convs: dict[str, Converter]) -> Converter:
    """JSON object -> ``cls(**kwargs)`` (field name -> keyword via *keywords*)."""

    def convert(value: Any) -> Any:
        kwargs = {
            keywords[key]: (convert_at(key, convs[key], item) if key in convs else item)
            for key, item in value.items()
            if key in keywords
        }
        return cls(**kwargs)

    return convert


def attrs_node(compile_hint: Compile, cls: type) -> Node:
    hints = _class_hints(cls)
    fields: list[Field] = []
    keywords: dict[str, str] = {}
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
        keywords[a.name] = a.alias or a.name
    schema, convs = _object_node(compile_hint, cls, fields)
    return Node(schema, _constructor(cls, keywords, convs))


def dataclass_node(compile_hint: Compile, cls: type) -> Node:
    hints = _class_hints(cls)
    for name, hint in hints.items():
        if isinstance(hint, dataclasses.InitVar):
            raise HintError(f"field {cls.__qualname__}.{name}: InitVar fields are not supported")
    fields: list[Field] = []
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        has_default = f.default is not dataclasses.MISSING
        required = not has_default and f.default_factory is dataclasses.MISSING
        shown = json_default(f.default) if has_default else (False, None)
        fields.append((f.name, hints.get(f.name, f.type), required, shown))
    schema, convs = _object_node(compile_hint, cls, fields)
    return Node(schema, _constructor(cls, {name: name for name, *_ in fields}, convs))


def typeddict_node(compile_hint: Compile, cls: type) -> Node:
    hints = _class_hints(cls)
    required_keys: frozenset[str] = getattr(cls, "__required_keys__", frozenset())
    fields: list[Field] = []
    for name, hint in hints.items():
        while get_origin(hint) in _TD_QUALIFIERS:
            hint = get_args(hint)[0]
        fields.append((name, hint, name in required_keys, (False, None)))
    schema, convs = _object_node(compile_hint, cls, fields)
    if not convs:
        return Node(schema)

    def convert(value: Any) -> Any:
        return {k: (convert_at(k, convs[k], v) if k in convs else v) for k, v in value.items()}

    return Node(schema, convert)
