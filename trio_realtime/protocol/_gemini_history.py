"""A saved conversation as Gemini Live ``clientContent`` turns (pure, no trio).

A fresh Gemini connection (one that does not resume a server session) learns an earlier
conversation as initial history: its ``setup`` carries ``historyConfig:
{initialHistoryInClientContent: true}`` and one ``clientContent`` with every turn and
``turnComplete: true`` follows, which the server takes as history without answering it. This is
the only place current models accept conversation turns from the client.

==========================  ========================================================
history item                part of a ``Content`` turn
==========================  ========================================================
``UserMessage``             ``{"text": ...}`` in a ``user`` turn (a spoken turn without a
                            transcript is left out: the history is then incomplete)
``AssistantMessage``        ``{"text": ...}`` in a ``model`` turn (as heard, if truncated)
``FunctionCall``            ``{"functionCall": {id, name, args}}`` in a ``model`` turn
                            (arguments that are not a JSON object are sent as ``{}``)
``FunctionCallOutput``      ``{"functionResponse": {id, name, response}}`` in a ``user``
                            turn, as a ``toolResponse`` would carry it (an output whose call
                            is not in the history is left out: Gemini needs the name)
``McpCall``                 left out (Gemini has no remote MCP tools): incomplete
==========================  ========================================================

Consecutive parts of the same role share one turn.
"""

from __future__ import annotations

from typing import Any

import orjson

from ..history import AssistantMessage, FunctionCall, History, McpCall, UserMessage
from ._gemini_encode import tool_response

__all__ = ["history_turns"]


def history_turns(history: History) -> tuple[list[dict[str, Any]], bool]:
    """The ``Content`` turns of ``history``, and whether every item could be carried."""
    turns: list[dict[str, Any]] = []
    complete = history.complete
    names: dict[str, str] = {}  # call_id -> function name
    for item in history.items:
        if isinstance(item, UserMessage):
            if item.text is None:
                complete = False
                continue
            _add(turns, "user", {"text": item.text})
        elif isinstance(item, AssistantMessage):
            _add(turns, "model", {"text": item.text})
        elif isinstance(item, FunctionCall):
            names[item.call_id] = item.name
            args = _args(item.arguments)
            complete = complete and args is not None
            call = {"id": item.call_id, "name": item.name, "args": args or {}}
            _add(turns, "model", {"functionCall": call})
        elif isinstance(item, McpCall):
            complete = False  # Gemini has no remote MCP tools to tell about
        else:
            name = names.get(item.call_id)
            if name is None:
                complete = False
                continue
            response = tool_response(item.call_id, name, item.output)
            _add(turns, "user", {"functionResponse": response})
    return turns, complete


def _add(turns: list[dict[str, Any]], role: str, part: dict[str, Any]) -> None:
    if turns and turns[-1]["role"] == role:
        turns[-1]["parts"].append(part)
    else:
        turns.append({"role": role, "parts": [part]})


def _args(arguments: str) -> dict[str, Any] | None:
    """A call's JSON arguments as the object Gemini's ``args`` is; None when they are not a
    JSON object (a history from OpenAI holds the text the model wrote, valid or not)."""
    try:
        value = orjson.loads(arguments)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None
