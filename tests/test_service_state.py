"""The live view's state machine: thresholds, maintenance, stale, with an injected clock (no sleeping)."""

from __future__ import annotations

from datetime import timedelta

import msgspec
import pytest

from tessa_tui.checks.result import CheckResult, CheckState
from tessa_tui.checks.service_state import ServiceState
from tessa_tui.config.model import ServiceCheck, decode_hook
from tests.conftest import FROZEN_NOW


def tracker(**fields: object) -> ServiceState:
    data = {"name": "api", "url": "http://127.0.0.1/", **fields}
    return ServiceState(msgspec.convert(data, ServiceCheck, dec_hook=decode_hook))


def result(state: CheckState, seconds: float = 0, latency: float = 10.0) -> CheckResult:
    return CheckResult(
        "api",
        "g",
        "http",
        "GET x",
        state,
        "" if state == "up" else f"{state}!",
        FROZEN_NOW + timedelta(seconds=seconds),
        latency,
    )


def test_first_result_is_shown_at_once() -> None:
    state = tracker()
    flip = state.observe(result("down"))
    assert flip is not None and (flip.old, flip.new) == ("unknown", "down")


def test_failure_threshold_then_success_threshold() -> None:
    state = tracker(**{"failure-threshold": 3, "success-threshold": 2})
    state.observe(result("up"))
    assert state.observe(result("down")) is None
    assert state.observe(result("down")) is None
    flip = state.observe(result("down"))
    assert flip is not None and (flip.old, flip.new, flip.reason) == ("up", "down", "down!")
    assert state.observe(result("up")) is None
    assert state.shown == "down"
    flip = state.observe(result("up"))
    assert flip is not None and flip.new == "up"


def test_an_interrupted_streak_starts_again() -> None:
    state = tracker(**{"failure-threshold": 2})
    state.observe(result("up"))
    for seen in ("down", "up", "down"):
        assert state.observe(result(seen)) is None
    assert state.shown == "up"


def test_maintenance_is_shown_immediately() -> None:
    state = tracker()
    state.observe(result("up"))
    flip = state.observe(result("maintenance"))
    assert flip is not None and flip.new == "maintenance"


@pytest.mark.parametrize(
    ("interval", "timeout", "quiet_for", "expected"),
    [("30s", "10s", 59, "up"), ("30s", "10s", 61, "stale"), ("5s", "10s", 14, "up"), ("5s", "10s", 16, "stale")],
)
def test_stale_after_two_intervals_or_interval_plus_timeout(
    interval: str, timeout: str, quiet_for: int, expected: str
) -> None:
    state = tracker(interval=interval, timeout=timeout)
    state.observe(result("up"))
    assert state.display_state(FROZEN_NOW + timedelta(seconds=quiet_for)) == expected
    assert state.age(FROZEN_NOW + timedelta(seconds=quiet_for)) == timedelta(seconds=quiet_for)


def test_history_is_bounded_and_latencies_kept_in_order() -> None:
    state = tracker()
    for i in range(100):
        state.observe(result("up", seconds=i, latency=float(i)))
    assert len(state.history) == 60
    assert state.latencies()[:2] == [40.0, 41.0]
