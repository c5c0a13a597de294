"""What ``on_error`` receives besides the session's own exceptions, and what ``run()`` raises.

::

    RealtimeError
    ├── SessionError            an ``error`` event of the session (``code``, ``recoverable``)
    ├── CallbackError           a callback raised (``callback``; the exception is ``__cause__``)
    ├── CallbackOverflowError   a callback fell behind and events were dropped (``dropped``)
    ├── AnswerTimeoutError      ``run()``: no answer came after the audio source ended
    └── SessionClosedError      (the session's own) the server closed or the connection dropped
"""

from __future__ import annotations

from .._errors import RealtimeError

__all__ = ["AnswerTimeoutError", "CallbackError", "CallbackOverflowError", "SessionError"]


class SessionError(RealtimeError):
    """An ``error`` event the session published, as an exception.

    ``code`` is the provider's (or the decoder's) code, None when it gave none; ``recoverable``
    says whether the session goes on.
    """

    def __init__(self, message: str, *, code: str | None, recoverable: bool) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.recoverable = recoverable

    def __str__(self) -> str:
        return f"{self.message} (code={self.code})" if self.code else self.message


class CallbackError(RealtimeError):
    """A callback raised; the exception it raised is ``__cause__``.

    ``callback`` names the decorator it was registered with, e.g. ``"on_audio"``.
    """

    def __init__(self, message: str, *, callback: str) -> None:
        super().__init__(message)
        self.callback = callback


class CallbackOverflowError(RealtimeError):
    """A callback was ``dropped`` events behind its buffer: the oldest ones were discarded."""

    def __init__(self, message: str, *, callback: str, dropped: int) -> None:
        super().__init__(message)
        self.callback = callback
        self.dropped = dropped


class AnswerTimeoutError(RealtimeError):
    """``run()``: after the audio source ended, no event came for ``timeout`` seconds while
    the stream was ``waiting_for`` something (e.g. "an answer")."""

    def __init__(self, message: str, *, waiting_for: str, timeout: float) -> None:
        super().__init__(message)
        self.waiting_for = waiting_for
        self.timeout = timeout
