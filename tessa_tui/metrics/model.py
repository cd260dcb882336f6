"""A metric as the console shows it: each named series' value, its state against the thresholds, its trend and
how old it is, and each source's state: the `metrics --json` contract (docs/cli-json.md).

A value is a float as the platform gave it: NaN and ±Inf are kept and shown as such (`NaN`, `+Inf`), never
compared as if they were numbers (a NaN is unknown; +Inf is above any threshold, as it is in Prometheus).
A value that did not come from its source's latest read, or is older than `stale-after` intervals, is unknown,
and the reading says why: the console never shows an old figure as the current state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from tessa_tui.config.metrics import MetricSeries

State = Literal["ok", "warn", "critical", "unknown"]
STATE_SYMBOL: dict[str, str] = {"ok": "●", "warn": "▲", "critical": "✖", "unknown": "?"}
"""A state as a symbol beside its word: readable without colour."""

SourceState = Literal["reading", "ok", "refused", "rate-limited", "failing"]
SOURCE_SYMBOL: dict[str, str] = {"reading": "◌", "ok": "●", "refused": "✖", "rate-limited": "▲", "failing": "✖"}


def value_text(value: float | None, unit: str = "") -> str:
    """A value for a person: `37.2 %`, `1,204 conn`, `NaN`, `+Inf`, `-` when there is none."""
    if value is None:
        return "-"
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    magnitude = abs(value)
    if magnitude >= 1e15:
        text = f"{value:.3g}"
    elif magnitude >= 1000:
        text = f"{value:,.0f}"
    elif magnitude >= 100 or value == int(value):
        text = f"{value:.0f}" if value == int(value) else f"{value:.1f}"
    elif magnitude >= 1:
        text = f"{value:.2f}".rstrip("0").rstrip(".")
    else:
        text = f"{value:.3g}"
    return f"{text} {unit}".rstrip() if unit else text


def json_number(value: float | None) -> float | None:
    """A value JSON can carry (finite), else None: `value_text` says NaN or Inf beside it."""
    return value if value is not None and math.isfinite(value) else None


def judge(series: MetricSeries, value: float | None) -> tuple[State, str]:
    """(state, which threshold) of a value: NaN or none is unknown; a threshold is compared only with a number."""
    if value is None or math.isnan(value):
        return "unknown", "no value" if value is None else "the value is NaN"
    shown = value_text(value, series.unit)
    limits: tuple[tuple[State, float | None, bool], ...] = (
        ("critical", series.critical_above, True),
        ("critical", series.critical_below, False),
        ("warn", series.warn_above, True),
        ("warn", series.warn_below, False),
    )
    for state, limit, above in limits:
        if limit is not None and (value > limit if above else value < limit):
            word = "above" if above else "below"
            return state, f"{shown} is {word} {value_text(limit, series.unit)}"
    return "ok", ""


@dataclass(frozen=True)
class SeriesReading:
    """One named series as last read: value, state, trend, age, and why it is unknown when it is."""

    name: str
    source: str
    unit: str = ""
    role: str | None = None
    value: float | None = None
    """The latest value read; may be NaN or ±Inf."""
    read_at: datetime | None = None
    """When `value` was read (the scrape, or the query's evaluation time); None: never."""
    state: State = "unknown"
    why: str = "not read yet"
    """The threshold crossed, or why the state is unknown; "" when ok."""
    history: tuple[float, ...] = ()
    """Finite values, oldest first: the trend sparkline."""
    current: bool = False
    """The value came from its source's latest read."""
    fresh_for: timedelta = timedelta(minutes=3)
    """After this long without a new value, it is unknown."""

    def age(self, now: datetime) -> timedelta | None:
        return None if self.read_at is None else max(now - self.read_at, timedelta(0))

    def at(self, now: datetime) -> SeriesReading:
        """This reading as it stands at `now`: a value read too long ago is unknown, and says since when."""
        age = self.age(now)
        if self.state == "unknown" or age is None or age <= self.fresh_for:
            return self
        return replace(self, state="unknown", why=f"stale: no new value for {round(age.total_seconds())}s")

    def to_json(self, now: datetime) -> dict[str, Any]:
        """The `metrics --json` contract for one series (docs/cli-json.md)."""
        shown = self.at(now)
        age = self.age(now)
        return {
            "name": self.name,
            "source": self.source,
            "role": self.role,
            "value": json_number(self.value),
            "value_text": value_text(self.value),
            "unit": self.unit,
            "state": shown.state,
            "why": shown.why,
            "read_at": self.read_at.isoformat() if self.read_at else None,
            "age_s": None if age is None else round(age.total_seconds(), 1),
            "history": [round(v, 6) for v in self.history],
        }


@dataclass(frozen=True)
class SourceReading:
    """How a source's latest read went."""

    name: str
    kind: str
    state: SourceState = "reading"
    error: str = ""
    """One line: why the latest read failed (never a credential)."""
    read_at: datetime | None = None
    """When it was last read successfully; None: never."""
    failing_since: datetime | None = None
    retry_at: datetime | None = None
    """A rate-limited source is not asked again before this."""
    samples: int = 0
    """Samples in the latest scrape, or results of the latest queries."""

    def failed(self, state: SourceState, error: str, now: datetime, retry_at: datetime | None = None) -> SourceReading:
        return replace(self, state=state, error=error, failing_since=self.failing_since or now, retry_at=retry_at)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "state": self.state,
            "error": self.error,
            "read_at": self.read_at.isoformat() if self.read_at else None,
            "failing_since": self.failing_since.isoformat() if self.failing_since else None,
            "retry_at": self.retry_at.isoformat() if self.retry_at else None,
            "samples": self.samples,
        }


@dataclass(frozen=True)
class MetricsUpdate:
    """Every source and series at one moment: what the view and `tessa-tui metrics` show."""

    sources: tuple[SourceReading, ...]
    series: tuple[SeriesReading, ...]
    at: datetime

    @property
    def all_read(self) -> bool:
        return all(source.state == "ok" for source in self.sources)

    def with_role(self, role: str) -> list[SeriesReading]:
        return [s.at(self.at) for s in self.series if s.role == role]

    def to_json(self) -> dict[str, Any]:
        """The `metrics --json` document (docs/cli-json.md)."""
        return {
            "at": self.at.isoformat(),
            "all_read": self.all_read,
            "sources": [source.to_json() for source in self.sources],
            "series": [series.to_json(self.at) for series in self.series],
        }
