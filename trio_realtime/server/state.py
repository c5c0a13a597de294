"""The sans-I/O OpenAI Realtime server: client JSON in, server event dicts and commands out.

:class:`RealtimeServerState` holds one connection's session: effective config, conversation,
input audio buffer with VAD, responses. Every method returns a list of *outputs* in wire order:
event dicts (already stamped with ``event_id``) to send, and commands (:mod:`._commands`) the I/O
shell must carry out at that point (start or stop a response task, transcribe, arm the idle
timer, close). Nothing here sleeps or touches a socket, so it is unit-testable on its own.
"""

from __future__ import annotations

from typing import Any

import orjson

from ._apierror import ApiError, invalid_value, missing_parameter
from ._audio_input import InputAudio, decode_to_pcm16, sample_rate_of
from ._commands import ArmIdleTimer, Close, Output, Transcribe
from ._handlers import HANDLERS
from ._ids import IdFactory
from ._response import ResponseRun
from ._responses import Responses
from ._usage import audio_tokens, text_tokens
from .brain import BrainReply, BrainRequest
from .config import default_session, resolve_response
from .conversation import Conversation, snapshot
from .faults import Faults
from .pacing import Pacing
from .synth import Speech, words
from .vad import SpeechStarted, VadEvent, VadFactory

__all__ = ["RealtimeServerState"]


class RealtimeServerState:
    """One connection's protocol state (see the module docstring).

    ``faults`` may carry ``fail_responses`` (the transport faults are the shell's business);
    ``now`` is the unix time used for ``expires_at``.
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
    ) -> None:
        self.ids = IdFactory(seed)
        self.model = model
        self.pacing = pacing if pacing is not None else Pacing()
        self.faults = faults
        self.session = default_session(
            session_id=self.ids.new("sess"), model=model, expires_at=int(now) + 3600
        )
        self.conversation = Conversation(self.ids.new("conv"))
        self.audio = InputAudio(vad_factory)
        self.audio.configure(self.input_config["format"], self.input_config["turn_detection"])
        self.responses = Responses(
            conversation=self.conversation,
            ids=self.ids,
            pacing=self.pacing,
            faults=faults,
            model=model,
            on_finished=self._response_finished,
        )
        self.heard: dict[str, str] = {}
        self.speech_item: str | None = None
        self._speech_start_ms = 0.0
        self.idle_generation = 0
        self._idle_armed_ms = 0.0

    @property
    def input_config(self) -> dict[str, Any]:
        audio: dict[str, Any] = self.session["audio"]["input"]
        return audio

    # -- entry points --------------------------------------------------------------------------

    def start(self) -> list[Output]:
        """The first frame of every session: ``session.created``."""
        return [self.ids.event("session.created", session=self.session)]

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
        """Handle one parsed client event; any ApiError becomes one ``error`` event."""
        event_id = event.get("event_id") if isinstance(event.get("event_id"), str) else None
        try:
            type_ = event.get("type")
            if type_ is None:
                raise missing_parameter("type")
            handler = HANDLERS.get(type_) if isinstance(type_, str) else None
            if handler is None:
                raise invalid_value("type", type_, sorted(HANDLERS))
            return handler(self, event)
        except ApiError as error:
            return [self._error(error, event_id)]

    def _error(self, error: ApiError, event_id: str | None) -> dict[str, Any]:
        return self.ids.event("error", error=error.payload(event_id))

    # -- driving responses (called by the shell for a StartResponse) -----------------------------

    def brain_request(self, response_id: str) -> BrainRequest | None:
        return self.responses.brain_request(response_id, self.session, self.heard)

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
        played = run.audio_ms / 1000.0 * (1.0 - 1.0 / self.pacing.audio_speed)
        return [self.arm_idle(idle_ms / 1000.0 + played)]

    # -- transcription (called by the shell for a Transcribe) -----------------------------------

    def set_heard(self, item_id: str, text: str) -> None:
        """Record what the user said in audio item ``item_id`` (what the brain will read)."""
        self.heard[item_id] = text

    def transcription_events(self, item_id: str) -> list[Output]:
        """The input-transcription delta(s) and ``completed`` for ``item_id``."""
        text = self.heard.get(item_id, "")
        item = self.conversation.get(item_id)
        if item is not None:
            for part in item.get("content", ()):
                if part.get("type") == "input_audio":
                    part["transcript"] = text
        out: list[Output] = []
        for piece in words(text):
            out.append(
                self.ids.event(
                    "conversation.item.input_audio_transcription.delta",
                    item_id=item_id,
                    content_index=0,
                    delta=piece,
                )
            )
        seconds = (self.conversation.audio_ms(item_id) or 0.0) / 1000.0
        spent_in, spent_out = audio_tokens(seconds * 1000), text_tokens(text)
        out.append(
            self.ids.event(
                "conversation.item.input_audio_transcription.completed",
                item_id=item_id,
                content_index=0,
                transcript=text,
                usage={
                    "type": "tokens",
                    "input_tokens": spent_in,
                    "output_tokens": spent_out,
                    "total_tokens": spent_in + spent_out,
                    "input_token_details": {"text_tokens": 0, "audio_tokens": spent_in},
                },
            )
        )
        return out

    def transcription_failed(self, item_id: str, message: str) -> list[Output]:
        self.heard.setdefault(item_id, "")
        error = {
            "type": "invalid_request_error",
            "code": "transcription_failed",
            "message": message,
            "param": None,
        }
        return [
            self.ids.event(
                "conversation.item.input_audio_transcription.failed",
                item_id=item_id,
                content_index=0,
                error=error,
            )
        ]

    # -- timers --------------------------------------------------------------------------------

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
        return out + self.responses.start(
            resolve_response(self.session, None), self.audio_ms_by_item()
        )

    def expire(self) -> list[Output]:
        """The session hit its maximum duration: ``session_expired``, then close."""
        assert self.faults is not None
        error = ApiError(self.faults.expiry_message(), code="session_expired")
        return [self._error(error, None), Close(self.faults.expire_close_code, "session expired")]

    def reject_beta(self) -> list[Output]:
        """The client asked for the retired beta interface (``OpenAI-Beta: realtime=v1``)."""
        error = ApiError(
            "The Realtime API beta interface is no longer available. Remove the "
            "'OpenAI-Beta: realtime=v1' header and use the GA event and session shapes.",
            code="beta_api_shape_disabled",
        )
        return [self._error(error, None), Close(4000, "beta_api_shape_disabled")]

    # -- helpers ---------------------------------------------------------------------------------

    def audio_ms_by_item(self) -> dict[str, float]:
        found = {}
        for item in self.conversation.items():
            ms = self.conversation.audio_ms(item["id"])
            if ms is not None:
                found[item["id"]] = ms
        return found

    def item_events(self, item: dict[str, Any], previous: str | None) -> list[Output]:
        return [
            self.ids.event(
                "conversation.item.added", previous_item_id=previous, item=snapshot(item)
            ),
            self.ids.event(
                "conversation.item.done", previous_item_id=previous, item=snapshot(item)
            ),
        ]

    def commit_audio(self, item_id: str, audio: bytes, *, transcribe: bool = True) -> list[Output]:
        """Turn buffered ``audio`` into user item ``item_id`` (committed + added + done)."""
        item = {
            "id": item_id,
            "type": "message",
            "status": "completed",
            "role": "user",
            "content": [{"type": "input_audio", "transcript": None}],
        }
        previous = self.conversation.insert(item)
        self.conversation.set_audio(item_id, audio, self.audio.bytes_per_ms)
        out: list[Output] = [
            self.ids.event(
                "input_audio_buffer.committed", previous_item_id=previous, item_id=item_id
            )
        ]
        out += self.item_events(item, previous)
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
            out += self.responses.start(
                resolve_response(self.session, None), self.audio_ms_by_item()
            )
        return out
