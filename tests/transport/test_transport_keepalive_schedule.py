"""The pure keepalive schedule: when pings are due and when a peer counts as dead."""

from __future__ import annotations

import math

import pytest

from trio_realtime.transport._keepalive import Keepalive


def test_pings_every_interval_while_answered() -> None:
    keepalive = Keepalive(interval=20, timeout=10, now=100)
    assert keepalive.deadline(100) == 120
    assert not keepalive.ping_due(119.9)
    assert keepalive.ping_due(120)
    payload = keepalive.ping_sent(120)
    assert len(payload) == 4
    assert keepalive.awaiting_pong
    assert not keepalive.ping_due(200)  # one ping at a time
    assert keepalive.deadline(121) == 131  # 10 s of silence from now
    keepalive.pong_received(payload, 121)
    assert not keepalive.awaiting_pong
    assert keepalive.deadline(121) == 140  # 20 s after the previous ping


def test_only_silence_counts_against_the_peer() -> None:
    keepalive = Keepalive(interval=20, timeout=10, now=0)
    keepalive.ping_sent(20)
    keepalive.waited(4)  # waited 4 s, then data came (not the pong)
    assert keepalive.deadline(100) == 106  # 6 s of silence left, counted from whenever
    keepalive.waited(5.9)
    assert not keepalive.expired
    keepalive.waited(0.1)
    assert keepalive.expired


def test_a_pong_with_another_payload_is_ignored() -> None:
    keepalive = Keepalive(interval=20, timeout=10, now=0)
    payload = keepalive.ping_sent(20)
    keepalive.pong_received(b"????" if payload != b"????" else b"!!!!", 21)
    assert keepalive.awaiting_pong
    keepalive.waited(10)
    assert keepalive.expired


def test_a_late_pong_schedules_the_next_ping_at_once() -> None:
    keepalive = Keepalive(interval=20, timeout=30, now=0)
    payload = keepalive.ping_sent(20)
    keepalive.pong_received(payload, 45)  # later than the interval
    assert keepalive.ping_due(45)


def test_pings_off() -> None:
    keepalive = Keepalive(interval=None, timeout=20, now=0)
    assert keepalive.deadline(0) == math.inf
    assert not keepalive.ping_due(1e9)
    keepalive.waited(1e9)
    assert not keepalive.expired


def test_no_timeout_pings_without_waiting() -> None:
    keepalive = Keepalive(interval=20, timeout=None, now=0)
    keepalive.ping_sent(20)
    assert not keepalive.awaiting_pong  # nothing is awaited
    keepalive.waited(1e9)
    assert not keepalive.expired
    assert keepalive.deadline(21) == 40
    assert keepalive.ping_due(40)


@pytest.mark.parametrize(("interval", "timeout"), [(0, 1), (1, 0), (-5, 1), (1, -5)])
def test_bad_settings(interval: float, timeout: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        Keepalive(interval=interval, timeout=timeout, now=0)
