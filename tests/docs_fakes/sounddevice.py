"""A stand-in for the ``sounddevice`` package, so the docs' device examples run in CI.

There is no sound card on CI. This module has the two stream classes that
:mod:`trio_realtime.audio.devices` uses, and behaves like PortAudio where it matters: each stream
calls its callback from its own thread, one block every ``blocksize / samplerate`` seconds.

- ``RawInputStream`` (the microphone) delivers the PCM16 file named by ``$FAKE_MICROPHONE_PCM``
  (24 kHz mono; silence without it), then silence.
- ``RawOutputStream`` (the speaker) pulls audio from its callback and counts it; on close it
  writes the count to ``$FAKE_SPEAKER_LOG`` when set.

The test runner puts this directory first on ``PYTHONPATH`` for blocks marked
``<!-- docs: fake-audio-devices -->`` (see tests/test_docs.py).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any

__version__ = "0.0-fake"


class _Stream:
    def __init__(
        self,
        *,
        samplerate: float,
        channels: int,
        dtype: str,
        blocksize: int,
        callback: Callable[..., None],
        device: Any = None,
    ) -> None:
        if dtype != "int16":
            raise ValueError("the fake supports int16 only")
        self.samplerate, self.channels, self.blocksize = samplerate, channels, blocksize
        self.callback = callback
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.frames = 0

    @property
    def block_bytes(self) -> int:
        return self.blocksize * self.channels * 2

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="fake-portaudio", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        period = self.blocksize / self.samplerate
        next_at = time.monotonic()
        while not self._stop.is_set():
            self._block()
            self.frames += self.blocksize
            next_at += period
            self._stop.wait(max(0.0, next_at - time.monotonic()))

    def _block(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def abort(self) -> None:
        self.stop()

    def close(self) -> None:
        self.stop()


class RawInputStream(_Stream):
    """A microphone that "says" the PCM16 in ``$FAKE_MICROPHONE_PCM``, then stays silent."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        path = os.environ.get("FAKE_MICROPHONE_PCM")
        self._audio = open(path, "rb").read() if path else b""  # noqa: SIM115
        self._at = 0

    def _block(self) -> None:
        chunk = self._audio[self._at : self._at + self.block_bytes]
        self._at += len(chunk)
        chunk += bytes(self.block_bytes - len(chunk))
        self.callback(memoryview(chunk), self.blocksize, None, None)


class RawOutputStream(_Stream):
    """A speaker that plays into the void, counting what it was given."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.audible_bytes = 0

    def _block(self) -> None:
        out = bytearray(self.block_bytes)
        self.callback(memoryview(out), self.blocksize, None, None)
        self.audible_bytes += len(out) - out.count(0)  # roughly: bytes that were not silence

    def close(self) -> None:
        super().close()
        if log := os.environ.get("FAKE_SPEAKER_LOG"):
            with open(log, "a") as file:
                file.write(f"{self.audible_bytes}\n")
