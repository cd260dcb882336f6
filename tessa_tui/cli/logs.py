"""`tessa-tui logs NAME`: a configured log source's records, read by the logs pane's own watcher.

A remote source (`supabase:`, `loki:`) is read like a file: its backfill window once (every page of it), or with
--follow, poll after poll; its state goes to stderr when it changes, and a source that cannot be read is exit 1."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from datetime import UTC, datetime

from tessa_tui.base.errors import UserError
from tessa_tui.base.user_dirs import home_path
from tessa_tui.config.load import LoadedConfig
from tessa_tui.config.model import LogSource
from tessa_tui.logs.filter import LineFilter
from tessa_tui.logs.ingest import Batch
from tessa_tui.logs.parse import LogRecord
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
    if source.path is not None:
        path = home_path(source.path)
        if not path.exists() and not args.follow:
            raise UserError(f"log source {args.name!r}: {path} does not exist (yet); --follow waits for it")
    return asyncio.run(_print_records(source, loaded.config.placeholders, line_filter, args))


async def _print_records(
    source: LogSource, placeholders: dict[str, str], line_filter: LineFilter, args: argparse.Namespace
) -> int:
    """The watcher's records until the source is read (a file once, a command until it exits; with --follow,
    until interrupted); a source that cannot be followed at all is an error."""
    reading = Reading(line_filter=lambda: line_filter, pause=_cli_pause)
    batches = watch_log(source, reading, fill_argument=lambda arg: fill_text(arg, placeholders))
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
