"""Deployments as text: ages, each source's state in one line, and the table `tessa-tui deployments` and the
runbooks' "recent deployments" steps print. What is not known is said to be unknown, never left blank."""

from __future__ import annotations

from datetime import datetime, timedelta

from tessa_tui.base.durations import format_duration
from tessa_tui.deployments.model import (
    RECENT_MARK,
    SOURCE_SYMBOL,
    STATUS_SYMBOL,
    Deployment,
    DeploymentsUpdate,
    SourceReading,
)


def age_text(age: timedelta | None) -> str:
    """`<1m`, `12m`, `3h`, `2d`; `?` when the platform gave no time. Minutes at the finest: a view redrawn every
    second repaints an age only when it moves on."""
    if age is None:
        return "?"
    seconds = age.total_seconds()
    if seconds < 60:
        return "<1m"
    if seconds < 3600:
        return f"{seconds // 60:.0f}m"
    if seconds < 86400 * 2:
        return f"{seconds // 3600:.0f}h"
    return f"{seconds // 86400:.0f}d"


def clock_text(when: datetime) -> str:
    return f"{when:%H:%M:%S} UTC"


def source_line(reading: SourceReading, now: datetime) -> str:
    """One source's state: `● web (vercel): 20 deployments, read 12s ago`, or what failed, since when, and how old
    the deployments still shown are."""
    head = f"{SOURCE_SYMBOL[reading.state]} {reading.state} · {reading.name} ({reading.kind})"
    if reading.state == "reading":
        return f"{head}: reading…"
    read = f"read {age_text(now - reading.read_at)} ago" if reading.read_at else "never read"
    if reading.state == "ok":
        count = len(reading.deployments)
        skipped = f"; {reading.skipped} without an id left out" if reading.skipped else ""
        return f"{head}: {count} deployment{'s' * (count != 1)}, {read}{skipped}"
    since = f" since {clock_text(reading.failing_since)}" if reading.failing_since else ""
    retry = f"; asked again at {clock_text(reading.retry_at)}" if reading.retry_at else ""
    shown = f"; no data since {clock_text(reading.read_at)}" if reading.read_at else "; no data yet"
    return f"{head}{since}: {reading.error}{retry}{shown}"


def status_text(deployment: Deployment) -> str:
    return f"{STATUS_SYMBOL[deployment.status]} {deployment.status}"


def target_text(deployment: Deployment) -> str:
    return f"{deployment.target} ★ current" if deployment.current else deployment.target


def recent_text(deployment: Deployment, now: datetime, within: timedelta) -> str:
    return f"{RECENT_MARK} last {format_duration(within)}" if deployment.is_recent(now, within) else ""


COLUMNS = ("AGE", "RECENT", "STATUS", "TARGET", "COMMIT", "MESSAGE", "CREATOR", "SOURCE", "ID")


def rows(update: DeploymentsUpdate, *, recent_only: bool = False) -> list[tuple[str, ...]]:
    """The table's rows, newest first, as text."""
    now, within = update.at, update.recent_within
    chosen = update.recent() if recent_only else update.deployments()
    return [
        (
            age_text(d.age(now)),
            recent_text(d, now, within),
            status_text(d),
            target_text(d),
            d.sha[:7] or "-",
            d.message or "-",
            d.creator or "-",
            d.source,
            d.id,
        )
        for d in chosen
    ]


def table(update: DeploymentsUpdate, *, recent_only: bool = False) -> str:
    """The sources' lines, then the deployments as an aligned table (messages cut to fit a terminal)."""
    lines = [source_line(reading, update.at) for reading in update.sources]
    if not update.sources:
        return "no deployment sources: add `deployments: sources:` to tessa.yaml (or a `repo_path` placeholder)"
    found = [tuple(cell[:60] for cell in row) for row in rows(update, recent_only=recent_only)]
    if not found:
        within = format_duration(update.recent_within)
        lines.append(f"no deployments in the last {within}" if recent_only else "no deployments read")
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in [COLUMNS, *found]) for i in range(len(COLUMNS))]
    lines.append("")
    for row in [COLUMNS, *found]:
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
    return "\n".join(lines)
