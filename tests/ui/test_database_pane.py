"""The database pane live against a real PostgreSQL: a long query appears, hostile text stays text."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path

import asyncpg
import pytest
from textual.widgets import DataTable

from screens.app import TessaApp
from tessa_tui.config.load import load_config
from tests.ui.screen_text import screen_text, wait_until

SIZE = (160, 48)


def app_for(write_config: Callable[[str], Path], dsn: str) -> TessaApp:
    config = f"database:\n  dsn: '{dsn}'\n  activity-interval: 500ms\n  long-query-threshold: 1s\n"
    return TessaApp(load_config(write_config(config), environ={}))


async def test_a_long_query_appears_with_its_hostile_text_shown_literally(
    write_config: Callable[[str], Path], pg_dsn: str
) -> None:
    conn = await asyncpg.connect(pg_dsn, server_settings={"application_name": "slow-report"})
    task = asyncio.create_task(conn.execute("SELECT pg_sleep(20), '[/tmp] [bold]x \x1b]0;pwned\x07'"))
    app = app_for(write_config, pg_dsn)
    try:
        async with app.run_test(size=SIZE) as pilot:
            table = app.screen.query_one("#db-long_queries", DataTable)
            await wait_until(
                pilot, lambda: any("slow-report" in str(table.get_row_at(i)) for i in range(table.row_count))
            )
            await pilot.press("4", "z")
            shown = screen_text(app)
            assert "slow-report" in shown
            assert "[/tmp] [bold]x \\e]0;pwned\\x07" in shown
            assert "connections" in shown and "/100" in shown  # saturation against max_connections
    finally:
        conn.terminate()
        with contextlib.suppress(BaseException):
            await task


async def test_server_down_shows_the_reason_and_retry_and_never_blocks(write_config: Callable[[str], Path]) -> None:
    app = app_for(write_config, "postgresql://tessa@127.0.0.1:1/tessa")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "not connected" in screen_text(app))
        await pilot.press("4", "z")
        shown = screen_text(app)
        assert "retrying every 5s" in shown
        await pilot.press("1")  # the UI still answers keys while the database is down
        assert app.focused is not None


@pytest.mark.slow
async def test_a_long_query_is_cancelled_after_confirmation_and_the_timeline_records_it(
    tmp_path: Path, write_config: Callable[[str], Path], pg_dsn: str
) -> None:
    config = (
        f"database:\n  dsn: '{pg_dsn}'\n  activity-interval: 500ms\n  long-query-threshold: 1s\n"
        f"journal:\n  path: {tmp_path / 'journal.sqlite3'}\n  actor: alice\n"
    )
    app = TessaApp(load_config(write_config(config), environ={}))
    conn = await asyncpg.connect(pg_dsn, server_settings={"application_name": "runaway-report"})
    task = asyncio.create_task(conn.execute("SELECT pg_sleep(60) /* runaway */"))
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: app.desk.book is not None)
            book = app.desk.book
            assert book is not None
            incident_id = (await app.desk.record(book.declare("SEV3", "Database slow queries"))).incident
            table = app.screen.query_one("#db-long_queries", DataTable)
            await wait_until(
                pilot, lambda: any("runaway-report" in str(table.get_row_at(i)) for i in range(table.row_count))
            )
            await pilot.press("4")
            table.focus()
            row = next(i for i in range(table.row_count) if "runaway-report" in str(table.get_row_at(i)))
            table.move_cursor(row=row)
            await pilot.pause()
            await pilot.press("x")
            await wait_until(pilot, lambda: "Stop backend" in screen_text(app))
            await pilot.press("enter")  # choose "cancel": the reason comes next
            await pilot.press("enter")  # no reason: refused, nothing sent
            await wait_until(pilot, lambda: "say why" in screen_text(app))
            assert not task.done()
            await pilot.press(*"blocks chat_messages", "enter")
            await asyncio.wait([task], timeout=10)
            assert isinstance(task.exception(), asyncpg.QueryCanceledError)
            await wait_until(pilot, lambda: any(e.kind == "db_action" for e in book.get(incident_id).events))
            event = next(e for e in book.get(incident_id).events if e.kind == "db_action")
            assert event.data["action"] == "cancel" and event.data["result"] == "sent"
            assert event.data["reason"] == "blocks chat_messages" and "runaway" in event.data["query"]
            assert event.actor == "alice"
    finally:
        conn.terminate()
        with contextlib.suppress(BaseException):
            await task


async def test_the_summary_shows_size_growth_from_the_local_history(
    tmp_path: Path, write_config: Callable[[str], Path]
) -> None:
    from datetime import timedelta

    from screens.dashboard.database_pane import DatabasePane
    from screens.messages import DbPolled
    from tessa_tui.database.size_history import SizeHistory
    from tessa_tui.database.snapshot import DbSnapshot, Section
    from tests.conftest import FROZEN_NOW

    journal = tmp_path / "journal.sqlite3"
    config = f"database:\n  dsn: 'postgresql://tessa@127.0.0.1:1/tessa'\njournal:\n  path: {journal}\n"
    old = SizeHistory(tmp_path / "size_history.sqlite3")
    old.record("postgresql://tessa@127.0.0.1:1/tessa", FROZEN_NOW - timedelta(days=1, minutes=1), 20 * 1024 * 1024)
    old.close()
    app = TessaApp(load_config(write_config(config), environ={}), live=False, clock=lambda: FROZEN_NOW)
    async with app.run_test(size=SIZE) as pilot:
        pane = app.screen.query_one(DatabasePane)
        size = Section("database_size", "Database size", ("bytes",), ((23 * 1024 * 1024,),), fetched_at=FROZEN_NOW)
        snapshot = DbSnapshot("postgresql://tessa@127.0.0.1:1/tessa", True, sections={"database_size": size})
        pane.on_db_polled(DbPolled(snapshot, growth=pane._keep_size(snapshot)))
        pane.tick()
        await pilot.pause()
        assert "size 23.0 MB (+3.0 MB/24h)" in screen_text(app)
