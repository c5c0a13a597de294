"""Gemini close codes -> typed errors, rate limits and retryability; resumption across them."""

from __future__ import annotations

import pytest

from trio_realtime.config import Config
from trio_realtime.events import Error, RateLimited
from trio_realtime.protocol.gemini import classify_close, close_events
from trio_realtime.testing import gemini_frames as g

from .helpers import codec, feed, sent, setup_of

QUOTA = (
    "RESOURCE_EXHAUSTED: You exceeded your current quota, please check your plan. "
    "Please retry in 38.4s."
)


@pytest.mark.parametrize(
    ("code", "reason", "error_code", "retryable"),
    [
        (None, "", None, True),  # dropped without a close frame
        (1000, "", None, False),
        (1001, "going away", None, True),
        (1006, "", None, True),
        (1012, "restart", None, True),
        (1007, "Request contains an invalid argument.", "invalid_argument", False),
        (1008, "models/x is not found for API version v1beta", "policy_violation", False),
        (1011, "Internal error encountered.", "internal_error", True),
        (1011, "OVERLOADED: the model is overloaded", "internal_error", True),
        (1011, QUOTA, "rate_limited", True),
        (1008, "Quota exceeded for concurrent sessions", "rate_limited", False),
        (1013, "try again later", "try_again_later", True),
        (1002, "protocol error", "protocol_error", False),
        (4003, "custom", "close_4003", False),
    ],
)
def test_classify_close(
    code: int | None, reason: str, error_code: str | None, retryable: bool
) -> None:
    verdict = classify_close(code, reason)
    assert verdict.retryable is retryable
    assert verdict.error_code == error_code
    if error_code is not None:
        assert verdict.message == (reason or f"the server closed the connection with code {code}")


def test_close_events() -> None:
    assert close_events(1000, "") == []
    assert close_events(None, "") == []
    assert close_events(1011, QUOTA) == [
        RateLimited(reset_ms=38_400, details={"code": 1011, "reason": QUOTA})
    ]
    assert close_events(1007, "Request contains an invalid argument.") == [
        Error(
            code="invalid_argument",
            message="Request contains an invalid argument.",
            recoverable=False,
        )
    ]
    assert close_events(1011, "Internal error") == [
        Error(code="internal_error", message="Internal error", recoverable=True)
    ]


def test_calls_pending_at_resumption_are_never_answered_on_the_new_connection() -> None:
    protocol = codec(Config())
    setup_of(protocol)
    feed(
        protocol,
        [
            g.setup_complete(),
            g.resumption_update("h1"),
            g.tool_call({"c1": ("f", {})}),
            g.resumption_update("", resumable=False),  # no resume point while c1 waits
        ],
    )
    resumed = protocol.resumed()
    assert setup_of(resumed)["sessionResumption"] == {"handle": "h1"}
    assert resumed.session_id == protocol.session_id == "sess_g"
    assert resumed.tool_outputs([("c1", "late")]) == []  # the resumed server never issued c1
    feed(resumed, [g.setup_complete(), g.tool_call({"c2": ("f", {})})])
    (message,) = sent(resumed.tool_outputs([("c1", "late"), ("c2", "ok")]))
    assert message["toolResponse"]["functionResponses"] == [
        {"id": "c2", "name": "f", "response": {"output": "ok"}}
    ]
    twice = resumed.resumed()  # a chain of resumptions: still never answered
    assert twice.tool_outputs([("c1", "x")]) == []
    assert setup_of(twice)["sessionResumption"] == {"handle": "h1"}
