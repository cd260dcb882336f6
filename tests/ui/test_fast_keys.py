"""Fast keys for the person at the keyboard, counted: SEV1 in two keys, a symptom to its runbook in at most five
typed characters, the `:` command line, contacts (shown by themselves for a SEV1) and copying from them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.command import CommandInput, CommandPalette
from textual.pilot import Pilot
from textual.widgets import DataTable

from screens.app import TessaApp
from screens.commands.command_line_dialog import CommandLine
from screens.commands.runbook_screen import RunbookScreen
from screens.dashboard.contacts_screen import ContactsScreen
from screens.incident.incident_screen import IncidentScreen
from tessa_tui.base.errors import UserError
from tessa_tui.config.load import load_config
from tessa_tui.incidents.command_mode import parse_command
from tests.ui.screen_text import screen_text, wait_until

SIZE = (140, 40)
CONTACTS = """
contacts:
  people:
    - {role: primary, name: Dana On-Call, phone: "+1 555 0100", slack: "@dana"}
    - {role: escalation, name: Lee Lead, phone: "+1 555 0199"}
  vendors:
    - {name: Supabase, contact: support@supabase.com, url: "https://supabase.com/dashboard/support"}
  channels:
    - {name: "#incidents", url: "https://slack.example/incidents"}
quick-reference:
  commands:
    - {name: edge logs, command: "supabase functions logs {function_name} --project-ref {project_id}"}
placeholders:
  project_id: tessa-prod
  function_name: chat
"""
COMMON_ISSUES = [  # the seed's five common issues: what on-call types, and the runbook it must find
    ("503", "service-unavailable"),
    ("login", "login-failures-spike"),
    ("chat", "ai-chat-not-responding"),
    ("slow", "database-slow-queries"),
    ("sync", "sync-failures"),
]


def make_app(tmp_path: Path, extra: str = "", *, readonly: bool = False) -> TessaApp:
    path = tmp_path / "tessa.yaml"
    path.write_text(f"journal:\n  path: {tmp_path / 'journal.sqlite3'}\n  actor: alice\n{extra}", encoding="utf-8")
    return TessaApp(load_config(path, environ={}), live=False, readonly=readonly)


async def command(app: TessaApp, pilot: Pilot[Any], line: str) -> None:
    """`:` then the line (once the command line is up: keys typed before would go to the screen below)."""
    await pilot.press("colon")
    await wait_until(pilot, lambda: isinstance(app.screen, CommandLine))
    await pilot.press(*line, "enter")


def notified(app: TessaApp, text: str) -> bool:
    """A toast said this (toasts wrap, so the screen's text may split it)."""
    return any(text in note.message for note in app._notifications)


async def typed(pilot: Pilot[Any], text: str) -> int:
    await pilot.press(*text)
    return len(text)


@pytest.mark.parametrize(("symptom", "runbook_id"), COMMON_ISSUES)
async def test_a_symptom_finds_its_runbook_in_five_characters(tmp_path: Path, symptom: str, runbook_id: str) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.desk.book is not None)
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        assert await typed(pilot, symptom) <= 5
        title = app.desk.book.pack.get(runbook_id).title  # type: ignore[union-attr]
        await wait_until(pilot, lambda: f"Runbook: {title}" in screen_text(app))
        await pilot.press("enter")  # the first hit is the one
        await wait_until(pilot, lambda: isinstance(app.screen, RunbookScreen))
        assert app.screen.runbook.id == runbook_id  # type: ignore[attr-defined]


async def test_sev1_in_two_keys_shows_who_to_call_and_copies_a_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(tmp_path, CONTACTS)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.desk.book is not None)
        await pilot.press("d", "1")  # launch -> SEV1 with its procedure
        await wait_until(pilot, lambda: isinstance(app.screen, ContactsScreen))
        assert app.desk.book.get("INC-1").runbook_ids == ["sev1-service-down"]  # type: ignore[union-attr]
        await wait_until(pilot, lambda: "who to call" in screen_text(app))  # drawn, not only pushed
        text = screen_text(app)
        assert "INC-1 is a SEV1: who to call" in text and "Dana On-Call" in text and "+1 555 0199" in text
        assert "supabase functions logs chat --project-ref tessa-prod" in text  # placeholders filled
        copied: list[str] = []
        monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
        await pilot.press("down", "down", "down", "down", "enter")  # the last row: the command
        assert copied == ["supabase functions logs chat --project-ref tessa-prod"]
        await wait_until(pilot, lambda: "copied (OSC 52): supabase functions logs chat" in screen_text(app))
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, IncidentScreen))


@pytest.mark.slow
async def test_command_line_declares_attaches_acknowledges_and_notes(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.desk.book is not None)
        await command(app, pilot, "sev2 chat is down")
        await wait_until(pilot, lambda: isinstance(app.screen, IncidentScreen))
        book = app.desk.book
        assert book is not None and book.get("INC-1").title == "chat is down" and book.get("INC-1").severity == "SEV2"
        await command(app, pilot, "run 503")  # a prefix of :runbook
        await wait_until(pilot, lambda: "service-unavailable" in book.get("INC-1").runbook_ids)
        await command(app, pilot, "ack")
        await wait_until(pilot, lambda: "acknowledged" in book.get("INC-1").milestones)
        await command(app, pilot, "note restarted the edge function")
        await wait_until(pilot, lambda: any(n.text == "restarted the edge function" for n in book.get("INC-1").notes))
        await command(app, pilot, "bogus")
        await wait_until(pilot, lambda: notified(app, "no command 'bogus'"))


async def test_read_only_command_line_changes_nothing(tmp_path: Path) -> None:
    app = make_app(tmp_path, readonly=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.desk.book is not None)
        await command(app, pilot, "sev1 nope")
        await wait_until(pilot, lambda: notified(app, "read-only console"))
        await pilot.pause(0.3)
        assert app.desk.book is not None and not app.desk.book.incidents


def test_command_parsing() -> None:
    levels = ["SEV1", "SEV2", "SEV3", "SEV4"]
    assert parse_command(":SEV1 db down", levels).severity == "SEV1"
    assert parse_command("res all good", levels).verb == "resolve"
    with pytest.raises(UserError, match=":note needs text"):
        parse_command(":note", levels)
    assert parse_command(":c", levels).verb == "contacts"
    with pytest.raises(UserError, match="'r' could be runbook, resolve"):
        parse_command(":r", levels)


async def test_slash_filters_the_services_and_the_contacts(tmp_path: Path) -> None:
    services = "services:\n" + "".join(
        f"  - {{name: {name}, group: {group}, url: 'http://127.0.0.1:9/{name}'}}\n"
        for name, group in (("Frontend", "web"), ("Auth", "supabase"), ("Storage", "supabase"), ("Chat", "ai"))
    )
    app = make_app(tmp_path, services + CONTACTS)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("1", "slash", *"supabase")
        table = app.screen.query_one("#services-table", DataTable)
        await wait_until(pilot, lambda: table.row_count == 2)
        assert [str(key.value) for key in table.rows] == ["Auth", "Storage"]
        await wait_until(pilot, lambda: "'supabase': 2 of 4" in screen_text(app))
        await pilot.press("enter", "enter")  # back to the table, then details of the first match
        await wait_until(pilot, lambda: "Auth" in screen_text(app) and "Frontend" not in screen_text(app))
        await pilot.press("escape")  # close the details
        await pilot.press("slash", "escape")  # clear the filter
        await wait_until(pilot, lambda: table.row_count == 4)

        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ContactsScreen))
        await pilot.press("slash", *"lee")
        contacts = app.screen.query_one("#contacts-table", DataTable)
        await wait_until(pilot, lambda: contacts.row_count == 1)
        copied: list[str] = []
        app.copy_to_clipboard = copied.append  # type: ignore[method-assign,assignment]
        await pilot.press("enter", "enter")  # keep the filter, copy the one row left
        assert copied == ["+1 555 0199"]


async def test_an_escape_on_its_way_does_not_close_the_palette_ctrl_p_opens(tmp_path: Path) -> None:
    """Escape then ctrl+p read in one go (a fast typist; a busy machine): ctrl+p, a priority key, opens the palette
    as the app reads it, while the escape is still on its way through the dashboard's widgets. It must not then
    close the palette (it did: Textual looks a key up in the bindings of the screen on top when it gets there),
    and what is typed after ctrl+p still lands in the palette's search."""
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.desk.book is not None)
        for key, character in (("escape", "\x1b"), ("ctrl+p", None), *((c, c) for c in "daily")):
            app.post_message(events.Key(key, character))  # all queued before the app reads the first
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        search = app.screen.query_one(CommandInput)
        await wait_until(pilot, lambda: search.value == "daily")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
