"""A local server speaking the OpenAI Realtime GA protocol and Gemini Live, for tests, examples
and benchmarks.

Start it in a nursery; it reports its URL::

    import trio
    import trio_realtime as rt
    from trio_realtime.server import gemini_url, serve_local_realtime

    async def main() -> None:
        async with trio.open_nursery() as nursery:
            url = await nursery.start(serve_local_realtime)  # ws://127.0.0.1:PORT/v1/realtime
            async with rt.open_session("gpt-realtime", gateway=rt.OpenAIGateway(url=url)):
                ...
            print(gemini_url(url))  # ws://.../ws/google.ai.generativelanguage.v1beta...Content
            nursery.cancel_scope.cancel()

    trio.run(main)

It keeps a real conversation (items, ids, ``previous_item_id``), validates ``session.update`` and
every client event the way the service does (same error codes and wording), streams text or
audio (always with a transcript) paced by :class:`Pacing` through ``trio.sleep`` (instant on
``autojump_clock``), runs an energy VAD on appended audio, and can inject :class:`Faults`.

Brains
------
What the assistant says comes from a *brain*: a plain callable, sync or async, that receives a
:class:`BrainRequest` (``conversation``: the items in wire shape, user audio carrying its
transcript; ``session``: the effective config; ``response_overrides``) and returns a
:class:`BrainReply` (``text`` and/or ``tool_calls``, a tuple of :class:`ToolCallSpec`) or a plain
``str``::

    def brain(request: BrainRequest) -> BrainReply:
        outputs = request.tool_outputs()              # function_call_output items to answer
        if outputs:
            return BrainReply(text=f"It is {outputs[0]['output']} there.")
        text = request.last_user_text() or ""
        if "weather" in text:
            return BrainReply(tool_calls=(ToolCallSpec(name="get_weather",
                                                       arguments={"city": "Paris"}),))
        return BrainReply(text=f"You said: {text}")

    url = await nursery.start(functools.partial(serve_local_realtime, brain=brain))

The reply becomes one response: a message item (audio + transcript or text, per the response's
``output_modalities``), then one ``function_call`` item per tool call, each with streamed argument
deltas. A brain that raises fails that response (``response.done`` status ``failed``). The default,
:func:`default_brain`, answers a few questions, calls tools the user asks for (several places ->
parallel calls), answers from tool outputs, and otherwise echoes ("You said: ...").

User audio reaches the brain as text through the *transcriber* ``(pcm: bytes, rate: int) -> str``
(sync or async; default :func:`describe_audio` -> "(1.2 s of audio)"); pass e.g.
``ScriptedTranscriber(["What's the weather in Paris?"])`` to script what the user "says".
Transcription events are sent only when the session enables input transcription.

Faults
------
``serve_local_realtime(faults=Faults(drop_after=5))`` applies the same faults to every
connection (or only the first ``connections``): drop / close / stall after N events, inject an
``error``, fail chosen responses (e.g. ``rate_limit_exceeded``), expire the session, delay every
event. See :mod:`trio_realtime.server.faults`.

The protocol logic is sans-I/O (:class:`RealtimeServerState` for OpenAI,
:class:`~trio_realtime.server.gemini.GeminiServerState` for Gemini Live: client frames in,
message dicts and commands out); the trio part is one protocol-agnostic shell with one task per
response so that a cancel or a barge-in interrupts it at once. Requests are routed by path; the
Gemini path serves the same brains, transcribers, VAD, voices, pacing and faults (a
``BrainRequest`` is built from the Gemini conversation).
:class:`~trio_realtime.server.Limits` bounds what a client can hold: a connection that stops
answering keepalive pings is dropped, retained audio is capped.
``serve --tls`` (:mod:`trio_realtime.server.tls`) serves ``wss://`` for clients such as
``google-genai`` that dial nothing else.

Remote MCP servers named in a session's tools are reached server-side, as the service does
(listing, approvals, calls; see ``docs/mcp.md``); :func:`serve_mcp_stub` serves
plain functions over MCP on loopback for them. Azure OpenAI's paths (``/openai/v1/realtime``,
``/openai/realtime?api-version=...&deployment=...``) are served like OpenAI's.
"""

from __future__ import annotations

from ._commands import ArmIdleTimer, Close, StartResponse, StopResponse, Timer, Transcribe
from .brain import (
    Brain,
    BrainReply,
    BrainRequest,
    ScriptedTranscriber,
    ToolCallSpec,
    Transcriber,
    describe_audio,
)
from .default_brain import default_brain
from .faults import Faults
from .limits import Limits
from .mcp_stub import McpCallRecord, McpStub, serve_mcp_stub
from .pacing import Pacing
from .serve import gemini_url, serve_local_realtime
from .state import RealtimeServerState
from .synth import Speech, synthesize
from .vad import EnergyVad, SpeechStarted, SpeechStopped, VadSettings, threshold_to_rms

__all__ = [
    "ArmIdleTimer",
    "Brain",
    "BrainReply",
    "BrainRequest",
    "Close",
    "EnergyVad",
    "Faults",
    "Limits",
    "McpCallRecord",
    "McpStub",
    "Pacing",
    "RealtimeServerState",
    "ScriptedTranscriber",
    "Speech",
    "SpeechStarted",
    "SpeechStopped",
    "StartResponse",
    "StopResponse",
    "Timer",
    "ToolCallSpec",
    "Transcribe",
    "Transcriber",
    "VadSettings",
    "default_brain",
    "describe_audio",
    "gemini_url",
    "serve_local_realtime",
    "serve_mcp_stub",
    "synthesize",
    "threshold_to_rms",
]
