"""The stream of ``RealtimeVoice.run()`` and the task that feeds it audio.

:class:`VoiceStream` reads its own lossless subscription and turns events into
:class:`AudioChunk` / :class:`TranscriptDelta` items (with :class:`RunProgress`), ending once
the source has ended and the conversation is complete. :func:`feed_audio` sends the source to
the session and makes its end audible.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import AsyncIterable
from typing import Literal, NamedTuple

import trio

from .._errors import SessionClosedError
from .._fanout import Subscription
from .._session import RealtimeSession
from ..config import SemanticVad, ServerVad
from ..events import SessionClosed, SessionEvent
from ._callbacks import session_error
from ._errors import AnswerTimeoutError
from ._models import VoiceItem
from ._progress import RunProgress

__all__ = ["VoiceStream", "feed_audio", "trailing_silence_ms"]

#: Extra silence beyond what the turn detection needs to call the utterance finished.
SILENCE_MARGIN_MS = 500
#: Silence for a ``ServerVad`` that leaves ``silence_duration_ms`` to the provider.
DEFAULT_VAD_SILENCE_MS = 1000
#: The longest a semantic VAD waits, per eagerness (OpenAI: low 8 s, medium/auto 4 s, high 2 s).
SEMANTIC_WAIT_MS = {"low": 8000, "medium": 4000, "auto": 4000, "high": 2000, None: 4000}
_FRAME_MS = 100


def trailing_silence_ms(turn_detection: ServerVad | SemanticVad | None) -> int:
    """How much silence ``run()`` appends after the source so the turn detection hears the end
    of the last utterance (0 without turn detection: push-to-talk commits instead)."""
    if isinstance(turn_detection, ServerVad):
        silence = turn_detection.silence_duration_ms
        return (DEFAULT_VAD_SILENCE_MS if silence is None else silence) + SILENCE_MARGIN_MS
    if isinstance(turn_detection, SemanticVad):
        return SEMANTIC_WAIT_MS[turn_detection.eagerness] + SILENCE_MARGIN_MS
    return 0


class _Wait(NamedTuple):
    """How long the stream waits for its next event, and what happens at the deadline:
    plan again, end quietly, or fail with :class:`AnswerTimeoutError`."""

    deadline: float
    expiry: Literal["replan", "end", "fail"]
    waiting_for: str = ""


class VoiceStream(trio.abc.ReceiveChannel[VoiceItem]):
    """What ``async with voice.run(source) as stream`` gives: ``async for item in stream``.

    Items are :class:`AudioChunk` (assistant audio; ``is_final`` on an empty chunk ends each
    answer) and :class:`TranscriptDelta` (assistant text; the user's when input transcription is
    on). ``session`` is the live :class:`~trio_realtime.RealtimeSession` (to send text,
    interrupt, or ``subscribe`` for more).

    The stream is lossless and bounded (``buffer`` events): while it is not read, the session
    waits, as with ``events()``. It ends when the source has ended and the conversation is
    complete (see :mod:`._progress`), deciding only between whole session steps. With turn
    detection, it first gives the server ``settle_time`` seconds after the end of the audio to
    report speech in its last part (the server may still be processing audio we sent). Then,
    if user transcripts are still due, it waits for them at most ``transcript_timeout``
    seconds. After the source ended, if no event arrives for ``answer_timeout`` seconds while
    an answer is due (not counting running tool calls, which the session's ``tool_timeout``
    bounds), iteration raises :class:`AnswerTimeoutError`. When the server closes the session
    or the connection drops first, it raises :class:`~trio_realtime.SessionClosedError`; after
    a close by the client it just ends.

    Cancellation: a cancelled ``receive()`` loses no item; the next call returns it.
    """

    def __init__(
        self,
        session: RealtimeSession,
        subscription: Subscription,
        *,
        answer_timeout: float,
        transcript_timeout: float,
        settle_time: float,
    ) -> None:
        config = session.config
        detection = config.turn_detection
        self.session = session
        self._subscription = subscription
        self._progress = RunProgress(
            vad_responds=detection is not None and detection.create_response,
            transcripts=config.input_audio_transcription is not None,
        )
        self._answer_timeout = answer_timeout
        self._transcript_timeout = transcript_timeout
        self._settle_time = settle_time
        self._items: deque[VoiceItem] = deque()
        self._source_done = False
        self._settle_until = -math.inf
        self._last_event = trio.current_time()
        self._quiet_since: float | None = None
        self._waiter: trio.CancelScope | None = None
        self._woken = False
        self._ended = False
        self._closed = False
        self._error: BaseException | None = None

    # -- the feeder's side --------------------------------------------------------------------

    def committing(self) -> None:
        """The feeder is about to commit the input by hand: an answer is due."""
        self._progress.committed()

    def source_ended(self, *, settle: bool) -> None:
        """The source is exhausted and its end was sent: from now on the stream may end
        (after ``settle_time`` if ``settle``: the server's VAD may still report speech)."""
        now = trio.current_time()
        self._source_done = True
        self._last_event = now
        if settle:
            self._settle_until = now + self._settle_time
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None:
            self._woken = True
            self._waiter.cancel()

    # -- the reader's side --------------------------------------------------------------------

    async def receive(self) -> VoiceItem:
        """The next item; ``trio.EndOfChannel`` once the stream is complete (class docstring)."""
        while True:
            if self._closed:
                await trio.lowlevel.checkpoint()
                raise trio.ClosedResourceError("this stream was closed")
            if self._items:
                await trio.lowlevel.checkpoint()
                return self._items.popleft()
            if self._error is not None:
                await trio.lowlevel.checkpoint()
                raise self._error
            if self._ended:
                await trio.lowlevel.checkpoint()
                raise trio.EndOfChannel
            wait = self._plan()
            if wait is None:
                self._finish()
                continue
            try:
                event = await self._next_event(wait.deadline)
            except trio.EndOfChannel:
                self._finish()
                continue
            if event is not None:
                self._take(event)
            elif not self._woken and trio.current_time() >= wait.deadline:
                self._expired(wait)

    def _plan(self) -> _Wait | None:
        """None when the stream is complete; else how long to wait for the next event."""
        if not self._source_done:
            return _Wait(math.inf, "replan")
        progress = self._progress
        waiting_for = progress.waiting_for()
        if waiting_for is not None:
            self._quiet_since = None
            if progress.calls_running:
                return _Wait(math.inf, "replan")
            return _Wait(self._last_event + self._answer_timeout, "fail", waiting_for)
        if self._subscription.statistics().buffered:
            # The session publishes a step's events together (e.g. a tool's result, then its
            # batch's submission): decide only on a whole step, never half-way through one.
            return _Wait(math.inf, "replan")
        now = trio.current_time()
        if self._quiet_since is None:  # the answers are complete as of now
            self._quiet_since = now
        if now < self._settle_until:
            return _Wait(self._settle_until, "replan")
        if progress.transcripts_due:
            return _Wait(self._quiet_since + self._transcript_timeout, "end")
        return None

    async def _next_event(self, deadline: float) -> SessionEvent | None:
        """The next event, or None when woken (:meth:`source_ended`) or at ``deadline``.

        Cancel-safe: the subscription's ``receive`` takes no event when cancelled.
        """
        self._woken = False
        with trio.CancelScope(deadline=deadline) as scope:
            self._waiter = scope
            try:
                return await self._subscription.receive()
            finally:
                self._waiter = None
        return None

    def _take(self, event: SessionEvent) -> None:
        self._last_event = trio.current_time()
        if isinstance(event, SessionClosed):
            self._error = session_error(event)
            self._finish()
            return
        self._items.extend(self._progress.observe(event))

    def _expired(self, wait: _Wait) -> None:
        if wait.expiry == "fail":
            self._error = AnswerTimeoutError(
                f"the audio source ended, then nothing happened for {self._answer_timeout:g} s "
                f"while waiting for {wait.waiting_for}",
                waiting_for=wait.waiting_for,
                timeout=self._answer_timeout,
            )
            self._finish()
        elif wait.expiry == "end":  # only user transcripts were due: end without them
            self._finish()

    def _finish(self) -> None:
        """The stream is over: stop the session from queueing events for it."""
        self._ended = True
        self._subscription.close()

    async def aclose(self) -> None:
        """Stop receiving (the session no longer queues events for this stream). A checkpoint."""
        self.close()
        await trio.lowlevel.checkpoint()

    def close(self) -> None:
        """:meth:`aclose` without the checkpoint (idempotent)."""
        self._closed = True
        self._items.clear()
        self._finish()


async def feed_audio(
    session: RealtimeSession,
    source: AsyncIterable[bytes],
    stream: VoiceStream,
    *,
    trailing_silence: int | None,
) -> None:
    """Send every chunk of ``source``, then make its end heard, then tell ``stream``.

    The end: with turn detection, ``trailing_silence`` ms of silence (None: enough for the turn
    detection, :func:`trailing_silence_ms`); without, a commit, which requests the answer.
    Nothing is added when the source gave no audio. Exceptions of the source and invalid audio
    (``ValueError``) propagate; a closed session just stops the feeding (the stream reports it).
    """
    sent = 0
    settle = False
    try:
        async for pcm in source:
            await session.send_audio(pcm)
            sent += len(pcm)
        detection = session.config.turn_detection
        if sent and detection is None:
            stream.committing()
            await session.commit_audio()
        elif sent:
            if trailing_silence is None:
                trailing_silence = trailing_silence_ms(detection)
            rate = session.config.input_sample_rate
            for start in range(0, trailing_silence, _FRAME_MS):
                frame_ms = min(_FRAME_MS, trailing_silence - start)
                await session.send_audio(bytes(frame_ms * rate // 1000 * 2))
            settle = True
    except (trio.ClosedResourceError, SessionClosedError):
        return  # the session closed: the stream sees session_closed and reports it
    stream.source_ended(settle=settle)
