"""Spectator mode (`--readonly`, and every `tessa-tui serve` tab): it shows everything and offers nothing that
changes anything, on any screen, key, palette entry or command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.command import CommandPalette

from screens.app import TessaApp
from screens.incident.incident_screen import IncidentScreen
from tessa_tui.config.load import load_config
from tessa_tui.incidents.book import open_book
from tests.ui.screen_text import screen_text, wait_until

# Binding actions that change an incident, the journal, the database or the platform.
CHANGING = {
    "declare",
    "acknowledge",
    "tick",
    "note",
    "milestone",
    "severity",
    "attach",
    "assign_role",
    "resolve",
    "export",
    "pin",
    "cancel",
    "cancel_query",
    "run_step",
}


def _offered(app: App[Any]) -> set[str]:
    """The actions the focused place offers now (enabled bindings, as the footer and keys see them)."""
    return {active.binding.action.split("(")[0] for active in app.screen.active_bindings.values() if active.enabled}


@pytest.mark.slow
async def test_readonly_offers_no_change_anywhere(tmp_path: Path) -> None:
    config = tmp_path / "tessa.yaml"
    log = tmp_path / "app.log"
    log.write_text("2026-11-28 10:00:00 ERROR something\n")
    config.write_text(
        f"journal:\n  path: {tmp_path / 'journal.sqlite3'}\nlogs:\n  - name: app\n    path: '{log}'\n"
        "database:\n  dsn: postgresql://nobody@127.0.0.1:9/none\n"
    )
    loaded = load_config(config, environ={})
    book = open_book(loaded)  # another operator's incident, already open
    book.record(book.declare("SEV2", "Chat is slow"))
    book.journal.close()

    app = TessaApp(loaded, readonly=True, live=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_until(pilot, lambda: app.desk.book is not None and "INC-1" in app.desk.book.incidents)
        offered: set[str] = set()
        for pane in ("1", "2", "3", "4"):
            await pilot.press(pane)
            await pilot.pause()
            offered |= _offered(app)
        assert not offered & CHANGING, offered & CHANGING

        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        for words in ("declare", "review", "drill", "screenshot"):  # a screenshot is a file written
            await pilot.press(*words)
            await pilot.pause(0.3)
            shown = screen_text(app)
            assert "Declare an incident" not in shown and "Run daily review" not in shown and "Save an SVG" not in shown
            for _ in words:
                await pilot.press("backspace")
        await pilot.press("escape")

        app.action_open_incident("INC-1")
        await wait_until(pilot, lambda: isinstance(app.screen, IncidentScreen))
        offered = _offered(app)
        assert not offered & CHANGING, offered & CHANGING
        for key in ("space", "a", "n", "m", "s", "plus", "o", "r", "e", "d", "g"):
            await pilot.press(key)
        await pilot.pause(0.3)
        assert isinstance(app.screen, IncidentScreen)  # no dialog opened
        incident = app.desk.book.get("INC-1")  # type: ignore[union-attr]
        assert len(incident.events) == 1 and not incident.ticks and not incident.notes


async def test_a_spectator_on_a_live_database_writes_no_file(tmp_path: Path, pg_dsn: str) -> None:
    """The database pane keeps size samples beside the journal: a read-only console reads them, writes none
    (it wrote size_history.sqlite3 and its -wal and -shm), and opens the journal without creating anything."""
    folder = tmp_path / "state"
    folder.mkdir()
    config = tmp_path / "tessa.yaml"
    config.write_text(f"journal:\n  path: {folder / 'journal.sqlite3'}\ndatabase:\n  dsn: '{pg_dsn}'\n")
    app = TessaApp(load_config(config, environ={}), readonly=True, live=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_until(pilot, lambda: "Database size" in screen_text(app) or "MB" in screen_text(app), timeout=30)
        await pilot.pause(1.0)  # the size sample would be kept right after the first size poll
    assert sorted(p.name for p in folder.iterdir()) == []
