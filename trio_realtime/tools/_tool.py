"""The :class:`Tool` value: a function-calling tool definition plus (optionally) its function."""

from __future__ import annotations

import copy
import functools
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import orjson

from ._context import ToolContext
from ._errors import ToolArgumentsError
from ._introspect import find_context_param, inspect_callable, is_async_callable
from ._messages import json_type, where
from ._nodes import ConversionError, convert_at
from ._validation import ArgumentsValidator, SchemaDefinitionError

__all__ = ["Tool", "as_tool"]

_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")


def _empty_parameters() -> dict[str, Any]:
    return {"type": "object", "properties": {}}


def _check_name(_: Any, __: Any, name: Any) -> None:
    if not isinstance(name, str):
        raise TypeError(f"a tool name must be a str, got {type(name).__name__}")
    if _NAME.fullmatch(name) is None:
        raise ValueError(
            f"invalid tool name {name!r}: use 1-64 characters from a-z, A-Z, 0-9, '_' and '-'"
        )


def _copy_parameters(value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(
            f"tool parameters must be a JSON Schema mapping, got {type(value).__name__}"
        )
    return copy.deepcopy(dict(value))


def _check_parameters(tool: Any, _: Any, value: dict[str, Any]) -> None:
    if value.get("type") != "object":
        raise ValueError(
            f'parameters of tool {tool.name!r} must be a JSON Schema with "type": "object"'
        )
    try:
        orjson.dumps(value)
    except orjson.JSONEncodeError as exc:
        raise ValueError(
            f"parameters of tool {tool.name!r} are not JSON-serializable: {exc}"
        ) from None


def _check_fn(_: Any, __: Any, fn: Any) -> None:
    if fn is not None and not callable(fn):
        raise TypeError(f"a tool's fn must be callable or None, got {type(fn).__name__}")


def _check_timeout(_: Any, __: Any, timeout: Any) -> None:
    if timeout is None:
        return
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise TypeError(f"a tool timeout must be a number of seconds or None, got {timeout!r}")
    if math.isnan(timeout) or timeout <= 0:
        raise ValueError(f"a tool timeout must be > 0 seconds, got {timeout!r}")


@attrs.frozen(kw_only=True)
class Tool:
    """A function-calling tool.

    Build one from a function with :meth:`from_callable` (what passing a plain callable to
    ``Config(tools=[...])`` does), or explicitly::

        from trio_realtime.tools import Tool

        def lookup(key: str) -> str:
            return f"record {key}"

        schema = {"type": "object", "properties": {"key": {"type": "string"}}}
        tool = Tool(name="lookup", description="Find a record.", parameters=schema, fn=lookup)

    A tool without ``fn`` is *application-answered*: the session dispatches its calls to the
    application, which replies with ``session.send_tool_result``.

    Attributes:
        name: Matches ``^[a-zA-Z0-9_-]{1,64}$`` (``ValueError`` otherwise).
        description: What the tool does, for the model.
        parameters: A JSON Schema object (``"type": "object"``); deep-copied on construction
            and checked there: an invalid schema (per its ``$schema`` dialect, Draft 2020-12
            by default) or a ``$ref`` that does not resolve inside it raises ``ValueError``
            saying where. Calls are validated against it completely (``jsonschema``).
        fn: The function called with the arguments as keyword arguments; sync or async.
        timeout: Seconds a call may take, overriding the session default (``None``: default).
        context_param: The name of ``fn``'s :class:`ToolContext` parameter. Found from the
            annotations by default; pass ``None`` to pass no context.
        is_async: Whether ``fn`` is a coroutine function (derived).

    Arguments reach an explicitly built tool's ``fn`` as parsed JSON; tools made by
    :meth:`from_callable` also carry converters (the private ``converters=`` argument) that turn
    them into the annotated types.
    """

    name: str = attrs.field(validator=_check_name)
    description: str = attrs.field(default="", validator=attrs.validators.instance_of(str))
    parameters: Mapping[str, Any] = attrs.field(
        factory=_empty_parameters,
        converter=_copy_parameters,
        validator=_check_parameters,
        hash=False,
    )
    fn: Callable[..., Any] | None = attrs.field(default=None, validator=_check_fn)
    timeout: float | None = attrs.field(default=None, validator=_check_timeout)
    context_param: str | None = attrs.field(
        default=attrs.Factory(lambda self: find_context_param(self.fn), takes_self=True)
    )
    is_async: bool = attrs.field(
        init=False,
        default=attrs.Factory(lambda self: is_async_callable(self.fn), takes_self=True),
    )
    _converters: Mapping[str, Callable[[Any], Any]] = attrs.field(
        factory=dict, alias="converters", repr=False, eq=False, hash=False
    )
    _validator: ArgumentsValidator = attrs.field(init=False, repr=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        try:
            validator = ArgumentsValidator(self.parameters)
        except SchemaDefinitionError as exc:
            raise ValueError(f"parameters of tool {self.name!r}: {exc}") from None
        object.__setattr__(self, "_validator", validator)

    @classmethod
    def from_callable(
        cls,
        fn: Callable[..., Any],
        *,
        name: str | None = None,
        description: str | None = None,
        timeout: float | None = None,
    ) -> Tool:
        """Build a tool from a sync or async function (also a bound method or a partial).

        - name: ``fn.__name__``; description: the docstring's first paragraph.
        - parameters: a JSON Schema object generated from the type hints (string annotations
          are resolved): ``str``, ``int``, ``float``, ``bool``, ``None``, ``Any``, ``list``/
          ``tuple``/``dict[str, ...]`` of supported types, ``Literal``, ``Enum``, unions/
          ``Optional``, attrs classes, dataclasses and ``TypedDict`` (nested objects), pydantic
          models and dataclasses (pydantic's own schema), ``Annotated[T, "doc"]``.
          ``required`` lists the parameters without defaults; unknown arguments are rejected
          (``"additionalProperties": false``).
        - per-parameter descriptions: ``Annotated`` text, else the Google/NumPy/Sphinx docstring.
        - a parameter annotated ``ToolContext`` receives the call context and is not in the
          schema.
        - at call time (:meth:`bind`), arguments are converted to the annotated types (Enum
          members by value, attrs and dataclass instances, pydantic models via
          ``model_validate``, tuples, ``int``/``float``).

        Raises ``TypeError`` naming the function and the parameter for ``*args``/``**kwargs``,
        positional-only or un-annotated parameters (annotate ``Any`` for "any value") and
        unsupported hints; ``ValueError`` when the name is invalid.
        """
        spec = inspect_callable(fn)
        tool_name = name if name is not None else spec.name
        if tool_name is None:
            raise TypeError(f"cannot make a tool from {fn!r}: it has no __name__; pass name=")
        if name is None and _NAME.fullmatch(tool_name) is None:
            raise ValueError(
                f"invalid tool name {tool_name!r} (from the function): use 1-64 characters from "
                "a-z, A-Z, 0-9, '_' and '-', or pass name="
            )
        return cls(
            name=tool_name,
            description=spec.description if description is None else description,
            parameters=spec.parameters,
            fn=fn,
            timeout=timeout,
            context_param=spec.context_param,
            converters=spec.converters,
        )

    @property
    def answered_by_app(self) -> bool:
        """True when the tool has no function: the application answers its calls."""
        return self.fn is None

    def definition(self) -> dict[str, Any]:
        """The OpenAI Realtime (GA) flat function definition (a fresh copy)."""
        return {
            "type": "function",
            "name": self.name,
            "description": self.description,
            "parameters": copy.deepcopy(dict(self.parameters)),
        }

    def parse_arguments(self, raw: str) -> dict[str, Any]:
        """Parse and validate the JSON arguments text the model sent (``""`` means ``{}``).

        Raises :class:`ToolArgumentsError` with a message the model can act on, e.g.
        ``invalid arguments for get_weather: 'city' is required``.
        """
        if not raw.strip():
            value: Any = {}
        else:
            try:
                value = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise ToolArgumentsError(
                    f"invalid arguments for {self.name}: not valid JSON ({exc})"
                ) from None
        if not isinstance(value, dict):
            raise ToolArgumentsError(
                f"invalid arguments for {self.name}: expected a JSON object, got {json_type(value)}"
            )
        errors = self._validator.problems(value)
        if errors:
            raise ToolArgumentsError(f"invalid arguments for {self.name}: " + "; ".join(errors))
        return value

    def convert_arguments(self, args: Mapping[str, Any]) -> dict[str, Any]:
        """*args* (validated JSON values) converted to the parameter types (Enum, attrs,
        dataclass and pydantic instances, tuples, ...).

        Raises :class:`ToolArgumentsError` naming the failing value when a conversion fails
        (an attrs validator, a dataclass ``__post_init__`` or a pydantic validator rejects it),
        e.g. ``invalid arguments for book: 'passengers[1].age': Value error, too young``.
        """
        out: dict[str, Any] = {}
        problems: list[str] = []
        for key, value in args.items():
            convert = self._converters.get(key)
            if convert is None:
                out[key] = value
                continue
            try:
                out[key] = convert_at(key, convert, value)
            except ConversionError as exc:
                problems += [f"{where(path)}: {text}" for path, text in exc.problems]
        if problems:
            raise ToolArgumentsError(f"invalid arguments for {self.name}: " + "; ".join(problems))
        return out

    def bind(
        self, args: Mapping[str, Any], context: ToolContext | None = None
    ) -> functools.partial[Any]:
        """The call of ``fn`` for *args*, ready to run: ``fn`` with every argument bound.

        *args* should come from :meth:`parse_arguments`; they are converted first with
        :meth:`convert_arguments` (so this raises :class:`ToolArgumentsError` before anything
        runs when a conversion fails) and *context* is bound to the context parameter when
        ``fn`` declares one (it is not needed otherwise). Nothing is called here.

        The runner calls the result: for an async tool (:attr:`is_async`) ``await bound()``;
        for a sync one in a worker thread, e.g. ``await trio.to_thread.run_sync(bound,
        abandon_on_cancel=True)`` (a cancelled call then abandons the thread, which runs on
        until the function returns; a sync tool can poll ``context.interrupted.is_set()`` to
        stop early). Exceptions of the function propagate unchanged.

        Raises ``RuntimeError`` for an application-answered tool (no ``fn``), ``TypeError`` when
        ``fn`` declares a context parameter and *context* is ``None``.
        """
        fn = self.fn
        if fn is None:
            raise RuntimeError(f"tool {self.name!r} is answered by the application; it has no fn")
        if self.context_param is not None and context is None:
            raise TypeError(f"tool {self.name!r} takes a ToolContext: pass context=")
        kwargs = self.convert_arguments(args)
        if self.context_param is not None:
            kwargs[self.context_param] = context
        return functools.partial(fn, **kwargs)


def as_tool(obj: Tool | Callable[..., Any]) -> Tool:
    """*obj* if it is a :class:`Tool`, else :meth:`Tool.from_callable(obj) <Tool.from_callable>`.

    Raises ``TypeError`` for anything that is neither.
    """
    if isinstance(obj, Tool):
        return obj
    if callable(obj):
        return Tool.from_callable(obj)
    raise TypeError(
        f"expected a Tool or a function to use as a tool, got {type(obj).__name__}: {obj!r}"
    )
