"""What :meth:`Tool.from_callable` learns from a function: name, summary, schema, conversions.

Rules (each violation is a ``TypeError`` naming the function and the parameter):

- Parameters must be passable by keyword: ``*args``, ``**kwargs`` and positional-only
  parameters are rejected.
- Every parameter needs a type annotation (``Any`` if anything goes): an un-annotated parameter
  is rejected rather than silently advertised as "any value", because the model writes better
  arguments against a precise schema.
- Hints are resolved with ``typing.get_type_hints(include_extras=True)``, so string annotations
  (``from __future__ import annotations``) work; an unresolvable name is an error.
- One parameter may be annotated ``ToolContext`` (or ``ToolContext | None``); it is passed the
  call's context and left out of the schema. Two such parameters are an error.
- ``required`` lists the parameters without defaults; JSON-encodable defaults appear as
  ``"default"``. The top-level object has ``"additionalProperties": false``, and ``"$defs"``
  when a recursive pydantic model needs definitions (see :mod:`._pydantic`).
- A parameter's description comes from ``Annotated[T, "text"]`` when given, else from the
  docstring (Google, NumPy or Sphinx style); the tool description is the docstring's first
  paragraph.
"""

from __future__ import annotations

import functools
import inspect
import types
import typing
from collections.abc import Callable
from typing import Annotated, Any, Union, get_args, get_origin

import attrs

from ._context import ToolContext
from ._docstrings import parse_docstring
from ._nodes import HintError, json_default, with_description
from ._schema import SchemaCompiler

__all__ = ["CallableSpec", "find_context_param", "inspect_callable", "is_async_callable"]


@attrs.frozen(kw_only=True)
class CallableSpec:
    name: str | None
    description: str
    parameters: dict[str, Any]
    converters: dict[str, Callable[[Any], Any]]
    context_param: str | None


def _label(fn: Any) -> str:
    target = fn.func if isinstance(fn, functools.partial) else fn
    name = getattr(target, "__qualname__", None) or getattr(target, "__name__", None)
    return repr(name) if name else repr(fn)


def _hint_target(fn: Any) -> Any:
    """The object whose ``__annotations__``/globals describe *fn*'s parameters."""
    if isinstance(fn, functools.partial):
        return _hint_target(fn.func)
    if inspect.isfunction(fn) or inspect.ismethod(fn) or inspect.isbuiltin(fn):
        return fn
    return type(fn).__call__  # a callable instance


def _is_context_hint(hint: Any) -> bool:
    if get_origin(hint) is Annotated:
        return _is_context_hint(get_args(hint)[0])
    if hint is ToolContext:
        return True
    if get_origin(hint) in (Union, types.UnionType):
        members = [a for a in get_args(hint) if a is not type(None)]
        return len(members) == 1 and members[0] is ToolContext
    return False


def is_async_callable(fn: Any) -> bool:
    """Whether calling *fn* returns a coroutine by declaration (async def, also via partial)."""
    if inspect.iscoroutinefunction(fn):
        return True
    if isinstance(fn, functools.partial):
        return is_async_callable(fn.func)
    if not (inspect.isfunction(fn) or inspect.ismethod(fn)):
        return callable(fn) and inspect.iscoroutinefunction(type(fn).__call__)
    return False


def find_context_param(fn: Callable[..., Any] | None) -> str | None:
    """The name of *fn*'s ``ToolContext`` parameter, or ``None`` (lenient: never raises)."""
    if fn is None:
        return None
    try:
        hints = typing.get_type_hints(_hint_target(fn), include_extras=True)
        params = inspect.signature(fn).parameters
    except Exception:
        return None
    return next((n for n in params if n in hints and _is_context_hint(hints[n])), None)


def inspect_callable(fn: Callable[..., Any]) -> CallableSpec:
    """Analyse *fn*; raise ``TypeError`` (naming it and the parameter) when it cannot be a tool."""
    label = _label(fn)
    prefix = f"cannot make a tool from {label}"
    if isinstance(fn, type):
        raise TypeError(f"{prefix}: it is a class; pass a function or a bound method")
    if not callable(fn):
        raise TypeError(f"{prefix}: it is not callable")
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{prefix}: no inspectable signature ({exc})") from None
    try:
        hints = typing.get_type_hints(_hint_target(fn), include_extras=True)
    except Exception as exc:
        raise TypeError(f"{prefix}: cannot resolve its type hints ({exc})") from exc

    target = fn.func if isinstance(fn, functools.partial) else fn
    doc = parse_docstring(inspect.getdoc(target))
    properties: dict[str, Any] = {}
    required: list[str] = []
    converters: dict[str, Callable[[Any], Any]] = {}
    context_param: str | None = None
    compiler = SchemaCompiler()
    for pname, param in sig.parameters.items():
        where = f"{prefix}: parameter {pname!r}"
        if param.kind is param.VAR_POSITIONAL or param.kind is param.VAR_KEYWORD:
            stars = "*" if param.kind is param.VAR_POSITIONAL else "**"
            raise TypeError(f"{where}: {stars}{pname} is not supported; declare named parameters")
        if param.kind is param.POSITIONAL_ONLY:
            raise TypeError(f"{where}: positional-only parameters are not supported")
        if pname not in hints:
            raise TypeError(f"{where}: missing type annotation (use typing.Any for any value)")
        hint = hints[pname]
        if _is_context_hint(hint):
            if context_param is not None:
                raise TypeError(f"{where}: only one ToolContext parameter is allowed")
            context_param = pname
            continue
        try:
            node = compiler.compile(hint)
        except HintError as exc:
            raise TypeError(f"{where}: {exc}") from None
        annotated = _annotated_description(hint)
        schema = with_description(node, annotated or doc.params.get(pname)).schema
        if param.default is param.empty:
            required.append(pname)
        else:
            shown, value = json_default(param.default)
            if shown:
                schema = {**schema, "default": value}
        properties[pname] = schema
        if node.convert is not None:
            converters[pname] = node.convert

    parameters: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        parameters["required"] = required
    parameters["additionalProperties"] = False
    if compiler.definitions:
        parameters["$defs"] = compiler.definitions
    return CallableSpec(
        name=getattr(target, "__name__", None),
        description=doc.summary,
        parameters=parameters,
        converters=converters,
        context_param=context_param,
    )


def _annotated_description(hint: Any) -> str | None:
    if get_origin(hint) is Annotated:
        return next((m for m in hint.__metadata__ if isinstance(m, str)), None)
    return None
