"""What the official ``openai`` package sends for the same calls (the reference we compare to)."""

from __future__ import annotations

import email.parser
import email.policy
from typing import Any

import httpx2
import openai
import orjson


def sdk_request(call: str, **kwargs: Any) -> httpx2.Request:
    """The request the sync ``openai`` client sends for ``call`` (``"speech"``,
    ``"transcription"`` or ``"chat"``), captured by a mock transport."""
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        if call == "speech":
            return httpx2.Response(200, content=b"\x00\x00")
        if call == "transcription":
            return httpx2.Response(200, json={"text": ""})
        return httpx2.Response(
            200, content=b"data: [DONE]\n\n", headers={"content-type": "text/event-stream"}
        )

    client = openai.OpenAI(
        api_key="sk-test",
        base_url="http://sdk.invalid/v1",
        http_client=httpx2.Client(transport=httpx2.MockTransport(handler)),
        max_retries=0,
    )
    if call == "speech":
        client.audio.speech.create(**kwargs)
    elif call == "transcription":
        client.audio.transcriptions.create(**kwargs)
    else:
        for _ in client.chat.completions.create(**kwargs):
            pass
    [request] = seen
    return request


def json_body(request: Any) -> Any:
    return orjson.loads(request.content)


def form_fields(content_type: str, body: bytes) -> dict[str, Any]:
    """A multipart body as {name: value} ({name: (filename, type, bytes)} for files)."""
    raw = f"Content-Type: {content_type}\r\n\r\n".encode() + body
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        filename = part.get_filename()
        if filename is None:
            fields[name] = payload.decode()
        else:
            fields[name] = (filename, part.get_content_type(), payload)
    return fields
