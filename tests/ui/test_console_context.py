"""The typed console context and the one write path: widgets find the App's state through `context_of`, work
alone in an App that has none, and every change goes through `IncidentDesk.commit`, whose retry never records
an event twice. The palette and the `:` line ask the App by message and action, seen in the message flow."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.message import Message
from textual.widgets import DataTable, Static

from screens.app import TessaApp
from screens.commands.command_line_dialog import CommandLine
from screens.commands.runbook_screen import RunbookScreen
from screens.context import capabilities_of, context_of
from screens.dashboard.incident_pane import NO_INCIDENT, IncidentPane
from screens.incident_desk import Write
from screens.messages import ActorChanged, RunbookChosen
from screens.widgets.form_dialog import FormDialog, FormSpec
from screens.widgets.status_header import StatusHeader
from tessa_tui.base.capabilities import READ_ONLY
from tessa_tui.base.errors import UserError
from tessa_tui.config.load import load_config
from tessa_tui.config.model import TessaConfig
from tessa_tui.incidents.journal import JournalError
from tests.ui.screen_text import screen_text, wait_until
from tests.ui.test_incident_ui import fill_up

SIZE = (140, 40)
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _app(tmp_path: Path, *, readonly: bool = False) -> TessaApp:
    path = tmp_path / "tessa.yaml"
    path.write_text(f"journal:\n  path: {tmp_path / 'journal.sqlite3'}\n  actor: alice\n", encoding="utf-8")
    return TessaApp(load_config(path, environ={}), live=False, readonly=readonly)


class Bare(App[None]):
    """An App that owns no console context: widgets tested on their own."""

    def compose(self) -> ComposeResult:
        config = TessaConfig()
        yield StatusHeader(config, lambda: NOW, readonly=False)
        yield IncidentPane(config.severities, None, lambda: NOW)


async def test_a_widget_alone_has_no_context_and_may_change_nothing() -> None:
    app = Bare()
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(IncidentPane)
        assert context_of(pane) is None and capabilities_of(pane) is READ_ONLY
        await wait_until(pilot, lambda: NO_INCIDENT.split(".")[0] in screen_text(app))
        assert pane.check_action("acknowledge", ()) is False  # nothing to write to, nothing offered
        assert pane.check_action("declare_from_pagerduty", ()) is False
        pane.action_acknowledge()  # no context: nothing happens, nothing breaks
        pane.action_open_incident()
        assert str(app.query_one("#header-actor", Static).render()) == ""  # nobody is typing into a journal


@pytest.mark.parametrize("readonly", [False, True])
async def test_every_widget_of_the_console_finds_the_apps_context(tmp_path: Path, readonly: bool) -> None:
    app = _app(tmp_path, readonly=readonly)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.desk.book is not None)
        for widget in [app.screen, *app.screen.query("*")]:
            assert context_of(widget) is app.context
        assert app.context.desk is app.desk and app.context.readonly is readonly
        assert app.context.actor == "alice" and app.context.journal_path == tmp_path / "journal.sqlite3"
        assert capabilities_of(app.screen.query_one(DataTable)).allows("journal") is not readonly


async def test_a_retry_after_not_saved_records_the_same_event_once(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.desk.book is not None)
        desk, book = app.desk, app.desk.book
        assert book is not None
        incident = (await desk.commit(Write(lambda b: b.declare("SEV3", "disk trouble")))).incident
        key = ("note", incident, "checked the disk")
        write = desk.request(key, lambda b: b.note(incident, "checked the disk"))
        fill_up(book.journal)
        with pytest.raises(JournalError):
            await desk.commit(write)
        assert write.pending is not None and write.error is not None
        planned = write.pending.id
        assert desk.request(key, lambda b: b.note(incident, "planned again")) is write  # asked again: its retry
        book.journal._db.execute("PRAGMA max_page_count=1073741823")
        await desk.record(write.pending)  # the failed write did land after all (as if the disk had taken it)
        event = await desk.commit(desk.request(key, lambda b: b.note(incident, "planned again")))
        assert event.id == planned and write.error is None
        notes = [e for e in book.journal.events_of(incident) if e.kind == "note"]
        assert [e.id for e in notes] == [planned]  # once, though it was committed twice
        assert desk.request(key, lambda b: b.note(incident, "again")) is not write  # saved: a new request


async def test_a_refused_write_keeps_nothing(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.desk.book is not None)
        write = app.desk.request(("ack", "INC-9"), lambda b: b.acknowledge("INC-9"))
        with pytest.raises(UserError):
            await app.desk.commit(write)
        assert write.pending is None
        assert app.desk.request(("ack", "INC-9"), lambda b: b.acknowledge("INC-9")) is not write


async def test_a_bug_in_a_dialogs_submit_is_said_in_the_dialog_and_the_console_goes_on() -> None:
    async def submit(_choice: str | None, _text: str) -> str | None:
        raise RuntimeError("a bug")

    app = Bare()
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(FormDialog(FormSpec("Try it", text_label="Text"), submit))
        await wait_until(pilot, lambda: isinstance(app.screen, FormDialog))
        await pilot.press("x", "enter")
        await wait_until(pilot, lambda: "internal error (RuntimeError: a bug)" in screen_text(app))
        assert isinstance(app.screen, FormDialog) and app.is_running


async def test_the_palette_and_the_command_line_ask_the_app_by_message(tmp_path: Path) -> None:
    seen: list[Message] = []
    app = _app(tmp_path)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await wait_until(pilot, lambda: app.desk.book is not None)
        await pilot.press("ctrl+p")
        await pilot.press(*"503")
        await wait_until(pilot, lambda: "Runbook: " in screen_text(app))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RunbookScreen))
        assert [m.runbook_id for m in seen if isinstance(m, RunbookChosen)] == ["service-unavailable"]
        await pilot.press("escape")
        await pilot.press("colon")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandLine))
        await pilot.press(*"iam bob", "enter")
        await wait_until(pilot, lambda: "typing: bob" in screen_text(app))
        assert [m.who for m in seen if isinstance(m, ActorChanged)] == ["bob"]
