"""Error cases of the reference (section 6) and client-event validation, raw client."""

from __future__ import annotations

from typing import Any

import trio

from .client import audio_chunks, b64, connect, silence


def error_of(event: dict[str, Any]) -> dict[str, Any]:
    assert event["type"] == "error", event
    error: dict[str, Any] = event["error"]
    return error


async def test_response_create_while_active_is_rejected_without_events(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    url = await start_server()
    with trio.fail_after(60):
        async with connect(url) as client:
            await client.say("tell me a story")
            await client.send("response.create", event_id="cli_1")
            created = await client.recv()
            await client.send("response.create", event_id="cli_50")
            events = await client.response()
            assert await client.nothing_pending()
    rejected = [e for e in events if e["type"] == "error"]
    assert len(rejected) == 1
    error = error_of(rejected[0])
    active = created["response"]["id"]
    assert error == {
        "type": "invalid_request_error",
        "code": "conversation_already_has_active_response",
        "message": f"Conversation already has an active response in progress: {active}. "
        "Wait until the response is finished before creating a new one.",
        "param": None,
        "event_id": "cli_50",
    }
    assert not any(e["type"] == "response.created" for e in events)
    done = [e for e in events if e["type"] == "response.done"]
    assert [d["response"]["id"] for d in done] == [active]


async def test_client_cancel_gives_trailing_done_events(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    url = await start_server()
    with trio.fail_after(60):
        async with connect(url) as client:
            await client.update(output_modalities=["text"])
            await client.say("count to 50")
            await client.send("response.create")
            head = await client.recv_until("response.output_text.delta")
            await client.send("response.cancel", event_id="cli_c")
            tail = await client.response()
            assert await client.nothing_pending()
            await client.send("response.cancel", event_id="cli_again")
            again = error_of(await client.recv())
    assert [e["type"] for e in tail if not e["type"].endswith(".delta")] == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "conversation.item.done",
        "response.done",
        "rate_limits.updated",
    ]
    deltas = [e["delta"] for e in head + tail if e["type"] == "response.output_text.delta"]
    text_done = next(e for e in tail if e["type"] == "response.output_text.done")
    assert text_done["text"] == "".join(deltas)
    assert text_done["text"].startswith("1,")
    assert not text_done["text"].endswith("50.")
    item = next(e for e in tail if e["type"] == "response.output_item.done")["item"]
    assert item["status"] == "incomplete"
    response = next(e for e in tail if e["type"] == "response.done")["response"]
    assert response["status"] == "cancelled"
    assert response["status_details"] == {"type": "cancelled", "reason": "client_cancelled"}
    assert response["output"][0]["status"] == "incomplete"
    assert again["code"] == "response_cancel_not_active"
    assert again["message"] == "Cancellation failed: no active response found"
    assert again["event_id"] == "cli_again"


async def test_cancel_before_any_output(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    url = await start_server()
    with trio.fail_after(60):
        async with connect(url) as client:
            await client.send("response.create")
            created = await client.recv()
            await client.send("response.cancel", response_id=created["response"]["id"])
            events = await client.response()
    assert [e["type"] for e in events] == ["response.done", "rate_limits.updated"]
    assert events[0]["response"]["output"] == []
    assert events[0]["response"]["status"] == "cancelled"


async def test_commit_errors(start_server: Any, autojump_clock: trio.testing.MockClock) -> None:
    url = await start_server()
    with trio.fail_after(60):
        async with connect(url) as client:
            await client.update(audio={"input": {"turn_detection": None}})
            await client.send("input_audio_buffer.commit", event_id="cli_51")
            empty = error_of(await client.recv())
            await client.send("input_audio_buffer.append", audio=b64(silence(50)))
            await client.send("input_audio_buffer.commit", event_id="cli_52")
            short = error_of(await client.recv())
            for chunk in audio_chunks(silence(100)):
                await client.send("input_audio_buffer.append", audio=chunk)
            await client.send("input_audio_buffer.commit")
            committed, added, _ = await client.expect(
                "input_audio_buffer.committed", "conversation.item.added", "conversation.item.done"
            )
            await client.send("input_audio_buffer.append", audio=b64(silence(200)))
            await client.send("input_audio_buffer.clear")
            await client.expect("input_audio_buffer.cleared")
            await client.send("input_audio_buffer.commit", event_id="cli_53")
            cleared = error_of(await client.recv())
            assert await client.nothing_pending()
    assert empty == {
        "type": "invalid_request_error",
        "code": "input_audio_buffer_commit_empty",
        "message": "Error committing input audio buffer: buffer too small. Expected at least "
        "100ms of audio, but buffer only has 0.00ms of audio.",
        "param": None,
        "event_id": "cli_51",
    }
    assert "buffer only has 50.00ms of audio" in short["message"]
    assert cleared["code"] == "input_audio_buffer_commit_empty"
    assert committed["item_id"] == added["item"]["id"]
    assert committed["previous_item_id"] is None


async def test_invalid_client_events(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    url = await start_server()
    with trio.fail_after(60):
        async with connect(url) as client:
            await client.send("response.frobnicate", event_id="cli_x")
            unknown = error_of(await client.recv())
            await client.send_raw('{"type": "response.create", ')
            malformed = error_of(await client.recv())
            await client.send_raw('{"event_id": "cli_t"}')
            no_type = error_of(await client.recv())
            await client.send("input_audio_buffer.clear", event_id="cli_f", bogus=1)
            extra = error_of(await client.recv())
            await client.send("input_audio_buffer.append", event_id="cli_b", audio="@@not b64@@")
            bad_audio = error_of(await client.recv())
            await client.send(
                "response.create", event_id="cli_r", response={"modalities": ["text"]}
            )
            beta = error_of(await client.recv())
            await client.send("input_audio_buffer.clear")
            await client.expect("input_audio_buffer.cleared")
    assert unknown["type"] == "invalid_request_error"
    assert unknown["code"] == "invalid_value"
    assert unknown["param"] == "type"
    assert unknown["event_id"] == "cli_x"
    assert unknown["message"].startswith("Invalid value: 'response.frobnicate'. Supported values")
    assert malformed["type"] == "invalid_request_error"
    assert malformed["event_id"] is None
    assert (no_type["code"], no_type["param"], no_type["event_id"]) == (
        "missing_required_parameter",
        "type",
        "cli_t",
    )
    assert (extra["code"], extra["param"], extra["message"]) == (
        "unknown_parameter",
        "bogus",
        "Unknown parameter: 'bogus'.",
    )
    assert (bad_audio["code"], bad_audio["param"]) == ("invalid_value", "audio")
    assert (beta["code"], beta["param"]) == ("unknown_parameter", "response.modalities")


async def test_a_failing_brain_fails_only_that_response(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    calls = []

    def brain(request: Any) -> str:
        calls.append(request)
        if len(calls) == 1:
            raise ValueError("no idea")
        return "Recovered."

    url = await start_server(brain=brain)
    with trio.fail_after(60):
        async with connect(url) as client:
            await client.send("response.create")
            failed = await client.response()
            await client.update(output_modalities=["text"])
            await client.send("response.create")
            ok = await client.response()
    details = failed[-2]["response"]["status_details"]
    assert failed[-2]["response"]["status"] == "failed"
    assert details["error"]["code"] == "server_error"
    assert "ValueError: no idea" in details["error"]["message"]
    assert "".join(e["delta"] for e in ok if e["type"] == "response.output_text.delta") == (
        "Recovered."
    )


async def test_client_disconnect_mid_response_leaves_the_server_healthy(
    start_server: Any, autojump_clock: trio.testing.MockClock
) -> None:
    url = await start_server()
    with trio.fail_after(60):
        async with connect(url) as client:
            await client.say("tell me a story")
            await client.send("response.create")
            await client.recv_until("response.output_audio.delta")
        async with connect(url) as again:
            await again.say("count to 3")
            await again.send("response.create")
            events = await again.response()
    assert events[-2]["response"]["status"] == "completed"
