"""HTTP to OpenAI (or any compatible server) with ``httpx``: retries, timeouts, typed errors.

::

    RealtimeError
     └── HTTPModelError            an HTTP model failed: .status (None when unreachable), .code
          ├── AuthenticationError  401 / 403: a missing, wrong or unauthorized key (never retried)
          ├── BadRequestError      other 4xx: the request is wrong (never retried)
          ├── RateLimitError       429 after the retries (.retry_after in s, when given)
          ├── ServerError          5xx after the retries
          └── ConnectionFailedError  timeouts and network errors after the retries

Retried (``max_retries`` times): 408, 409, 429, 5xx and network errors/timeouts, waiting what
``retry-after-ms`` / ``retry-after`` say (up to 60 s; a longer wait fails at once), else an
exponential backoff (0.5 s, 1 s, 2 s ... capped at 8 s, with jitter). A streamed response is
retried only before its first byte. No message, repr or log line contains the API key, even
when a server echoes it.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any, Final

import httpx
import orjson
import trio

from .._errors import RealtimeError
from .._secrets import redact as redact_secrets

__all__ = [
    "AuthenticationError",
    "BadRequestError",
    "ConnectionFailedError",
    "HTTPModelError",
    "OpenAIHTTP",
    "RateLimitError",
    "ServerError",
]

_RETRY_STATUS: Final = frozenset({408, 409, 429, 500, 502, 503, 504})
_MAX_RETRY_WAIT: Final = 60.0


class HTTPModelError(RealtimeError):
    """An HTTP model (transcription, speech, chat) failed; see the module docstring."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.retry_after = retry_after


class AuthenticationError(HTTPModelError):
    """401/403: the key is missing, wrong, or not allowed to use this model."""


class BadRequestError(HTTPModelError):
    """A 4xx other than 401/403/408/409/429: the request itself is wrong."""


class RateLimitError(HTTPModelError):
    """429 after the retries; ``retry_after`` is the server's advice in seconds (or None)."""


class ServerError(HTTPModelError):
    """A 5xx after the retries."""


class ConnectionFailedError(HTTPModelError):
    """The server could not be reached or did not answer in time, after the retries."""


def redact(text: str, key: str | None) -> str:
    """``text`` with the key (and anything that looks like a key) masked."""
    return redact_secrets(text, [key])


def _retry_after(headers: httpx.Headers) -> float | None:
    """The server's advice in seconds, from ``retry-after-ms`` or ``retry-after``."""
    value = headers.get("retry-after-ms")
    if value is not None:
        try:
            return max(0.0, float(value) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, float(when.timestamp()) - time.time())


def _backoff(attempt: int) -> float:
    return min(8.0, 0.5 * 2.0**attempt) * random.uniform(0.75, 1.0)


def _error(response: httpx.Response, body: bytes, what: str, key: str | None) -> HTTPModelError:
    """The typed error for a failed response (message from the OpenAI error body if any)."""
    status = response.status_code
    message, code = body.decode("utf-8", "replace").strip()[:500], None
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        parsed = None
    if isinstance(parsed, dict) and isinstance(parsed.get("error"), dict):
        error = parsed["error"]
        message = str(error.get("message") or message)
        raw_code = error.get("code") or error.get("type")
        code = None if raw_code is None else str(raw_code)
    text = redact(f"{what}: HTTP {status} {response.reason_phrase}: {message}", key)
    kind: type[HTTPModelError]
    if status in (401, 403):
        kind = AuthenticationError
    elif status == 429:
        kind = RateLimitError
    elif status >= 500:
        kind = ServerError
    else:
        kind = BadRequestError
    return kind(text, status=status, code=code, retry_after=_retry_after(response.headers))


class OpenAIHTTP:
    """Authenticated requests to one base URL, retried as the module docstring says.

    Uses ``http_client`` when given (the caller owns it), else creates one on first use and
    closes it in :meth:`aclose`.
    """

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str,
        timeout: float,
        max_retries: int,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self._key = api_key
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self._client = http_client
        self._owns_client = http_client is None

    def __repr__(self) -> str:
        return f"OpenAIHTTP(base_url={redact(self.base_url, self._key)!r})"

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            timeout = httpx.Timeout(self.timeout, connect=min(10.0, self.timeout))
            self._client = httpx.AsyncClient(timeout=timeout)
        return self._client

    def _headers(self, extra: Mapping[str, str]) -> dict[str, str]:
        headers = {"user-agent": "trio-realtime", **extra}
        if self._key:
            headers["authorization"] = f"Bearer {self._key}"
        return headers

    async def _send(self, what: str, build: Any) -> httpx.Response:
        """Send ``build()`` (a fresh request per attempt); the open, successful response."""
        client = self._http()
        attempt = 0
        while True:
            request: httpx.Request = build(client)
            try:
                response = await client.send(request, stream=True)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                if attempt >= self.max_retries:
                    detail = redact(f"{type(exc).__name__}: {exc}", self._key)
                    raise ConnectionFailedError(
                        f"{what}: cannot reach {self.base_url} ({detail})"
                    ) from None
                await trio.sleep(_backoff(attempt))
                attempt += 1
                continue
            if response.status_code < 400:
                return response
            try:
                body = await response.aread()
            finally:
                await response.aclose()
            error = _error(response, body, what, self._key)
            wait = error.retry_after if error.retry_after is not None else _backoff(attempt)
            retryable = response.status_code in _RETRY_STATUS or response.status_code > 500
            if not retryable or attempt >= self.max_retries or wait > _MAX_RETRY_WAIT:
                raise error
            await trio.sleep(wait)
            attempt += 1

    async def post_json(self, path: str, body: Mapping[str, Any], *, what: str) -> Any:
        """POST JSON; the parsed JSON answer."""
        content = orjson.dumps(body)

        def build(client: httpx.AsyncClient) -> httpx.Request:
            headers = self._headers({"content-type": "application/json"})
            return client.build_request(
                "POST", self.base_url + path, content=content, headers=headers
            )

        return await self._read_json(await self._send(what, build), what)

    async def post_form(
        self,
        path: str,
        data: Mapping[str, str],
        files: Mapping[str, tuple[str, bytes, str]],
        *,
        what: str,
    ) -> Any:
        """POST ``multipart/form-data``; the parsed JSON answer."""

        def build(client: httpx.AsyncClient) -> httpx.Request:
            return client.build_request(
                "POST",
                self.base_url + path,
                data=dict(data),
                files=dict(files),
                headers=self._headers({}),
            )

        return await self._read_json(await self._send(what, build), what)

    async def _read_json(self, response: httpx.Response, what: str) -> Any:
        try:
            body = await response.aread()
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise ConnectionFailedError(f"{what}: the answer broke off ({exc})") from None
        finally:
            await response.aclose()
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            snippet = redact(body[:200].decode("utf-8", "replace"), self._key)
            raise HTTPModelError(
                f"{what}: expected JSON, got {snippet!r}", status=response.status_code
            ) from None

    @asynccontextmanager
    async def stream_json(
        self, path: str, body: Mapping[str, Any], *, what: str, accept: str
    ) -> AsyncIterator[httpx.Response]:
        """POST JSON and hold the streamed, successful response open for the block."""
        content = orjson.dumps(body)

        def build(client: httpx.AsyncClient) -> httpx.Request:
            headers = self._headers({"content-type": "application/json", "accept": accept})
            return client.build_request(
                "POST", self.base_url + path, content=content, headers=headers
            )

        response = await self._send(what, build)
        try:
            yield response
        finally:
            with trio.CancelScope(shield=True), trio.move_on_after(2.0):
                await response.aclose()

    def broken_stream(self, what: str, exc: BaseException) -> ConnectionFailedError:
        """The error for a stream that broke off after its first byte (never retried)."""
        detail = redact(f"{type(exc).__name__}: {exc}", self._key)
        return ConnectionFailedError(f"{what}: the stream broke off ({detail})")

    async def aclose(self) -> None:
        """Close the HTTP client if this object created it. Idempotent."""
        if self._owns_client and self._client is not None:
            client, self._client = self._client, None
            await client.aclose()
