"""Database-wide figures between two polls: transactions per second, cache-hit and rollback ratios, temp files,
deadlocks and conflicts, each with its trend and its total since the statistics were last reset.

pg_stat_database counts since its last reset (pg_stat_reset(), or a crash restart that discards the statistics).
Rates come from the difference of two reads by the server's clock; a reset between them (the reset time moved,
or a counter went down) gives no rate that poll rather than a negative or a wrong one. The monitor's own
transactions are taken out of the commit and rollback counts (it says how many it made between the reads).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tessa_tui.database.snapshot import Section

COUNTERS = (
    "xact_commit",
    "xact_rollback",
    "blks_read",
    "blks_hit",
    "temp_files",
    "temp_bytes",
    "deadlocks",
    "conflicts",
)
TREND_POINTS = 30
BARS = "▁▂▃▄▅▆▇█"
MB = 1024 * 1024
COLUMNS = ("figure", "last_poll", "unit", "count", "since_reset", "trend")
UNITS = {
    "transactions": "/s",
    "commits": "/s",
    "rollbacks": "/s",
    "cache hit": "%",
    "rollback ratio": "%",
    "temp files": "count",
    "temp MB": "/s",
    "deadlocks": "count",
    "conflicts": "count",
}
"""What `last_poll` is in; `count` is how many in the last poll's interval, `since_reset` the total (or the
ratio) since the reset."""


def sparkline(values: list[float | None]) -> str:
    """Bars scaled from zero to the largest value; a gap (no figure that poll) is a space."""
    known = [v for v in values if v is not None]
    top = max(known, default=0.0)
    if top <= 0:
        return "".join(" " if v is None else BARS[0] for v in values)
    return "".join(" " if v is None else BARS[min(len(BARS) - 1, int(v / top * (len(BARS) - 1) + 0.5))] for v in values)


def _ratio(part: float, whole: float) -> float | None:
    return round(100.0 * part / whole, 2) if whole > 0 else None


class DatabaseRates:
    """Keeps the last read and each figure's recent values; `section` turns a new read into the section."""

    def __init__(self) -> None:
        self._last: dict[str, Any] | None = None
        self._trends: dict[str, deque[float | None]] = {}

    def section(self, read: Mapping[str, Any], own: tuple[int, int], at: datetime) -> Section:
        """The figures for `read` (one pg_stat_database row with server_epoch and stats_reset), given the
        monitor's own (commits, rollbacks) since the previous read."""
        now: dict[str, Any] = {name: int(read[name] or 0) for name in COUNTERS}
        now["server_epoch"] = read["server_epoch"]
        reset: datetime | None = read["stats_reset"]
        now["stats_reset"] = reset
        last, self._last = self._last, now
        since = (
            f"since stats reset at {reset.isoformat(sep=' ', timespec='seconds')}"
            if reset
            else ("since the server's statistics began (no reset recorded)")
        )
        interval: dict[str, float | None] = {}
        counts: dict[str, int] = {}
        note = since
        if last is None:
            note = f"{since}; rates from the next poll"
        elif last["stats_reset"] != reset or any(now[c] < last[c] for c in COUNTERS):
            note = f"statistics were reset between polls: {since}; rates from the next poll"
        else:
            elapsed = float(now["server_epoch"]) - float(last["server_epoch"])
            delta = {c: now[c] - last[c] for c in COUNTERS}
            delta["xact_commit"] = max(0, delta["xact_commit"] - own[0])
            delta["xact_rollback"] = max(0, delta["xact_rollback"] - own[1])
            counts = {
                "transactions": delta["xact_commit"] + delta["xact_rollback"],
                "commits": delta["xact_commit"],
                "rollbacks": delta["xact_rollback"],
                "temp files": delta["temp_files"],
                "deadlocks": delta["deadlocks"],
                "conflicts": delta["conflicts"],
            }
            if elapsed > 0:
                interval = {
                    "transactions": (delta["xact_commit"] + delta["xact_rollback"]) / elapsed,
                    "commits": delta["xact_commit"] / elapsed,
                    "rollbacks": delta["xact_rollback"] / elapsed,
                    "cache hit": _ratio(delta["blks_hit"], delta["blks_hit"] + delta["blks_read"]),
                    "rollback ratio": _ratio(delta["xact_rollback"], delta["xact_commit"] + delta["xact_rollback"]),
                    "temp files": float(delta["temp_files"]),
                    "temp MB": delta["temp_bytes"] / MB / elapsed,
                    "deadlocks": float(delta["deadlocks"]),
                    "conflicts": float(delta["conflicts"]),
                }
        totals: dict[str, float | int | None] = {
            "transactions": now["xact_commit"] + now["xact_rollback"],
            "commits": now["xact_commit"],
            "rollbacks": now["xact_rollback"],
            "cache hit": _ratio(now["blks_hit"], now["blks_hit"] + now["blks_read"]),
            "rollback ratio": _ratio(now["xact_rollback"], now["xact_commit"] + now["xact_rollback"]),
            "temp files": now["temp_files"],
            "temp MB": round(now["temp_bytes"] / MB, 1),
            "deadlocks": now["deadlocks"],
            "conflicts": now["conflicts"],
        }
        rows = []
        for figure, total in totals.items():
            value = interval.get(figure)
            trend = self._trends.setdefault(figure, deque(maxlen=TREND_POINTS))
            if last is not None:
                trend.append(value)
            shown = None if value is None else round(value, 2)
            rows.append((figure, shown, UNITS[figure], counts.get(figure), total, sparkline(list(trend))))
        return Section(
            "database_stats", "Database activity (between polls)", COLUMNS, tuple(rows), note=note, fetched_at=at
        )
