"""``RealtimeVoice``: one object, a provider picked for you, callbacks instead of an event loop."""

from __future__ import annotations

import functools
import os
from collections.abc import AsyncIterable, AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import trio

from .._broker import Broker, _unwrap_single_exception
from .._errors import RealtimeError
from .._session import RealtimeSession
from ..config import Config
from ..gateways import Gateway
from . import _providers as providers
from ._callbacks import CALLBACKS, CallbackRunner
from ._models import ToolCallRequest
from ._progress import STREAM_KINDS
from ._stream import VoiceStream, feed_audio

__all__ = ["RealtimeVoice"]

AudioCallback = TypeVar("AudioCallback", bound=Callable[[bytes], Any])
TranscriptCallback = TypeVar("TranscriptCallback", bound=Callable[[str, bool], Any])
ToolCallback = TypeVar("ToolCallback", bound=Callable[[ToolCallRequest], Any])
ErrorCallback = TypeVar("ErrorCallback", bound=Callable[[RealtimeError], Any])
InterruptedCallback = TypeVar("InterruptedCallback", bound=Callable[[], Any])
_F = TypeVar("_F", bound=Callable[..., Any])


class RealtimeVoice:
    """A realtime voice conversation with callbacks, on OpenAI or Gemini.

    ``provider`` is ``"openai"`` or ``"gemini"``; by default it comes from the environment:
    ``OPENAI_API_KEY`` set -> ``"openai"``, else ``GEMINI_API_KEY`` or ``GOOGLE_API_KEY`` ->
    ``"gemini"``, else :class:`~trio_realtime.RealtimeError` naming those variables. A
    ``gateway`` fixes the provider: its ``provider`` attribute, else its class
    (``OpenAIGateway``, ``GeminiGateway``), else the codec it makes; naming a different provider
    is a ``ValueError``. Without a gateway, the provider's default one is made (it reads the key
    from the environment). ``model`` defaults to the provider's (``gpt-realtime``,
    ``gemini-3.8-live``); ``config`` to ``Config()``. ``config.voice`` must be one of the
    provider's voices (``ValueError`` listing them).

    Register callbacks with the decorators (:meth:`on_audio`, :meth:`on_transcript`,
    :meth:`on_tool_call`, :meth:`on_error`, :meth:`on_interrupted`); registering again replaces
    the callback. Each takes effect from the next :meth:`connect` or :meth:`run`. Each kind
    runs in its own task fed by its own bounded queue (``callback_buffer`` events), so a slow
    or raising callback holds up nothing else; sync callbacks run in a worker thread; a raising
    one is reported to ``on_error`` and delivery goes on (details: ``docs/facade.md``).
    """

    def __init__(
        self,
        provider: str | None = None,
        *,
        config: Config | None = None,
        model: str | None = None,
        gateway: Gateway | None = None,
        callback_buffer: int = 256,
    ) -> None:
        config = config if config is not None else Config()
        if not isinstance(config, Config):
            raise TypeError(f"config must be an rt.Config, not {type(config).__name__}")
        if callback_buffer < 1:
            raise ValueError(f"callback_buffer must be at least 1, not {callback_buffer}")
        name = _resolve_provider(provider, gateway, config, model)
        info = providers.PROVIDERS[name]
        providers.check_voice(name, config.voice)
        if gateway is None:
            cls = providers.gateway_class(name)
            if cls is None:
                raise RealtimeError(
                    f"the {name} provider is not available in this version of trio-realtime "
                    f"(no rt.{info.gateway}); available: {providers.available_providers()}"
                )
            gateway = cls()
        self.provider: str = name
        self.model: str = model if model is not None else info.default_model
        self.gateway: Gateway = gateway
        self.config: Config = config
        self._callback_buffer = callback_buffer
        self._callbacks: dict[str, Callable[..., Any]] = {}

    def __repr__(self) -> str:
        return (
            f"RealtimeVoice(provider={self.provider!r}, model={self.model!r}, "
            f"gateway={self.gateway!r})"
        )

    @staticmethod
    def available_providers() -> list[str]:
        """The providers this version supports, in preference order (``["openai", "gemini"]``)."""
        return providers.available_providers()

    @staticmethod
    def configured_providers() -> list[str]:
        """The available providers whose API key variable is set, in the same order."""
        return providers.configured_providers(os.environ)

    # -- callbacks ----------------------------------------------------------------------------

    def _register(self, name: str, fn: _F) -> _F:
        if not callable(fn):
            raise TypeError(f"{name} needs a function, sync or async; got {fn!r}")
        self._callbacks[name] = fn
        return fn

    def on_audio(self, fn: AudioCallback) -> AudioCallback:
        """``fn(audio: bytes)``: each chunk of assistant audio, PCM16 LE mono at
        ``config.output_sample_rate``, in order.

        When ``fn`` is slower than the audio arrives (a model sends faster than real time),
        chunks wait in its queue; ``callback_buffer`` chunks behind, the oldest are dropped and
        ``on_error`` gets a ``CallbackOverflowError``. The session never waits for it.
        """
        return self._register("on_audio", fn)

    def on_transcript(self, fn: TranscriptCallback) -> TranscriptCallback:
        """``fn(text: str, is_final: bool)``: the assistant's words as they come
        (``is_final=False``), then the whole text of each answer item (``is_final=True``)."""
        return self._register("on_transcript", fn)

    def on_tool_call(self, fn: ToolCallback) -> ToolCallback:
        """``fn(request: ToolCallRequest) -> result``: answers calls of tools without a
        function (``rt.ToolDefinition`` or a ``Tool`` with no ``fn`` in the config).

        Each call runs in its own task (concurrently, up to ``config.max_concurrent_tools``);
        its return value is the call's result, exactly once; an exception becomes the error
        output the model reads (and goes to ``on_error``). A call that times out or is
        interrupted first is cancelled here. Without this callback, such calls wait for
        ``session.send_tool_result`` until ``config.tool_timeout``.
        """
        return self._register("on_tool_call", fn)

    def on_error(self, fn: ErrorCallback) -> ErrorCallback:
        """``fn(error: RealtimeError)``: the session's ``error`` events (``SessionError``), an
        unrequested close (``SessionClosedError``), a raising callback (``CallbackError``,
        the exception as ``__cause__``) and a callback falling behind
        (``CallbackOverflowError``)."""
        return self._register("on_error", fn)

    def on_interrupted(self, fn: InterruptedCallback) -> InterruptedCallback:
        """``fn()``: the assistant was interrupted (barge-in or ``session.interrupt()``): stop
        playing its audio."""
        return self._register("on_interrupted", fn)

    # -- sessions -----------------------------------------------------------------------------

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[RealtimeSession]:
        """Open a session and deliver its events to the callbacks until the block ends.

        Yields the :class:`~trio_realtime.RealtimeSession` (``send_audio``, ``send_text``, ...).
        It has no primary ``events()`` stream (the callbacks are its consumers, and an unread
        stream would stall them): use ``session.subscribe()`` for a stream of your own.

        Raises what ``Broker.connect()`` raises (``RealtimeConnectionError`` ...), bare, with
        nothing left running. Leaving the block, by any exit (cancellation included): the
        callback tasks are cancelled first (async callbacks get ``trio.Cancelled``; a sync
        callback's thread is abandoned), then the session is closed (``aclose``: shielded and
        bounded). No task started here outlives the block.
        """
        callbacks = {name: self._callbacks[name] for name in CALLBACKS if name in self._callbacks}
        broker = Broker(self.model, gateway=self.gateway, config=self.config, primary_events=False)
        with _unwrap_single_exception():
            async with broker.connect() as session:
                runner = CallbackRunner(session, callbacks, buffer=self._callback_buffer)
                try:
                    async with trio.open_nursery() as nursery:
                        runner.start(nursery)
                        try:
                            yield session
                        finally:
                            nursery.cancel_scope.cancel()
                finally:
                    runner.close()

    @asynccontextmanager
    async def run(
        self,
        audio_source: AsyncIterable[bytes],
        *,
        answer_timeout: float = 30.0,
        transcript_timeout: float = 3.0,
        settle_time: float = 1.0,
        trailing_silence_ms: int | None = None,
        buffer: int = 256,
    ) -> AsyncIterator[VoiceStream]:
        """Talk: stream ``audio_source`` to a new session and iterate the conversation.

        ``audio_source`` is an async iterable of PCM16 LE mono bytes at
        ``config.input_sample_rate``, sent as fast as it yields (a microphone paces itself; a
        file goes as fast as the connection takes it). When it is exhausted, its end is made
        heard: with turn detection, ``trailing_silence_ms`` of silence (default: enough for the
        configured VAD, e.g. ``silence_duration_ms`` + 500); without, a commit, which requests
        the answer. The yielded :class:`VoiceStream` gives ``AudioChunk`` and ``TranscriptDelta``
        items and ends once the source ended and the last answer completed; ``settle_time``,
        ``answer_timeout`` and ``transcript_timeout`` shape that wait (see
        :class:`VoiceStream`). ``buffer`` bounds the stream's queue. Callbacks run as in
        :meth:`connect`.

        An exception of the source, or ``ValueError`` for invalid audio, comes out of the
        ``async with`` (bare). Cancellation and early exit (``break``): leaving the block stops
        the feeding, then ends the session as :meth:`connect` does.
        """
        if not isinstance(audio_source, AsyncIterable):
            raise TypeError(
                f"audio_source must be an async iterable of PCM16 bytes, "
                f"not {type(audio_source).__name__}"
            )
        if answer_timeout <= 0 or transcript_timeout < 0 or settle_time < 0:
            raise ValueError(
                "answer_timeout must be > 0, transcript_timeout and settle_time >= 0 (seconds)"
            )
        if trailing_silence_ms is not None and trailing_silence_ms < 0:
            raise ValueError(f"trailing_silence_ms must be >= 0, not {trailing_silence_ms}")
        with _unwrap_single_exception():
            async with self.connect() as session, trio.open_nursery() as nursery:
                subscription = session.subscribe(kinds=STREAM_KINDS, buffer=buffer)
                stream = VoiceStream(
                    session,
                    subscription,
                    answer_timeout=answer_timeout,
                    transcript_timeout=transcript_timeout,
                    settle_time=settle_time,
                )
                feed = functools.partial(feed_audio, trailing_silence=trailing_silence_ms)
                nursery.start_soon(feed, session, audio_source, stream, name="feed_audio")
                try:
                    yield stream
                finally:
                    stream.close()
                    nursery.cancel_scope.cancel()


def _resolve_provider(
    provider: str | None, gateway: object, config: Config, model: str | None
) -> str:
    """The provider name from the arguments, the gateway, or the environment."""
    if provider is not None:
        providers.check_provider(provider)
    if gateway is None:
        return provider if provider is not None else providers.provider_from_environment(os.environ)
    spoken = providers.provider_of_gateway(gateway, config, model)
    if provider is None:
        if spoken is None:
            raise ValueError(
                f"cannot tell which provider {gateway!r} speaks; name it: "
                f"RealtimeVoice('openai', gateway=...) or RealtimeVoice('gemini', gateway=...)"
            )
        return spoken
    if spoken is not None and spoken != provider:
        raise ValueError(f"provider {provider!r} does not match the gateway, which speaks {spoken}")
    return provider
