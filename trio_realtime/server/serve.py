"""``serve_local_realtime``: the trio-websocket server, its handshake checks and path routing."""

from __future__ import annotations

import functools
import hmac
import logging
import ssl
import time
from collections.abc import Awaitable, Callable
from typing import NoReturn
from urllib.parse import parse_qs, urlsplit

import orjson
import trio
from trio_websocket import ConnectionClosed, WebSocketRequest, WebSocketServer, serve_websocket
from wsproto.utilities import LocalProtocolError

from ._connection import close_connection, serve_connection
from .brain import Brain, Transcriber, describe_audio
from .default_brain import default_brain
from .faults import Faults
from .gemini import API_VERSIONS, GeminiServerState, SessionStore, gemini_path
from .limits import Limits
from .pacing import Pacing
from .state import RealtimeServerState
from .synth import Voice
from .vad import VadFactory

__all__ = ["gemini_url", "serve_local_realtime"]

logger = logging.getLogger("trio_realtime.server")

OPENAI_PATH = "/v1/realtime"
#: Azure OpenAI's paths: GA (``?model=<deployment>``) and versioned
#: (``?api-version=...&deployment=<deployment>``).
AZURE_PATH = "/openai/v1/realtime"
AZURE_VERSIONED_PATH = "/openai/realtime"
MAX_MESSAGE_BYTES = 24 * 2**20  # a 15 MiB append, base64-encoded, plus the JSON around it
# What a client that goes away mid-handshake raises (it must never reach the server's nursery).
_HANDSHAKE_ERRORS = (
    ConnectionClosed,
    LocalProtocolError,
    trio.BrokenResourceError,
    trio.ClosedResourceError,
)


def _json_error(message: str, code: str | None) -> bytes:
    body = {"error": {"message": message, "type": "invalid_request_error", "param": None}}
    body["error"]["code"] = code
    return orjson.dumps(body)


async def _reject(request: WebSocketRequest, status: int, body: bytes) -> None:
    # trio-websocket adds the Content-Length itself.
    await request.reject(status, extra_headers=[(b"content-type", b"application/json")], body=body)


def _api_key(request: WebSocketRequest) -> str | None:
    """The key from ``Authorization: Bearer``, ``api-key``, or the browser subprotocol."""
    for name, value in request.headers:
        lowered = name.lower()
        if lowered == b"authorization" and value[:7].lower() == b"bearer ":
            return value[7:].decode("latin-1").strip()
        if lowered == b"api-key":
            return value.decode("latin-1").strip()
    for proto in request.proposed_subprotocols:
        if proto.startswith("openai-insecure-api-key."):
            return proto.removeprefix("openai-insecure-api-key.")
    return None


def _same_key(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _google_error(code: int, status: str, message: str, reason: str | None = None) -> bytes:
    """A Google API error body (``google.rpc.Status`` as JSON)."""
    error: dict[str, object] = {"code": code, "message": message, "status": status}
    if reason is not None:
        error["details"] = [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": reason,
                "domain": "googleapis.com",
                "metadata": {"service": "generativelanguage.googleapis.com"},
            }
        ]
    return orjson.dumps({"error": error}, option=orjson.OPT_INDENT_2)


def _google_key(request: WebSocketRequest, query: str) -> str | None:
    """The key from ``x-goog-api-key`` or ``?key=``."""
    for name, value in request.headers:
        if name.lower() == b"x-goog-api-key":
            return value.decode("latin-1").strip()
    keys = parse_qs(query).get("key")
    return keys[0] if keys else None


class _Server:
    def __init__(
        self,
        *,
        brain: Brain,
        transcriber: Transcriber,
        faults: Faults,
        pacing: Pacing,
        limits: Limits,
        require_api_key: str | None,
        seed: int,
        voice: Voice | None = None,
        vad: VadFactory | None = None,
    ) -> None:
        self.voice = voice
        self.vad = vad
        self.brain = brain
        self.transcriber = transcriber
        self.faults = faults
        self.pacing = pacing
        self.limits = limits
        self.require_api_key = require_api_key
        self.seed = seed
        self.connections = 0
        self.store = SessionStore()
        self.routes: dict[str, Callable[[WebSocketRequest, str], Awaitable[None]]] = {
            OPENAI_PATH: self._serve_openai,
            AZURE_PATH: self._serve_openai,
            AZURE_VERSIONED_PATH: self._serve_azure_versioned,
        }
        for version in API_VERSIONS:
            self.routes[gemini_path(version)] = functools.partial(self._serve_gemini, version)

    async def handle(self, request: WebSocketRequest) -> None:
        """Answer one handshake and serve the connection.

        A client that goes away at any point (even before reading the handshake answer) only
        ends its own connection: nothing it does reaches the server's nursery.
        """
        try:
            await self._route(request)
        except _HANDSHAKE_ERRORS as exc:
            logger.debug("local realtime server: a client went away: %r", exc)

    async def _route(self, request: WebSocketRequest) -> None:
        target = urlsplit(request.path)
        path = "/" + target.path.lstrip("/")
        route = self.routes.get(path.rstrip("/"))
        if route is None:
            message = f"Invalid URL (GET {target.path})"
            await _reject(request, 404, _json_error(message, None))
            return
        await route(request, target.query)

    def _next_connection(self) -> tuple[int, Faults | None]:
        self.connections += 1
        number = self.connections
        return number, self.faults if self.faults.applies_to(number) else None

    async def _serve_azure_versioned(self, request: WebSocketRequest, query: str) -> None:
        """Azure's versioned path: ``api-version`` and ``deployment`` are required."""
        params = parse_qs(query)
        missing = [name for name in ("api-version", "deployment") if not params.get(name)]
        if missing:
            message = f"Missing required query parameter(s): {', '.join(missing)}."
            await _reject(request, 400, _json_error(message, "BadRequest"))
            return
        await self._serve_openai(request, query, model=params["deployment"][0])

    async def _serve_openai(
        self, request: WebSocketRequest, query: str, *, model: str | None = None
    ) -> None:
        if self.require_api_key is not None:
            key = _api_key(request)
            if key is None:
                message = (
                    "You didn't provide an API key. You need to provide your API key in an "
                    "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
                )
                await _reject(request, 401, _json_error(message, "invalid_api_key"))
                return
            if not _same_key(key, self.require_api_key):
                message = (
                    "Incorrect API key provided. You can find your API key at "
                    "https://platform.openai.com/account/api-keys."
                )
                await _reject(request, 401, _json_error(message, "invalid_api_key"))
                return
        model = model or parse_qs(query).get("model", ["gpt-realtime"])[0]
        beta = any(
            name.lower() == b"openai-beta" and b"realtime" in value.lower()
            for name, value in request.headers
        )
        subprotocol = "realtime" if "realtime" in request.proposed_subprotocols else None
        ws = await request.accept(subprotocol=subprotocol)
        number, faults = self._next_connection()
        state = RealtimeServerState(
            model=model,
            seed=f"{self.seed}:{number}",
            pacing=self.pacing,
            faults=faults,
            now=time.time(),
            vad_factory=self.vad,
            limits=self.limits,
        )
        try:
            await serve_connection(
                ws,
                state,
                brain=self.brain,
                transcriber=self.transcriber,
                faults=faults,
                voice=self.voice,
                limits=self.limits,
                refuse=state.reject_beta() if beta else None,
            )
        except Exception:
            logger.exception("local realtime server: connection %d failed", number)
            await close_connection(ws, 1011, "internal server error")

    async def _serve_gemini(self, version: str, request: WebSocketRequest, query: str) -> None:
        if self.require_api_key is not None:
            key = _google_key(request, query)
            if key is None:
                message = (
                    "Method doesn't allow unregistered callers (callers without established "
                    "identity). Please use API Key or other form of API consumer identity to "
                    "call this API."
                )
                await _reject(request, 403, _google_error(403, "PERMISSION_DENIED", message))
                return
            if not _same_key(key, self.require_api_key):
                message = "API key not valid. Please pass a valid API key."
                body = _google_error(400, "INVALID_ARGUMENT", message, "API_KEY_INVALID")
                await _reject(request, 400, body)
                return
        ws = await request.accept()
        number, faults = self._next_connection()
        state = GeminiServerState(
            version=version,
            seed=f"{self.seed}:{number}",
            pacing=self.pacing,
            faults=faults,
            vad_factory=self.vad,
            limits=self.limits,
            store=self.store,
        )
        try:
            await serve_connection(
                ws,
                state,
                brain=self.brain,
                transcriber=self.transcriber,
                faults=faults,
                voice=self.voice,
                limits=self.limits,
            )
        except Exception:
            logger.exception("local realtime server: connection %d failed", number)
            await close_connection(ws, 1011, "Internal error occurred.")


def gemini_url(url: str, version: str = "v1beta") -> str:
    """The Gemini Live URL of the server whose OpenAI URL is ``url`` (what
    :func:`serve_local_realtime` reports): same scheme, host and port."""
    return url.removesuffix(OPENAI_PATH) + gemini_path(version)


def _url(host: str, port: int, secure: bool) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"{'wss' if secure else 'ws'}://{shown}:{port}{OPENAI_PATH}"


async def serve_local_realtime(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    brain: Brain = default_brain,
    transcriber: Transcriber = describe_audio,
    faults: Faults | None = None,
    pacing: Pacing | None = None,
    require_api_key: str | None = None,
    seed: int = 0,
    ssl_context: ssl.SSLContext | None = None,
    voice: Voice | None = None,
    vad: VadFactory | None = None,
    limits: Limits | None = None,
    task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED,
) -> NoReturn:
    """Serve the OpenAI Realtime GA protocol on ``ws://host:port/v1/realtime?model=...``, and
    Gemini Live on the same port at Google's path (:func:`~trio_realtime.server.gemini_url`).

    Use ``url = await nursery.start(serve_local_realtime, ...)``: the bound URL (with the real
    port when ``port=0``) is reported once the server accepts connections. Every connection is an
    independent session answered by ``brain`` (default: :func:`default_brain`), with input
    transcription by ``transcriber``, paced by ``pacing`` (default :class:`Pacing`), with
    ``faults`` (default none) applied to each connection. ``voice`` replaces the synthetic
    voice with real speech (:data:`~trio_realtime.server.synth.Voice`) and ``vad`` the energy
    VAD (a :data:`~trio_realtime.server.vad.VadFactory`, e.g. :class:`FrameVad` over Silero):
    ``serve --speech`` passes both, with Whisper as the transcriber. ``require_api_key``
    refuses other keys (the key is never echoed): on the OpenAI path with HTTP 401 and an
    OpenAI-style JSON body; on the Gemini path (``x-goog-api-key`` or ``?key=``) with Google's
    HTTP 403 (no key) or 400 (``API_KEY_INVALID``). Otherwise any key is accepted. ``seed``
    makes the ids reproducible. ``limits`` (default :class:`Limits`) drops clients that stop
    answering pings and bounds the audio a session keeps. A client that misbehaves, or goes
    away at any point, only ends its own connection.

    Cancellation: runs until cancelled; cancelling closes the listener and every connection.
    """
    server = _Server(
        brain=brain,
        transcriber=transcriber,
        faults=faults if faults is not None else Faults(),
        pacing=pacing if pacing is not None else Pacing(),
        limits=limits if limits is not None else Limits(),
        require_api_key=require_api_key,
        seed=seed,
        voice=voice,
        vad=vad,
    )
    serve = functools.partial(
        serve_websocket,
        server.handle,
        host,
        port,
        ssl_context,
        max_message_size=MAX_MESSAGE_BYTES,
        message_queue_size=64,
    )
    async with trio.open_nursery() as nursery:
        listener: WebSocketServer = await nursery.start(serve)
        task_status.started(_url(host, listener.port, ssl_context is not None))
    raise AssertionError("serve_websocket returned")  # pragma: no cover
