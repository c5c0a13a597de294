"""The handler registry: ``attach`` / ``detach`` / ``emit``.

Reads are lock-free: ``emit`` does one dict lookup and returns when nobody listens to the name.
Writers (``attach``/``detach``, from any thread) take a lock and publish a new immutable tuple per
name, so a handler that attaches or detaches from inside a handler never disturbs the emit that is
running (it sees the handlers as they were when it started).
"""

from __future__ import annotations

import logging
import threading
import types
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeAlias

import attrs

from ._names import Name

__all__ = ["Handler", "HandlerInfo", "attach", "detach", "emit", "enabled", "list_handlers"]

logger = logging.getLogger("trio_realtime.telemetry")

Handler: TypeAlias = Callable[[Name, Mapping[str, float], Mapping[str, Any]], None]

_EMPTY: Mapping[str, Any] = types.MappingProxyType({})


@attrs.frozen(kw_only=True)
class HandlerInfo:
    """An attached handler, as :func:`list_handlers` reports it."""

    handler_id: str
    names: tuple[Name, ...]
    handler: Handler = attrs.field(repr=False)
    include_content: bool = False


_lock = threading.Lock()
_by_id: dict[str, HandlerInfo] = {}
_routes: dict[Name, tuple[HandlerInfo, ...]] = {}


def _as_name(value: object) -> Name:
    if isinstance(value, str) or not isinstance(value, tuple | list):
        raise TypeError(f"a telemetry name is a tuple of strings, not {value!r}")
    name = tuple(value)
    if not name or not all(isinstance(part, str) and part for part in name):
        raise ValueError(f"a telemetry name is a non-empty tuple of non-empty strings: {value!r}")
    return name


def _as_names(names: object) -> tuple[Name, ...]:
    """One name (a tuple of str) or an iterable of names -> distinct names, in order."""
    if isinstance(names, str) or not isinstance(names, Iterable):
        raise TypeError(f"a telemetry name is a tuple of strings, not {names!r}")
    items = list(names)
    if items and all(isinstance(part, str) for part in items):
        return (_as_name(tuple(items)),)
    out = tuple(dict.fromkeys(_as_name(item) for item in items))
    if not out:
        raise ValueError("attach() needs at least one telemetry name")
    return out


def _rebuild() -> None:
    """Recompute ``_routes`` from ``_by_id`` (under the lock)."""
    routes: dict[Name, list[HandlerInfo]] = {}
    for info in _by_id.values():
        for name in info.names:
            routes.setdefault(name, []).append(info)
    _routes.clear()
    _routes.update({name: tuple(infos) for name, infos in routes.items()})


def attach(
    handler_id: str,
    names: Name | Iterable[Name],
    handler: Handler,
    *,
    include_content: bool = False,
) -> None:
    """Call ``handler(name, measurements, metadata)`` for every event with one of ``names``.

    ``names`` is one name (``("voice", "stt", "complete")``) or an iterable of names (e.g.
    :data:`~trio_realtime.telemetry.ALL`). Handlers run synchronously, in attach order, in the
    thread that emits (the trio thread): keep them quick and non-blocking. A handler that raises
    is detached and logged at WARNING with its id; it never breaks the caller.

    Metadata never carries user content (transcripts, spoken text, tool arguments) unless the
    handler is attached with ``include_content=True``; it never carries an API key.

    Raises ``ValueError`` when ``handler_id`` is already attached (detach it first), ``TypeError``
    for a handler that is not callable or a name that is not a tuple of strings.
    """
    if not isinstance(handler_id, str):
        raise TypeError(f"handler_id must be a str, not {type(handler_id).__name__}")
    if not callable(handler):
        raise TypeError(f"a telemetry handler must be callable, not {type(handler).__name__}")
    info = HandlerInfo(
        handler_id=handler_id,
        names=_as_names(names),
        handler=handler,
        include_content=include_content,
    )
    with _lock:
        if handler_id in _by_id:
            raise ValueError(f"a telemetry handler with id {handler_id!r} is already attached")
        _by_id[handler_id] = info
        _rebuild()


def detach(handler_id: str) -> bool:
    """Detach the handler ``handler_id``; True if it was attached (detaching twice is fine)."""
    with _lock:
        if _by_id.pop(handler_id, None) is None:
            return False
        _rebuild()
        return True


def _drop_failed(info: HandlerInfo, name: Name) -> None:
    with _lock:
        if _by_id.get(info.handler_id) is not info:
            return  # detached (or replaced) meanwhile
        del _by_id[info.handler_id]
        _rebuild()
    logger.warning(
        "telemetry handler %r raised on %s and was detached",
        info.handler_id,
        ".".join(name),
        exc_info=True,
    )


def list_handlers(prefix: Name = ()) -> list[HandlerInfo]:
    """The attached handlers listening to a name that starts with ``prefix`` (all by default)."""
    size = len(prefix)
    return [
        info
        for info in list(_by_id.values())
        if any(name[:size] == tuple(prefix) for name in info.names)
    ]


def enabled(name: Name) -> bool:
    """True when some handler listens to ``name``: a hot path can skip building its payload."""
    return name in _routes


def emit(
    name: Name,
    measurements: Mapping[str, float],
    metadata: Mapping[str, Any] = _EMPTY,
    *,
    content: Mapping[str, Any] | None = None,
) -> None:
    """Deliver an event to the handlers of ``name`` (one dict lookup when there are none).

    ``content`` holds user content (e.g. ``{"text": transcript}``): it is merged into the metadata
    only for handlers attached with ``include_content=True``. Handlers see read-only mappings.
    Only ``Exception`` is caught from a handler (it is then detached); ``trio.Cancelled``,
    ``KeyboardInterrupt`` and the like propagate.
    """
    handlers = _routes.get(name)
    if handlers is None:
        return
    measured = types.MappingProxyType(dict(measurements))
    plain = types.MappingProxyType(dict(metadata))
    rich = plain if not content else types.MappingProxyType({**metadata, **content})
    for info in handlers:
        try:
            info.handler(name, measured, rich if info.include_content else plain)
        except Exception:
            _drop_failed(info, name)
