"""The database watched: the monitor polled on its two cadences, as an async iterator of immutable updates.

Sessions, locks and rates every `activity_interval`, vacuum progress, slow queries, replication and checkpoints
every CONTEXT_EVERY_S at most, the size sections every `size_interval` (each size kept in the local history and
the growth read); a server that cannot be reached is said at once and tried again every
RETRY_S seconds. The database pane posts each update; `tessa-tui db report` prints the first one, which has
every section (or says why the server could not be reached).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Protocol

from tessa_tui.base.isolate import internal_reason
from tessa_tui.base.time_source import Now, utc_now
from tessa_tui.config.model import DatabaseConfig
from tessa_tui.database.size_history import Growth, SizeHistory
from tessa_tui.database.snapshot import DbSnapshot

if TYPE_CHECKING:  # asyncpg comes with it: loaded by the watcher, in a thread
    from tessa_tui.database.monitor import DbMonitor

RETRY_S = 5.0

Sleep = Callable[[float], Awaitable[None]]


class DbUpdate(NamedTuple):
    """One poll's outcome: what the pane draws."""

    snapshot: DbSnapshot
    """Every section as last read (each with its own age); `reason` says why the server is not connected."""
    at: datetime
    """When the poll ended, by the watcher's clock."""
    retry_in: float | None = None
    """Seconds to the next attempt when the server could not be reached; None while connected."""
    growth: tuple[Growth, ...] | None = None
    """Size change per window when this poll read the size and a history is kept; None otherwise."""


class Monitor(Protocol):
    """What the watcher needs of tessa_tui.database.monitor.DbMonitor."""

    reason: str

    async def poll(self, names: Iterable[str]) -> None: ...

    def snapshot(self) -> DbSnapshot: ...

    async def close(self) -> None: ...


class SizeRecorder:
    """Keeps each size sample in the local history and reads the growth (blocking: SQLite waits for the disk)."""

    def __init__(self, path: Path | None, *, readonly: bool = False) -> None:
        self._path = path
        self._readonly = readonly
        self._history: SizeHistory | None = None

    def __call__(self, snapshot: DbSnapshot) -> tuple[Growth, ...] | None:
        """The growth per window after recording the snapshot's size; None without a size or a history."""
        size = snapshot.sections.get("database_size")
        if self._path is None or size is None or not size.rows or size.fetched_at is None:
            return None
        try:
            if self._history is None:
                self._history = SizeHistory(self._path, readonly=self._readonly)
            bytes_now = int(size.rows[0][0])
            self._history.record(snapshot.target, size.fetched_at, bytes_now)
            return tuple(self._history.growth(snapshot.target, size.fetched_at, bytes_now))
        except (sqlite3.Error, OSError):
            return None  # growth is a nicety: the size itself is still shown


def _load_monitor() -> type[DbMonitor]:
    """The monitor class (asyncpg takes long to import: call this in a thread, off the event loop)."""
    from tessa_tui.database.monitor import DbMonitor

    return DbMonitor


async def watch_database(
    config: DatabaseConfig,
    *,
    secrets: frozenset[str] = frozenset(),
    record_size: Callable[[DbSnapshot], tuple[Growth, ...] | None] | None = None,
    clock: Now = utc_now,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Sleep = asyncio.sleep,
    monitor: Callable[[], Monitor] | None = None,
) -> AsyncGenerator[DbUpdate, None]:
    """Poll until closed, the next poll only after the last one was taken; closing closes the connection.

    `record_size` runs in a thread after each size poll; `monitor` makes the monitor (default: DbMonitor with
    `secrets` and `clock`, on one read-only connection).
    """
    monitor_class = await asyncio.to_thread(_load_monitor)
    from tessa_tui.database.monitor import (  # loaded just now: no wait
        CONTEXT_EVERY_S,
        CONTEXT_SECTIONS,
        SIZE_SECTIONS,
        fast_sections,
    )

    source = monitor() if monitor is not None else monitor_class(config, secrets=secrets, clock=clock)
    activity_every = config.activity_interval.total_seconds()
    sizes_every = config.size_interval.total_seconds()
    next_sizes = next_context = 0.0
    try:
        while True:
            names = fast_sections(config)
            if monotonic() >= next_context:
                names += CONTEXT_SECTIONS
            if monotonic() >= next_sizes:
                names += SIZE_SECTIONS
            if not await _polled(source, names, secrets | {config.dsn}):
                yield DbUpdate(source.snapshot(), clock(), retry_in=RETRY_S)
                await sleep(RETRY_S)
                continue
            growth = None
            if CONTEXT_SECTIONS[0] in names:
                next_context = monotonic() + max(CONTEXT_EVERY_S, activity_every)
            if SIZE_SECTIONS[0] in names:
                next_sizes = monotonic() + sizes_every
                if record_size is not None:
                    growth = await asyncio.to_thread(record_size, source.snapshot())
            yield DbUpdate(source.snapshot(), clock(), growth=growth)
            await sleep(activity_every)
    finally:
        await source.close()


async def _polled(source: Monitor, names: Iterable[str], secrets: frozenset[str]) -> bool:
    """Poll `names`; False when the server could not be reached (the snapshot says why).

    The monitor keeps each section behind its own fault boundary; a bug outside them is said like a lost
    server, and the next attempt reconnects.
    """
    try:
        await source.poll(names)
    except ConnectionError:
        return False
    except Exception as exc:
        reason = internal_reason(exc, "database poll", secrets)
        await source.close()
        source.reason = reason
        return False
    return True


async def first_update(config: DatabaseConfig, *, secrets: frozenset[str] = frozenset()) -> DbUpdate:
    """The watcher's first update (every section, or why the server could not be reached), connection closed."""
    async with contextlib.aclosing(watch_database(config, secrets=secrets)) as updates:
        return await anext(updates)
