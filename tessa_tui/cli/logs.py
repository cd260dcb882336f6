"""`tessa-tui logs NAME`: a configured log source's records, read by the logs pane's own parser.

A file source prints the whole file (`--tail N`: its last N records; `--since TIME`: from a time on, in the log's
own clock as `:goto` reads it), then with --follow goes on like `tail -F`. A command source prints what its command
writes. A remote source (`supabase:`, `loki:`) is read like a file: its backfill window once (every page of it), or
with --follow, poll after poll; its state goes to stderr when it changes, and a source that cannot be read is
exit 1."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from tessa_tui.base.errors import UserError
from tessa_tui.base.user_dirs import home_path
from tessa_tui.config.load import LoadedConfig
from tessa_tui.config.model import LogSource
from tessa_tui.logs.filter import LineFilter
from tessa_tui.logs.ingest import Batch
from tessa_tui.logs.parse import FULL, LogRecord, Row, row_of
from tessa_tui.logs.watch import Reading, watch_log
from tessa_tui.runbook.placeholders import fill_text

FOLLOW_POLL_S = 0.5
RUNNING_POLL_S = 0.05  # a running command's output is read this often


def run_logs(loaded: LoadedConfig, args: argparse.Namespace) -> int:
    """Print the source's last lines (and new ones with --follow) until interrupted."""
    sources = {s.name: s for s in loaded.config.logs or []}
    source = sources.get(args.name)
    if source is None:
        have = ", ".join(sorted(sources)) or "none configured"
        raise UserError(f"no log source {args.name!r} (have: {have})", source=str(loaded.path))
    try:
        line_filter = LineFilter.of_options(args.level, args.grep)
    except ValueError as exc:
        raise UserError(f"--grep: {exc}") from None
    tail, since = getattr(args, "tail", None), getattr(args, "since", None)
    if (tail is not None or since is not None) and source.path is None:
        raise UserError(f"--tail and --since read a file; log source {args.name!r} is not one")
    start_offset = None
    if source.path is not None:
        path = home_path(source.path)
        if not path.exists() and not args.follow:
            raise UserError(f"log source {args.name!r}: {path} does not exist (yet); --follow waits for it")
        if path.exists():
            start_offset = _print_file(path, source, line_filter, args)
            if not args.follow:
                return 0
    return asyncio.run(_print_records(source, loaded.config.placeholders, line_filter, args, start_offset))


PRINT_BATCH = 1000


def _print_file(path: Path, source: LogSource, line_filter: LineFilter, args: argparse.Namespace) -> int:
    """The file's records as it is now (all, the last --tail N, or from --since on); where following goes on."""
    from tessa_tui.base.regular_file import NotRegularFile, open_regular
    from tessa_tui.logs.file_records import (
        complete_end,
        newest_time,
        quick_row,
        record_texts,
        start_of_last,
        start_of_time,
    )
    from tessa_tui.logs.goto import target_time
    from tessa_tui.logs.ingest import masked_rows
    from tessa_tui.logs.record_format import format_for

    try:
        handle = open_regular(path)
    except NotRegularFile as exc:
        raise UserError(f"log source {args.name!r}: cannot follow: {exc.strerror}") from None
    except OSError as exc:
        raise UserError(f"log source {args.name!r}: cannot read {path}: {exc.strerror or exc}") from None
    try:
        size = os.fstat(handle).st_size
        end = complete_end(handle, size) if args.follow else size
        fmt = format_for(path, source.format)
        start = 0
        if args.since is not None:
            try:
                start = start_of_time(handle, fmt, target_time(args.since, newest_time(handle, fmt, size)), end)
            except ValueError as exc:
                raise UserError(f"--since: {exc}") from None
        if args.tail is not None:
            start = max(start, start_of_last(handle, fmt, args.tail, end))
        batch: list[Row] = []
        for text in record_texts(handle, fmt, start, end, final=not args.follow):
            row = quick_row(fmt, text, source.name)
            if args.json:  # the message and time as parsed: the whole parse, for what is printed
                row = row_of(fmt.parse(text, source.name))
            batch.append(row)
            if len(batch) >= PRINT_BATCH:
                _print_batch(batch, line_filter, args, masked_rows)
                batch = []
        _print_batch(batch, line_filter, args, masked_rows)
        return end
    finally:
        os.close(handle)


def _print_batch(
    rows: list[Row],
    line_filter: LineFilter,
    args: argparse.Namespace,
    masked_rows: Callable[[list[Row]], list[Row]],
) -> None:
    rows = masked_rows(rows)
    text = [_json(LogRecord._make(row)) if args.json else row[FULL] for row in rows if line_filter.matches(row)]
    if text:
        print("\n".join(text), flush=True)


async def _print_records(
    source: LogSource,
    placeholders: dict[str, str],
    line_filter: LineFilter,
    args: argparse.Namespace,
    start_offset: int | None = None,
) -> int:
    """The watcher's records until the source is read (a file once, a command until it exits; with --follow,
    until interrupted); a source that cannot be followed at all is an error."""
    reading = Reading(line_filter=lambda: line_filter, pause=_cli_pause)
    batches = watch_log(
        source, reading, fill_argument=lambda arg: fill_text(arg, placeholders), start_offset=start_offset
    )
    said = ""
    async with contextlib.aclosing(batches):  # a command's whole process group goes with it
        async for batch in batches:
            for row in batch.matched_under(line_filter):
                record = LogRecord._make(row)
                print(_json(record) if args.json else record.full, flush=True)
            if batch.remote is not None:  # a remote source: its state is news on stderr, its failure the exit code
                if batch.status != said and (args.follow or batch.remote.state not in {"connecting", "live"}):
                    print(f"tessa-tui: {batch.status}", file=sys.stderr, flush=True)
                said = batch.status
                if not args.follow and batch.remote.state in {"failing", "rate-limited"}:
                    return 1
                if not args.follow and batch.remote.state == "live":
                    return 0
                continue
            if batch.error is not None:  # a FIFO, a device, a directory; a command that cannot start
                where = (
                    f"log source {args.name!r}"
                    if source.command is None
                    else fill_text(source.command[0], placeholders)
                )
                raise UserError(f"{where}: {batch.error}")
            if not args.follow and (source.command is None or "exited" in batch.status):
                return 0
    return 0


def _cli_pause(batch: Batch) -> float:
    """Quick reads while a command runs; a file, or a command waiting to restart, twice a second."""
    return RUNNING_POLL_S if batch.status.startswith("running") else FOLLOW_POLL_S


def _json(record: LogRecord) -> str:
    moment = datetime.fromtimestamp(record.when, UTC).isoformat() if record.when is not None else None
    return json.dumps({"time": moment, "level": record.level, "message": record.message, "text": record.full})
