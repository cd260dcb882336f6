"""The database pane during a real lock pile-up: the blocking tree with its root blocker first, and the
Sessions tab's sort (S), duration (T), state (f) and word (/) filters, pressed as a person presses them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.widgets import DataTable, TabbedContent

from screens.app import TessaApp
from tessa_tui.config.load import load_config
from tests.ui.screen_text import screen_text, wait_until

SIZE = (200, 50)


def app_for(write_config: Callable[[str], Path], dsn: str) -> TessaApp:
    config = f"database:\n  dsn: '{dsn}'\n  activity-interval: 500ms\n  long-query-threshold: 1s\n"
    return TessaApp(load_config(write_config(config), environ={}))


def column(table: DataTable[object], name: str) -> list[str]:
    return [str(table.get_cell(row_key, name)) for row_key in table.rows]


async def test_the_blocking_tree_puts_the_root_blocker_first_and_x_stops_it(
    write_config: Callable[[str], Path], pg_dsn: str, pile_up: dict[str, int]
) -> None:
    app = app_for(write_config, pg_dsn)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one("#db-blocking", DataTable)
        await wait_until(pilot, lambda: table.row_count == 3)
        assert column(table, "pid") == [str(pile_up[n]) for n in ("holder", "migration", "reader")]
        tree = column(table, "tree")
        assert tree[0] == str(pile_up["holder"]) and tree[1].startswith(" └─ ") and tree[2].startswith("    └─ ")
        await pilot.press("4", "z")
        await wait_until(pilot, lambda: f"AccessExclusiveLock on piled, behind {pile_up['holder']}" in screen_text(app))
        # The summary names the root blocker (drawn with the tables, on the dashboard's next tick).
        await wait_until(pilot, lambda: f"2 waiting behind pid {pile_up['holder']}" in screen_text(app))
        table.focus()
        table.move_cursor(row=0)
        await pilot.press("x")
        await wait_until(pilot, lambda: f"Stop backend {pile_up['holder']}?" in screen_text(app))
        await pilot.press("escape")


async def test_sessions_keys_sort_switch_the_duration_and_filter(
    write_config: Callable[[str], Path], pg_dsn: str, pile_up: dict[str, int]
) -> None:
    app = app_for(write_config, pg_dsn)
    holder, migration, reader = (pile_up[n] for n in ("holder", "migration", "reader"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "waiting behind" in screen_text(app))
        await pilot.press("4", "z")
        assert "Sort" not in screen_text(app)  # the Sessions keys are not offered on the Activity tab
        await pilot.press("right")  # the focused tab row: the next tab is Sessions
        tabs = app.screen.query_one("#database-tabs", TabbedContent)
        await wait_until(pilot, lambda: tabs.active == "db-tab-sessions")
        table = app.screen.query_one("#db-sessions", DataTable)

        def pids() -> list[int]:
            return [int(p) for p in column(table, "pid") if int(p) in (holder, migration, reader)]

        await wait_until(pilot, lambda: pids() == [holder, migration, reader])  # longest query first
        await wait_until(pilot, lambda: "Sessions: not idle, by duration, query time" in screen_text(app))
        await wait_until(pilot, lambda: all(k in screen_text(app) for k in ("S Sort", "T Duration", "f States")))
        await pilot.press("f")  # active only: the idle-in-transaction holder goes
        await wait_until(pilot, lambda: "Sessions: active," in screen_text(app))
        await wait_until(pilot, lambda: pids() == [migration, reader])
        await pilot.press("f")  # waiting
        await wait_until(pilot, lambda: "Sessions: waiting," in screen_text(app) and pids() == [migration, reader])
        await pilot.press("f")  # idle in transaction: the holder alone
        await wait_until(pilot, lambda: pids() == [holder])
        await pilot.press("f", "f")  # all, then back to not idle
        await wait_until(pilot, lambda: "Sessions: not idle," in screen_text(app))
        for _ in range(5):  # duration, cpu, memory, io, xmin age -> pid
            await pilot.press("S")
        await wait_until(pilot, lambda: "by pid" in screen_text(app))
        assert sorted([holder, migration, reader]) == [reader, migration, holder]  # the opposite of by duration
        await wait_until(pilot, lambda: pids() == [reader, migration, holder])
        await pilot.press("T")
        await wait_until(pilot, lambda: "transaction time" in screen_text(app))
        await wait_until(pilot, lambda: "transaction seconds" in screen_text(app))
        assert "query seconds" not in screen_text(app)
        await pilot.press("slash", *"reader", "enter")
        await wait_until(pilot, lambda: pids() == [reader] and "'reader': 1 of" in screen_text(app))
        table.focus()
        table.move_cursor(row=0)
        await pilot.press("x")  # on the Sessions tab too, x acts on the row's session
        await wait_until(pilot, lambda: f"Stop backend {reader}?" in screen_text(app))
        await pilot.press("escape")
