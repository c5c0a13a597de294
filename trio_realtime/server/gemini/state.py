"""The sans-I/O Gemini Live server: client frames in, server message dicts and commands out.

:class:`GeminiServerState` implements the shell's :class:`~.._protocol.ProtocolState` for one
connection on Google's ``BidiGenerateContent`` path. The first message must be ``setup``
(answered by ``setupComplete``); then:

- user turns come from ``realtimeInput`` audio (automatic activity detection, or the client's
  ``activityStart``/``activityEnd``), ``realtimeInput.text``, ``clientContent`` with
  ``turnComplete``, and ``toolResponse`` (once every pending call is answered);
- each turn is answered by the brain through one or more :class:`~._generation.Generation`
  (a tool round trip continues the same model turn); ``turnComplete`` carries
  ``usageMetadata`` and is followed by a ``sessionResumptionUpdate`` when resumption is on;
- user activity during a turn (speech, ``activityStart``, text; any ``clientContent``) cuts it
  unless ``activityHandling`` is ``NO_INTERRUPTION``: ``toolCallCancellation`` for calls not yet
  answered, ``interrupted``, then ``turnComplete``;
- errors are closes with Google's codes and reasons (:mod:`._wire`); faults close with 1011,
  and an expiring session gets ``goAway`` ``Faults.go_away_time_left`` seconds before its
  1011 "Deadline expired" close.
"""

from __future__ import annotations

import base64
import random
from typing import Any

import orjson

from .._commands import Close, Output, StartResponse, StopResponse, Timer, Transcribe
from ..brain import BrainReply, BrainRequest
from ..faults import Faults
from ..limits import Limits
from ..pacing import Pacing
from ..synth import Speech, words
from ..vad import VadFactory
from ._generation import Generation, function_call_args
from ._history import History, audio_tokens, text_tokens
from ._input import INPUT_RATE, Activity, ActivityDetector, InputEvent
from ._messages import parse_blob, parse_contents, parse_message, parse_responses
from ._setup import GeminiSetup, parse_setup, parse_tools, text_of
from ._store import SessionStore
from ._wire import (
    DEADLINE_EXPIRED,
    INTERNAL,
    GeminiClose,
    as_bool,
    as_list,
    as_str,
    duration,
    fields,
    invalid_argument,
    reason_text,
)

__all__ = ["INPUT_RATE", "GeminiServerState"]

_REALTIME = ("mediaChunks", "audio", "video", "text", "activityStart", "activityEnd")


class GeminiServerState:
    """One Gemini Live connection (see the module docstring). ``version`` is the API version of
    the path (``v1beta``...); ``store`` keeps resumption handles across connections."""

    def __init__(
        self,
        *,
        version: str = "v1beta",
        seed: int | str = 0,
        pacing: Pacing | None = None,
        faults: Faults | None = None,
        vad_factory: VadFactory | None = None,
        limits: Limits | None = None,
        store: SessionStore | None = None,
    ) -> None:
        self.version = version
        self.setup: GeminiSetup | None = None
        self.history = History()
        self.faults = faults
        self.store = store if store is not None else SessionStore()
        self._last_handle: str | None = None  # the newest resumption handle given
        self._pacing = pacing if pacing is not None else Pacing()
        limits = limits if limits is not None else Limits()
        self._input = ActivityDetector(
            vad_factory, max_buffer_ms=limits.retained_audio_seconds * 1000
        )
        self._rng = random.Random(seed)
        self._call_base = self._rng.randrange(10**18, 9 * 10**18)
        self._counter = 0  # ids of audio turns and calls
        self._generation_count = 0  # Faults.fail_responses counts generations
        self._closed = False
        self._generation: Generation | None = None
        self._generations: dict[str, Generation] = {}
        self._turn_open = False
        self._turn_out = 0
        self._prompt = {"TEXT": 0, "AUDIO": 0}
        self._pending: dict[str, str] = {}  # call id -> name, not answered yet
        self._cancelled: set[str] = set()
        self._waiting_user = False  # a user turn ended while the model could not take it
        self._seeding = False  # historyConfig: clientContent is history until turnComplete

    @property
    def pacing(self) -> Pacing:
        return self._pacing

    def _next(self) -> int:
        self._counter += 1
        return self._counter

    # -- frames --------------------------------------------------------------------------------

    def start(self) -> list[Output]:
        """Nothing: the client speaks first (``setup``)."""
        return []

    def encode(self, message: dict[str, Any]) -> bytes:
        """Server messages are binary frames holding UTF-8 JSON, as the service sends them."""
        return orjson.dumps(message)

    def receive(self, message: str | bytes) -> list[Output]:
        """Handle one client frame; an invalid one closes the connection (1007/1008)."""
        if self._closed:
            return []
        try:
            kind, body = parse_message(message)
            if self.setup is None:
                if kind != "setup":
                    raise invalid_argument()  # setup must come first
                return self._on_setup(body)
            handler = {
                "setup": self._on_second_setup,
                "realtimeInput": self._on_realtime_input,
                "clientContent": self._on_client_content,
                "toolResponse": self._on_tool_response,
                "contextUpdate": self._on_context_update,
            }[kind]
            return handler(body)
        except GeminiClose as close:
            return self._close(close.code, close.reason)

    def _close(self, code: int, reason: str) -> list[Output]:
        self._closed = True
        for generation in self._generations.values():
            generation.cancel()
        return [Close(code, reason_text(reason))]

    # -- setup ---------------------------------------------------------------------------------

    def _on_setup(self, body: Any) -> list[Output]:
        setup = parse_setup(body, self.version)
        if setup.resume_handle is not None:
            saved = self.store.resume(setup.resume_handle)
            if saved is None:
                raise invalid_argument()  # unknown or expired handle
            self.history = saved
            self._last_handle = setup.resume_handle
        self.setup = setup
        self._input.configure(automatic=setup.automatic_activity, settings=setup.vad)
        self._seeding = setup.history_in_client_content
        out: list[Output] = [{"setupComplete": {}}]
        if setup.resumption:
            out.append(self._resumption_update())
        faults = self.faults
        if faults is not None and faults.expire_after is not None:
            lead = min(faults.go_away_time_left, faults.expire_after)
            out.append(Timer("go_away", faults.expire_after - lead))
            out.append(Timer("expire", faults.expire_after))
        return out

    def _on_second_setup(self, body: Any) -> list[Output]:
        raise invalid_argument()

    def _on_context_update(self, body: Any) -> list[Output]:
        assert self.setup is not None
        update = fields(body, ("systemInstruction", "tools"), "contextUpdate")
        instructions = None
        if "systemInstruction" in update:
            instructions = text_of(update["systemInstruction"], "contextUpdate.systemInstruction")
        tools = None
        if "tools" in update:
            wrapper = fields(update["tools"], ("tools",), "contextUpdate.tools")
            tools = parse_tools(wrapper.get("tools", []), "contextUpdate.tools.tools")
        self.setup = self.setup.with_context(instructions, tools)
        return []

    # -- user input ------------------------------------------------------------------------------

    def _on_realtime_input(self, body: Any) -> list[Output]:
        given = fields(body, (*_REALTIME, "audioStreamEnd"), "realtimeInput")
        self._seeding = False
        events: list[InputEvent] = []
        out: list[Output] = []
        if "activityStart" in given:
            fields(given["activityStart"], (), "realtimeInput.activityStart")
            events += self._input.activity_start()
        chunks = as_list(given.get("mediaChunks", []), "realtimeInput.mediaChunks")
        blobs = [(c, f"realtimeInput.mediaChunks[{i}]") for i, c in enumerate(chunks)]
        blobs += [(given[k], f"realtimeInput.{k}") for k in ("audio", "video") if k in given]
        for raw, path in blobs:
            blob = parse_blob(raw, path)
            if blob.audio:
                events += self._input.audio(blob.pcm, blob.sample_rate)
        out += self._on_input(events)
        if "text" in given:
            out += self._text_in(as_str(given["text"], "realtimeInput.text"))
        events = []
        if "activityEnd" in given:
            fields(given["activityEnd"], (), "realtimeInput.activityEnd")
            events += self._input.activity_end()
        end = given.get("audioStreamEnd", False)
        if as_bool(end, "realtimeInput.audioStreamEnd"):
            events += self._input.stream_end()
        return out + self._on_input(events)

    def _on_input(self, events: list[InputEvent]) -> list[Output]:
        out: list[Output] = []
        for event in events:
            if isinstance(event, Activity):
                out += self._user_activity()
            elif event.pcm:
                out += self._user_audio(event.pcm)
            else:
                out += self._user_turn_done()
        return out

    def _text_in(self, text: str) -> list[Output]:
        out = self._user_activity()
        self.history.add("user", [{"text": text}])
        if self._input.activity_open:
            return out  # part of the activity: answered at activityEnd
        return out + self._user_turn_done()

    def _user_audio(self, pcm: bytes) -> list[Output]:
        assert self.setup is not None
        turn_id = f"audio_{self._next()}"
        self.history.add_user_audio(turn_id, len(pcm) / (INPUT_RATE * 2 / 1000))
        emit = self.setup.input_transcription
        out: list[Output] = [Transcribe(turn_id, pcm, INPUT_RATE, emit)]
        return out + self._user_turn_done()

    def _on_client_content(self, body: Any) -> list[Output]:
        content = fields(body, ("turns", "turnComplete"), "clientContent")
        turns = parse_contents(content.get("turns", []), "clientContent.turns")
        complete = as_bool(content.get("turnComplete", False), "clientContent.turnComplete")
        out: list[Output] = [] if self._seeding else self._interrupt()
        for role, parts in turns:
            kept = []
            for part in parts:
                blob = part.get("inlineData")
                audio = parse_blob(blob, "inlineData") if blob is not None else None
                if audio is not None and audio.audio and role == "user":
                    turn_id = f"audio_{self._next()}"
                    ms = len(audio.pcm) / (audio.sample_rate * 2 / 1000)
                    kept.append({"audioTurn": turn_id, "ms": ms})
                    out.append(Transcribe(turn_id, audio.pcm, audio.sample_rate, False))
                else:
                    kept.append(part)
            self.history.add(role, kept)
        if not complete:
            return out
        if self._seeding:
            self._seeding = False  # the initial history is in; nothing is generated for it
            return out
        return out + self._user_turn_done()

    def _on_tool_response(self, body: Any) -> list[Output]:
        parts = []
        answered = []
        for response in parse_responses(body):
            call_id = response["id"]
            if call_id in self._cancelled:
                continue  # the client answered a cancelled call: ignored
            if call_id not in self._pending:
                raise invalid_argument()  # no such pending call
            del self._pending[call_id]
            parts.append({"functionResponse": response})
            answered.append(response.get("scheduling"))
        if not parts:
            return []
        self.history.add("user", parts)
        if self._pending or all(s == "SILENT" for s in answered):
            return []
        self._waiting_user = False  # the brain sees any user turn that came meanwhile
        return self._start_generation()

    # -- turns -----------------------------------------------------------------------------------

    def _user_activity(self) -> list[Output]:
        assert self.setup is not None
        return self._interrupt() if self.setup.interrupts else []

    def _user_turn_done(self) -> list[Output]:
        if self._generation is not None or self._pending:
            self._waiting_user = True  # answered once the model is free
            return []
        return self._start_generation()

    def _interrupt(self) -> list[Output]:
        """Barge-in: cut the open turn (cancel its calls); nothing when no turn is open."""
        if not self._turn_open:
            return []
        out: list[Output] = []
        generation = self._generation
        if generation is not None:
            self._end_generation(generation)
            out.append(StopResponse(generation.id))
        if self._pending:
            out.append({"toolCallCancellation": {"ids": list(self._pending)}})
            self._cancelled.update(self._pending)
            self._pending.clear()
        out.append({"serverContent": {"interrupted": True}})
        out.append({"serverContent": {"turnComplete": True}, "usageMetadata": self._usage()})
        return out + self._after_turn()

    def _start_generation(self) -> list[Output]:
        assert self.setup is not None
        self._generation_count += 1
        number = self._generation_count
        failure = self.faults.failure(number, self.setup.model) if self.faults else None
        if failure is not None:
            return self._close(1011, self._failure_reason(failure["code"]))
        generation = Generation(
            generation_id=f"gen_{number}",
            model_turn=self.history.model_turn(),
            modality=self.setup.modality,
            voice=self.setup.voice,
            output_transcription=self.setup.output_transcription,
            pacing=self._pacing,
        )
        self._generations[generation.id] = generation
        self._generation = generation
        if not self._turn_open:
            self._turn_open, self._turn_out = True, 0
        self._prompt = self.history.prompt_tokens(self.setup.instructions, self.setup.tools)
        return [StartResponse(generation.id)]

    def _end_generation(self, generation: Generation) -> None:
        generation.cancel()
        self._generations.pop(generation.id, None)
        if self._generation is generation:
            self._generation = None
        if self.setup is not None and self.setup.modality == "AUDIO":
            self._turn_out += audio_tokens(generation.audio_ms)
        else:
            self._turn_out += text_tokens(generation.text_out)

    def _after_turn(self) -> list[Output]:
        assert self.setup is not None
        self._turn_open = False
        out: list[Output] = []
        if self.setup.resumption:
            out.append(self._resumption_update())
        if self._waiting_user:
            self._waiting_user = False
            out += self._start_generation()
        return out

    def _usage(self) -> dict[str, Any]:
        assert self.setup is not None
        prompt = self._prompt["TEXT"] + self._prompt["AUDIO"]
        details = [{"modality": m, "tokenCount": n} for m, n in self._prompt.items() if n]
        usage: dict[str, Any] = {
            "promptTokenCount": prompt,
            "responseTokenCount": self._turn_out,
            "totalTokenCount": prompt + self._turn_out,
            "promptTokensDetails": details,
            "responseTokensDetails": [
                {"modality": self.setup.modality, "tokenCount": self._turn_out}
            ],
        }
        return usage

    def _resumption_update(self) -> dict[str, Any]:
        handle = base64.urlsafe_b64encode(self._rng.randbytes(24)).decode()
        self.store.save(handle, self.history, after=self._last_handle)
        self._last_handle = handle
        return {"sessionResumptionUpdate": {"newHandle": handle, "resumable": True}}

    def _failure_reason(self, code: str) -> str:
        if code == "server_error":
            return INTERNAL
        detail = (
            "Resource has been exhausted (e.g. check quota)."
            if code == "rate_limit_exceeded"
            else "You exceeded your current quota, please check your plan and billing details."
        )
        trace = f"{self._rng.getrandbits(64):016x}"
        return (
            f"Request trace id: {trace}, [ORIGINAL ERROR] generic::resource_exhausted: "
            f"RESOURCE_EXHAUSTED: {detail}"
        )

    # -- driving a generation (StartResponse) ---------------------------------------------------

    def brain_request(self, response_id: str) -> BrainRequest | None:
        generation = self._generations.get(response_id)
        if generation is None or self.setup is None:
            return None
        items = self.history.brain_items(audio_out=self.setup.modality == "AUDIO")
        return BrainRequest(conversation=items, session=self.setup.session())

    def voice_request(self, response_id: str) -> tuple[object, int, float] | None:
        if self.setup is None or self.setup.modality != "AUDIO":
            return None
        return self.setup.voice, 24000, 1.0

    def set_reply(
        self, response_id: str, reply: BrainReply, speech: Speech | None = None
    ) -> list[Output]:
        generation = self._generations.get(response_id)
        if generation is None:
            return []
        try:
            calls = [
                {
                    "id": f"function-call-{self._call_base + self._next()}",
                    "name": spec.name,
                    "args": function_call_args(spec),
                }
                for spec in reply.tool_calls
            ]
        except ValueError as exc:  # includes orjson's JSONDecodeError
            return self.fail_response(response_id, str(exc))
        generation.begin(reply, calls, speech)
        return []

    def fail_response(self, response_id: str, message: str) -> list[Output]:
        """The brain failed: the service has no in-band error, so the connection closes."""
        return self._close(1011, INTERNAL)

    def response_delay(self, response_id: str) -> float | None:
        generation = self._generations.get(response_id)
        return None if generation is None else generation.delay

    def advance(self, response_id: str) -> list[Output]:
        generation = self._generations.get(response_id)
        if generation is None:
            return []
        out: list[Output] = list(generation.advance())
        for call in generation.calls:
            if call["id"] not in self._pending and call["id"] not in self._cancelled:
                self._pending[call["id"]] = call["name"]
        if not generation.finished:
            return out
        self._end_generation(generation)
        if generation.turn_completed:
            done = out[-1]
            assert isinstance(done, dict)
            done["usageMetadata"] = self._usage()
            out += self._after_turn()
        return out

    # -- transcription, timers, faults ---------------------------------------------------------

    def set_heard(self, item_id: str, text: str) -> None:
        self.history.heard[item_id] = text

    def transcription_events(self, item_id: str) -> list[Output]:
        """``inputTranscription`` fragments; the last one says ``finished``."""
        pieces = words(self.history.heard.get(item_id, ""))
        out: list[Output] = []
        for index, piece in enumerate(pieces):
            fragment: dict[str, Any] = {"text": piece}
            if index == len(pieces) - 1:
                fragment["finished"] = True
            out.append({"serverContent": {"inputTranscription": fragment}})
        return out

    def transcription_failed(self, item_id: str, message: str) -> list[Output]:
        self.history.heard.setdefault(item_id, "")
        return []  # no in-band error on Gemini Live: the turn is answered without words

    def idle_timeout(self, generation: int) -> list[Output]:
        return []

    def timer_fired(self, name: str) -> list[Output]:
        if self._closed:
            return []
        if name == "go_away":
            assert self.faults is not None
            assert self.faults.expire_after is not None
            left = min(self.faults.go_away_time_left, self.faults.expire_after)
            return [{"goAway": {"timeLeft": duration(left)}}]
        if name == "expire":
            return self._close(1011, DEADLINE_EXPIRED)
        return []

    def injected_error(self) -> list[Output]:
        """``Faults.error_after``: the service's only error is a close (1011, internal)."""
        return self._close(1011, INTERNAL)
