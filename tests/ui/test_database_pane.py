"""The database pane live against a real PostgreSQL: a long query appears, hostile text stays text."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path

import asyncpg
from textual.widgets import DataTable

from screens.app import TessaApp
from tessa_tui.config_load import load_config
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
