"""A remote log source watched: polled on its interval, incrementally (tessa_tui.logs.remote_cursor), as an async
iterator of the same frozen batches a file yields, each carrying the source's state.

A poll that read everything is `live`; one that stopped with pages left is `behind` and the next comes at once;
a failed poll is `failing` (or `rate-limited`, asked again only after its Retry-After, capped, and never sooner
than the interval) and keeps the cursor where it was, so the gap is read when the API answers again. A bug met
while polling is the source's failing state too (the crash log has the rest); nothing here raises but to cancel.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from tessa_tui.base.client_loader import client_factory
from tessa_tui.base.durations import format_duration
from tessa_tui.base.isolate import isolated
from tessa_tui.base.time_source import Now, utc_now
from tessa_tui.config.model import LogSource
from tessa_tui.logs.filter import LineFilter
from tessa_tui.logs.ingest import Batch, digest_records
from tessa_tui.logs.loki_logs import LokiApi
from tessa_tui.logs.parse import LogRecord
from tessa_tui.logs.remote_cursor import NS, Cursor
from tessa_tui.logs.remote_http import RemoteFault
from tessa_tui.logs.remote_poll import PollResult, RemoteApi, poll
from tessa_tui.logs.remote_status import RemoteStatus
from tessa_tui.logs.supabase_logs import WINDOW_NS, SupabaseApi

if TYPE_CHECKING:
    from concurrent.futures import Executor

    import httpx

CATCH_UP_S = 0.05  # a source that is behind is asked again at once (but for this breath)
DEADLINE_MARGIN_S = 2.0  # the poll keeps its own deadline; this one only guards against a stuck poll

Sleep = Callable[[float], Awaitable[None]]
FilterNow = Callable[[], LineFilter | None]


@dataclass(frozen=True)
class RemoteReading:
    """How a remote watcher runs: the filter in force, where batches are digested, the clock and the sleep."""

    line_filter: FilterNow
    executor: Executor | None = None
    sleep: Sleep = asyncio.sleep
    clock: Now = utc_now


def remote_api(source: LogSource, secrets: frozenset[str] = frozenset()) -> RemoteApi:
    """The API object of a `supabase` or `loki` source."""
    if source.supabase is not None:
        return SupabaseApi(source.name, source.supabase, secrets)
    assert source.loki is not None
    return LokiApi(source.name, source.loki, secrets)


def _cursor(source: LogSource) -> Cursor:
    settings = source.remote
    assert settings is not None
    window = WINDOW_NS if source.supabase is not None else int(source.loki.max_window.total_seconds()) * NS  # type: ignore[union-attr]
    return Cursor(
        overlap_ns=int(settings.overlap.total_seconds() * NS),
        backfill_ns=int(settings.backfill.total_seconds() * NS),
        window_ns=window,
    )


async def watch_remote(
    source: LogSource, reading: RemoteReading, secrets: frozenset[str] = frozenset()
) -> AsyncGenerator[Batch, None]:
    """Poll `source` until closed; the first batch (at once) says it is connecting."""
    settings = source.remote
    assert settings is not None
    remote = remote_api(source, secrets)
    cursor = _cursor(source)
    clock = reading.clock
    status = RemoteStatus(source.name, "connecting", clock())
    loop = asyncio.get_running_loop()
    shown = status.text()
    yield Batch(source.name, [], shown, remote=status)
    new_client = await client_factory(2)
    interval = settings.interval.total_seconds()
    timeout = settings.timeout.total_seconds()
    async with new_client() as client:
        while True:
            records, status = await poll_once(remote, client, cursor, status, clock, timeout)
            batch = await loop.run_in_executor(
                reading.executor, digest_records, source.name, records, reading.line_filter(), status
            )
            if batch.rows or batch.status != shown:
                shown = batch.status
                yield batch
            if status.state == "behind" and records:
                wait = CATCH_UP_S  # a poll that brought nothing new would only read the same pages again
            elif status.state == "rate-limited" and status.retry_at is not None:
                wait = max(interval, (status.retry_at - clock()).total_seconds())
            else:
                wait = interval
            await reading.sleep(wait)


async def poll_once(
    remote: RemoteApi,
    client: httpx.AsyncClient,
    cursor: Cursor,
    status: RemoteStatus,
    clock: Now,
    timeout_s: float,
) -> tuple[list[LogRecord], RemoteStatus]:
    """One poll behind the fault boundary: the records that are news and the source's new status."""

    async def attempt() -> tuple[PollResult | None, RemoteFault | None]:
        try:
            now_ns = int(clock().timestamp() * 1_000_000) * 1000
            return await asyncio.wait_for(
                poll(remote, client, cursor, now_ns, timeout_s), timeout_s + DEADLINE_MARGIN_S
            ), None
        except RemoteFault as fault:
            return None, fault
        except TimeoutError:
            return None, remote.api.fault("failing", f"no complete answer within the {timeout_s:g}s deadline")

    def bug(reason: str) -> tuple[PollResult | None, RemoteFault | None]:
        return None, RemoteFault("failing", reason)

    context = f"log source {status.source}"
    result, fault = await isolated(attempt(), context=context, on_fault=bug, secrets=remote.api.secrets)
    now = clock()
    if fault is not None:
        return [], _failed(status, fault, now, cursor)
    assert result is not None
    records = [event.record for event in result.events]
    last = result.events[-1].at_ns if result.events else None
    last_event = datetime.fromtimestamp(last / NS, UTC) if last is not None else status.last_event
    note = _note(result)
    if result.complete:
        return records, status.moved("live", now, note=note, last_event=last_event)
    read_to = cursor.newest_ns or 0
    behind = max(0.0, now.timestamp() - read_to / NS)
    detail = f"read up to {datetime.fromtimestamp(read_to / NS, UTC):%H:%M} UTC, more to come" if read_to else ""
    return records, status.moved("behind", now, behind_s=behind, detail=detail, note=note, last_event=last_event)


def _failed(status: RemoteStatus, fault: RemoteFault, now: datetime, cursor: Cursor) -> RemoteStatus:
    if fault.kind == "rate-limited":
        retry = now + timedelta(seconds=fault.retry_after_s) if fault.retry_after_s is not None else None
        return status.moved("rate-limited", now, detail=fault.line, retry_at=retry)
    return status.moved("failing", now, detail=fault.line)


def _note(result: PollResult) -> str:
    parts: list[str] = []
    if result.lost_ns:
        lost = format_duration(timedelta(seconds=round(result.lost_ns / NS)))
        parts.append(f"{lost} of the gap lay beyond the API's window and was not read")
    if result.crowded_at_ns:
        at = datetime.fromtimestamp(result.crowded_at_ns[0] // NS, UTC)
        parts.append(f"more events at {at:%H:%M:%S} UTC than a page holds: not all shown")
    if result.skipped:
        parts.append(f"{result.skipped} rows without a readable time left out")
    return "; ".join(parts)
