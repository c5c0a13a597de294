"""Compiled validators for tool arguments: complete JSON Schema validation by ``jsonschema``.

A schema is checked once, when its validator is compiled (at :class:`Tool` construction):

- against its dialect's meta-schema (the one its ``$schema`` names, else Draft 2020-12), with
  format checks on (so an invalid ``pattern`` regex is caught there, not at call time);
- every ``$ref`` must resolve inside the schema itself (neither provider fetches remote schemas).

Validating then covers every keyword of the dialect (``$ref``/``$defs``, ``not``, ``if``,
``dependentRequired``, ``unevaluatedProperties`` ...) and the ``format``\\s ``jsonschema`` checks
without extra packages (``date``, ``email``, ``ipv4``, ``ipv6``, ``uuid``, ``regex`` ...). The
problems are worded by :mod:`._messages`.

``jsonschema`` is imported when the first validator is compiled, so importing the package stays
cheap for applications without tools.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import orjson

from ._messages import MAX_MESSAGES, messages
from ._refs import unresolvable_refs

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

__all__ = ["ArgumentsValidator", "SchemaDefinitionError"]

# Problems looked at before wording and ordering them (the wording keeps MAX_MESSAGES).
_SCAN_LIMIT = 5 * MAX_MESSAGES

# Where a subschema may be `false` (additionalProperties/unevaluatedProperties excepted: their
# own errors name the unexpected keys).
_SCHEMA_MAPS = frozenset(
    {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
)
_SCHEMA_LISTS = frozenset({"prefixItems", "allOf", "anyOf", "oneOf"})
_SCHEMA_ONES = frozenset(
    {"items", "additionalItems", "unevaluatedItems", "contains", "propertyNames"}
    | {"not", "if", "then", "else"}
)
_KEYS_OWN_FALSE = frozenset({"additionalProperties", "unevaluatedProperties"})


@functools.lru_cache(maxsize=256)
def _schema_problem(canonical: bytes) -> str | None:
    """What is wrong with the schema whose sorted-keys JSON is *canonical* (None: nothing).

    Cached: checking against the meta-schema costs milliseconds, and the same tools are often
    built again (a ``Config`` per session, ``session.update(tools=...)``).
    """
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError
    from jsonschema.validators import validator_for

    schema = orjson.loads(canonical)
    cls = validator_for(schema, default=Draft202012Validator)
    try:
        cls.check_schema(schema)
    except SchemaError as exc:
        return f"not a valid JSON Schema at {exc.json_path}: {exc.message}"
    bad = unresolvable_refs(schema)
    if bad:
        refs = ", ".join(repr(ref) for ref in bad)
        return (
            f"$ref {refs} does not resolve inside the schema (tool schemas must be "
            "self-contained: put the definitions under $defs and use '#/$defs/Name')"
        )
    return None


def _spell_out_false(node: Any) -> Any:
    """*node* with each ``false`` subschema written ``{"not": {}}`` (the same meaning).

    ``jsonschema`` reports a value rejected by a ``false`` subschema without its location; the
    spelled-out form reports it with its path, so the message can name the argument.
    """
    if node is False:
        return {"not": {}}
    if not isinstance(node, Mapping):
        return node
    out = dict(node)
    for key, value in node.items():
        if key in _SCHEMA_MAPS and isinstance(value, Mapping):
            out[key] = {k: _spell_out_false(v) for k, v in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [_spell_out_false(v) for v in value]
        elif key in _SCHEMA_ONES or (key in _KEYS_OWN_FALSE and value is not False):
            out[key] = _spell_out_false(value)
    return out


class SchemaDefinitionError(ValueError):
    """A schema is not a valid JSON Schema (the message says where and why)."""


class ArgumentsValidator:
    """A compiled validator for one JSON Schema.

    Raises :class:`SchemaDefinitionError` when *schema* is not a valid JSON Schema of its
    dialect or has a ``$ref`` that does not resolve inside it; ``check=False`` skips those
    checks (for schemas generated from type hints, already known to be valid).
    """

    __slots__ = ("_root", "_validator")

    def __init__(self, schema: Mapping[str, Any], *, check: bool = True) -> None:
        from jsonschema import Draft202012Validator
        from jsonschema.validators import validator_for

        if check:
            problem = _schema_problem(orjson.dumps(schema, option=orjson.OPT_SORT_KEYS))
            if problem is not None:
                raise SchemaDefinitionError(problem)
        cls = validator_for(schema, default=Draft202012Validator)
        self._root = schema
        compiled = _spell_out_false(schema)
        self._validator: Validator = cls(compiled, format_checker=cls.FORMAT_CHECKER)

    def problems(self, instance: Any) -> list[str]:
        """What is wrong with *instance*, worded for a model (empty when valid; at most 10)."""
        errors = list(itertools.islice(self._validator.iter_errors(instance), _SCAN_LIMIT))
        return messages(errors, self._root) if errors else []

    def is_valid(self, instance: Any) -> bool:
        """Whether *instance* is valid (stops at the first problem)."""
        return bool(self._validator.is_valid(instance))
