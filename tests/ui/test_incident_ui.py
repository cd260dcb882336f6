"""Working an incident from the keyboard: declare in two keys, tick, milestone, resolve, export; NOT SAVED."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from screens.app import TessaApp
from screens.incident.incident_screen import IncidentScreen
from screens.widgets.form_dialog import FormDialog
from tessa_tui.config.load import load_config
from tessa_tui.incidents.journal import Journal, JournalError, new_event
from tests.incident_fixtures import START, ManualClock
from tests.ui.screen_text import screen_text, wait_until

SIZE = (140, 40)


def fill_up(journal: Journal) -> None:
    """Make the journal's disk full: no new page, and the free room in the last one used up."""
    pages = journal._db.execute("PRAGMA page_count").fetchone()[0]
    journal._db.execute(f"PRAGMA max_page_count={pages}")
    for size in (1000, 100, 10, 1):  # filler under an id no incident has (the fold ignores it), to the last byte
        with contextlib.suppress(JournalError):
            while True:
                journal.append(new_event("filler", "note", text="x" * size))


async def declare_sev1(app: TessaApp, pilot: Pilot[Any]) -> None:
    """What a person does first: `d` `1` once the console is up; the incident screen opens."""
    await wait_until(pilot, lambda: app.desk.book is not None)
    await pilot.press("d", "1")
    await wait_until(pilot, lambda: isinstance(app.screen, IncidentScreen))
    await wait_until(pilot, lambda: "Immediate actions" in screen_text(app))  # drawn, not only pushed


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "tessa.yaml"
    path.write_text(f"journal:\n  path: {tmp_path / 'journal.sqlite3'}\n  actor: alice\n", encoding="utf-8")
    return path


@pytest.mark.slow
async def test_sev1_in_two_keys_then_tick_milestone_resolve_export(tmp_path: Path) -> None:
    app = TessaApp(load_config(_config(tmp_path)), live=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.desk.book is not None)
        await pilot.press("d", "1")  # launch -> SEV1 with its procedure: two keys
        await wait_until(pilot, lambda: isinstance(app.screen, IncidentScreen))
        screen = app.screen
        assert isinstance(screen, IncidentScreen)
        incident = app.desk.book.get("INC-1")  # type: ignore[union-attr]
        assert incident.severity == "SEV1" and incident.runbook_ids == ["sev1-service-down"]
        await wait_until(pilot, lambda: "Immediate actions" in screen_text(app))  # the screen's first frame
        text = screen_text(app)
        assert "SEV1" in text and "Response (SEV1)" in text and "Immediate actions" in text

        await pilot.press("space")
        await wait_until(pilot, lambda: "[x] Acknowledge alert in PagerDuty" in screen_text(app))
        await pilot.press("j", "space")
        await wait_until(pilot, lambda: "[x] Post in #incidents Slack channel" in screen_text(app))
        assert len(app.desk.book.get("INC-1").ticks) == 2  # type: ignore[union-attr]

        await pilot.press("a")  # acknowledge
        await wait_until(pilot, lambda: "acknowledged" in app.desk.book.get("INC-1").milestones)  # type: ignore[union-attr]

        await pilot.press("m")  # milestone dialog: the next unset milestone is highlighted
        await wait_until(pilot, lambda: isinstance(app.screen, FormDialog))
        await pilot.press("enter", "enter")  # choose it, keep "now"
        await wait_until(pilot, lambda: "root_cause" in app.desk.book.get("INC-1").milestones)  # type: ignore[union-attr]
        assert isinstance(app.screen, IncidentScreen)

        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, FormDialog))
        await pilot.press(*"rolled back", "enter")
        await wait_until(pilot, lambda: app.desk.book.get("INC-1").status == "resolved")  # type: ignore[union-attr]
        await wait_until(pilot, lambda: "resolved: rolled back" in screen_text(app))
        await pilot.press("V")  # a person verifies: resolving alone is not "Verified resolved"
        await wait_until(pilot, lambda: "verified_resolved" in app.desk.book.get("INC-1").milestones)  # type: ignore[union-attr]

        await pilot.press("e")
        markdown = tmp_path / "postmortems" / "INC-1.md"
        await wait_until(pilot, lambda: markdown.exists() and (tmp_path / "postmortems" / "INC-1.json").exists())
        text = markdown.read_text(encoding="utf-8")
        for label in (
            "Incident began",
            "Detected",
            "On-call acknowledged",
            "Root cause identified",
            "Resolution applied",
            "Verified resolved",
        ):
            line = next(line for line in text.splitlines() if f" - {label}" in line)  # then its source, in ()
            assert not line.startswith("- --:--"), line
        assert "## Durations" in text and "Total duration:" in text and "Time to acknowledge:" in text


async def test_a_tick_that_cannot_be_saved_shows_not_saved_and_retries(tmp_path: Path) -> None:
    app = TessaApp(load_config(_config(tmp_path)), live=False)
    async with app.run_test(size=SIZE) as pilot:
        await declare_sev1(app, pilot)
        journal = app.desk.book.journal  # type: ignore[union-attr]
        fill_up(journal)
        await pilot.press("space")
        await wait_until(pilot, lambda: "NOT SAVED" in screen_text(app))
        text = screen_text(app)
        assert "[!] Acknowledge alert in PagerDuty" in text and "disk is full" in text
        assert "[x] Acknowledge" not in text
        assert app.desk.book.get("INC-1").ticks == {}  # type: ignore[union-attr]
        journal._db.execute("PRAGMA max_page_count=1073741823")  # space again
        await pilot.press("space")  # retry the same event
        await wait_until(pilot, lambda: "[x] Acknowledge alert in PagerDuty" in screen_text(app))
        assert len([e for e in journal.events_since(0) if e.kind == "step_ticked"]) == 1


async def test_a_note_that_cannot_be_saved_keeps_the_text(tmp_path: Path) -> None:
    app = TessaApp(load_config(_config(tmp_path)), live=False)
    async with app.run_test(size=SIZE) as pilot:
        await declare_sev1(app, pilot)
        journal = app.desk.book.journal  # type: ignore[union-attr]
        fill_up(journal)
        await pilot.press("n", "enter")  # a plain note: the text field is next
        app.screen.query_one(Input).value = "pool exhausted " * 200
        await pilot.press("enter")
        await wait_until(pilot, lambda: "NOT SAVED" in screen_text(app))
        assert isinstance(app.screen, FormDialog)  # still open, text kept
        journal._db.execute("PRAGMA max_page_count=1073741823")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, IncidentScreen))
        notes = app.desk.book.get("INC-1").notes  # type: ignore[union-attr]
        assert len(notes) == 1 and notes[0].text.startswith("pool exhausted pool exhausted")


async def test_the_dashboard_pane_shows_the_active_incident(tmp_path: Path) -> None:
    app = TessaApp(load_config(_config(tmp_path)), live=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.desk.book is not None)
        assert "No active incident" in screen_text(app)
        await pilot.press("d", "2")
        await wait_until(pilot, lambda: isinstance(app.screen, IncidentScreen))
        await pilot.press("escape")
        await wait_until(pilot, lambda: "INC-1" in screen_text(app))
        text = screen_text(app)
        assert "SEV2" in text and "Response" in text and "Next:" in text
        assert "Acknowledge alert in PagerDuty" in text


async def test_another_process_tick_shows_within_a_second(tmp_path: Path) -> None:
    from runbooks import pack_dir
    from tessa_tui.config.model import TessaConfig
    from tessa_tui.incidents.book import IncidentBook
    from tessa_tui.runbook.load import load_pack

    app = TessaApp(load_config(_config(tmp_path)), live=False)
    async with app.run_test(size=SIZE) as pilot:
        await declare_sev1(app, pilot)
        other = IncidentBook(
            Journal(tmp_path / "journal.sqlite3", actor="bob"), load_pack([pack_dir()]), TessaConfig().severities
        )
        other.sync()
        other.record(other.tick("INC-1", "3"))
        await wait_until(pilot, lambda: "bob" in screen_text(app), timeout=1.0)
        assert '[x] Update status page: "Investigating"' in screen_text(app)


async def test_readonly_offers_no_incident_action(tmp_path: Path) -> None:
    app = TessaApp(load_config(_config(tmp_path)), live=False, readonly=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.desk.book is not None)
        await pilot.press("d")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, FormDialog)
        assert app.desk.book.incidents == {}  # type: ignore[union-attr]


async def test_sla_thresholds_colour_the_clock_and_toast_once(tmp_path: Path) -> None:
    from screens.dashboard.dashboard_screen import DashboardScreen

    clock = ManualClock()
    app = TessaApp(load_config(_config(tmp_path)), live=False, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.desk.book is not None)
        await pilot.press("d", "1")
        await wait_until(pilot, lambda: isinstance(app.screen, IncidentScreen))
        await pilot.press("escape")
        dashboard = app.screen
        assert isinstance(dashboard, DashboardScreen)
        toasts: list[str] = []
        for minutes, level_mark in ((7.6, "▲ 50%"), (12.1, "▲ 80%"), (15.1, "✖ BREACHED")):
            clock.now = START + timedelta(minutes=minutes)
            dashboard._tick()
            # The tick gives each part its own frame: the mark shows on the next one, not within one pause.
            await wait_until(pilot, lambda level_mark=level_mark: level_mark in screen_text(app))  # type: ignore[misc]
            toasts = [n.message for n in app._notifications]
        dashboard._tick()  # nothing new: no repeated toast
        await pilot.pause()
        response = [t for t in (n.message for n in app._notifications) if t.startswith("INC-1 Response (SEV1)")]
        assert len(response) == 3, toasts
        assert response[0].startswith("INC-1 Response (SEV1): half of the time used")
        assert "all of the time used" in response[2]


async def test_a_resolved_incident_opens_from_the_palette_and_reopens(tmp_path: Path) -> None:
    app = TessaApp(load_config(_config(tmp_path)), live=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.desk.book is not None)
        book = app.desk.book
        assert book is not None
        incident_id = (await app.desk.record(book.declare("SEV3", "Slow [queries]"))).incident
        await app.desk.record(book.resolve(incident_id, "added an index"))
        await pilot.press("ctrl+p", *"INC-1", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, IncidentScreen))
        await wait_until(pilot, lambda: "Slow [queries]" in screen_text(app) and "resolved" in screen_text(app))
        await pilot.press("r")  # on a resolved incident: reopen
        await wait_until(pilot, lambda: isinstance(app.screen, FormDialog))
        await pilot.press("enter")
        await wait_until(pilot, lambda: book.get(incident_id).is_open)
