"""One deadline for every call a read or a rollback makes: what is left of it bounds each call."""

from __future__ import annotations

import time

from tessa_tui.deployments.vendor_http import SourceFailure


class Deadline:
    """`seconds` from now; `left()` says how much remains, or fails the read once nothing does."""

    def __init__(self, seconds: float, service: str) -> None:
        self.seconds = seconds
        self.service = service
        self._ends = time.monotonic() + seconds

    def left(self) -> float:
        remaining = self._ends - time.monotonic()
        if remaining <= 0.001:
            raise SourceFailure("failing", f"{self.service}: no complete answer within the {self.seconds:g}s deadline")
        return remaining

    def remaining(self) -> float:
        """What is left, 0 once passed (never raises)."""
        return max(0.0, self._ends - time.monotonic())
