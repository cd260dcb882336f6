"""Metrics in text: ages, a source's state in one line, a sparkline, and the table `tessa-tui metrics` and the
runbook steps print."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from tessa_tui.base.durations import format_duration
from tessa_tui.metrics.model import SOURCE_SYMBOL, STATE_SYMBOL, MetricsUpdate, SeriesReading, SourceReading, value_text

BLOCKS = "▁▂▃▄▅▆▇█"


def age_text(age: timedelta | None) -> str:
    if age is None:
        return "never"
    return (
        "now" if age < timedelta(seconds=1) else f"{format_duration(timedelta(seconds=round(age.total_seconds())))} ago"
    )


def sparkline(values: Sequence[float], width: int) -> str:
    """The last `width` finite values as block characters, scaled between their minimum and maximum."""
    shown = [v for v in values if math.isfinite(v)][-width:]
    if not shown:
        return ""
    low, high = min(shown), max(shown)
    if high == low:
        return BLOCKS[len(BLOCKS) // 2 - 1] * len(shown)
    span = high - low
    return "".join(BLOCKS[min(len(BLOCKS) - 1, int((v - low) / span * len(BLOCKS)))] for v in shown)


def source_line(source: SourceReading, now: datetime) -> str:
    """`● supabase (scrape): ok, read 4s ago` / `✖ prom (prometheus): refused since 14:02:11 UTC: HTTP 401 ...`.

    Times say UTC as the header, the Deployments view and the logs' state line do (it said `14:02:11Z`)."""
    head = f"{SOURCE_SYMBOL[source.state]} {source.name} ({source.kind}): {source.state}"
    if source.state == "ok":
        return f"{head}, read {age_text(None if source.read_at is None else now - source.read_at)}"
    if source.error:
        since = f" since {source.failing_since:%H:%M:%S} UTC" if source.failing_since else ""
        retry = f"; next try {source.retry_at:%H:%M:%S} UTC" if source.retry_at else ""
        return f"{head}{since}: {source.error}{retry}"
    return head


def series_line(series: SeriesReading, now: datetime) -> list[str]:
    shown = series.at(now)
    age = age_text(series.age(now))
    return [
        series.name,
        value_text(series.value, series.unit),
        f"{STATE_SYMBOL[shown.state]} {shown.state}",
        age,
        series.source,
        shown.why,
    ]


def table(update: MetricsUpdate) -> str:
    """Every series (name, value, state, age, source, why), then each source's state."""
    header = ["SERIES", "VALUE", "STATE", "AGE", "SOURCE", "WHY"]
    rows = [header, *(series_line(s, update.at) for s in update.series)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1] for row in rows]
    lines = [line.rstrip() for line in lines]
    lines.append("")
    lines += [source_line(source, update.at) for source in update.sources]
    return "\n".join(lines)
