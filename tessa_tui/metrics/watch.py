"""Metrics watched: every source read on its own cadence, as an async iterator of immutable updates.

Each source is read in a task of its own, so a slow or failing one never holds the others back: an update goes
out as soon as any read ends. A rate-limited source is asked again only after its Retry-After (capped), never
sooner than its interval. The Metrics view posts the updates; `tessa-tui metrics`, the review's items and the
runbook steps read one round (`read_all_once`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from tessa_tui.base.client_loader import client_factory
from tessa_tui.base.time_source import Now, utc_now
from tessa_tui.config.metrics import Metrics
from tessa_tui.config.model import TessaConfig
from tessa_tui.metrics.model import MetricsUpdate
from tessa_tui.metrics.poll import SourcePoller

if TYPE_CHECKING:
    pass

IDLE_FLOOR_S = 1.0  # never wake more often than once a second
RATE_GAP_S = 2.0  # a one-off read scrapes twice this far apart when a series is a counter's rate

Sleep = Callable[[float], Awaitable[None]]


def _update(pollers: Iterable[SourcePoller], clock: Now) -> MetricsUpdate:
    pollers = list(pollers)
    series = tuple(reading for poller in pollers for reading in poller.readings())
    order = {name: n for n, name in enumerate(s.name for s in pollers[0].settings.series)} if pollers else {}
    ordered = tuple(sorted(series, key=lambda s: order.get(s.name, 0)))
    return MetricsUpdate(tuple(p.reading for p in pollers), ordered, clock())


def _pollers(
    settings: Metrics, secrets: frozenset[str], clock: Now, only: set[str] | None = None
) -> list[SourcePoller]:
    chosen = [
        s
        for s in settings.sources
        if only is None or any(x.source == s.name for x in settings.series if x.name in only)
    ]
    return [SourcePoller(source, settings, secrets, clock) for source in chosen]


async def read_all_once(
    settings: Metrics,
    secrets: frozenset[str] = frozenset(),
    clock: Now = utc_now,
    *,
    only: set[str] | None = None,
    rate_gap_s: float = RATE_GAP_S,
) -> MetricsUpdate:
    """Every source (or those of the series named in `only`) read once, at the same time; a scrape whose
    counters need a rate is read again after `rate_gap_s`."""
    from tessa_tui.base.http_fetch import make_client

    pollers = _pollers(settings, secrets, clock, only)
    async with make_client(max_connections=8) as client:
        await asyncio.gather(*(p.read(client) for p in pollers))
        again = [p for p in pollers if p.needs_second_read and p.reading.state == "ok"]
        if again:
            await asyncio.sleep(rate_gap_s)
            await asyncio.gather(*(p.read(client) for p in again))
    update = _update(pollers, clock)
    if only is not None:
        update = MetricsUpdate(update.sources, tuple(s for s in update.series if s.name in only), update.at)
    return update


def settings_of(config: TessaConfig) -> Metrics:
    return config.metrics if config.metrics is not None else Metrics()


async def watch_metrics(
    settings: Metrics,
    secrets: frozenset[str] = frozenset(),
    *,
    clock: Now = utc_now,
    sleep: Sleep = asyncio.sleep,
) -> AsyncGenerator[MetricsUpdate, None]:
    """Read every source on its cadence until closed; the first update (at once) says every source is being read."""
    pollers = {p.source.name: p for p in _pollers(settings, secrets, clock)}
    due: dict[str, datetime] = dict.fromkeys(pollers, clock())
    running: dict[str, asyncio.Task[None]] = {}
    hurried: set[str] = set()
    yield _update(pollers.values(), clock)
    if not pollers:
        return
    new_client = await client_factory(8)
    async with new_client() as client:
        try:
            while True:
                now = clock()
                for name, poller in pollers.items():
                    if name not in running and due[name] <= now:
                        running[name] = asyncio.create_task(poller.read(client), name=f"metrics: {name}")
                if not running:
                    wait = (min(due.values()) - now).total_seconds()
                    await sleep(max(wait, IDLE_FLOOR_S))
                    continue
                done, _ = await asyncio.wait(running.values(), return_when=asyncio.FIRST_COMPLETED)
                for name in [n for n, task in running.items() if task in done]:
                    running.pop(name).result()
                    poller = pollers[name]
                    soon = poller.needs_second_read and poller.reading.state == "ok" and name not in hurried
                    if soon:  # a tile waiting for a counter's rate gets it in seconds, not a whole interval
                        hurried.add(name)
                    after = timedelta(seconds=RATE_GAP_S) if soon else poller.source.every
                    due[name] = poller.reading.retry_at or clock() + after
                yield _update(pollers.values(), clock)
        finally:
            for task in running.values():
                task.cancel()
            if running:
                await asyncio.gather(*running.values(), return_exceptions=True)
