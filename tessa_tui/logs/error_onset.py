"""When errors started: the first minute of the run of high-error minutes that the log ends in, from the whole-file
index's per-minute counts, so the pane can say `errors up since 14:05` rather than leave it to the sparkline."""

from __future__ import annotations

from collections.abc import Sequence

FLOOR = 0.01
"""A minute counts as high when at least this share of its records are errors, and at least twice the file's
usual share (a service that always logs 5 % errors is not in an incident at 6 %)."""
QUIET_GAP = 2
"""Minutes without records inside the run do not end it (a crashed service logs nothing for a while)."""


def error_onset(minutes: Sequence[tuple[int, int, int]]) -> int | None:
    """The epoch minute the trailing run of high-error minutes began; None when the newest minute is not high.

    `minutes`: (epoch minute, records with a level, errors and fatals), oldest first.
    """
    leveled = sum(count for _minute, count, _errors in minutes)
    if not minutes or leveled == 0:
        return None
    usual = sum(errors for _minute, _count, errors in minutes) / leveled
    threshold = max(FLOOR, 2 * _median_share(minutes, usual))

    def high(count: int, errors: int) -> bool:
        return count > 0 and errors / count >= threshold

    minute, count, errors = minutes[-1]
    if not high(count, errors):
        return None
    onset = minute
    for earlier, count, errors in reversed(minutes[:-1]):
        if onset - earlier > QUIET_GAP + 1 or not high(count, errors):
            break
        onset = earlier
    return onset


def _median_share(minutes: Sequence[tuple[int, int, int]], fallback: float) -> float:
    """The usual error share: the median minute's (one bad hour does not raise the bar for itself)."""
    shares = sorted(errors / count for _minute, count, errors in minutes if count)
    return shares[len(shares) // 2] if shares else fallback
