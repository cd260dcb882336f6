"""What the services pane shows for a check: results smoothed by failure / success thresholds.

`tessa-tui check` reports each raw result; the live view flips state only after N consecutive
results agree, so one lost packet does not page the room, and shows STALE when results stop coming.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from tessa_tui.checks.result import STATE_RANK, CheckResult, DisplayState
from tessa_tui.config.model import ServiceCheck

HISTORY = 60


@dataclass(frozen=True)
class Flip:
    """The shown state of a check changed."""

    name: str
    old: DisplayState
    new: DisplayState
    reason: str


class ServiceState:
    """The displayed state of one check, fed one result at a time."""

    def __init__(self, check: ServiceCheck) -> None:
        self.check = check
        self.shown: DisplayState = "unknown"
        self.history: deque[CheckResult] = deque(maxlen=HISTORY)

    @property
    def last(self) -> CheckResult | None:
        return self.history[-1] if self.history else None

    def observe(self, result: CheckResult) -> Flip | None:
        """Record a result; return the flip when the shown state changes."""
        self.history.append(result)
        new = result.state
        if new == self.shown:
            return None
        if self.shown not in ("unknown", "stale") and new != "maintenance" and self.shown != "maintenance":
            worse = STATE_RANK[new] > STATE_RANK[self.shown]
            needed = self.check.failure_threshold if worse else self.check.success_threshold
            streak = 0
            for past in reversed(self.history):
                if past.state != new:
                    break
                streak += 1
            if streak < needed:
                return None
        old, self.shown = self.shown, new
        return Flip(self.check.name, old, new, result.reason)

    def display_state(self, now: datetime) -> DisplayState:
        """The shown state, or `stale` when no result has arrived for two intervals.

        A check whose timeout is longer than its interval gets one interval plus the timeout.
        """
        last = self.last
        patience = max(2 * self.check.interval, self.check.interval + self.check.timeout)
        if last is not None and now - last.checked_at > patience:
            return "stale"
        return self.shown

    def age(self, now: datetime) -> timedelta | None:
        """How old the last result is."""
        return None if self.last is None else now - self.last.checked_at

    def latencies(self) -> list[float]:
        """Recent latencies in ms, oldest first (failed requests count as their elapsed time)."""
        return [r.latency_ms for r in self.history if r.latency_ms is not None]
