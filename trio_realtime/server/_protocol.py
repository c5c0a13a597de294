"""What the trio shell (:mod:`._connection`) needs from a sans-I/O protocol state.

Both wire protocols implement it: :class:`~.state.RealtimeServerState` (OpenAI Realtime) and
:class:`~.gemini.GeminiServerState` (Gemini Live). Every method is synchronous and returns the
outputs to carry out in order: message dicts (encoded with :meth:`ProtocolState.encode`) and
commands (:mod:`._commands`).
"""

from __future__ import annotations

from typing import Any, Protocol

from ._commands import Output
from .brain import BrainReply, BrainRequest
from .pacing import Pacing
from .synth import Speech

__all__ = ["ProtocolState"]


class ProtocolState(Protocol):
    """One connection's protocol logic, driven by the shell."""

    @property
    def pacing(self) -> Pacing: ...

    def start(self) -> list[Output]:
        """Outputs right after the WebSocket handshake."""
        ...

    def receive(self, message: str | bytes) -> list[Output]:
        """One client frame."""
        ...

    def encode(self, message: dict[str, Any]) -> str | bytes:
        """A message dict as the frame to send (text or binary)."""
        ...

    # -- a response (StartResponse) ------------------------------------------------------------

    def brain_request(self, response_id: str) -> BrainRequest | None:
        """What the brain sees; None when the response is already over."""
        ...

    def voice_request(self, response_id: str) -> tuple[object, int, float] | None:
        """``(voice, sample_rate, speed)`` when the response speaks, else None."""
        ...

    def set_reply(
        self, response_id: str, reply: BrainReply, speech: Speech | None = None
    ) -> list[Output]: ...

    def fail_response(self, response_id: str, message: str) -> list[Output]:
        """The brain or the voice raised (``message`` names the exception)."""
        ...

    def response_delay(self, response_id: str) -> float | None:
        """Pause before the next :meth:`advance`; None when nothing is left."""
        ...

    def advance(self, response_id: str) -> list[Output]: ...

    # -- a transcription (Transcribe) ----------------------------------------------------------

    def set_heard(self, item_id: str, text: str) -> None: ...

    def transcription_events(self, item_id: str) -> list[Output]: ...

    def transcription_failed(self, item_id: str, message: str) -> list[Output]: ...

    # -- timers and injected faults ------------------------------------------------------------

    def idle_timeout(self, generation: int) -> list[Output]:
        """An :class:`~._commands.ArmIdleTimer` of that generation fired."""
        ...

    def timer_fired(self, name: str) -> list[Output]:
        """A :class:`~._commands.Timer` fired."""
        ...

    def injected_error(self) -> list[Output]:
        """What ``Faults.error_after`` sends (an in-band error, or a close)."""
        ...
