"""Each fault, the handshake refusals, and determinism across servers."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
import trio
from trio_websocket import ConnectionClosed, ConnectionRejected, open_websocket_url

from trio_realtime.server import Faults, Pacing

from .client import RawClient, connect


async def closed_reason(client: RawClient) -> Any:
    with pytest.raises(ConnectionClosed) as info:
        await client.recv()
    return info.value.reason


async def test_drop_after_aborts_without_close_frame(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    url = await start_server(faults=Faults(drop_after=3))
    with trio.fail_after(60):
        async with connect(url) as client:
            await client.update()
            await client.send(
                "conversation.item.create", item={"type": "message", "role": "user", "content": []}
            )
            added = await client.recv()
            reason = await closed_reason(client)
    assert added["type"] == "conversation.item.added"
    assert reason.code == 1006
    assert len(client.received) == 3


async def test_close_after_sends_the_given_code(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    url = await start_server(faults=Faults(close_after=2, close_code=4001, close_reason="bye"))
    with trio.fail_after(60):
        async with connect(url) as client:
            await client.update()
            reason = await closed_reason(client)
    assert (reason.code, reason.reason) == (4001, "bye")


async def test_stall_keeps_the_socket_but_sends_nothing(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    url = await start_server(faults=Faults(stall_after=2))
    with trio.fail_after(120):
        async with connect(url) as client:
            await client.update()
            await client.send("response.create")
            assert await client.nothing_pending()
            await client.send("input_audio_buffer.clear")
            assert await client.nothing_pending()
            assert client.ws.closed is None


async def test_error_after_injects_one_error(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    faults = Faults(error_after=1, error_code="server_error", error_message="Boom.")
    url = await start_server(faults=faults)
    with trio.fail_after(60):
        async with connect(url) as client:
            injected = await client.recv()
            await client.update()
            assert await client.nothing_pending()
    assert injected["error"] == {
        "type": "server_error",
        "code": "server_error",
        "message": "Boom.",
        "param": None,
        "event_id": None,
    }


async def test_failed_response_is_rate_limited(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    url = await start_server(faults=Faults(fail_responses=(1,)))
    with trio.fail_after(60):
        async with connect(url) as client:
            await client.say("hello")
            await client.send("response.create")
            failed = await client.response()
            await client.send("response.create")
            ok = await client.response()
    assert [e["type"] for e in failed] == [
        "response.created",
        "response.done",
        "rate_limits.updated",
    ]
    response = failed[1]["response"]
    assert response["status"] == "failed"
    assert response["output"] == []
    assert response["usage"] is None
    error = response["status_details"]["error"]
    assert response["status_details"]["type"] == "failed"
    assert (error["type"], error["code"]) == ("tokens", "rate_limit_exceeded")
    assert error["message"].endswith("Please try again in 3.282s.")
    assert failed[2]["rate_limits"] == [
        {"name": "tokens", "limit": 40000, "remaining": 0, "reset_seconds": 3.282}
    ]
    assert ok[-2]["response"]["status"] == "completed"


async def test_failed_response_codes(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    url = await start_server(faults=Faults(fail_responses=(2,), fail_code="insufficient_quota"))
    with trio.fail_after(60):
        async with connect(url) as client:
            await client.send("response.create")
            first = await client.response()
            await client.send("response.create")
            second = await client.response()
    assert first[-2]["response"]["status"] == "completed"
    assert second[-2]["response"]["status_details"]["error"]["code"] == "insufficient_quota"


async def test_session_expiry(start_server: Any, autojump_clock: trio.testing.MockClock) -> None:
    url = await start_server(faults=Faults(expire_after=3600))
    with trio.fail_after(7200):
        async with connect(url) as client:
            start = trio.current_time()
            expired = await client.recv()
            at = trio.current_time() - start
            reason = await closed_reason(client)
    assert at == pytest.approx(3600)
    assert expired["error"] == {
        "type": "invalid_request_error",
        "code": "session_expired",
        "message": "Your session hit the maximum duration of 60 minutes.",
        "param": None,
        "event_id": None,
    }
    assert reason.code == 1001


async def test_event_delay(start_server: Any, autojump_clock: trio.testing.MockClock) -> None:
    url = await start_server(faults=Faults(event_delay=0.5))
    with trio.fail_after(60):
        start = trio.current_time()
        async with connect(url) as client:
            first_at = trio.current_time() - start
            await client.update()
            second_at = trio.current_time() - start
    assert first_at == pytest.approx(0.5)
    assert second_at == pytest.approx(1.0)


async def test_faults_limited_to_first_connections(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    url = await start_server(faults=Faults(drop_after=1, connections=1))
    with trio.fail_after(60):
        async with connect(url) as first:
            assert (await closed_reason(first)).code == 1006
        async with connect(url) as second:
            await second.update()


async def test_wrong_or_missing_api_key_is_refused(start_server: Any) -> None:
    url = await start_server(require_api_key="sk-right")
    refusals = []
    with trio.fail_after(30):
        wrong: list[tuple[bytes, bytes]] = [(b"Authorization", b"Bearer sk-wrong-secret")]
        for headers in (wrong, []):
            with pytest.raises(ConnectionRejected) as info:
                async with open_websocket_url(f"{url}?model=gpt-realtime", extra_headers=headers):
                    pass  # pragma: no cover
            refusals.append(info.value)
        async with connect(url, headers=[("Authorization", "Bearer sk-right")]) as client:
            await client.update()
    for refusal in refusals:
        assert refusal.status_code == 401
        assert refusal.body is not None
        body = orjson.loads(refusal.body)
        assert body["error"]["type"] == "invalid_request_error"
        assert body["error"]["code"] == "invalid_api_key"
        assert b"sk-wrong" not in refusal.body
        assert b"sk-right" not in refusal.body


async def test_unknown_path_is_404(start_server: Any) -> None:
    url = await start_server()
    with trio.fail_after(30), pytest.raises(ConnectionRejected) as info:
        async with open_websocket_url(url.replace("/v1/realtime", "/v1/other")):
            pass  # pragma: no cover
    assert info.value.status_code == 404
    assert info.value.body is not None
    assert orjson.loads(info.value.body)["error"]["message"] == "Invalid URL (GET /v1/other)"


async def test_beta_header_is_refused_like_the_service(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    url = await start_server()
    with trio.fail_after(60):
        async with open_websocket_url(
            f"{url}?model=gpt-realtime", extra_headers=[(b"OpenAI-Beta", b"realtime=v1")]
        ) as ws:
            client = RawClient(ws)
            error = await client.recv()
            reason = await closed_reason(client)
    assert error["error"]["code"] == "beta_api_shape_disabled"
    assert reason.code == 4000


async def test_same_seed_same_ids(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    runs = []
    for _ in range(2):
        url = await start_server(seed=7, pacing=Pacing.instant())
        async with connect(url) as client:
            await client.say("count to 3")
            await client.send("response.create")
            await client.response()
        runs.append([(e["event_id"], e["type"]) for e in client.received])
    assert runs[0] == runs[1]
