"""The demo platform for real: PostgreSQL, HTTP, logs; each drill breaks the right things and all clear heals."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import asyncpg
import pytest

from tessa_tui.config.load import load_config
from tessa_tui.demo.log_writer import DRILL_ERRORS
from tests.platform_fixtures import RunningDemo

DRILL_BREAKS = {
    "service-unavailable": {"Frontend"},
    "login-failures": {"Auth", "Supabase"},
    "ai-chat": {"Chat function", "OpenAI"},
    "db-slow": {"Database health"},
    "sync-failures": {"Sync function"},
}


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tessa_tui", *args], capture_output=True, text=True, timeout=90)


def not_up(demo: RunningDemo) -> set[str]:
    result = cli("--config", str(demo.config), "check", "--json")
    checks = json.loads(result.stdout)["checks"]
    assert result.returncode == (1 if any(c["state"] != "up" for c in checks) else 0)
    return {c["name"] for c in checks if c["state"] != "up"}


def wait_for(predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "not reached in time"
        time.sleep(0.3)


def test_demo_writes_a_valid_config_and_starts_healthy(demo: RunningDemo) -> None:
    config = load_config(demo.config).config
    assert config.demo is not None and config.database is not None
    assert {s.name for s in config.services or []} >= {"Frontend", "Database health", "OpenAI", "Supabase"}
    assert cli("demo", "--state-dir", str(demo.state_dir), "--print-config").stdout == demo.config.read_text()
    wait_for(lambda: not_up(demo) == set())


async def test_demo_database_is_seeded_with_tessa_tables(demo: RunningDemo) -> None:
    config = load_config(demo.config).config
    assert config.database is not None
    conn = await asyncpg.connect(config.database.dsn, timeout=10)
    try:
        counts = {
            t: await conn.fetchval(f"SELECT count(*) FROM {t}")  # noqa: S608 - fixed table names
            for t in ("users", "chat_messages", "sync_queue", "audit_log", "failed_login_attempts")
        }
        size = await conn.fetchval("SELECT pg_database_size(current_database())")
        apps = await conn.fetch("SELECT DISTINCT application_name FROM pg_stat_activity")
    finally:
        await conn.close()
    assert counts["users"] == 5000 and counts["chat_messages"] >= 40000
    assert size > 5 * 1024 * 1024
    assert "tessa-app" in {r["application_name"] for r in apps}  # the background load is running


@pytest.mark.parametrize("drill", list(DRILL_BREAKS))
def test_each_drill_breaks_its_services_and_all_clear_heals(demo: RunningDemo, drill: str) -> None:
    wait_for(lambda: not_up(demo) == set())
    started = cli("demo", "--state-dir", str(demo.state_dir), "--drill", drill)
    assert started.returncode == 0, started.stderr
    assert f"drills running: {drill}" in started.stdout
    try:
        wait_for(lambda: not_up(demo) == DRILL_BREAKS[drill])
        # The log twin: the pane's parser finds the drill's error burst in one of the demo's sources (the app's
        # file, or the platform's logs read from the simulated Supabase log query).
        error = re.escape(DRILL_ERRORS[drill][1])
        bursts = [
            cli("--config", str(demo.config), "logs", name, "--level", "error", "--grep", error)
            for name in ("app", "edge", "edge-functions", "postgres")
        ]
        assert any(b.returncode == 0 and b.stdout.strip() for b in bursts)
        if drill == "db-slow":  # the database twin sees the lock, and the sleepers once past the 5 s threshold

            def database_shows_the_drill() -> bool:
                report = json.loads(cli("--config", str(demo.config), "db", "report", "--json").stdout)
                long_apps = {r["application"] for r in report["sections"]["long_queries"]["rows"]}
                return bool(report["sections"]["blocking"]["rows"]) and {"tessa-migration", "tessa-report"} <= long_apps

            wait_for(database_shows_the_drill, timeout=20)
    finally:
        assert cli("demo", "--state-dir", str(demo.state_dir), "--drill", "all-clear").returncode == 0
    wait_for(lambda: not_up(demo) == set())


def test_drill_commands_need_a_running_demo(tmp_path: Path) -> None:
    result = cli("demo", "--state-dir", str(tmp_path), "--drill", "db-slow")
    assert result.returncode == 2
    assert (
        result.stderr.strip() == f"tessa-tui: error: no demo is running in {tmp_path} (start one with `tessa-tui demo`)"
    )
    bad = cli("demo", "--drill", "fire")
    assert bad.returncode == 2 and "invalid choice: 'fire'" in bad.stderr
