"""OpenAI's transcription and speech endpoints as :class:`STTModel` / :class:`TTSModel`."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any, Final

import httpx

from ..audio import wav_bytes
from .config import STTSettings, TTSSettings, resolve_base_url
from .http import HTTPModelError, OpenAIHTTP

__all__ = ["OpenAISTT", "OpenAITTS"]

SPEECH_RATE: Final = 24_000  # response_format "pcm": 24 kHz PCM16 LE mono


def _key(api_key: str | None) -> str | None:
    return api_key if api_key is not None else os.environ.get("OPENAI_API_KEY")


class OpenAISTT:
    """``POST /audio/transcriptions``: the turn's audio as a WAV file, ``response_format: json``.

    ``api_key`` defaults to ``OPENAI_API_KEY``; ``http_client`` (owned by the caller) e.g. for
    a proxy or tests, else one is created and closed by :meth:`aclose`.
    """

    def __init__(
        self,
        settings: STTSettings | None = None,
        *,
        api_key: str | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.settings = settings if settings is not None else STTSettings()
        self._http = OpenAIHTTP(
            api_key=_key(api_key),
            base_url=resolve_base_url(self.settings.base_url),
            timeout=self.settings.timeout,
            max_retries=self.settings.max_retries,
            http_client=http_client,
        )

    def form(self) -> dict[str, str]:
        """The form fields sent besides the file."""
        fields = {"model": self.settings.model, "response_format": "json"}
        if self.settings.language:
            fields["language"] = self.settings.language
        if self.settings.prompt:
            fields["prompt"] = self.settings.prompt
        return fields

    async def transcribe(self, pcm: bytes, sample_rate: int) -> str:
        """The text of ``pcm`` (PCM16 LE mono). Raises an :class:`HTTPModelError` subclass.

        Cancellation: the request is abandoned (the connection is closed).
        """
        files = {"file": ("audio.wav", wav_bytes(pcm, sample_rate=sample_rate), "audio/wav")}
        what = f"transcription ({self.settings.model})"
        body = await self._http.post_form("/audio/transcriptions", self.form(), files, what=what)
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str):
            raise HTTPModelError(f"{what}: the answer has no 'text': {str(body)[:200]!r}")
        return text

    async def aclose(self) -> None:
        await self._http.aclose()

    def __repr__(self) -> str:
        return f"OpenAISTT(model={self.settings.model!r}, base_url={self._http.base_url!r})"


class OpenAITTS:
    """``POST /audio/speech`` with ``response_format: pcm``: 24 kHz PCM16, streamed as it is
    produced (the first chunk arrives long before the sentence is done)."""

    sample_rate: Final = SPEECH_RATE

    def __init__(
        self,
        settings: TTSSettings | None = None,
        *,
        api_key: str | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.settings = settings if settings is not None else TTSSettings()
        self._http = OpenAIHTTP(
            api_key=_key(api_key),
            base_url=resolve_base_url(self.settings.base_url),
            timeout=self.settings.timeout,
            max_retries=self.settings.max_retries,
            http_client=http_client,
        )

    def request(self, text: str) -> dict[str, Any]:
        """The JSON body for ``text`` (``speed`` and ``instructions`` only when set)."""
        settings = self.settings
        voice: Any = settings.voice
        if voice.startswith("voice_"):
            voice = {"id": voice}
        body: dict[str, Any] = {
            "model": settings.model,
            "input": text,
            "voice": voice,
            "response_format": "pcm",
        }
        if settings.instructions:
            body["instructions"] = settings.instructions
        if settings.speed != 1.0:
            body["speed"] = settings.speed
        return body

    async def synthesize(self, text: str) -> AsyncIterator[bytes]:
        """Yield PCM16 chunks (whole samples) as the server streams them.

        Raises an :class:`HTTPModelError` subclass (before the first chunk: after the retries;
        later: :class:`ConnectionFailedError`, since audio already played cannot be retried).
        Cancellation / ``aclose()``: the stream is closed.
        """
        what = f"speech ({self.settings.model})"
        async with self._http.stream_json(
            "/audio/speech", self.request(text), what=what, accept="application/octet-stream"
        ) as response:
            carry = b""
            try:
                async for chunk in response.aiter_bytes():
                    data = carry + chunk
                    cut = len(data) - len(data) % 2
                    carry = data[cut:]
                    if cut:
                        yield data[:cut]
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                raise self._http.broken_stream(what, exc) from None

    async def aclose(self) -> None:
        await self._http.aclose()

    def __repr__(self) -> str:
        return f"OpenAITTS(model={self.settings.model!r}, voice={self.settings.voice!r})"
