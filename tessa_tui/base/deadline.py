"""One deadline for every call a read makes: what is left of it bounds each call."""

from __future__ import annotations

import time


class Deadline:
    """`seconds` from now; `remaining()` is what is left, 0 once passed (never raises). A source that fails its
    read when nothing is left subclasses it with a `left()` raising that source's failure."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._ends = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self._ends - time.monotonic())
