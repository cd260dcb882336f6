"""The `/` filter in the incident checklist, the database and the logs panes: narrow, act on the row shown, escape
restores."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import DataTable, OptionList

from screens.app import TessaApp
from screens.dashboard.database_pane import DatabasePane
from screens.dashboard.logs_pane import LogsPane
from screens.incident.incident_screen import IncidentScreen
from screens.widgets.filter_input import FilterInput
from tessa_tui.config.load import load_config
from tessa_tui.database.snapshot import DbSnapshot, Section
from tests.conftest import FROZEN_NOW
from tests.ui.screen_text import screen_text, wait_until
from tests.ui.test_incident_ui import declare_sev1

SIZE = (140, 40)
STATUS_PAGE_STEPS = (
    'Update status page: "Investigating"',
    "If third-party (Supabase, OpenAI), update status page",
    'Update status page: "Resolved"',
)


async def slash(pilot: Pilot[Any], field: str) -> None:
    """`/`, then wait for the field to take focus (it does after the key): `s` or escape must reach the field."""
    await pilot.press("slash")
    await wait_until(pilot, lambda: pilot.app.screen.query_one(field, FilterInput).has_focus)


def _journal(tmp_path: Path) -> str:
    return f"journal:\n  path: {tmp_path / 'journal.sqlite3'}\n  actor: alice\n"


@pytest.mark.slow
async def test_the_checklist_narrows_and_space_ticks_the_step_shown(
    tmp_path: Path, write_config: Callable[[str], Path]
) -> None:
    app = TessaApp(load_config(write_config(_journal(tmp_path)), environ={}), live=False)
    async with app.run_test(size=SIZE) as pilot:
        await declare_sev1(app, pilot)
        checklist = app.screen.query_one("#checklist", OptionList)
        everything = checklist.option_count
        await slash(pilot, "#checklist-filter")
        await pilot.press(*"status page")
        await wait_until(pilot, lambda: "'status page': 3 of 16 steps" in screen_text(app))
        text = screen_text(app)
        assert all(step in text for step in STATUS_PAGE_STEPS)
        assert "Acknowledge alert in PagerDuty" not in text
        # The runbook, three phases (Investigation has no match: no header), three steps. The second step shown
        # sits at index 4; unfiltered, index 4 is status-investigating: the tick must follow the list shown.
        assert [option.id for option in checklist.options] == [
            "runbook:sev1-service-down",
            "phase:sev1-service-down:Immediate actions",
            "step:sev1-service-down:status-investigating",
            "phase:sev1-service-down:Resolution",
            "step:sev1-service-down:third-party-status",
            "phase:sev1-service-down:Post-incident",
            "step:sev1-service-down:status-resolved",
        ]
        await pilot.press("enter")  # back to the list, the filter stays
        await wait_until(pilot, lambda: checklist.has_focus)  # focus moves after the key: `j` must not be typed
        await pilot.press("j", "space")
        book = app.desk.book
        assert book is not None
        await wait_until(pilot, lambda: bool(book.get("INC-1").ticks))
        assert list(book.get("INC-1").ticks) == [("sev1-service-down", "third-party-status")]
        await wait_until(pilot, lambda: "[x] If third-party" in screen_text(app))

        await slash(pilot, "#checklist-filter")
        await pilot.press("escape")  # escape in the field clears it: every step again
        await wait_until(pilot, lambda: checklist.option_count == everything and checklist.has_focus)
        await wait_until(pilot, lambda: "of 16 steps" not in screen_text(app))
        assert "Acknowledge alert in PagerDuty" in screen_text(app)
        await pilot.press("escape")  # escape again closes, as before
        await wait_until(pilot, lambda: not isinstance(app.screen, IncidentScreen))


def _snapshot() -> DbSnapshot:
    columns = ("pid", "user", "application", "state", "seconds", "waiting_on", "query")
    long_queries = Section(
        "long_queries",
        "Long-running queries",
        columns,
        (
            (4242, "tessa", "tessa-migration", "active", 73.2, "Timeout:PgSleep", "LOCK TABLE chat_messages"),
            (4250, "tessa", "tessa-app", "active", 12.9, "Lock:relation", "UPDATE chat_messages SET tokens = 1"),
        ),
        fetched_at=FROZEN_NOW,
    )
    return DbSnapshot("postgresql://tessa@127.0.0.1:1/tessa", True, sections={"long_queries": long_queries})


async def test_a_database_table_narrows_and_x_acts_on_the_row_shown(
    tmp_path: Path, write_config: Callable[[str], Path]
) -> None:
    config = "database:\n  dsn: 'postgresql://tessa@127.0.0.1:1/tessa'\n" + _journal(tmp_path)
    app = TessaApp(load_config(write_config(config), environ={}), live=False, clock=lambda: FROZEN_NOW)
    async with app.run_test(size=SIZE) as pilot:
        pane = app.screen.query_one(DatabasePane)
        pane.show_snapshot(_snapshot())
        table = app.screen.query_one("#db-long_queries", DataTable)
        await pilot.pause()
        assert table.row_count == 2
        table.focus()
        await wait_until(pilot, lambda: table.has_focus)  # `/` and `enter` later come back to it
        await slash(pilot, "#database-filter")
        await pilot.press(*"set tokens")
        await wait_until(pilot, lambda: table.row_count == 1)
        assert "tessa-app" in str(table.get_row_at(0)) and pane.border_subtitle == "'set tokens': 1 of 2 rows"

        pane.show_snapshot(_snapshot())  # a new snapshot is drawn under the filter
        await pilot.pause()
        assert table.row_count == 1

        await pilot.press("enter")
        await wait_until(pilot, lambda: table.has_focus)
        await pilot.press("x")  # the table's first row is 4250 now: the row shown, not 4242
        await wait_until(pilot, lambda: "Stop backend 4250?" in screen_text(app))
        await pilot.press("escape")  # leaves it running
        await wait_until(pilot, lambda: "Stop backend" not in screen_text(app))

        await slash(pilot, "#database-filter")
        await pilot.press("escape")
        await wait_until(pilot, lambda: table.row_count == 2 and table.has_focus)
        assert not pane.border_subtitle


async def test_typed_filter_text_is_shown_as_typed_never_as_markup(
    tmp_path: Path, write_config: Callable[[str], Path]
) -> None:
    """The subtitle echoes what was typed: `[/]` used to be parsed as markup (an error), `[b]` as bold."""
    app = TessaApp(load_config(write_config(_journal(tmp_path)), environ={}), live=False)
    async with app.run_test(size=SIZE) as pilot:
        await declare_sev1(app, pilot)
        await slash(pilot, "#checklist-filter")
        await pilot.press(*"[/][b]x")
        await wait_until(pilot, lambda: "'[/][b]x': 0 of 16 steps" in screen_text(app))
        assert app.is_running


async def test_keys_arriving_in_one_burst_with_slash_and_enter_land_where_typed(
    tmp_path: Path, write_config: Callable[[str], Path]
) -> None:
    """Keys the app has already read when it gets to `/` (a fast typist, a paste, tmux): `/` hands the keyboard
    to the field as the app reads it, so `e` is typed (it does not export) and enter hands it back as it is read,
    so the `j` after it moves the list (it is not typed into the filter)."""
    app = TessaApp(load_config(write_config(_journal(tmp_path)), environ={}), live=False)
    async with app.run_test(size=SIZE) as pilot:
        await declare_sev1(app, pilot)
        checklist = app.screen.query_one("#checklist", OptionList)
        await wait_until(pilot, lambda: checklist.has_focus)
        field = app.screen.query_one("#checklist-filter", FilterInput)
        for key, character in [
            ("slash", "/"),
            *((c if c != " " else "space", c) for c in "ep "),
            ("enter", None),
            ("j", "j"),
        ]:
            app.post_message(events.Key(key, character))  # all queued before the app reads the first
        await wait_until(pilot, lambda: field.value == "ep " and checklist.has_focus)
        await pilot.pause()
        assert field.value == "ep "  # the j was not typed into the filter
        assert "Post-mortem written" not in screen_text(app)
        steps = [option.id for option in checklist.options if str(option.id).startswith("step:")]
        assert checklist.highlighted is not None
        assert checklist.options[checklist.highlighted].id == steps[1]  # j moved from the first step shown


def _burst(app: TessaApp, keys: str) -> None:
    """Every key of `keys` (`/` is slash, `\\n` enter, `\\x1b` escape) queued before the app reads the first."""
    names = {"/": "slash", "\n": "enter", "\x1b": "escape", " ": "space"}
    for key in keys:
        app.post_message(events.Key(names.get(key, key), key if key not in "\n\x1b" else None))


async def test_a_slash_right_after_enter_or_escape_keeps_its_field_in_the_logs_pane(
    tmp_path: Path, write_config: Callable[[str], Path]
) -> None:
    """The field hands the keyboard back to the lines as the app reads enter or escape; the pane then moved it
    there again when the field's message arrived, later: a `/` typed in between lost its field, and the words
    after it went to the lines (`p` paused them)."""
    log = tmp_path / "app.log"
    log.write_text("2026-11-28 10:00:00 INFO request served path=/ok\n", encoding="utf-8")
    app = TessaApp(load_config(write_config(f"logs:\n  - name: app\n    path: '{log}'\n"), environ={}), live=False)
    async with app.run_test(size=SIZE) as pilot:
        lines = app.screen.query_one(LogsPane).query_one("#log-view")
        field = app.screen.query_one("#log-filter", FilterInput)
        await pilot.press("3")
        await wait_until(pilot, lambda: lines.has_focus)
        for closing in ("\n", "\x1b"):
            _burst(app, f"/served{closing}/path")
            await wait_until(pilot, lambda: field.value.endswith("path"))
            await pilot.pause()
            assert field.has_focus and field.display
            assert "PAUSED" not in screen_text(app)
            _burst(app, "\x1b")
            await wait_until(pilot, lambda: lines.has_focus and not field.display)


async def test_a_slash_right_after_enter_keeps_its_field_in_the_database_pane(
    tmp_path: Path, write_config: Callable[[str], Path]
) -> None:
    config = "database:\n  dsn: 'postgresql://tessa@127.0.0.1:1/tessa'\n" + _journal(tmp_path)
    app = TessaApp(load_config(write_config(config), environ={}), live=False, clock=lambda: FROZEN_NOW)
    async with app.run_test(size=SIZE) as pilot:
        pane = app.screen.query_one(DatabasePane)
        pane.show_snapshot(_snapshot())
        table = app.screen.query_one("#db-long_queries", DataTable)
        field = app.screen.query_one("#database-filter", FilterInput)
        table.focus()
        await wait_until(pilot, lambda: table.has_focus)
        _burst(app, "/tokens\n/chat")
        await wait_until(pilot, lambda: field.value.endswith("chat"))
        await pilot.pause()
        assert field.has_focus and field.display
        _burst(app, "\n")
        await wait_until(pilot, lambda: table.has_focus)  # back to the table `x` acts on
