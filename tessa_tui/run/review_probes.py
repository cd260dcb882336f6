"""The health reviews' measurable items: each probe measures one thing now and hands it to `expect`.

A probe yields a value (`[BODY].value`), a few named details (`[BODY].open`, `[BODY].percent` ...) and one
line saying what it saw; the threshold lives in the runbook's `expect`, so a team tunes it without code. A
probe with nothing to measure here (no database configured, no backup location, no week of size history)
says `manual: why`: that item is left to a person, never passed.

Each probe reads through the same engine as the pane or command it stands for: service checks through
`run_check`, logs through the follower and parser of `tessa-tui logs`, the database through `DbMonitor`,
incidents through the journal's fold, growth through the size history the database pane keeps.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tessa_tui.base.sanitize import sanitize
from tessa_tui.base.time_source import Now
from tessa_tui.base.user_dirs import data_dir, home_path
from tessa_tui.conditions.condition import Observation
from tessa_tui.config.model import LogSource, ServiceCheck, TessaConfig
from tessa_tui.database.snapshot import human_bytes, signed_bytes

P95_SAMPLES = 5  # per check: at five samples the 95th percentile is the slowest of them
COMMAND_READ_S = 3.0  # how long a command log source is read (one that follows forever never ends by itself)
MIN_RECORDS = 100  # under a hundred records one error is already over 1 %: too few to judge a rate by
LOG_WINDOW = timedelta(hours=24)  # older records in a source's last 64 KiB are not "the error rate now"
INCIDENT_WINDOW = timedelta(hours=24)
SHOWN = 5  # names listed in a one-line why before "and N more"


class ProbeError(Exception):
    """A probe that could not measure what it is configured to (`cannot ...`): the item fails."""


@dataclass(frozen=True)
class ProbeContext:
    """What a probe may read: the config, the step's `only`, placeholder values, secrets, the journal."""

    config: TessaConfig
    only: Sequence[str] = ()
    values: Mapping[str, str] = field(default_factory=dict)
    secrets: Collection[str] = ()
    journal: Path | None = None
    now: Now = lambda: datetime.now(UTC)

    def journal_path(self) -> Path:
        """The journal given, else the config's (a relative `journal.path` is taken from the working directory)."""
        return self.journal or self.config.journal.journal_path(data_dir())


@dataclass(frozen=True)
class Measure:
    """One probe's reading; `value` None means nothing could be measured here and `why` says why."""

    value: float | None
    why: str
    details: dict[str, Any] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    """The reading in full, one line per check, source or incident (the step's output)."""

    def body(self) -> str:
        return json.dumps({"value": self.value, **self.details}, default=str)


def manual(why: str) -> Measure:
    return Measure(None, why)


async def run_probe(name: str, context: ProbeContext, deadline: float) -> tuple[Observation, str, str, bool]:
    """Run one probe under `deadline`: (what `expect` looks at, status line, output, truncated), as a step's
    other kinds return them. The status is the probe's one line, `manual: ...` or `cannot ...`."""
    probe = PROBES.get(name)
    if probe is None:
        return Observation(), f"cannot run: no probe {name!r} (have: {', '.join(PROBES)})", "", False
    try:
        async with asyncio.timeout(deadline):
            measure = await probe(context)
    except TimeoutError:
        return Observation(), f"timed out after {deadline:g}s", "", False
    except ProbeError as exc:
        return Observation(), sanitize(str(exc)), "", False
    why = sanitize(measure.why)
    status = why if measure.value is not None else f"manual: {why}"
    output = "\n".join(sanitize(line) for line in measure.lines)
    return Observation(status=0, body=measure.body()), status, output, False


# -- services --------------------------------------------------------------------------------------------------------


def _chosen(items: Sequence[Any], only: Sequence[str], what: str) -> list[Any]:
    """The configured items named in `only` (all of them without it); ProbeError for a name not configured."""
    if not only:
        return list(items)
    names = {item.name for item in items}
    unknown = [name for name in only if name not in names]
    if unknown:
        raise ProbeError(f"cannot run: no {what} {unknown[0]!r} (have: {', '.join(sorted(names)) or 'none'})")
    return [item for item in items if item.name in only]


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(names[:SHOWN])
    return shown + (f" and {len(names) - SHOWN} more" if len(names) > SHOWN else "")


async def services_green(context: ProbeContext) -> Measure:
    """Every configured service check once (as `tessa-tui check`): value = how many are not up."""
    checks = _chosen(context.config.services or [], context.only, "service check")
    if not checks:
        return manual("no services configured: look at the services pane")
    from tessa_tui.checks.poller import run_all_once  # httpx loads only when a review polls

    results = await run_all_once(checks, secrets=context.secrets)
    not_up = [r for r in results if r.state != "up"]
    lines = [f"{r.state:<11} {r.name}" + (f": {r.reason}" if r.reason else "") for r in results]
    why = f"{len(results) - len(not_up)} of {len(results)} up"
    if not_up:
        why += "; not up: " + _names([f"{r.name} ({r.state}{': ' + r.reason if r.reason else ''})" for r in not_up])
    return Measure(len(not_up), why, {"up": len(results) - len(not_up), "not_up": [r.name for r in not_up]}, lines)


def percentile(samples: Sequence[float], share: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least `share` of them at or below it."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


async def api_p95(context: ProbeContext) -> Measure:
    """The `metrics:` series with `role: latency-p95` when there is one (the monitoring system's p95, in ms);
    otherwise P95 latency of each HTTP check over P95_SAMPLES requests made now (nothing stores latency history):
    value = the worst check's p95 in ms. A request that got no answer counts with the time it was given up at,
    and ends that check's sampling: its p95 is already at least that."""
    if (measured := await from_metrics(context, "latency-p95")) is not None:
        return measured
    http = [c for c in context.config.services or [] if c.url]
    checks: list[ServiceCheck] = _chosen(http, context.only, "HTTP service check")
    if not checks:
        return manual("no HTTP service checks configured: look at the latency in the services pane")
    from tessa_tui.base.http_fetch import make_client
    from tessa_tui.checks.service_check import run_check

    async def sample(client: Any, check: ServiceCheck) -> tuple[list[float], bool]:
        latencies: list[float] = []
        for _ in range(P95_SAMPLES):
            result = await run_check(client, check, secrets=context.secrets)
            latencies.append(result.latency_ms or 0.0)
            if result.http_status is None:
                return latencies, False
        return latencies, True

    async with make_client(max_connections=8) as client:
        sampled = await asyncio.gather(*(sample(client, c) for c in checks))
    p95 = {c.name: round(percentile(lat, 0.95), 1) for c, (lat, _) in zip(checks, sampled, strict=True)}
    lines = [
        f"{c.name}: p95 {p95[c.name]:.0f} ms over {len(lat)} request{'s' * (len(lat) != 1)}"
        + ("" if answered else " (no answer: sampling stopped)")
        for c, (lat, answered) in zip(checks, sampled, strict=True)
    ]
    worst = max(p95, key=lambda name: p95[name])
    why = f"worst p95 {p95[worst]:.0f} ms ({worst}); {P95_SAMPLES} requests to each of {len(checks)} checks"
    return Measure(p95[worst], why, {"checks": p95}, lines)


# -- metrics ---------------------------------------------------------------------------------------------------------

METRICS_READ_S = 60.0  # the section's own timeout bounds each read; this only guards the whole
TO_BASE = {
    "error-rate": ({"%": 0.01, "": 1.0, "ratio": 1.0}, "a share (unit `%` or none)"),
    "latency-p95": ({"ms": 1.0, "s": 1000.0, "us": 0.001, "µs": 0.001}, "a latency (unit `ms` or `s`)"),
}


async def from_metrics(context: ProbeContext, role: str) -> Measure | None:
    """The first series with `role`, read now, in the unit the item's `expect` uses (a share; milliseconds); None
    when no series has the role or the step's `only` names checks or log sources (then those are measured)."""
    settings = context.config.metrics
    if context.only or settings is None or not any(s.role == role for s in settings.series):
        return None
    from tessa_tui.metrics.model import value_text
    from tessa_tui.run.metric_actions import describe, read_series_with_role

    reading = await read_series_with_role(role, context.config, context.secrets, METRICS_READ_S)
    assert reading is not None
    series = reading.series[0]
    details: dict[str, Any] = {"from": "metrics", "series": series.name, "source": series.source}
    if series not in reading.known or series.value is None:
        return Measure(None, f"not known from metrics: {describe(series)}", details, reading.lines)
    factors, kind = TO_BASE[role]
    factor = factors.get(series.unit)
    if factor is None:
        raise ProbeError(f"cannot use metrics series {series.name!r}: its unit {series.unit!r} is not {kind}")
    value = series.value * factor
    if not math.isfinite(value):
        return Measure(None, f"not known from metrics: {describe(series)}", details, reading.lines)
    read_at = f"{series.read_at:%H:%M:%S}Z" if series.read_at else "?"
    details["read_at"] = series.read_at.isoformat() if series.read_at else None
    why = (
        f"{value_text(series.value, series.unit)}: metrics series {series.name!r} from {series.source}, read {read_at}"
    )
    return Measure(round(value, 6), why, details, reading.lines)


# -- logs ------------------------------------------------------------------------------------------------------------


async def _source_lines(source: LogSource) -> tuple[list[str], str]:
    """The recent lines of a source as `tessa-tui logs NAME` reads them: a file's last 64 KiB, or what a
    command prints within COMMAND_READ_S (then it is stopped)."""
    if source.command is None:
        from tessa_tui.logs.follow import FileFollower

        follower = FileFollower(home_path(source.path or ""))
        lines = await asyncio.to_thread(follower.poll)
        return lines, follower.status
    from tessa_tui.logs.command_source import CommandFollower

    command = CommandFollower(source.command)
    lines = []
    ends = time.monotonic() + COMMAND_READ_S
    try:
        while time.monotonic() < ends:
            lines += await command.poll()
            if command.status.startswith(("cannot", "exited")):
                break
            await asyncio.sleep(0.05)
    finally:
        await command.close()
    return lines, command.status


def level_counts(source: LogSource, lines: list[str], since: float) -> Counter[str]:
    """Records per level among `lines` (through the logs pane's parser), leaving out records older than `since`
    (epoch seconds; records without a time count)."""
    from tessa_tui.logs.ingest import digest
    from tessa_tui.logs.parse import LEVEL, WHEN, LogParser

    batch = digest(LogParser(source.format, source.name), lines, "", None)
    rows = [*batch.rows, batch.held] if batch.held is not None else batch.rows  # the last record is in it too
    return Counter(row[LEVEL] for row in rows if row[WHEN] is None or row[WHEN] >= since)


async def error_rate(context: ProbeContext) -> Measure:
    """The `metrics:` series with `role: error-rate` when there is one (the monitoring system's share of failed
    requests); otherwise errors and fatals as a share of the records with a level, over the recent lines of each
    log source."""
    if (measured := await from_metrics(context, "error-rate")) is not None:
        return measured
    sources: list[LogSource] = _chosen(context.config.logs or [], context.only, "log source")
    if not sources:
        return manual("no log sources configured: look at the error rate in your log platform")
    from tessa_tui.logs.ingest import error_share

    since = (context.now() - LOG_WINDOW).timestamp()
    read = await asyncio.gather(*(_source_lines(s) for s in sources))
    errors = leveled = 0
    lines = []
    for source, (text, status) in zip(sources, read, strict=True):
        bad, known = error_share(level_counts(source, text, since))
        errors, leveled = errors + bad, leveled + known
        share = f"{bad / known:.1%}" if known else "-"
        lines.append(
            f"{source.name}: {share} ({bad} of {known} records with a level)" + (f"; {status}" if not text else "")
        )
    if leveled < MIN_RECORDS:
        why = f"only {leveled} records with a level in the recent lines of {_names([s.name for s in sources])}"
        return Measure(None, f"{why}: too few to judge a rate by ({MIN_RECORDS} needed)", lines=lines)
    rate = errors / leveled
    why = f"{rate:.2%} errors: {errors} of {leveled} records with a level, the last 64 KiB of {len(sources)} sources"
    return Measure(round(rate, 6), why, {"errors": errors, "records": leveled}, lines)


# -- the journal -----------------------------------------------------------------------------------------------------


async def overnight_incidents(context: ProbeContext) -> Measure:
    """Incidents declared in the last 24 h (value) and every incident still open (`open`), from the journal."""
    path = context.journal_path()
    if not path.exists():
        return Measure(0, "no journal yet: no incidents", {"open": 0, "incidents": []})
    from tessa_tui.incidents.incident import fold_all
    from tessa_tui.incidents.journal import Journal

    def read() -> list[Any]:
        journal = Journal(path, actor="review")
        try:
            return list(fold_all(journal.events_since(0)).values())
        finally:
            journal.close()

    incidents = await asyncio.to_thread(read)
    since = context.now() - INCIDENT_WINDOW
    recent = [i for i in incidents if i.declared_at >= since]
    still_open = [i for i in incidents if i.is_open]
    lines = [f"{i.id} {i.severity} {i.status}: {i.title}" for i in recent]
    lines += [
        f"{i.id} {i.severity} {i.status} since {i.declared_at:%Y-%m-%d %H:%M} UTC: {i.title}"
        for i in still_open
        if i not in recent
    ]
    why = f"{len(recent)} declared in the last 24 h"
    if recent:
        why += ": " + _names([f"{i.id} {i.severity} {i.status}" for i in recent])
    why += f"; {len(still_open)} open" + (f" ({_names([i.id for i in still_open])})" if still_open else "")
    details = {"open": len(still_open), "incidents": [i.id for i in recent]}
    return Measure(len(recent), why, details, lines)


# -- backups ---------------------------------------------------------------------------------------------------------


async def backups(context: ProbeContext) -> Measure:
    """Age in hours of the newest backup: `backup_file` under `placeholders:` names a file or a folder of them.
    Without it, manual: the platform's own backups (Supabase dashboard) are not readable from here."""
    configured = context.values.get("backup_file", "").strip()
    if not configured:
        return manual("no `backup_file` under placeholders: in tessa.yaml; Supabase dashboard, Database, Backups")
    path = home_path(configured)

    def newest() -> tuple[Path, float, int]:
        try:
            files = [p for p in path.iterdir() if p.is_file()] if path.is_dir() else [path]
            stats = [(p, p.stat()) for p in files]
        except OSError as exc:
            raise ProbeError(f"cannot read {path}: {exc.strerror or exc}") from None
        if not stats:
            raise ProbeError(f"cannot find a backup: {path} is an empty folder")
        found, stat = max(stats, key=lambda item: item[1].st_mtime)
        return found, stat.st_mtime, stat.st_size

    found, modified, size = await asyncio.to_thread(newest)
    hours = (context.now().timestamp() - modified) / 3600
    why = f"newest backup {found.name}: {hours:.1f} h old, {human_bytes(size)}"
    return Measure(round(hours, 2), why, {"bytes": size, "file": str(found)}, [str(found)])


# -- the database ----------------------------------------------------------------------------------------------------


async def _database(context: ProbeContext, sections: tuple[str, ...]) -> Any:
    """The database monitor's sections, read now; ProbeError when the database cannot be reached."""
    assert context.config.database is not None
    from tessa_tui.database.monitor import DbMonitor

    monitor = DbMonitor(context.config.database, secrets=context.secrets)
    try:
        await monitor.poll(sections)
    except ConnectionError as exc:
        raise ProbeError(f"cannot connect: {exc}") from None
    finally:
        await monitor.close()
    return monitor.snapshot()


async def slow_queries(context: ProbeContext) -> Measure:
    """How many queries are slow: statements whose mean time in pg_stat_statements is over the database's
    long-query-threshold (the line the database pane draws, 5 s by default), plus queries running past it now
    (one stuck on a lock never reaches pg_stat_statements). `slowest_ms`: the slowest of all."""
    database = context.config.database
    if database is None:
        return manual("no `database:` in tessa.yaml: look at the slow query log in the Supabase dashboard")
    limit_ms = database.long_query_threshold.total_seconds() * 1000
    snapshot = await _database(context, ("slow_queries", "long_queries"))
    statements, running = snapshot.sections["slow_queries"], snapshot.sections["long_queries"]
    found: list[tuple[float, str]] = []
    if statements.rows:
        mean, query = statements.columns.index("mean_ms"), statements.columns.index("query")
        found += [
            (float(row[mean] or 0), f"averages {float(row[mean] or 0):.0f} ms: {row[query]}") for row in statements.rows
        ]
    if running.rows:
        seconds, state, query, app = (running.columns.index(c) for c in ("seconds", "state", "query", "application"))
        found += [
            (
                float(row[seconds] or 0) * 1000,
                f"running for {float(row[seconds] or 0):.0f} s ({row[app]}): {row[query]}",
            )
            for row in running.rows
            if row[state] == "active"  # idle in transaction is a leaked session, not a slow query
        ]
    found.sort(key=lambda item: -item[0])
    slow = [text for ms, text in found if ms > limit_ms]
    caveat = statements.note or statements.error
    lines = [" ".join(text.split())[:300] for _, text in found] + ([caveat] if caveat else [])
    why = f"{len(slow)} over {limit_ms / 1000:g} s (long-query-threshold)"
    if found:
        why += f"; slowest {' '.join(found[0][1].split())[:140]}"
    else:
        why += "; no statements recorded and none running long"
    if caveat:
        why += f" ({caveat})"
    slowest = round(found[0][0], 1) if found else 0.0
    return Measure(len(slow), why, {"slowest_ms": slowest, "threshold_ms": limit_ms}, lines)


async def _database_size(context: ProbeContext) -> tuple[str, int, datetime]:
    snapshot = await _database(context, ("database_size",))
    section = snapshot.sections["database_size"]
    if section.error or not section.rows:
        raise ProbeError(f"cannot read the database size: {section.error or 'no rows'}")
    return snapshot.target, int(section.rows[0][0]), section.fetched_at or context.now()


async def storage(context: ProbeContext) -> Measure:
    """The database's size in bytes (file storage buckets are the platform dashboard's to show)."""
    if context.config.database is None:
        return manual("no `database:` in tessa.yaml: Supabase dashboard, Settings, Usage")
    _, size, _ = await _database_size(context)
    why = f"database {human_bytes(size)} (file storage buckets: Supabase dashboard, Storage)"
    return Measure(size, why, {"size": human_bytes(size)})


async def db_growth(context: ProbeContext) -> Measure:
    """Growth over the last 7 days in bytes (`percent` of the size a week ago), from the size history the
    database pane keeps beside the journal; this reading is added to it. Manual until a week of history exists."""
    if context.config.database is None:
        return manual("no `database:` in tessa.yaml: Supabase dashboard, Settings, Usage")
    target, size, at = await _database_size(context)
    from tessa_tui.database.size_history import SizeHistory

    def grow() -> dict[str, Any]:
        history = SizeHistory(context.journal_path().parent / "size_history.sqlite3")
        try:
            history.record(target, at, size)
            return {g.window: g for g in history.growth(target, at, size)}
        finally:
            history.close()

    growth = await asyncio.to_thread(grow)
    shorter = "; ".join(f"{w}: {signed_bytes(g.bytes)}" for w, g in growth.items())
    week = growth.get("7d")
    if week is None:
        return manual(
            f"no size sample from 7-14 days ago yet; now {human_bytes(size)}" + (f"; {shorter}" if shorter else "")
        )
    before = size - week.bytes
    percent = 100 * week.bytes / before if before else 0.0
    why = f"{signed_bytes(week.bytes)} ({percent:+.1f} %) in 7 days; now {human_bytes(size)}"
    return Measure(week.bytes, why, {"percent": round(percent, 2), "size": size}, [shorter])


PROBES: dict[str, Callable[[ProbeContext], Awaitable[Measure]]] = {
    "services-green": services_green,
    "error-rate": error_rate,
    "api-p95": api_p95,
    "overnight-incidents": overnight_incidents,
    "backups": backups,
    "slow-queries": slow_queries,
    "db-growth": db_growth,
    "storage": storage,
}
