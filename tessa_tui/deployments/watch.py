"""Deployments watched: every source read on its own cadence, as an async iterator of immutable updates.

Each source is read in a task of its own under the section's deadline, so a slow or failing one never holds
the others back: an update goes out as soon as any read ends. A failed read keeps the deployments read before
and says what failed and since when; a rate-limited source is asked again only after its Retry-After (capped),
never sooner than the interval; a bug met while reading is that source's error (the crash log has the rest).
The Deployments view posts the updates; `tessa-tui deployments` prints one round (`read_all_once`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from tessa_tui.base.client_loader import client_factory
from tessa_tui.base.isolate import isolated
from tessa_tui.base.time_source import Now, utc_now
from tessa_tui.config.deployments import Deployments, DeploymentSource
from tessa_tui.config.model import TessaConfig
from tessa_tui.deployments.deadline import Deadline
from tessa_tui.deployments.model import DeploymentsUpdate, SourceReading
from tessa_tui.deployments.sources import read_source, settings_of
from tessa_tui.deployments.vendor_http import Listing, SourceFailure

if TYPE_CHECKING:
    import httpx

DEADLINE_MARGIN_S = 2.0  # the read keeps its own deadline; this one only guards against a stuck read
IDLE_FLOOR_S = 1.0  # never wake more often than once a second

Sleep = Callable[[float], Awaitable[None]]
ReadSource = Callable[["httpx.AsyncClient", DeploymentSource, int, Deadline, frozenset[str]], Awaitable[Listing]]
SERVICE = {"vercel": "Vercel", "netlify": "Netlify", "git": "git"}


async def poll_source(
    client: httpx.AsyncClient,
    source: DeploymentSource,
    reading: SourceReading,
    settings: Deployments,
    secrets: frozenset[str],
    clock: Now,
    read: ReadSource = read_source,
) -> SourceReading:
    """One read of `source`: the new reading, or `reading` with the failure said (never raises but to cancel)."""
    timeout = settings.timeout.total_seconds()

    async def attempt() -> SourceReading:
        deadline = Deadline(timeout, SERVICE[source.kind])
        try:
            listing = await asyncio.wait_for(
                read(client, source, settings.limit, deadline, secrets), timeout + DEADLINE_MARGIN_S
            )
        except SourceFailure as failure:
            now = clock()
            retry = None
            if failure.state == "rate-limited":
                wait = max(failure.retry_after_s or 0.0, settings.interval.total_seconds())
                retry = now + timedelta(seconds=wait)
            return reading.failed(failure.state, failure.error, now, retry)
        except TimeoutError:
            message = f"{SERVICE[source.kind]}: no complete answer within the {timeout:g}s deadline"
            return reading.failed("failing", message, clock())
        return SourceReading(
            source.name, source.kind, "ok", listing.deployments, read_at=clock(), skipped=listing.skipped
        )

    def fault(reason: str) -> SourceReading:
        return reading.failed("failing", f"{SERVICE[source.kind]}: {reason}", clock())

    return await isolated(attempt(), context=f"deployments source {source.name}", on_fault=fault, secrets=secrets)


async def read_all_once(
    config: TessaConfig, secrets: frozenset[str] = frozenset(), clock: Now = utc_now
) -> DeploymentsUpdate:
    """Every source read once, at the same time: what `tessa-tui deployments` prints."""
    from tessa_tui.base.http_fetch import make_client

    settings = settings_of(config)
    async with make_client(max_connections=8) as client:
        readings = await asyncio.gather(
            *(poll_source(client, s, SourceReading(s.name, s.kind), settings, secrets, clock) for s in settings.sources)
        )
    return DeploymentsUpdate(tuple(readings), clock(), settings.recent)


async def watch_deployments(
    config: TessaConfig,
    secrets: frozenset[str] = frozenset(),
    *,
    clock: Now = utc_now,
    sleep: Sleep = asyncio.sleep,
    read: ReadSource = read_source,
) -> AsyncGenerator[DeploymentsUpdate, None]:
    """Read every source on its cadence until closed; the first update (at once) says every source is being read."""
    settings = settings_of(config)
    sources = {s.name: s for s in settings.sources}
    readings = {name: SourceReading(name, s.kind) for name, s in sources.items()}
    due: dict[str, datetime] = dict.fromkeys(sources, clock())
    running: dict[str, asyncio.Task[SourceReading]] = {}

    def update() -> DeploymentsUpdate:
        return DeploymentsUpdate(tuple(readings.values()), clock(), settings.recent)

    yield update()
    if not sources:
        return
    new_client = await client_factory(8)
    async with new_client() as client:
        try:
            while True:
                now = clock()
                for name, source in sources.items():
                    if name not in running and due[name] <= now:
                        work = poll_source(client, source, readings[name], settings, secrets, clock, read)
                        running[name] = asyncio.create_task(work, name=f"deployments: {name}")
                if not running:
                    wait = (min(due.values()) - now).total_seconds()
                    await sleep(max(wait, IDLE_FLOOR_S))
                    continue
                done, _ = await asyncio.wait(running.values(), return_when=asyncio.FIRST_COMPLETED)
                for name in [n for n, task in running.items() if task in done]:
                    reading = readings[name] = running.pop(name).result()
                    due[name] = reading.retry_at or clock() + settings.interval
                yield update()
        finally:
            for task in running.values():
                task.cancel()
            if running:
                await asyncio.gather(*running.values(), return_exceptions=True)
