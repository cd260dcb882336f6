"""Incremental reading of a remote log source: which time window to ask for next, and which events are news.

Each poll asks again from `overlap` behind the newest event seen (events reach a log store late and out of order),
and an event is shown only if its key (the API's event id, or a digest of it) was not seen before: no line is
lost or shown twice across polls. After the poller was away (the API failing, the console closed between reads of
a `--follow`), the next window reaches back over the whole gap, but never further than the API allows; what lies
beyond is said, not silently skipped. Keys are kept for the window a later poll can still return, no longer.

Times are integers of nanoseconds since the epoch (Loki's own unit; a float would merge neighbouring entries).
"""

from __future__ import annotations

from dataclasses import dataclass

from tessa_tui.logs.parse import LogRecord

NS = 1_000_000_000
SLACK_NS = 120 * NS
MAX_SEEN = 100_000
"""Keys kept at most (some 15 MB): past this the oldest are forgotten, and events older than the newest of them are
no longer news (a source always behind, or a busy one with a long overlap, would otherwise grow without limit)."""
"""Keys are kept this much longer than the overlap: an API that widens a window (Supabase rounds it to the
minute) may return events a little older than asked for, and they must still be known."""


@dataclass(frozen=True)
class Event:
    """One event of a page: its key, its time, and the record the pane shows."""

    key: str
    at_ns: int
    record: LogRecord


@dataclass(frozen=True)
class Window:
    """The range one poll asks for, and how much of the gap before it lies beyond the API's window."""

    start_ns: int
    end_ns: int
    lost_ns: int = 0
    """Nanoseconds between the newest event seen (less the overlap) and the earliest time the API still allows."""


class Cursor:
    """Where a source's reading stands: the newest event seen, and the keys of those a later poll may return."""

    def __init__(self, *, overlap_ns: int, backfill_ns: int, window_ns: int) -> None:
        self.overlap_ns = overlap_ns
        self.backfill_ns = backfill_ns
        self.window_ns = window_ns
        self.newest_ns: int | None = None
        self.read_to_ns: int | None = None
        """The end of the last window read to its end: nothing before it is still unread (but late arrivals)."""
        self._seen: dict[str, int] = {}
        self._forgot_before_ns: int | None = None

    def window(self, end_ns: int) -> Window:
        """The next window, ending at `end_ns`: back over the overlap from the newest event seen (or from where the
        last complete read ended, if later), or `backfill` on the first poll; never wider than the API allows."""
        # Nothing was read past now: a clock stepped back, or an event a server stamped ahead of it, would otherwise
        # hold every later window (and the horizon, dropping what is news) in the future.
        if self.newest_ns is not None and self.newest_ns > end_ns:
            self.newest_ns = end_ns
        if self.read_to_ns is not None and self.read_to_ns > end_ns:
            self.read_to_ns = end_ns
        marks = [m for m in (self.newest_ns, self.read_to_ns) if m is not None]
        start = max(marks) - self.overlap_ns if marks else end_ns - self.backfill_ns
        earliest = end_ns - self.window_ns
        if start < earliest:
            return Window(earliest, end_ns, earliest - start)
        return Window(start, end_ns)

    @property
    def horizon_ns(self) -> int | None:
        """Events older than this are not news whatever their key: their keys are forgotten, they may have been
        shown."""
        marks = [m for m in (self.newest_ns, self.read_to_ns) if m is not None]
        return max(marks) - self.overlap_ns - SLACK_NS if marks else None

    def admit(self, events: list[Event]) -> list[Event]:
        """The events not seen before, oldest first; they are remembered, the newest time moves on."""
        horizon = max((m for m in (self.horizon_ns, self._forgot_before_ns) if m is not None), default=None)
        fresh: list[Event] = []
        for event in sorted(events, key=lambda e: e.at_ns):
            if event.key in self._seen or (horizon is not None and event.at_ns < horizon):
                continue
            self._seen[event.key] = event.at_ns
            fresh.append(event)
            if self.newest_ns is None or event.at_ns > self.newest_ns:
                self.newest_ns = event.at_ns
        if len(self._seen) > MAX_SEEN:
            self._forget_oldest()
        return fresh

    def _forget_oldest(self) -> None:
        """Keep the newest half of the keys; what is older than them is not news from now on."""
        times = sorted(self._seen.values())
        cut = times[len(times) - MAX_SEEN // 2]
        self._seen = {key: at for key, at in self._seen.items() if at >= cut}
        self._forgot_before_ns = max(cut, self._forgot_before_ns or cut)

    def read_to(self, end_ns: int) -> None:
        """A window was read to its end: forget the keys no later poll can return."""
        if self.read_to_ns is None or end_ns > self.read_to_ns:
            self.read_to_ns = end_ns
        horizon = self.horizon_ns
        if horizon is not None and len(self._seen) > 64:
            self._seen = {key: at for key, at in self._seen.items() if at >= horizon}

    @property
    def remembered(self) -> int:
        return len(self._seen)
