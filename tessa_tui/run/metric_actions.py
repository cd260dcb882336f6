"""The platform's figures in runbook steps and reviews: the `metrics:` step action (the performance runbooks' CPU,
memory and connection-pool steps) and what the daily review's error-rate and p95 items read when a series has
that role. Each records what was read, as read: the value, the series and its source, and when; or that it is
not known and why (a source refused, a series gone, a NaN). Never a figure that was not read now."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from tessa_tui.base.redact import redact_text
from tessa_tui.conditions.condition import Observation
from tessa_tui.config.model import TessaConfig
from tessa_tui.metrics.model import STATE_SYMBOL, SeriesReading, value_text

ORDER = {"critical": 0, "warn": 1, "unknown": 2, "ok": 3}


@dataclass(frozen=True)
class RoleReading:
    """The series with one role, read once now."""

    series: list[SeriesReading]
    lines: list[str]
    """One line per series: value, state, source, when (or why it is not known)."""
    at: datetime

    @property
    def known(self) -> list[SeriesReading]:
        return [s for s in self.series if s.current and s.state != "unknown"]


def describe(series: SeriesReading) -> str:
    """`CPU: 72.5 % (▲ warn: 72.5 % is above 50 %) from supabase, read 14:02:11Z` or `CPU: not known (...)`."""
    if not series.current or series.state == "unknown":
        return f"{series.name}: not known ({series.why or 'no value'}) from {series.source}"
    when = f"{series.read_at:%H:%M:%S}Z" if series.read_at else "?"
    state = f"{STATE_SYMBOL[series.state]} {series.state}" + (f": {series.why}" if series.why else "")
    return f"{series.name}: {value_text(series.value, series.unit)} ({state}) from {series.source}, read {when}"


async def read_series_with_role(
    role: str, config: TessaConfig, secrets: Iterable[str], deadline: float
) -> RoleReading | None:
    """The series of `role` read once (their sources only); None when no series has that role."""
    from tessa_tui.metrics.watch import read_all_once

    settings = config.metrics
    names = {s.name for s in settings.series if s.role == role} if settings else set()
    if settings is None or not names:
        return None
    hidden = frozenset(s for s in secrets if len(s) >= 4)
    async with asyncio.timeout(deadline):
        update = await read_all_once(settings, hidden, only=names)
    series = [s.at(update.at) for s in update.series]
    return RoleReading(series, [redact_text(describe(s), hidden) for s in series], update.at)


async def read_role(
    role: str, config: TessaConfig, secrets: Iterable[str], deadline: float
) -> tuple[Observation, str, str, bool]:
    """(what `expect` sees, the status line, the lines, truncated) for a `metrics: ROLE` step.

    [BODY].unknown is how many of the role's series are not known now: a step expecting `[BODY].unknown == 0` is
    ticked only when the figure was read now, whatever it says; [BODY].state is the worst state among them."""
    try:
        reading = await read_series_with_role(role, config, secrets, deadline)
    except TimeoutError:
        return Observation(), f"timed out after {deadline:g}s", "", False
    if reading is None:
        why = f"not known: no `metrics:` series has `role: {role}` (tessa.yaml); the step's notes say where to look"
        return Observation(), why, "", False
    unknown = len(reading.series) - len(reading.known)
    worst = min((s.state for s in reading.series), key=lambda state: ORDER[state])
    first = reading.known[0] if reading.known else None
    body = {
        "count": len(reading.series),
        "unknown": unknown,
        "state": worst,
        "value": first.value if first is not None and first.value is not None and abs(first.value) < 1e308 else None,
        "series": [s.to_json(reading.at) for s in reading.series],
    }
    status = "; ".join(reading.lines)
    return Observation(status=unknown, body=json.dumps(body, allow_nan=False)), status, "\n".join(reading.lines), False
