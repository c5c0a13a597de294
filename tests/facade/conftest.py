"""Helpers for the facade tests: Gemini availability, gateways to the local server, a log of
callback calls with the (virtual) time of each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import pytest
import trio

import trio_realtime as rt
from trio_realtime.testing import LocalServer

HAS_GEMINI = hasattr(rt, "GeminiGateway")
requires_gemini = pytest.mark.skipif(
    not HAS_GEMINI,
    reason="rt.GeminiGateway is not in this build yet (the Gemini codec and the local server's "
    "Gemini endpoint are merged separately); these tests run once it is",
)
#: Both providers; the Gemini cases are skipped (with the reason above) until Gemini is merged.
PROVIDERS = [pytest.param("openai"), pytest.param("gemini", marks=requires_gemini)]
GEMINI_PATH = "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"


def gateway_for(server: LocalServer, provider: str) -> Any:
    """A gateway to ``server`` speaking ``provider``'s protocol."""
    if provider == "openai":
        return server.gateway()
    make = getattr(server, "gemini_gateway", None)
    if make is not None:
        return make()
    base = server.url.split("/v1/realtime")[0]
    return rt.GeminiGateway(api_key="test-key", url=base + GEMINI_PATH)  # type: ignore[attr-defined]


@attrs.define
class Calls:
    """Every callback call: (time, callback name, arguments)."""

    log: list[tuple[float, str, tuple[Any, ...]]] = attrs.Factory(list)
    _changed: trio.Event = attrs.Factory(trio.Event)

    def add(self, name: str, *args: Any) -> None:
        """Record a call (from trio, or from a sync callback's worker thread)."""
        try:
            trio.lowlevel.current_task()
        except RuntimeError:  # a worker thread: record it in trio
            trio.from_thread.run_sync(self.add, name, *args)
            return
        self.log.append((trio.current_time(), name, args))
        self._changed.set()
        self._changed = trio.Event()

    async def wait_for(self, condition: Callable[[], bool]) -> None:
        """Wait until ``condition()`` holds (checked after every call); bound it yourself."""
        while not condition():
            await self._changed.wait()

    def of(self, name: str) -> list[tuple[Any, ...]]:
        return [args for _, n, args in self.log if n == name]

    def timed(self, name: str) -> list[tuple[float, tuple[Any, ...]]]:
        return [(t, args) for t, n, args in self.log if n == name]

    def register(
        self,
        voice: rt.RealtimeVoice,
        *,
        tool_result: Callable[[rt.ToolCallRequest], Any] = lambda request: {"ok": True},
        sync: bool = False,
    ) -> None:
        """Register recording callbacks for all five kinds (async ones, or plain functions)."""
        if sync:
            voice.on_audio(lambda pcm: self.add("on_audio", pcm))
            voice.on_transcript(lambda text, final: self.add("on_transcript", text, final))
            voice.on_error(lambda error: self.add("on_error", error))
            voice.on_interrupted(lambda: self.add("on_interrupted"))

            def tool_call(request: rt.ToolCallRequest) -> Any:
                self.add("on_tool_call", request)
                return tool_result(request)

            voice.on_tool_call(tool_call)
            return

        @voice.on_audio
        async def audio(pcm: bytes) -> None:
            self.add("on_audio", pcm)

        @voice.on_transcript
        async def transcript(text: str, is_final: bool) -> None:
            self.add("on_transcript", text, is_final)

        @voice.on_tool_call
        async def tool_call(request: rt.ToolCallRequest) -> Any:
            self.add("on_tool_call", request)
            return tool_result(request)

        @voice.on_error
        async def error(error: rt.RealtimeError) -> None:
            self.add("on_error", error)

        @voice.on_interrupted
        async def interrupted() -> None:
            self.add("on_interrupted")

    def transcript(self) -> tuple[str, list[str]]:
        """(the deltas joined, the final texts) seen by on_transcript."""
        calls = self.of("on_transcript")
        return "".join(text for text, final in calls if not final), [
            text for text, final in calls if final
        ]


LOOKUP = rt.ToolDefinition(
    "lookup",
    "Look something up in the application's records.",
    {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]},
)
