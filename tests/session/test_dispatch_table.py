"""The session's dispatch tables are exhaustive over the ``Action`` union.

A step carries out actions through a table keyed by type (``_dispatch.routes``), so the type
checker cannot prove every member of ``Action`` has a route, as ``assert_never`` would in a
``match``. This test is that proof: it expands the union's type aliases and looks every member
up in the tables a session builds, with and without observed types.
"""

from __future__ import annotations

import typing
from typing import Any

import pytest

from trio_realtime import _actions, events, protocol
from trio_realtime._dispatch import routes


def members(alias: object) -> set[type[Any]]:
    """The classes a union type alias (possibly written as a string of other aliases) names."""
    if isinstance(alias, str):
        found: set[type[Any]] = set()
        for name in alias.split("|"):
            name = name.strip()
            target = next(
                getattr(module, name)
                for module in (_actions, events, protocol)
                if hasattr(module, name)
            )
            found |= members(target)
        return found
    args = typing.get_args(alias)
    if args:
        return set().union(*(members(arg) for arg in args))
    assert isinstance(alias, type), alias
    return {alias}


ACTION_TYPES = members(_actions.Action)


def test_the_union_expands_to_every_kind_of_action() -> None:
    assert set(events.EVENT_CLASSES.values()) <= ACTION_TYPES
    assert set(events.EXTRA_EVENT_CLASSES.values()) <= ACTION_TYPES
    assert {_actions.Send, _actions.StartCall, _actions.CancelCalls} <= ACTION_TYPES
    assert {protocol.SessionReady, protocol.GoAway} <= ACTION_TYPES


@pytest.mark.parametrize(
    "observed",
    [frozenset(), frozenset(events.EVENT_CLASSES.values()), frozenset(ACTION_TYPES)],
    ids=["unobserved", "every event observed", "everything observed"],
)
def test_every_action_type_has_a_route(observed: frozenset[type[Any]]) -> None:
    table, plain = routes(observed & frozenset(events.EVENT_CLASSES.values()))
    missing = sorted(kind.__name__ for kind in ACTION_TYPES if kind not in table)
    assert missing == []
    assert plain <= ACTION_TYPES
