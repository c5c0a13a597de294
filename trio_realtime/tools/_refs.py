"""``$ref`` handling for tool schemas: resolving local references and inlining definitions.

Pure JSON Schema (2020-12) manipulation on plain dicts and lists.

- :func:`resolve_ref` follows a *local* reference (``#``, ``#/json/pointer``, ``#anchor``).
- :func:`unresolvable_refs` lists the references of a schema that do not resolve inside it (a
  tool schema must be self-contained: neither provider fetches remote schemas).
- :func:`inline_definitions` replaces ``#/$defs/Name`` references by the definitions themselves,
  except for recursive definitions, which cannot be inlined and are returned to be kept under the
  root ``$defs``.
- :func:`rename_definitions` rewrites ``#/$defs/Old`` references to ``#/$defs/New``.

Values of ``enum``, ``const``, ``default`` and ``examples`` are data, not schemas: they are never
searched for references.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["inline_definitions", "rename_definitions", "resolve_ref", "unresolvable_refs"]

_DATA_KEYWORDS = frozenset({"enum", "const", "default", "examples"})
_ANNOTATIONS = frozenset(
    {"title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly"}
)
_DEFS_PREFIX = "#/$defs/"
_MISSING = object()


def _children(node: Any) -> Iterator[Any]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key not in _DATA_KEYWORDS:
                yield value
    elif isinstance(node, list):
        yield from node


def _walk(node: Any) -> Iterator[Mapping[str, Any]]:
    """Every mapping in *node* that may be a schema, depth first."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Mapping):
            yield current
        stack.extend(reversed(list(_children(current))))


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def resolve_ref(root: Any, ref: str) -> Any:
    """The subschema of *root* that the local reference *ref* names (``None`` if none does)."""
    if not ref.startswith("#"):
        return None
    fragment = ref[1:]
    if fragment and not fragment.startswith("/"):  # a plain-name fragment: "#anchor"
        return next((s for s in _walk(root) if s.get("$anchor") == fragment), None)
    node: Any = root
    for token in fragment.split("/")[1:]:
        key = _unescape(token)
        if isinstance(node, Mapping):
            node = node.get(key, _MISSING)
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
        if node is _MISSING:
            return None
    return node


def unresolvable_refs(schema: Any) -> list[str]:
    """The ``$ref`` values in *schema* that are not local references resolving inside it."""
    bad: list[str] = []
    for node in _walk(schema):
        ref = node.get("$ref")
        if isinstance(ref, str) and resolve_ref(schema, ref) is None and ref not in bad:
            bad.append(ref)
    return bad


def _def_name(ref: Any) -> str | None:
    if not isinstance(ref, str) or not ref.startswith(_DEFS_PREFIX):
        return None
    rest = ref[len(_DEFS_PREFIX) :]
    return None if "/" in rest else _unescape(rest)


def _references(node: Any) -> set[str]:
    return {name for s in _walk(node) if (name := _def_name(s.get("$ref"))) is not None}


def _recursive(defs: Mapping[str, Any]) -> set[str]:
    """The definitions that can reach themselves through references."""
    edges = {name: _references(body) & defs.keys() for name, body in defs.items()}
    found: set[str] = set()
    for start in defs:
        seen: set[str] = set()
        stack = list(edges[start])
        while stack:
            name = stack.pop()
            if name == start:
                found.add(start)
                break
            if name not in seen:
                seen.add(name)
                stack.extend(edges[name])
    return found


def inline_definitions(
    schema: Mapping[str, Any], defs: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Inline ``#/$defs/Name`` references to the non-recursive definitions among *defs*.

    Returns ``(schema, kept)``: *schema* with those references replaced by (copies of) the
    definitions, and the recursive definitions (themselves inlined the same way), which the
    references left in place still point to. A reference with sibling keywords is merged with
    its definition when the siblings are annotations only (``description``, ``default``...) or
    do not overlap it, and becomes ``{"allOf": [definition], ...siblings}`` otherwise.
    References to names missing from *defs* are left alone, and a root ``{"allOf": [S]}`` with
    nothing else becomes S.
    """
    keep = _recursive(defs)
    done: dict[str, Any] = {}

    def inline(node: Any) -> Any:
        if isinstance(node, list):
            return [inline(item) for item in node]
        if not isinstance(node, Mapping):
            return node
        out = {
            key: (value if key in _DATA_KEYWORDS else inline(value))
            for key, value in node.items()
            if key != "$ref"
        }
        if "$ref" not in node:
            return out
        name = _def_name(node["$ref"])
        if name is None or name in keep or name not in defs:
            return {"$ref": node["$ref"], **out}
        if name not in done:
            done[name] = inline(defs[name])
        target: dict[str, Any] = done[name]
        if not out:
            return dict(target)
        if (out.keys() & target.keys()) <= _ANNOTATIONS:
            return {**target, **out}
        return {"allOf": [target], **out}

    inlined: dict[str, Any] = _unwrap(inline(schema))
    return inlined, {name: _unwrap(inline(defs[name])) for name in defs if name in keep}


def _unwrap(schema: dict[str, Any]) -> dict[str, Any]:
    """``{"allOf": [S]}`` (nothing else) is S (older pydantic wraps a root reference so)."""
    members = schema.get("allOf")
    if len(schema) == 1 and isinstance(members, list) and len(members) == 1:
        only = members[0]
        return only if isinstance(only, dict) else schema
    return schema


def rename_definitions(node: Any, names: Mapping[str, str]) -> Any:
    """A copy of *node* with each ``#/$defs/Old`` reference pointing at ``#/$defs/names[Old]``."""
    if isinstance(node, list):
        return [rename_definitions(item, names) for item in node]
    if not isinstance(node, Mapping):
        return node
    out = {
        key: (value if key in _DATA_KEYWORDS else rename_definitions(value, names))
        for key, value in node.items()
    }
    name = _def_name(out.get("$ref"))
    if name is not None and name in names:
        out["$ref"] = _DEFS_PREFIX + names[name].replace("~", "~0").replace("/", "~1")
    return out
