"""`tessa-tui logs NAME`: a configured log source through the same follower and parser as the logs pane."""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tessa_tui.base.errors import UserError
from tessa_tui.config.load import LoadedConfig
from tessa_tui.logs.command_source import CommandFollower
from tessa_tui.logs.filter import LineFilter
from tessa_tui.logs.follow import FileFollower
from tessa_tui.logs.ingest import digest
from tessa_tui.logs.parse import LEVELS, LogParser, LogRecord
from tessa_tui.runbook.placeholders import fill_text

FOLLOW_POLL_S = 0.5


def add_logs_parser(commands: Any, run: Callable[[argparse.Namespace], int]) -> None:
    """Register `tessa-tui logs NAME [--follow] [--json] [--level L] [--grep RE]`."""
    logs = commands.add_parser("logs", help="read a configured log source through the pane's parser")
    logs.add_argument("name", help="the log source's name in tessa.yaml")
    logs.add_argument("--follow", "-f", action="store_true", help="keep reading new lines (like tail -F)")
    logs.add_argument("--json", action="store_true", help="one JSON object per record")
    logs.add_argument("--level", choices=[lv for lv in LEVELS if lv != "unknown"], help="this level and worse only")
    logs.add_argument("--grep", metavar="RE", help="records whose text matches this regular expression")
    logs.set_defaults(run=run)


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
    parser = LogParser(source.format, source.name)

    def emit(lines: list[str]) -> None:
        for row in digest(parser, lines, "", line_filter).matched:
            record = LogRecord._make(row)
            print(_json(record) if args.json else record.full, flush=True)

    if source.command is not None:
        argv = [fill_text(arg, loaded.config.placeholders) for arg in source.command]  # one value, one argument
        return asyncio.run(_run_command(argv, emit, follow=args.follow))
    path = Path(source.path or "").expanduser()
    if not path.exists() and not args.follow:
        raise UserError(f"log source {args.name!r}: {path} does not exist (yet); --follow waits for it")
    follower = FileFollower(path)
    while True:
        emit(follower.poll())
        if follower.error is not None:  # a FIFO, a device, a directory: not a file to follow, now or later
            raise UserError(f"log source {args.name!r}: {follower.error}")
        if not args.follow:
            return 0
        time.sleep(FOLLOW_POLL_S)


async def _run_command(argv: list[str], emit: Callable[[list[str]], None], *, follow: bool) -> int:
    """A command source: its output until it exits (with --follow: restarted, as the pane does)."""
    follower = CommandFollower(argv)
    try:
        while True:
            emit(await follower.poll())
            if follower.status.startswith("cannot start"):
                raise UserError(f"{argv[0]}: {follower.status.split(';')[0]}")
            if not follow and "exited" in follower.status:
                return 0
            await asyncio.sleep(0.05 if follower.status.startswith("running") else FOLLOW_POLL_S)
    finally:
        await follower.close()


def _json(record: LogRecord) -> str:
    moment = datetime.fromtimestamp(record.when, UTC).isoformat() if record.when is not None else None
    return json.dumps({"time": moment, "level": record.level, "message": record.message, "text": record.full})
