"""Recording keeps the session's write batching: a batch goes to the wrapped transport in one
``send_messages`` call when it has one, one message at a time otherwise; every frame recorded."""

from __future__ import annotations

import pathlib
from collections.abc import Sequence

import trio

import trio_realtime as rt
from trio_realtime.recording import read_recording
from trio_realtime.recording._format import frame_of
from trio_realtime.transport import memory_transport_pair


class Batching:
    """A transport stand-in that remembers each write call."""

    def __init__(self, inner: rt.transport.Transport) -> None:
        self.inner = inner
        self.writes: list[tuple[str | bytes, ...]] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    async def send_messages(self, messages: Sequence[str | bytes]) -> None:
        self.writes.append(tuple(messages))
        for message in messages:
            await self.inner.send_message(message)


async def record_batch(path: pathlib.Path, batching: bool) -> tuple[list[object], Batching | None]:
    client, server = memory_transport_pair()
    inner = Batching(client) if batching else client
    recorder = rt.Recorder(path)
    async with trio.open_nursery() as nursery:
        recording = await recorder.attach(
            inner,  # type: ignore[arg-type]
            nursery,
            gateway=rt.OpenAIGateway(url="ws://127.0.0.1:9/v1/realtime", api_key=""),
            model="gpt-realtime",
            provider="openai",
        )
        await recording.send_messages(['{"n":1}', '{"n":2}', '{"n":3}'])
        received = [await server.receive_message() for _ in range(3)]
        await recording.aclose()
    return received, inner if batching else None


async def test_a_batch_is_one_write_and_every_frame_is_recorded(tmp_path: pathlib.Path) -> None:
    received, inner = await record_batch(tmp_path / "a.jsonl", batching=True)
    assert inner is not None and inner.writes == [('{"n":1}', '{"n":2}', '{"n":3}')]
    assert received == ['{"n":1}', '{"n":2}', '{"n":3}']
    (connection,) = read_recording(tmp_path / "a.jsonl")
    assert [frame_of(x) for x in connection.lines if x.get("dir") == "send"] == received


async def test_without_batching_the_messages_go_one_by_one(tmp_path: pathlib.Path) -> None:
    received, _ = await record_batch(tmp_path / "b.jsonl", batching=False)
    assert received == ['{"n":1}', '{"n":2}', '{"n":3}']
    (connection,) = read_recording(tmp_path / "b.jsonl")
    assert [frame_of(x) for x in connection.lines if x.get("dir") == "send"] == received
