"""The demo platform's parts that need no database: drills, vendor pages, logs, HTTP routes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from tessa_tui.demo import vendor_pages
from tessa_tui.demo.drills import DRILL_NAMES, DrillBoard
from tessa_tui.demo.log_writer import LogWriter
from tessa_tui.demo.web import build_app
from tessa_tui.statuspage import parse_statuspage


def test_every_seed_common_issue_has_a_drill() -> None:
    assert set(DRILL_NAMES) == {"service-unavailable", "login-failures", "ai-chat", "db-slow", "sync-failures"}
    with pytest.raises(ValueError, match="unknown drill 'nope'"):
        DrillBoard().start("nope")


@pytest.mark.parametrize(
    ("vendor", "drill", "state"), [("openai", "ai-chat", "down"), ("supabase", "login-failures", "degraded")]
)
def test_vendor_pages_follow_the_drills(vendor: str, drill: str, state: str) -> None:
    board = DrillBoard()
    started = datetime.now(UTC)
    assert parse_statuspage(vendor_pages.summary(vendor, board, started)).state == "up"
    board.start(drill)
    broken = parse_statuspage(vendor_pages.summary(vendor, board, started))
    assert broken.state == state
    assert broken.incidents and broken.incidents[0].status == "investigating"
    assert len(broken.components) == 1
    assert parse_statuspage(vendor_pages.status(vendor, board, started)).incidents is None
    board.clear()
    assert parse_statuspage(vendor_pages.summary(vendor, board, started)).state == "up"


def test_log_writer_writes_json_lines_and_error_bursts(tmp_path: Path) -> None:
    board = DrillBoard()
    writer = LogWriter(tmp_path, board, seed=1)
    for _ in range(50):
        writer.write_batch()
    quiet = [json.loads(line) for line in (tmp_path / "app.log").read_text().splitlines()]
    assert all({"time", "level", "msg"} <= set(record) for record in quiet)
    board.start("service-unavailable")
    board.start("ai-chat")
    for _ in range(10):
        writer.write_batch()
    app_errors = [json.loads(x) for x in (tmp_path / "app.log").read_text().splitlines()[len(quiet) :]]
    edge = [json.loads(x) for x in (tmp_path / "edge-functions.log").read_text().splitlines()]
    assert sum(r.get("drill") == "service-unavailable" for r in app_errors) == 10
    assert sum(r.get("drill") == "ai-chat" and r["level"] == "error" for r in edge) == 10


def test_log_writer_rotates_by_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tessa_tui.demo.log_writer.ROTATE_BYTES", 2000)
    writer = LogWriter(tmp_path, DrillBoard(), seed=2)
    for _ in range(40):
        writer.write_batch()
    assert (tmp_path / "app.log.1").exists()
    assert (tmp_path / "app.log").stat().st_size <= 2000 + 1000


@pytest.fixture
async def platform() -> AsyncIterator[tuple[str, DrillBoard]]:
    board = DrillBoard()
    backlog = {"rows": 3}

    async def database_probe() -> tuple[bool, str]:
        return ("db-slow" not in board), "1.0" if "db-slow" not in board else "statement timeout"

    async def backlog_probe() -> int:
        return backlog["rows"] + (500 if "sync-failures" in board else 0)

    runner = web.AppRunner(build_app(board, database_probe, backlog_probe))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}", board
    await runner.cleanup()


async def test_routes_break_and_recover_with_drills(platform: tuple[str, DrillBoard]) -> None:
    base, board = platform
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        healthy = {
            p: (await client.get(p)).status_code for p in ("/health", "/health/database", "/functions/v1/sync/health")
        }
        assert set(healthy.values()) == {200}
        assert (await client.get("/functions/v1/auth/health")).json()["failed_login_rate"] < 0.1
        for name in DRILL_NAMES:
            assert (await client.post(f"/_demo/drills/{name}")).status_code == 200
        assert set((await client.get("/_demo/drills")).json()["active"]) == set(DRILL_NAMES)
        assert (await client.get("/health")).status_code == 503
        assert (await client.get("/health/database")).status_code == 503
        assert (await client.get("/functions/v1/sync/health")).json()["backlog"] >= 100
        assert (await client.get("/functions/v1/auth/health")).json()["failed_login_rate"] > 0.1
        assert (await client.get("/functions/v1/chat/health")).status_code == 504
        assert (await client.get("/vendors/openai/api/v2/summary.json")).json()["status"]["indicator"] == "major"
        assert (await client.post("/_demo/drills/all-clear")).json() == {"active": []}
        assert (await client.get("/health")).status_code == 200
        assert (await client.post("/_demo/drills/bogus")).status_code == 404
        assert not board.active
