"""One deadline for every call a read or a rollback makes: what is left of it bounds each call."""

from __future__ import annotations

from tessa_tui.base.deadline import Deadline as SharedDeadline
from tessa_tui.deployments.vendor_http import SourceFailure


class Deadline(SharedDeadline):
    """`seconds` from now; `left()` says how much remains, or fails the read once nothing does."""

    def __init__(self, seconds: float, service: str) -> None:
        super().__init__(seconds)
        self.service = service

    def left(self) -> float:
        remaining = self.remaining()
        if remaining <= 0.001:
            raise SourceFailure("failing", f"{self.service}: no complete answer within the {self.seconds:g}s deadline")
        return remaining
