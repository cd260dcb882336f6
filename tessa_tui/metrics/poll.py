"""One metrics source read: a scrape parsed and its series computed (rates, shares, scale), or each series'
PromQL expression queried (its trend filled by one range query the first time); what each series then shows.

A read runs under the section's deadline, every call in it; a fault of the whole source (401/403, 429, 5xx,
timeout, oversize, malformed text) is the source's state, and its series say so and turn unknown, keeping
their last value and age. A query the server refuses is that series' error only. A bug met while reading is
the source's error (the crash log has the rest), never a sibling's.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from tessa_tui.base.deadline import Deadline
from tessa_tui.base.isolate import isolated
from tessa_tui.base.time_source import Now
from tessa_tui.config.metrics import Metrics, MetricSeries, MetricSource
from tessa_tui.metrics.exposition import ExpositionError, aggregate, divide, parse_exposition, select
from tessa_tui.metrics.model import SeriesReading, SourceReading, judge, value_text
from tessa_tui.metrics.source_http import SourceFailure, get, line

if TYPE_CHECKING:
    import httpx

    from tessa_tui.metrics.exposition import Rates

DEADLINE_MARGIN_S = 2.0  # the read keeps its own deadline; this one only guards against a stuck read
EXPOSITION_ACCEPT = "text/plain;version=0.0.4;q=1,*/*;q=0.1"
MIN_POINTS, MAX_POINTS = 10, 120


@dataclass
class SeriesState:
    """What the poller knows of one series between reads."""

    config: MetricSeries
    points: int
    value: float | None = None
    read_at: datetime | None = None
    why: str = "not read yet"
    current: bool = False
    history: deque[float] = field(default_factory=deque)
    trend_asked: bool = False

    def __post_init__(self) -> None:
        self.history = deque(maxlen=self.points)

    def took(self, value: float | None, at: datetime, why: str = "") -> None:
        """A value read now (None: the read had none for this series, `why` says why)."""
        if value is None:
            self.current = False
            self.why = why
            return
        value *= self.config.scale
        self.value, self.read_at, self.current, self.why = value, at, True, ""
        if math.isfinite(value):
            self.history.append(value)

    def reading(self, fresh_for: timedelta) -> SeriesReading:
        config = self.config
        if self.current:
            state, why = judge(config, self.value)
        else:
            state, why = "unknown", self.why
            if self.read_at is not None and self.value is not None:
                why += f" (last {value_text(self.value, config.unit)} at {self.read_at:%H:%M:%S}Z)"
        return SeriesReading(
            name=config.name,
            source=config.source,
            unit=config.unit,
            role=config.role,
            value=self.value,
            read_at=self.read_at,
            state=state,
            why=why,
            history=tuple(self.history),
            current=self.current,
            fresh_for=fresh_for,
        )


class SourcePoller:
    """One source and its series, read again and again: the state a scrape's rates need lives here."""

    def __init__(self, source: MetricSource, settings: Metrics, secrets: frozenset[str], clock: Now) -> None:
        from tessa_tui.metrics.exposition import Rates

        self.source = source
        self.settings = settings
        self.secrets = secrets
        self.clock = clock
        self.reading = SourceReading(source.name, source.kind)
        interval = source.every.total_seconds()
        points = max(MIN_POINTS, min(MAX_POINTS, round(settings.history.total_seconds() / interval)))
        self.series = [SeriesState(s, points) for s in settings.series if s.source == source.name]
        self.rates: Rates = Rates()
        self.fresh_for = source.every * settings.stale_after
        scrape = source.scrape
        if scrape is not None and scrape.username is not None and scrape.password is not None:
            from tessa_tui.base import secret_registry

            # The Basic-auth header value the credentials make is masked at every exit too, not only the password.
            secret_registry.register_password(scrape.password, scrape.username)

    def readings(self) -> list[SeriesReading]:
        return [s.reading(self.fresh_for) for s in self.series]

    @property
    def needs_second_read(self) -> bool:
        """A scrape whose series wait for a rate: `tessa-tui metrics` reads it twice."""
        return any(s.why == "a counter: its rate needs a second scrape" for s in self.series)

    async def read(self, client: httpx.AsyncClient) -> None:
        """One read; never raises but to cancel."""
        timeout = self.settings.timeout.total_seconds()

        async def attempt() -> None:
            try:
                async with asyncio.timeout(timeout + DEADLINE_MARGIN_S):
                    if self.source.scrape is not None:
                        await self._scrape(client, Deadline(timeout))
                    else:
                        await self._query(client, Deadline(timeout))
            except SourceFailure as failure:
                self._failed(failure)
            except TimeoutError:
                service = "scrape" if self.source.scrape else "Prometheus API"
                self._failed(
                    SourceFailure("failing", f"{service}: no complete answer within the {timeout:g}s deadline")
                )

        def fault(reason: str) -> None:
            self._failed(SourceFailure("failing", f"{self.source.kind}: {reason}"))

        await isolated(attempt(), context=f"metrics source {self.source.name}", on_fault=fault, secrets=self.secrets)

    def _failed(self, failure: SourceFailure) -> None:
        now = self.clock()
        retry = None
        if failure.state == "rate-limited":
            wait = max(failure.retry_after_s or 0.0, self.source.every.total_seconds())
            retry = now + timedelta(seconds=wait)
        self.reading = self.reading.failed(failure.state, failure.error, now, retry)
        for series in self.series:
            series.took(None, now, f"source {self.source.name} is {failure.state}")

    def _succeeded(self, samples: int) -> None:
        self.reading = SourceReading(self.source.name, self.source.kind, "ok", read_at=self.clock(), samples=samples)

    async def _scrape(self, client: httpx.AsyncClient, deadline: Deadline) -> None:
        assert self.source.scrape is not None
        answer = await get(
            client, self.source.scrape.url, self.source, deadline, self.secrets, accept=EXPOSITION_ACCEPT
        )
        at = time.monotonic()
        selectors = [(s, s.config.selector(), s.config.divisor()) for s in self.series]
        wanted = {sel.name for _, sel, _ in selectors} | {per.name for _, _, per in selectors if per is not None}
        try:
            samples, count = await asyncio.to_thread(parse_exposition, answer.body, wanted)
        except ExpositionError as exc:
            raise SourceFailure("failing", line("scrape", str(exc))) from None
        rates = self.rates.observe(samples, at)
        now = self.clock()
        for series, selector, per in selectors:
            chosen = select(samples, selector, rates)
            value = aggregate(chosen.values, series.config.aggregate)
            why = chosen.why
            if value is not None and per is not None:
                divisor = select(samples, per, rates)
                total = aggregate(divisor.values, series.config.aggregate)
                value, why = (None, divisor.why) if total is None else (divide(value, total), "")
            series.took(value, now, why)
        self._succeeded(count)

    async def _query(self, client: httpx.AsyncClient, deadline: Deadline) -> None:
        from tessa_tui.metrics.prometheus_api import QueryError, query

        answered = 0
        for series in self.series:
            if not series.trend_asked:
                series.trend_asked = True
                await self._trend(client, series, deadline)
            try:
                result = await query(client, self.source, series.config, deadline, self.secrets)
            except QueryError as exc:
                series.took(None, self.clock(), clip_line(str(exc)))
                continue
            answered += 1
            series.took(result.value, result.at or self.clock(), result.why)
        self._succeeded(answered)

    async def _trend(self, client: httpx.AsyncClient, series: SeriesState, deadline: Deadline) -> None:
        """The series' history window by one range query, so its sparkline starts full."""
        from tessa_tui.metrics.prometheus_api import QueryError, query_range

        end = self.clock().timestamp()
        window = self.settings.history.total_seconds()
        step = max(1.0, window / series.points)
        try:
            points = await query_range(
                client, self.source, series.config, end - window, end, step, deadline, self.secrets
            )
        except QueryError:
            return  # the instant query that follows says what is wrong with it
        series.history.extend(p * series.config.scale for p in points)


def clip_line(text: str) -> str:
    return text if len(text) <= 200 else text[:199] + "…"
