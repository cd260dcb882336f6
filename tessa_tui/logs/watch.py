"""Log sources watched: each read of a file or a command's output, parsed off the event loop, as an async
iterator of frozen batches (tessa_tui.logs.ingest.Batch).

The logs pane posts each batch and asks for the next only once the screen has taken it, so a flood cannot
pile up parsed records in memory; `tessa-tui logs NAME` prints their records. A read that brought nothing new
(no records, the same status) is not yielded. A bug in a read is that source's status, tried again with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import NamedTuple

from tessa_tui.base.isolate import isolated
from tessa_tui.base.user_dirs import home_path
from tessa_tui.config.model import LogSource
from tessa_tui.logs.command_source import CommandFollower
from tessa_tui.logs.filter import LineFilter
from tessa_tui.logs.follow import FileFollower
from tessa_tui.logs.ingest import Batch, LinesRead, digest, read_file
from tessa_tui.logs.parse import LogParser, Row
from tessa_tui.logs.record_format import format_for

POLL_S = 0.5  # a quiet source is looked at twice a second (an unfinished last line is due after 0.5 s)
BUSY_S = 0.1  # a source that just brought lines is read again soon: a busy log is on screen within 0.5 s
CATCH_UP_S = 0.01  # a source that is behind is read again at once
FAULT_MAX_S = 60.0  # a read that keeps failing is tried again at most this far apart

Sleep = Callable[[float], Awaitable[None]]
Pause = Callable[[Batch], float]
"""Seconds to wait after a read before the next one, from what the read brought."""
Feed = Callable[[str, LinesRead], None]
FilterNow = Callable[[], LineFilter | None]
"""The filter in force when a read starts (the view's, which can change between reads)."""


def pane_pause(batch: Batch) -> float:
    """The logs pane's cadence: at once while behind, soon while lines come, else twice a second."""
    if batch.behind:
        return CATCH_UP_S
    return BUSY_S if batch.rows or batch.held is not None else POLL_S


def _no_filter() -> LineFilter | None:
    return None


class Reading(NamedTuple):
    """How a watcher reads: the filter, where parsing runs (None: the loop's default threads), the cadence."""

    line_filter: FilterNow = _no_filter
    executor: Executor | None = None
    pause: Pause = pane_pause
    sleep: Sleep = asyncio.sleep
    flush_quiet: bool = True
    """A read that brings nothing (and a command's exit) closes the open record into the rows: the last record of
    a quiet log is counted, filtered, selectable and printed at once, not when the next one starts (a trace that
    arrives later goes on as records of its level). Until then the pane shows it as `held`."""
    feed: Feed | None = None
    """Given each file read's lines and their scans, by source name (the pane hands them to the file's index)."""


EVERY_SECOND = Reading()
"""The pane's cadence, no filter, parsed on the loop's default threads."""


def watch_log(
    source: LogSource,
    reading: Reading = EVERY_SECOND,
    *,
    fill_argument: Callable[[str], str] = str,
    start_offset: int | None = None,
) -> AsyncGenerator[Batch, None]:
    """A configured source's batches: its file followed (from `start_offset` when given), its command run (each
    argument through `fill_argument`, so one placeholder value stays one argument), or its remote API polled."""
    if source.remote is not None:
        from tessa_tui.logs.remote_watch import RemoteReading, watch_remote

        return watch_remote(source, RemoteReading(reading.line_filter, reading.executor, reading.sleep))
    if source.command is not None:
        parser = LogParser(source.format, source.name)
        return watch_command([fill_argument(arg) for arg in source.command], parser, reading)
    path = home_path(source.path or "")
    # The format the file's first lines are written in (as its whole-file index reads it), not its last 64 KiB's.
    fmt = format_for(path, source.format).name if path.exists() else source.format
    return watch_file(path, LogParser(fmt, source.name), reading, start_offset=start_offset)


async def watch_file(
    path: Path, parser: LogParser, reading: Reading = EVERY_SECOND, *, start_offset: int | None = None
) -> AsyncGenerator[Batch, None]:
    """A file followed like `tail -F`, each read digested in `reading.executor` (file reads block)."""
    follower = FileFollower(path, start_offset=start_offset)
    loop = asyncio.get_running_loop()

    feed = functools.partial(reading.feed, parser.source) if reading.feed is not None else None
    read_one = functools.partial(read_file, flush_quiet=reading.flush_quiet, feed=feed)

    async def read(line_filter: LineFilter | None) -> Batch:
        return await loop.run_in_executor(reading.executor, read_one, follower, parser, line_filter)

    try:
        async with contextlib.aclosing(_watch(read, parser.source, reading)) as batches:
            async for batch in batches:
                yield batch
    finally:
        follower.close()


async def watch_command(
    argv: Sequence[str], parser: LogParser, reading: Reading = EVERY_SECOND
) -> AsyncGenerator[Batch, None]:
    """A command's output, restarted with backoff when it exits; closing the iterator kills its process group."""
    follower = CommandFollower(argv)
    loop = asyncio.get_running_loop()

    async def read(line_filter: LineFilter | None) -> Batch:
        lines = await follower.poll()
        status = follower.status
        error = status.split(";")[0] if status.startswith("cannot start") else None
        flush = reading.flush_quiet and (not lines or status.startswith("exited"))
        return await loop.run_in_executor(
            reading.executor, _digest, parser, lines, status, line_filter, follower.behind, error, flush
        )

    try:
        async with contextlib.aclosing(_watch(read, parser.source, reading)) as batches:
            async for batch in batches:
                yield batch
    finally:
        await follower.close()


def _digest(
    parser: LogParser,
    lines: list[str],
    status: str,
    line_filter: LineFilter | None,
    behind: bool,
    error: str | None,
    flush: bool,
) -> Batch:
    return digest(parser, lines, status, line_filter, behind=behind, error=error, flush=flush)


async def _watch(
    read: Callable[[LineFilter | None], Awaitable[Batch]], source: str, reading: Reading
) -> AsyncGenerator[Batch, None]:
    """Read, yield what is news, wait, again; a read that raises is the source's status until one succeeds."""

    async def attempt() -> tuple[Batch, bool]:
        return await read(reading.line_filter()), False

    def fault(reason: str) -> tuple[Batch, bool]:
        return Batch(source, [], f"cannot read: {reason}; retrying", error=reason), True

    shown: str | None = None
    held: Row | None = None
    unfinished: Row | None = None
    retry_in = POLL_S
    while True:
        batch, failed = await isolated(attempt(), context=f"log source {source}", on_fault=fault)
        if batch.rows or batch.status != shown or batch.held != held or batch.unfinished != unfinished:
            shown, held, unfinished = batch.status, batch.held, batch.unfinished
            yield batch
        if failed:  # a bug of ours, not the source's: each attempt writes the crash log, so they slow down
            await reading.sleep(retry_in)
            retry_in = min(retry_in * 2, FAULT_MAX_S)
        else:
            retry_in = POLL_S
            await reading.sleep(reading.pause(batch))
