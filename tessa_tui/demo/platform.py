"""The whole demo platform in one process: PostgreSQL, the HTTP side, application load and logs.

`tessa-tui demo` runs this in a child process (`--serve-only`) and opens the console on the config it
writes; the child watches its parent and shuts everything down when the console goes away.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import BinaryIO

from aiohttp import web

from tessa_tui.demo import metrics_sim
from tessa_tui.demo.app_repo import create_app_repo
from tessa_tui.demo.database_sim import DatabaseActivity, seed
from tessa_tui.demo.demo_config import DEMO_ENV, write_demo_config
from tessa_tui.demo.drills import DrillBoard
from tessa_tui.demo.log_writer import LogWriter
from tessa_tui.demo.metrics_sim import RequestLog
from tessa_tui.demo.pg_server import PostgresServer
from tessa_tui.demo.shared_journal import serve_shared_journal, set_aside_local_journal
from tessa_tui.demo.supabase_api_sim import SupabaseLogsSim
from tessa_tui.demo.supabase_cli import write_launcher
from tessa_tui.demo.web import build_app

INFO_FILE = "platform.json"
LOCK_FILE = "demo.lock"
"""Held (flock) by the one demo that owns a state dir, for as long as it runs; the kernel drops it when that
process dies however it dies, so a stale lock cannot exist."""


@dataclass(frozen=True)
class PlatformInfo:
    """Where the running demo is; written to `platform.json` in its state dir."""

    pid: int
    base_url: str
    dsn: str
    config: str
    logs: str
    postgres: str


def read_info(state_dir: Path) -> PlatformInfo | None:
    """The running (or last) demo's info, or None when there is none."""
    try:
        return PlatformInfo(**json.loads((state_dir / INFO_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def claim_state_dir(state_dir: Path) -> BinaryIO | None:
    """Take the state dir for one demo: the open, locked lock file (keep it open while the demo runs), or
    None when another demo holds it. Creating the dir and the empty lock file is all this writes."""
    state_dir.mkdir(parents=True, exist_ok=True)
    handle = (state_dir / LOCK_FILE).open("ab")  # never truncates: another demo may hold it
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def in_use(state_dir: Path) -> bool:
    """Whether a demo holds `state_dir` now (its lock is taken)."""
    if not (state_dir / LOCK_FILE).is_file():
        return False
    claim = claim_state_dir(state_dir)
    if claim is None:
        return True
    claim.close()
    return False


async def serve(
    state_dir: Path,
    stop: asyncio.Event,
    *,
    on_ready: Callable[[PlatformInfo], None] = lambda _info: None,
    drills: tuple[str, ...] = (),
) -> None:
    """Start every part, report readiness, run until `stop` is set, then stop every part. The caller holds
    `state_dir` (claim_state_dir): nothing here looks at, or writes to, another demo's dir."""
    state_dir.mkdir(parents=True, exist_ok=True)
    cluster = PostgresServer(state_dir / "postgres")
    # On this (the main) thread, not a worker: the postmaster's parent-death signal follows the thread
    # that started it. Nothing else runs in the platform yet, so blocking the loop here costs nothing.
    cluster.init()
    cluster.start()
    runner: web.AppRunner | None = None
    tasks: list[asyncio.Task[None]] = []
    try:
        await seed(cluster.dsn)
        # What the runbooks' git and supabase steps run against: the app's repository, the Supabase CLI.
        try:
            await asyncio.to_thread(create_app_repo, state_dir / "app-repo")
        except (OSError, subprocess.SubprocessError) as exc:
            sys.stderr.write(f"demo: no app repository ({exc}); the git steps will say so\n")
        write_launcher(state_dir / "bin", cluster.dsn)
        board = DrillBoard()
        activity = DatabaseActivity(cluster.dsn, board)
        platform_logs = SupabaseLogsSim()  # the Management API's log query answers from what the log writer adds
        app = build_app(board, activity.database_probe, activity.sync_backlog, platform_logs)
        requests = RequestLog()  # the log writer's requests, which the demo's Prometheus answers from
        metrics_sim.add_routes(
            app,
            cluster.dsn,
            requests,
            DEMO_ENV["TESSA_DEMO_SUPABASE_SECRET_KEY"],
            DEMO_ENV["TESSA_DEMO_PROMETHEUS_TOKEN"],
        )
        runner = web.AppRunner(app, shutdown_timeout=1)
        for name in drills:  # after build_app: the simulated PagerDuty pages for each
            board.start(name)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        base_url = f"http://127.0.0.1:{port}"
        logs = LogWriter(state_dir / "logs", board, supabase=platform_logs, requests=requests)
        tasks = [asyncio.create_task(activity.run()), asyncio.create_task(logs.run())]
        journal_dsn = await serve_shared_journal(cluster.dsn)
        set_aside_local_journal(state_dir / "journal.sqlite3")
        config = write_demo_config(state_dir, base_url=base_url, dsn=cluster.dsn, journal_dsn=journal_dsn)
        info = PlatformInfo(os.getpid(), base_url, cluster.dsn, str(config), str(logs.folder), str(cluster.data_dir))
        (state_dir / INFO_FILE).write_text(json.dumps(asdict(info), indent=2), encoding="utf-8")
        on_ready(info)
        await stop.wait()
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if runner is not None:
            await runner.cleanup()
        await asyncio.to_thread(cluster.stop)
        with contextlib.suppress(OSError):
            (state_dir / INFO_FILE).unlink()
