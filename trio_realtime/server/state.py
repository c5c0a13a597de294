"""The sans-I/O OpenAI Realtime server: client JSON in, server event dicts and commands out.

:class:`RealtimeServerState` holds one connection's session: effective config, conversation,
input audio buffer with VAD, responses. Every method returns a list of *outputs* in wire order:
event dicts (already stamped with ``event_id``) to send, and commands (:mod:`._commands`) the I/O
shell must carry out at that point (start or stop a response task, transcribe, arm a timer,
close). Nothing here sleeps or touches a socket, so it is unit-testable on its own.

Each client event type has a handler method (``_on_<name>``) registered with the fields it
accepts; the conversation-item operations are pure functions in :mod:`._items`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

import orjson

from . import _items
from ._apierror import ApiError, invalid_type, invalid_value, missing_parameter
from ._audio_input import InputAudio, decode_to_pcm16, sample_rate_of
from ._check import as_str, check_keys, required
from ._commands import ArmIdleTimer, Close, Output, Timer, Transcribe
from ._ids import IdFactory
from ._mcp import McpLists, pending_approvals
from ._response import ResponseRun
from ._responses import Responses
from .brain import BrainReply, BrainRequest
from .config import ResponseConfig, apply_session_update, default_session, resolve_response
from .conversation import Conversation
from .faults import Faults
from .limits import Limits
from .pacing import Pacing
from .synth import Speech
from .vad import SpeechStarted, VadEvent, VadFactory

__all__ = ["RealtimeServerState"]

_Handler = Callable[[dict[str, Any]], list[Output]]


class RealtimeServerState:
    """One connection's protocol state (see the module docstring).

    ``faults`` may carry ``fail_responses`` and ``expire_after`` (the transport faults are the
    shell's business); ``now`` is the unix time used for ``expires_at``; ``limits`` bounds the
    audio kept (:class:`~.limits.Limits`).
    """

    def __init__(
        self,
        *,
        model: str = "gpt-realtime",
        seed: int | str = 0,
        pacing: Pacing | None = None,
        faults: Faults | None = None,
        now: float = 0.0,
        vad_factory: VadFactory | None = None,
        limits: Limits | None = None,
    ) -> None:
        limits = limits if limits is not None else Limits()
        budget_ms = limits.retained_audio_seconds * 1000.0
        self.ids = IdFactory(seed)
        self.model = model
        self._pacing = pacing if pacing is not None else Pacing()
        self.faults = faults
        self.session = default_session(
            session_id=self.ids.new("sess"), model=model, expires_at=int(now) + 3600
        )
        self.conversation = Conversation(self.ids.new("conv"), audio_budget_ms=budget_ms)
        self.audio = InputAudio(vad_factory, max_buffer_ms=budget_ms)
        self.audio.configure(self.input_config["format"], self.input_config["turn_detection"])
        self.responses = Responses(
            conversation=self.conversation,
            ids=self.ids,
            pacing=self._pacing,
            faults=faults,
            model=model,
            on_finished=self._response_finished,
        )
        self.mcp = McpLists(self.conversation, self.ids)
        self.heard: dict[str, str] = {}
        self.speech_item: str | None = None
        self._speech_start_ms = 0.0
        self.idle_generation = 0
        self._idle_armed_ms = 0.0
        self._handlers: dict[str, tuple[tuple[str, ...], _Handler]] = {
            "session.update": (("session",), self._on_session_update),
            "input_audio_buffer.append": (("audio",), self._on_append),
            "input_audio_buffer.commit": ((), self._on_commit),
            "input_audio_buffer.clear": ((), self._on_clear),
            "output_audio_buffer.clear": ((), self._on_clear_output),
            "conversation.item.create": (("item", "previous_item_id"), self._on_item_create),
            "conversation.item.retrieve": (("item_id",), self._on_item_retrieve),
            "conversation.item.delete": (("item_id",), self._on_item_delete),
            "conversation.item.truncate": (
                ("item_id", "content_index", "audio_end_ms"),
                self._on_item_truncate,
            ),
            "response.create": (("response",), self._on_response_create),
            "response.cancel": (("response_id",), self._on_response_cancel),
        }

    @property
    def pacing(self) -> Pacing:
        return self._pacing

    @property
    def input_config(self) -> dict[str, Any]:
        audio: dict[str, Any] = self.session["audio"]["input"]
        return audio

    # -- entry points --------------------------------------------------------------------------

    def start(self) -> list[Output]:
        """The first frame of every session, ``session.created`` (and the expiry timer)."""
        out: list[Output] = [self.ids.event("session.created", session=self.session)]
        if self.faults is not None and self.faults.expire_after is not None:
            out.append(Timer("expire", self.faults.expire_after))
        return out

    def encode(self, message: dict[str, Any]) -> str:
        """Server events are JSON text frames."""
        return orjson.dumps(message).decode()

    def receive(self, message: str | bytes) -> list[Output]:
        """Handle one client frame (JSON text)."""
        try:
            event = orjson.loads(message)
        except orjson.JSONDecodeError as exc:
            error = ApiError(
                f"We could not parse the JSON body of your request: {exc}.", code="invalid_json"
            )
            return [self._error(error, None)]
        if not isinstance(event, dict):
            error = ApiError("Expected a JSON object as the event.", code="invalid_type")
            return [self._error(error, None)]
        return self.receive_event(event)

    def receive_event(self, event: dict[str, Any]) -> list[Output]:
        """Handle one parsed client event; any ApiError becomes one ``error`` event.

        A non-string ``event_id`` is rejected (``invalid_type``, nothing else happens), as the
        service does; a valid one is echoed in the error of a failing event.
        """
        event_id = event.get("event_id")
        if event_id is not None and not isinstance(event_id, str):
            return [self._error(invalid_type("event_id", "a string", event_id), None)]
        try:
            type_ = event.get("type")
            if type_ is None:
                raise missing_parameter("type")
            entry = self._handlers.get(type_) if isinstance(type_, str) else None
            if entry is None:
                raise invalid_value("type", type_, sorted(self._handlers))
            keys, handler = entry
            check_keys(event, ("type", "event_id", *keys), "")
            return handler(event)
        except ApiError as error:
            return [self._error(error, event_id)]

    def _error(self, error: ApiError, event_id: str | None) -> dict[str, Any]:
        return self.ids.event("error", error=error.payload(event_id))

    # -- client event handlers -----------------------------------------------------------------

    def _on_session_update(self, event: dict[str, Any]) -> list[Output]:
        self.session = apply_session_update(self.session, event.get("session"))
        inp = self.input_config
        self.audio.configure(inp["format"], inp["turn_detection"])
        out: list[Output] = [self.ids.event("session.updated", session=self.session)]
        out += self.mcp.refresh(self.session["tools"])
        detector = inp["turn_detection"]
        if detector and detector.get("idle_timeout_ms") and self.responses.active is None:
            out.append(self.arm_idle(detector["idle_timeout_ms"] / 1000.0))
        return out

    def _on_append(self, event: dict[str, Any]) -> list[Output]:
        encoded = as_str(required(event, "audio", ""), "audio")
        try:
            data = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError(
                "Invalid 'audio': expected base64-encoded audio.",
                code="invalid_value",
                param="audio",
            ) from None
        out: list[Output] = []
        for boundary in self.audio.append(data):
            out += self.on_speech(boundary)
        self.audio.trim()
        return out

    def _on_commit(self, event: dict[str, Any]) -> list[Output]:
        buffered = self.audio.buffered_ms
        if buffered < 100:
            raise ApiError(
                "Error committing input audio buffer: buffer too small. Expected at least 100ms "
                f"of audio, but buffer only has {buffered:.2f}ms of audio.",
                code="input_audio_buffer_commit_empty",
            )
        item_id = self.speech_item or self.ids.new("item")
        self.speech_item = None
        return self.commit_audio(item_id, self.audio.take_all())

    def _on_clear(self, event: dict[str, Any]) -> list[Output]:
        self.audio.clear()
        self.speech_item = None
        return [self.ids.event("input_audio_buffer.cleared")]

    def _on_clear_output(self, event: dict[str, Any]) -> list[Output]:
        raise ApiError(
            "output_audio_buffer.clear is only supported for WebRTC and SIP sessions.",
            code="invalid_value",
            param="type",
        )

    def _on_item_create(self, event: dict[str, Any]) -> list[Output]:
        new = _items.create(self.conversation, self.ids, event, self.audio.bytes_per_ms)
        out: list[Output] = list(new.events)
        if new.audio is None:
            return out
        if new.transcript is not None:
            self.heard[new.item_id] = new.transcript
        else:
            fmt = self.audio.format
            pcm = decode_to_pcm16(new.audio, fmt)
            out.append(Transcribe(new.item_id, pcm, sample_rate_of(fmt), False))
        return out

    def _on_item_retrieve(self, event: dict[str, Any]) -> list[Output]:
        return list(_items.retrieve(self.conversation, self.ids, event))

    def _on_item_delete(self, event: dict[str, Any]) -> list[Output]:
        return list(_items.delete(self.conversation, self.ids, event))

    def _on_item_truncate(self, event: dict[str, Any]) -> list[Output]:
        return list(_items.truncate(self.conversation, self.ids, event))

    def _on_response_create(self, event: dict[str, Any]) -> list[Output]:
        config = resolve_response(self.session, event.get("response"))
        out = self.start_response(config)
        self.idle_generation += 1
        return out

    def _on_response_cancel(self, event: dict[str, Any]) -> list[Output]:
        wanted = event.get("response_id")
        run = self.responses.active
        if wanted is not None:
            run = self.responses.get(as_str(wanted, "response_id"))
        if run is None or run.finished:
            raise ApiError(
                "Cancellation failed: no active response found", code="response_cancel_not_active"
            )
        return self.responses.cancel(run, "client_cancelled")

    def start_response(self, config: ResponseConfig) -> list[Output]:
        """Start a response (``ApiError`` when the default conversation is busy): the MCP
        servers of its tools not listed yet are listed first; a default-conversation response
        first makes the MCP calls the client approved."""
        if config.conversation == "auto" and self.responses.active is not None:
            raise self.responses.active_error()
        out = self.mcp.refresh(config.tools)
        approved = pending_approvals(self.conversation) if config.conversation == "auto" else []
        return out + self.responses.start(config, self.audio_ms_by_item(), approved=approved)

    # -- driving responses (called by the shell for a StartResponse) -----------------------------

    def brain_request(self, response_id: str) -> BrainRequest | None:
        run = self.responses.get(response_id)
        if run is None:
            return None
        tools = self.mcp.tools_for(run.config.tools)
        run.mcp_annotations = {(t["server_label"], t["name"]): t["annotations"] for t in tools}
        return self.responses.brain_request(response_id, self.session, self.heard, tools)

    def set_reply(
        self, response_id: str, reply: BrainReply, speech: Speech | None = None
    ) -> list[Output]:
        """Start the response's script; ``speech`` (the voice's audio for ``reply.text``)
        replaces the built-in synthetic voice."""
        return self.responses.set_reply(response_id, reply, speech)

    def voice_request(self, response_id: str) -> tuple[object, int, float] | None:
        """``(voice, sample_rate, speed)`` when the response speaks, else None."""
        run = self.responses.get(response_id)
        if run is None or "audio" not in run.config.output_modalities:
            return None
        fmt = run.config.output_format
        return run.config.voice, sample_rate_of(fmt), float(run.config.speed)

    def fail_response(self, response_id: str, message: str) -> list[Output]:
        error = {"type": "server_error", "code": "server_error", "message": message}
        return self.responses.fail(response_id, error)

    def response_delay(self, response_id: str) -> float | None:
        """Pause before the next :meth:`advance`; None when the response has nothing left."""
        return self.responses.delay(response_id)

    def advance(self, response_id: str) -> list[Output]:
        """The response's next step (due after :meth:`response_delay`), and its end if done."""
        return self.responses.advance(response_id)

    def _response_finished(self, run: ResponseRun) -> list[Output]:
        detector = self.input_config["turn_detection"]
        idle_ms = detector.get("idle_timeout_ms") if detector else None
        if run.conversation is None or not idle_ms or run.reason == "turn_detected":
            return []
        played = run.audio_ms / 1000.0 * (1.0 - 1.0 / self._pacing.audio_speed)
        return [self.arm_idle(idle_ms / 1000.0 + played)]

    # -- transcription (called by the shell for a Transcribe) -----------------------------------

    def set_heard(self, item_id: str, text: str) -> None:
        """Record what the user said in audio item ``item_id`` (what the brain will read)."""
        self.heard[item_id] = text

    def transcription_events(self, item_id: str) -> list[Output]:
        """The input-transcription delta(s) and ``completed`` for ``item_id``."""
        text = self.heard.get(item_id, "")
        return list(_items.transcription_completed(self.conversation, self.ids, item_id, text))

    def transcription_failed(self, item_id: str, message: str) -> list[Output]:
        self.heard.setdefault(item_id, "")
        return list(_items.transcription_failed(self.ids, item_id, message))

    # -- timers and injected faults --------------------------------------------------------------

    def arm_idle(self, delay: float) -> ArmIdleTimer:
        self.idle_generation += 1
        self._idle_armed_ms = self.audio.clock_ms
        return ArmIdleTimer(delay=delay, generation=self.idle_generation)

    def idle_timeout(self, generation: int) -> list[Output]:
        """The idle timer fired: ``timeout_triggered``, an (empty) user audio turn, a response."""
        detector = self.input_config["turn_detection"]
        if (
            generation != self.idle_generation
            or self.responses.active is not None
            or self.audio.in_speech
            or not detector
            or not detector.get("idle_timeout_ms")
        ):
            return []
        self.idle_generation += 1
        item_id = self.ids.new("item")
        out: list[Output] = [
            self.ids.event(
                "input_audio_buffer.timeout_triggered",
                audio_start_ms=int(self._idle_armed_ms),
                audio_end_ms=int(self.audio.clock_ms),
                item_id=item_id,
            )
        ]
        self.heard[item_id] = ""
        out += self.commit_audio(item_id, self.audio.take_all(), transcribe=False)
        return out + self.start_response(resolve_response(self.session, None))

    def timer_fired(self, name: str) -> list[Output]:
        return self.expire() if name == "expire" else []

    def expire(self) -> list[Output]:
        """The session hit its maximum duration: ``session_expired``, then close."""
        assert self.faults is not None
        error = ApiError(self.faults.expiry_message(), code="session_expired")
        return [self._error(error, None), Close(self.faults.expire_close_code, "session expired")]

    def injected_error(self) -> list[Output]:
        """``Faults.error_after``: one ``error`` event with the configured fields."""
        faults = self.faults if self.faults is not None else Faults()
        error = {
            "type": faults.error_type,
            "code": faults.error_code,
            "message": faults.error_message,
            "param": None,
            "event_id": None,
        }
        return [self.ids.event("error", error=error)]

    def reject_beta(self) -> list[Output]:
        """The client asked for the retired beta interface (``OpenAI-Beta: realtime=v1``)."""
        error = ApiError(
            "The Realtime API beta interface is no longer available. Remove the "
            "'OpenAI-Beta: realtime=v1' header and use the GA event and session shapes.",
            code="beta_api_shape_disabled",
        )
        return [self._error(error, None), Close(4000, "beta_api_shape_disabled")]

    # -- input audio turns -------------------------------------------------------------------------

    def audio_ms_by_item(self) -> dict[str, float]:
        found = {}
        for item in self.conversation.items():
            ms = self.conversation.audio_ms(item["id"])
            if ms is not None:
                found[item["id"]] = ms
        return found

    def commit_audio(self, item_id: str, audio: bytes, *, transcribe: bool = True) -> list[Output]:
        """Turn buffered ``audio`` into user item ``item_id`` (committed + added + done)."""
        item = _items.user_audio_item(item_id)
        previous = self.conversation.insert(item)
        self.conversation.set_audio(item_id, audio, self.audio.bytes_per_ms)
        out: list[Output] = [
            self.ids.event(
                "input_audio_buffer.committed", previous_item_id=previous, item_id=item_id
            )
        ]
        out += _items.item_events(self.ids, item, previous)
        if transcribe:
            fmt = self.audio.format
            emit = self.input_config["transcription"] is not None
            pcm = decode_to_pcm16(audio, fmt)
            out.append(Transcribe(item_id, pcm, sample_rate_of(fmt), emit))
        return out

    def on_speech(self, event: VadEvent) -> list[Output]:
        detector = self.input_config["turn_detection"] or {}
        if isinstance(event, SpeechStarted):
            self.idle_generation += 1
            self.speech_item = self.ids.new("item")
            self._speech_start_ms = event.at_ms
            out: list[Output] = [
                self.ids.event(
                    "input_audio_buffer.speech_started",
                    audio_start_ms=int(event.at_ms),
                    item_id=self.speech_item,
                )
            ]
            active = self.responses.active
            if active is not None and detector.get("interrupt_response", True):
                out += self.responses.cancel(active, "turn_detected")
            return out
        item_id = self.speech_item or self.ids.new("item")
        self.speech_item = None
        out = [
            self.ids.event(
                "input_audio_buffer.speech_stopped", audio_end_ms=int(event.at_ms), item_id=item_id
            )
        ]
        out += self.commit_audio(item_id, self.audio.take(self._speech_start_ms, event.at_ms))
        if detector.get("create_response", True) and self.responses.active is None:
            out += self.start_response(resolve_response(self.session, None))
        return out
