"""The commands of a realtime session (what an application calls while it runs).

Cancellation, for every command: a command cancelled before it queued anything did nothing; once
its first message is queued, the rest of it (e.g. the response request of ``send_text``) is
carried out at once without waiting, so the state machine never runs ahead of the wire. Commands
return once their messages are queued, in order; after the server closed the session they raise
:class:`~trio_realtime.SessionClosedError`, after ``aclose()`` ``trio.ClosedResourceError``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import trio

from ._audio_frames import AudioFrame, pcm16_frame
from ._batches import BatchRunner
from ._lanes import Lane, WriterLanes
from ._turns import Action, Send, TurnMachine
from .audio.playback import PlaybackTracker
from .config import Config, ResponseOptions
from .protocol.openai import OpenAIProtocol

__all__ = ["SessionCommands"]

_MAX_APPEND_BYTES = 8 * 2**20


class SessionCommands:
    """The command half of :class:`~trio_realtime.RealtimeSession` (which supplies the state)."""

    _codec: OpenAIProtocol
    _config: Config
    _lanes: WriterLanes
    _machine: TurnMachine
    _batches: BatchRunner | None
    _closing: bool
    playback: PlaybackTracker

    def _closed_error(self) -> BaseException:
        raise NotImplementedError

    def _apply_now(self, actions: Sequence[Action], lane: Lane = "control") -> None:
        raise NotImplementedError

    def _check_open(self) -> None:
        if self._closing:
            raise self._closed_error()

    def _turn_lane(self) -> Lane:
        """Where a commit-sensitive message goes: behind a queued commit, if there is one."""
        return "audio" if self._lanes.has_barrier("audio") else "control"

    async def _user_actions(self, actions: Sequence[Action], lane: Lane = "control") -> None:
        self._apply_now(actions, lane)
        await trio.lowlevel.cancel_shielded_checkpoint()

    async def send_text(self, text: str, *, respond: bool = True) -> None:
        """Add a user text message and (unless ``respond=False``) request a response.

        Returns once queued (the response is queued behind an active one, see
        :meth:`create_response`).
        """
        self._check_open()
        await self._lanes.put("control", self._codec.user_text(text))
        if respond:
            await self._user_actions(self._machine.request_response(None), self._turn_lane())

    async def send_audio_frame(
        self,
        pcm: AudioFrame,
        *,
        sample_rate: int | None = None,
    ) -> None:
        """Append a frame of PCM16 mono audio at the session's input rate.

        ``pcm`` is little-endian bytes or an int16 array; the wrong dtype, an odd byte count or
        a ``sample_rate`` other than the session's raise ``ValueError`` before anything is sent.
        Waits while the audio lane is full. Cancellation: a frame of up to 8 MiB was queued
        whole or not at all (larger ones are split into 8 MiB appends, each whole or not at all).
        """
        data = pcm16_frame(pcm, sample_rate, self._config.input_sample_rate)
        self._check_open()
        for start in range(0, len(data), _MAX_APPEND_BYTES):
            await self._lanes.put(
                "audio", self._codec.append_audio(data[start : start + _MAX_APPEND_BYTES])
            )
        if not data:
            await trio.lowlevel.checkpoint()

    def send_audio_frame_nowait(
        self,
        pcm: AudioFrame,
        *,
        sample_rate: int | None = None,
    ) -> None:
        """Like :meth:`send_audio_frame`, but raise ``trio.WouldBlock`` if the lane is full."""
        data = pcm16_frame(pcm, sample_rate, self._config.input_sample_rate)
        self._check_open()
        if len(data) > _MAX_APPEND_BYTES:
            raise ValueError(f"a nowait frame is limited to {_MAX_APPEND_BYTES} bytes")
        if data:
            self._lanes.put_nowait("audio", self._codec.append_audio(data))

    def send_text_nowait(self, text: str) -> None:
        """``send_text(text, respond=False)``, raising ``trio.WouldBlock`` if the lane is full."""
        self._check_open()
        self._lanes.put_nowait("control", self._codec.user_text(text))

    async def commit_audio(self, *, respond: bool | None = None) -> None:
        """Commit the input audio buffer as a user turn.

        The commit goes out after every audio frame queued before it, and later
        ``create_response``/``cancel_response``/``clear_audio`` calls go out after the commit.
        With ``respond=None`` a response is requested when turn detection is off
        (push-to-talk); ``respond=False`` only commits.
        """
        self._check_open()
        await self._lanes.put("audio", self._codec.commit_audio(), barrier=True)
        if respond is None:
            respond = self._config.turn_detection is None
        if respond:
            await self._user_actions(self._machine.request_response(None), "audio")

    async def clear_audio(self) -> None:
        """Discard the uncommitted input audio: frames still queued here, and the server's.

        Frames queued before a pending ``commit_audio()`` still belong to that commit and are
        kept.
        """
        self._check_open()
        await trio.lowlevel.checkpoint_if_cancelled()
        lane = self._turn_lane()
        self._lanes.drop_tail("audio")
        await self._user_actions([Send(self._codec.clear_audio())], lane)

    async def create_response(self, options: ResponseOptions | None = None) -> None:
        """Request a response: sent at once when none is active, else queued, and all queued
        requests coalesce into one sent after ``response.done`` (the latest ``options`` win).
        """
        self._check_open()
        await trio.lowlevel.checkpoint_if_cancelled()
        await self._user_actions(self._machine.request_response(options), self._turn_lane())

    async def cancel_response(self) -> None:
        """Cancel the active (or requested) response; a no-op when idle."""
        self._check_open()
        await trio.lowlevel.checkpoint_if_cancelled()
        await self._user_actions(self._machine.cancel_response(), self._turn_lane())

    async def interrupt(self) -> None:
        """Interrupt the live assistant turn: cancel it, truncate its audio, apply on_interrupt.

        A no-op when nothing is live. Safe to call from an ``events()`` loop: the
        ``interrupted`` event it causes never waits for room in the caller's own queue.
        """
        self._check_open()
        await trio.lowlevel.checkpoint_if_cancelled()
        await self._user_actions(self._machine.interrupt("manual", trio.current_time()))

    def report_playback(self, item_id: str, played_ms: float) -> None:
        """Report how much of ``item_id``'s audio the listener has heard (for truncation)."""
        self.playback.on_play(item_id, played_ms)

    async def update(self, **changes: Any) -> None:
        """Change the session configuration (only the changed fields are sent).

        Raises ``ValueError`` (nothing sent) for invalid values, e.g. ``update(speed=3)``. The
        new configuration is adopted once its ``session.update`` is queued.
        """
        self._check_open()
        new = attrs.evolve(self._config, **changes)
        await trio.lowlevel.checkpoint_if_cancelled()
        self._lanes.force("control", self._codec.session_update(new, previous=self._config))
        self._config = new
        self._machine.configure(new)
        if self._batches is not None:
            self._batches.default_timeout = new.tool_timeout
        await trio.lowlevel.cancel_shielded_checkpoint()

    async def update_instructions(self, text: str) -> None:
        """Replace the instructions (``update(instructions=text)``)."""
        await self.update(instructions=text)

    async def send_tool_result(self, call_id: str, result: Any) -> None:
        """Answer an application-answered tool call (``ValueError`` if none is pending).

        ``result`` is encoded like a tool's return value. Not cancellable: it only hands the
        result to the waiting call.
        """
        self._check_open()
        assert self._batches is not None
        self._batches.answer(call_id, result=result)
        await trio.lowlevel.cancel_shielded_checkpoint()

    async def send_tool_error(self, call_id: str, message: str) -> None:
        """Fail an application-answered tool call with ``message`` (the model sees it)."""
        self._check_open()
        assert self._batches is not None
        self._batches.answer(call_id, error=message)
        await trio.lowlevel.cancel_shielded_checkpoint()
