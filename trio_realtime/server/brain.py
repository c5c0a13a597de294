"""The pluggable parts of the local server: the *brain* (what the assistant answers) and the
*transcriber* (what the user said in an audio turn).

A brain is a plain callable, sync or async, taking a :class:`BrainRequest` and returning a
:class:`BrainReply` (or just a ``str``, meaning ``BrainReply(text=...)``)::

    def brain(request: BrainRequest) -> BrainReply:
        if request.tool_outputs():                      # the tool round trip came back
            return BrainReply(text="Done: " + request.tool_outputs()[0]["output"])
        if "weather" in (request.last_user_text() or ""):
            return BrainReply(tool_calls=(ToolCallSpec(name="get_weather",
                                                       arguments={"city": "Oslo"}),))
        return BrainReply(text="Hello!")

The server turns the reply into the wire events of one response: a message item (text, or audio
with its transcript, per the response's modalities) and then one ``function_call`` item per tool
call, in order. An exception raised by a brain fails the response (``response.done`` with status
``failed``, code ``server_error``); it never ends the connection. A sync brain runs on the event
loop, so keep it quick. A transcriber is ``(pcm: bytes, sample_rate: int) -> str`` (or
awaitable), given the committed user audio as PCM16 LE mono.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, TypeAlias

import attrs
import orjson

__all__ = [
    "Brain",
    "BrainReply",
    "BrainRequest",
    "ScriptedTranscriber",
    "ToolCallSpec",
    "Transcriber",
    "call_brain",
    "call_transcriber",
    "describe_audio",
]


@attrs.frozen(kw_only=True)
class ToolCallSpec:
    """One tool call the assistant makes: ``name`` and ``arguments`` (mapping or JSON text).

    A ``str`` is sent verbatim as the call's ``arguments`` (so a test can send invalid JSON).
    With ``server_label`` it is a call of a tool of that remote MCP server, which the server
    makes itself (after the client's approval when the server's ``require_approval`` says so);
    otherwise a function call the client answers.
    """

    name: str
    arguments: Mapping[str, Any] | str = attrs.field(factory=dict)
    server_label: str | None = None

    def arguments_json(self) -> str:
        if isinstance(self.arguments, str):
            return self.arguments
        return orjson.dumps(dict(self.arguments)).decode()


def _tool_calls(value: Iterable[ToolCallSpec]) -> tuple[ToolCallSpec, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class BrainReply:
    """What the assistant says (``text``) and/or which tools it calls (``tool_calls``)."""

    text: str | None = None
    tool_calls: tuple[ToolCallSpec, ...] = attrs.field(default=(), converter=_tool_calls)


@attrs.frozen(kw_only=True)
class BrainRequest:
    """Everything a brain may look at; treat the dicts as read-only.

    - ``conversation``: the items the response sees, in wire shape (``conversation.item.*``).
      User ``input_audio`` parts carry the transcriber's text in ``transcript`` even when
      input transcription is off in the session.
    - ``session``: the effective session config (as in ``session.updated``).
    - ``response_overrides``: the ``response`` object of ``response.create`` (``{}`` when none
      or when the server started the response itself, e.g. after VAD).
    - ``mcp_tools``: the tools of the remote MCP servers this response may call, as listed
      (each ``{"server_label", "name", "description", "parameters"}``).
    """

    conversation: tuple[dict[str, Any], ...]
    session: dict[str, Any]
    response_overrides: dict[str, Any] = attrs.field(factory=dict)
    mcp_tools: tuple[dict[str, Any], ...] = ()

    @property
    def tools(self) -> list[dict[str, Any]]:
        """Function tools available to this response (the overrides win over the session)."""
        tools = self.response_overrides.get("tools", self.session.get("tools", []))
        return [t for t in tools if t.get("type", "function") == "function"]

    @property
    def tool_choice(self) -> Any:
        return self.response_overrides.get("tool_choice", self.session.get("tool_choice", "auto"))

    @property
    def instructions(self) -> str:
        return str(self.response_overrides.get("instructions", self.session.get("instructions")))

    def _last_user_index(self) -> int:
        for index in range(len(self.conversation) - 1, -1, -1):
            item = self.conversation[index]
            if item.get("type") == "message" and item.get("role") == "user":
                return index
        return -1

    def last_user_text(self) -> str | None:
        """The latest user message's text (typed text, or the audio's transcript), or None."""
        index = self._last_user_index()
        if index < 0:
            return None
        texts = []
        for part in self.conversation[index].get("content", ()):
            if part.get("type") == "input_text":
                texts.append(part.get("text") or "")
            elif part.get("type") == "input_audio":
                texts.append(part.get("transcript") or "")
        return " ".join(t for t in texts if t).strip()

    def since_last_user(self) -> tuple[dict[str, Any], ...]:
        """The items after the latest user message (all items when there is none)."""
        return self.conversation[self._last_user_index() + 1 :]

    def tool_outputs(self) -> list[dict[str, Any]]:
        """``function_call_output`` items not yet answered by an assistant message.

        Each is the output item plus ``"name"`` and ``"arguments"`` of its call (when the call
        is in the conversation), oldest first.
        """
        tail = self.since_last_user()
        last_message = max(
            (i for i, item in enumerate(tail) if item.get("type") == "message"), default=-1
        )
        calls = {i.get("call_id"): i for i in self.conversation if i.get("type") == "function_call"}
        found = []
        for item in tail[last_message + 1 :]:
            if item.get("type") == "function_call_output":
                call = calls.get(item.get("call_id"), {})
                found.append({**item, "name": call.get("name"), "arguments": call.get("arguments")})
        return found

    def mcp_results(self) -> list[dict[str, Any]]:
        """``mcp_call`` items not yet answered by an assistant message, oldest first (each
        carries ``output``, or ``error`` when the call failed)."""
        return [item for item in self._unanswered() if item.get("type") == "mcp_call"]

    def mcp_rejections(self) -> list[dict[str, Any]]:
        """The approval requests the client refused (not yet answered by a message): each is
        the ``mcp_approval_request`` item plus the ``reason`` given, if any."""
        items = self._unanswered()
        requests = {
            i.get("id"): i for i in self.conversation if i.get("type") == "mcp_approval_request"
        }
        found = []
        for item in items:
            if item.get("type") == "mcp_approval_response" and item.get("approve") is False:
                request = requests.get(item.get("approval_request_id"))
                if request is not None:
                    found.append({**request, "reason": item.get("reason")})
        return found

    def _unanswered(self) -> tuple[dict[str, Any], ...]:
        tail = self.since_last_user()
        last_message = max(
            (i for i, item in enumerate(tail) if item.get("type") == "message"), default=-1
        )
        return tail[last_message + 1 :]


BrainResult: TypeAlias = BrainReply | str
Brain: TypeAlias = Callable[[BrainRequest], BrainResult | Awaitable[BrainResult]]
Transcriber: TypeAlias = Callable[[bytes, int], str | Awaitable[str]]


async def call_brain(brain: Brain, request: BrainRequest) -> BrainReply:
    """Run ``brain`` (sync or async); a ``str`` result becomes ``BrainReply(text=...)``.

    Cancellation: an async brain is cancelled with the response; a sync one runs to completion.
    """
    result = brain(request)
    if inspect.isawaitable(result):
        result = await result
    if isinstance(result, str):
        return BrainReply(text=result)
    if not isinstance(result, BrainReply):
        raise TypeError(f"a brain must return BrainReply or str, not {type(result).__name__}")
    return result


async def call_transcriber(transcriber: Transcriber, pcm: bytes, sample_rate: int) -> str:
    """Run ``transcriber`` (sync or async) and check it returned a ``str``.

    Cancellation: an async transcriber is cancelled with the connection.
    """
    result = transcriber(pcm, sample_rate)
    if inspect.isawaitable(result):
        result = await result
    if not isinstance(result, str):
        raise TypeError(f"a transcriber must return str, not {type(result).__name__}")
    return result


def describe_audio(pcm: bytes, sample_rate: int) -> str:
    """The default transcriber: a deterministic description such as ``"(1.2 s of audio)"``."""
    seconds = len(pcm) / 2 / sample_rate
    return f"({seconds:.1f} s of audio)"


class ScriptedTranscriber:
    """Returns the given texts in order, one per transcribed turn, then falls back.

    ``ScriptedTranscriber(["What's the weather in Paris?"])`` makes the next audio turn "say"
    that text. The position is shared by every connection that uses the instance;
    ``fallback`` (default :func:`describe_audio`) is used once the texts run out.
    """

    def __init__(
        self, texts: Iterable[str], *, fallback: Callable[[bytes, int], str] = describe_audio
    ) -> None:
        self._texts = list(texts)
        self._next = 0
        self._fallback = fallback

    def __call__(self, pcm: bytes, sample_rate: int) -> str:
        if self._next < len(self._texts):
            self._next += 1
            return self._texts[self._next - 1]
        return self._fallback(pcm, sample_rate)
