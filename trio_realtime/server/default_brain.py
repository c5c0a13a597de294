"""The default brain: deterministic, small, and useful for tests, examples and demos.

In order of precedence:

1. Tool outputs (function outputs, or MCP call results) that no assistant message has answered
   yet -> a sentence using them ("Paris: temp_c 18, sky cloudy."); an ``{"error": ...}`` output
   or a failed MCP call is reported as a failure; a refused MCP approval -> "OK, I won't ...".
2. Calls still waiting for their outputs -> "I'm still waiting for ...".
3. The latest user turn was already answered -> "Is there anything else I can help with?".
4. A function or MCP tool the user clearly asks for (forced by ``tool_choice``; or the tool's
   name, or the most words of it such as "weather" in ``get_weather``; or a keyword of its
   description) -> a call with
   arguments filled from the message: places after "in/for/at" for ``city``/``location``-like
   parameters (several places -> several parallel calls unless ``parallel_tool_calls`` is
   false), the first number for numeric ones, a mentioned enum value, and the whole message for
   ``query``-like or other required strings.
5. Built-in answers: the capital of a few countries, the time ("It is 12:00 PM." — fixed),
   "tell me a joke", "count to N" (N <= 200), "tell me a story", greetings.
6. Otherwise an echo: "You said: <text>" (an empty audio turn gets "Are you still there?").
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from .brain import BrainReply, BrainRequest, ToolCallSpec

__all__ = ["default_brain"]

_CAPITALS = {
    "australia": "Canberra",
    "brazil": "Brasília",
    "canada": "Ottawa",
    "china": "Beijing",
    "egypt": "Cairo",
    "france": "Paris",
    "germany": "Berlin",
    "india": "New Delhi",
    "italy": "Rome",
    "japan": "Tokyo",
    "kenya": "Nairobi",
    "mexico": "Mexico City",
    "norway": "Oslo",
    "spain": "Madrid",
    "sweden": "Stockholm",
    "the united kingdom": "London",
    "the united states": "Washington, D.C.",
    "the uk": "London",
    "the usa": "Washington, D.C.",
}
JOKE = "Why did the scarecrow win an award? Because he was outstanding in his field."
STORY = (
    "Once upon a time, in a quiet village by the sea, there lived a clockmaker named Ada. "
    "Every morning she opened her shop, wound every clock on the wall, and listened to them "
    "tick together like a small orchestra. One day a clock stopped, and Ada set out to find "
    "out why. Inside it she found a tiny note that read: keep listening. "
    "And so she did, for many happy years."
)
_GENERIC_VERBS = {
    "get", "set", "fetch", "find", "lookup", "look", "list", "do", "make", "call", "run", "the",
    "query", "current", "tool", "check", "create", "update", "delete", "add", "remove", "send",
}  # fmt: skip
_STOPWORDS = {
    "about", "after", "again", "given", "their", "there", "these", "those", "which", "where",
    "while", "would", "could", "should", "returns", "return", "value", "values", "using",
    "current", "string", "number", "other", "please", "something", "provided",
}  # fmt: skip
_PLACE_PARAMS = ("city", "location", "place", "town", "country", "region", "destination")
_TEXT_PARAMS = ("query", "text", "q", "prompt", "message", "input", "question", "topic", "term")
_PLACE_RE = re.compile(r"\b(?:in|for|at|of)\s+", re.IGNORECASE)
_PLACE_STOP = re.compile(
    r"\b(?:today|tomorrow|now|right now|please|this|tonight|like)\b|[?!.;]", re.IGNORECASE
)


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def _tool_keywords(tool: dict[str, Any]) -> tuple[set[str], set[str]]:
    """(name words, description keywords) of a tool, lowercase."""
    name = str(tool.get("name", ""))
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name).replace("_", " ").replace("-", " ")
    name_words = {w for w in _words(spaced) if len(w) >= 3 and w not in _GENERIC_VERBS}
    first = str(tool.get("description", "")).split(".")[0]
    desc = {w for w in _words(first) if len(w) >= 5 and w not in _STOPWORDS}
    return name_words, desc


def _mentions(text_words: set[str], keywords: set[str]) -> bool:
    return any(k in text_words or f"{k}s" in text_words for k in keywords)


def _choose_tool(text: str, tools: list[dict[str, Any]], choice: Any) -> dict[str, Any] | None:
    if choice == "none" or not tools:
        return None
    if isinstance(choice, dict) and choice.get("type") == "function":
        return next((t for t in tools if t.get("name") == choice.get("name")), None)
    if isinstance(choice, dict) and choice.get("type") == "mcp":
        tools = [
            t
            for t in tools
            if t.get("server_label") == choice.get("server_label")
            and choice.get("name") in (None, t.get("name"))
        ]
        choice = "required"
    text_words = _words(text)
    lowered = text.lower()
    for tool in tools:
        if str(tool.get("name", "")).lower() in lowered:
            return tool
    scores = [
        sum(_mentions(text_words, {word}) for word in _tool_keywords(tool)[0]) for tool in tools
    ]
    if max(scores) > 0:  # the tool most of whose name the user mentions (the first on a tie)
        return tools[scores.index(max(scores))]
    for tool in tools:
        if _mentions(text_words, _tool_keywords(tool)[1]):
            return tool
    return tools[0] if choice == "required" else None


def places(text: str) -> list[str]:
    """Place names after "in/for/at/of": ``"weather in Paris and Rome?"`` -> Paris, Rome."""
    for match in _PLACE_RE.finditer(text):
        tail = _PLACE_STOP.split(text[match.end() :])[0]
        names = []
        for raw in re.split(r",|\band\b|\bor\b|&", tail):
            words = [w for w in raw.strip().split() if w.lower() not in ("the", "a")]
            if words:
                names.append(" ".join(w if w[:1].isupper() else w.capitalize() for w in words))
        if names:
            return names
    return []


def _fill(text: str, tool: dict[str, Any], place: str | None) -> dict[str, Any]:
    params = tool.get("parameters") or {}
    props: dict[str, Any] = params.get("properties") or {}
    required = set(params.get("required") or ())
    args: dict[str, Any] = {}
    numbers = re.findall(r"-?\d+(?:\.\d+)?", text)
    for name, schema in props.items():
        kind = schema.get("type") if isinstance(schema, dict) else None
        enum = schema.get("enum") if isinstance(schema, dict) else None
        if name.lower() in _PLACE_PARAMS and place is not None:
            args[name] = place
        elif enum:
            hit = next((v for v in enum if str(v).lower() in text.lower()), None)
            if hit is not None or name in required:
                args[name] = hit if hit is not None else enum[0]
        elif kind in ("integer", "number") and (numbers or name in required):
            value = float(numbers[0]) if numbers else 0.0
            args[name] = int(value) if kind == "integer" else value
        elif kind == "boolean" and name in required:
            args[name] = False
        elif (kind in (None, "string")) and (name.lower() in _TEXT_PARAMS or name in required):
            args[name] = text
    return args


def _tool_calls(request: BrainRequest, text: str) -> list[ToolCallSpec]:
    tools = [*request.tools, *request.mcp_tools]
    tool = _choose_tool(text, tools, request.tool_choice)
    if tool is None:
        return []
    props = (tool.get("parameters") or {}).get("properties") or {}
    wants_place = any(p.lower() in _PLACE_PARAMS for p in props)
    found = places(text) if wants_place else []
    parallel = request.response_overrides.get(
        "parallel_tool_calls", request.session.get("parallel_tool_calls")
    )
    if parallel is False:
        found = found[:1]
    name = str(tool["name"])
    label = tool.get("server_label")
    targets: list[str | None] = list(found) or [None]
    return [
        ToolCallSpec(name=name, arguments=_fill(text, tool, p), server_label=label) for p in targets
    ]


def _render_output(output: str) -> str:
    try:
        value = orjson.loads(output)
    except orjson.JSONDecodeError:
        return output.strip()
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _subject(arguments: object) -> str | None:
    try:
        args = orjson.loads(arguments) if isinstance(arguments, str) else {}
    except orjson.JSONDecodeError:
        return None
    if isinstance(args, dict):
        return next((str(v) for v in args.values() if isinstance(v, str)), None)
    return None


def _answer_outputs(outputs: list[dict[str, Any]]) -> str:
    sentences = []
    for out in outputs:
        name = out.get("name") or "the tool"
        try:
            parsed = orjson.loads(out["output"])
        except orjson.JSONDecodeError:
            parsed = None
        if isinstance(parsed, dict) and set(parsed) == {"error"}:
            sentences.append(f"Sorry, {name} failed: {parsed['error']}.")
            continue
        subject = _subject(out.get("arguments"))
        rendered = _render_output(out["output"]) or "no result"
        sentences.append(f"{subject}: {rendered}." if subject else f"{rendered}.")
    return "Here is what I found. " + " ".join(sentences)


def _builtin(text: str) -> str | None:
    lowered = text.lower().strip()
    capital = re.search(r"capital of ([a-z .]+?)\s*[?.!]*$", lowered)
    if capital:
        country = capital.group(1).strip()
        city = _CAPITALS.get(country) or _CAPITALS.get(f"the {country}")
        if city:
            return f"The capital of {country.title().replace('The ', 'the ')} is {city}."
        return f"I don't know the capital of {country}."
    count = re.search(r"\bcount (?:from 1 )?to (\d+)", lowered)
    if count:
        n = min(200, int(count.group(1)))
        return ", ".join(str(i) for i in range(1, n + 1)) + "."
    if re.search(r"\bjoke\b", lowered):
        return JOKE
    if re.search(r"\bstory\b", lowered):
        return STORY
    if re.search(r"\bwhat time\b|\btime is it\b|\bthe time\b", lowered):
        return "It is 12:00 PM."
    if re.match(r"(hi|hello|hey|good (morning|afternoon|evening))\b", lowered):
        return "Hello! How can I help you today?"
    return None


def _mcp_outputs(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """MCP call items as the function outputs :func:`_answer_outputs` reads."""
    outputs = []
    for item in results:
        error = item.get("error")
        output = item.get("output") or ""
        if error is not None:
            output = orjson.dumps({"error": error.get("message", "failed")}).decode()
        outputs.append(
            {"name": item.get("name"), "arguments": item.get("arguments"), "output": output}
        )
    return outputs


def default_brain(request: BrainRequest) -> BrainReply:
    """Answer deterministically (see the module docstring for the rules)."""
    outputs = request.tool_outputs() + _mcp_outputs(request.mcp_results())
    if outputs:
        return BrainReply(text=_answer_outputs(outputs))
    refused = request.mcp_rejections()
    if refused:
        return BrainReply(text=f"OK, I won't use {refused[-1].get('name')}.")
    tail = request.since_last_user()
    waiting = [i for i in tail if i.get("type") == "function_call"]
    answered = {i.get("call_id") for i in tail if i.get("type") == "function_call_output"}
    waiting = [i for i in waiting if i.get("call_id") not in answered]
    if waiting:
        return BrainReply(text=f"I'm still waiting for the result of {waiting[-1].get('name')}.")
    if any(i.get("type") == "message" and i.get("role") == "assistant" for i in tail):
        return BrainReply(text="Is there anything else I can help with?")
    text = request.last_user_text()
    if text is None:
        return BrainReply(text="Hello! How can I help you today?")
    if not text:
        return BrainReply(text="Are you still there?")
    calls = _tool_calls(request, text)
    if calls:
        return BrainReply(tool_calls=tuple(calls))
    return BrainReply(text=_builtin(text) or f"You said: {text}")
