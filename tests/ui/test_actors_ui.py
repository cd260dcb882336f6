"""Who is typing on a shared console: `:iam` switches it (the header says so), `:handoff` moves the commander
role as its own timeline entry, and the role dialog picks people from the contacts with their phone and Slack."""

from __future__ import annotations

from pathlib import Path

import pytest

from screens.app import TessaApp
from screens.commands.command_line_dialog import CommandLine
from screens.incident.incident_screen import IncidentScreen
from screens.widgets.form_dialog import FormDialog
from tessa_tui.base.errors import UserError
from tessa_tui.config.load import load_config
from tessa_tui.incidents.incident import describe_event
from tests.ui.screen_text import screen_text, wait_until
from tests.ui.test_fast_keys import CONTACTS, SIZE, command, make_app, notified


@pytest.mark.slow
async def test_iam_switches_who_is_recorded_and_the_header_shows_it(tmp_path: Path) -> None:
    app = make_app(tmp_path, CONTACTS)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.desk.book is not None)
        await wait_until(pilot, lambda: "typing: alice" in screen_text(app))
        await command(app, pilot, "sev3 chat is slow")
        await wait_until(pilot, lambda: isinstance(app.screen, IncidentScreen))
        book = app.desk.book
        assert book is not None

        await pilot.press("colon")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandLine))
        await pilot.press(*"iam le")
        await wait_until(pilot, lambda: "iam lee Lead" in screen_text(app))  # completed from the contacts
        await pilot.press("right", "enter")  # take the completion
        await wait_until(pilot, lambda: notified(app, "Lee Lead is typing"))
        await command(app, pilot, "note cache flushed")
        await wait_until(pilot, lambda: any(n.text == "cache flushed" for n in book.get("INC-1").notes))
        actors = [(e.kind, e.actor) for e in book.get("INC-1").events]
        assert actors == [("declared", "alice"), ("note", "Lee Lead")]

        await command(app, pilot, "iam " + "x" * 65)
        await wait_until(pilot, lambda: notified(app, ":iam: 65 characters; a name has at most 64"))
        assert book.actor == "Lee Lead"
        await pilot.press("escape")  # back to the dashboard: its header says who is typing now
        await wait_until(pilot, lambda: "typing: Lee Lead" in screen_text(app))


@pytest.mark.slow
async def test_handoff_moves_the_commander_and_shows_in_the_timeline(tmp_path: Path) -> None:
    app = make_app(tmp_path, CONTACTS)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.desk.book is not None)
        await command(app, pilot, "sev2 login failures")
        await wait_until(pilot, lambda: isinstance(app.screen, IncidentScreen))
        book = app.desk.book
        assert book is not None
        await command(app, pilot, "handoff dana")
        await wait_until(pilot, lambda: book.get("INC-1").roles.get("commander") == "Dana On-Call")
        handoff = book.get("INC-1").events[-1]
        assert handoff.actor == "alice" and describe_event(handoff) == "hand-off: alice → Dana On-Call"
        await wait_until(pilot, lambda: "hand-off: alice → Dana On-Call" in screen_text(app))
        await command(app, pilot, "handoff @dana")
        await wait_until(pilot, lambda: notified(app, "NOT SAVED: Dana On-Call is already commander of INC-1"))
        await command(app, pilot, "iam Dana On-Call")
        await wait_until(pilot, lambda: app.desk.actor == "Dana On-Call")
        await command(app, pilot, "hand lee")  # a prefix will do
        await wait_until(pilot, lambda: book.get("INC-1").roles.get("commander") == "Lee Lead")
        assert (book.get("INC-1").events[-1].actor, describe_event(book.get("INC-1").events[-1])) == (
            "Dana On-Call",
            "hand-off: Dana On-Call → Lee Lead",
        )


@pytest.mark.slow
async def test_role_dialog_picks_from_the_contacts_with_phone_and_slack(tmp_path: Path) -> None:
    app = make_app(tmp_path, CONTACTS)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.desk.book is not None)
        await command(app, pilot, "sev2 login failures")
        await wait_until(pilot, lambda: isinstance(app.screen, IncidentScreen))
        book = app.desk.book
        assert book is not None

        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, FormDialog))
        await pilot.press("2")  # comms
        await wait_until(pilot, lambda: "Comms of INC-1" in screen_text(app))
        text = screen_text(app)
        assert "Dana On-Call" in text and "phone +1 555 0100 · Slack @dana" in text
        assert "Lee Lead" in text and "phone +1 555 0199" in text
        await pilot.press("down", "enter")  # the second contact
        await wait_until(pilot, lambda: book.get("INC-1").roles.get("comms") == "Lee Lead")
        await wait_until(pilot, lambda: isinstance(app.screen, IncidentScreen))

        await pilot.press("o", "1")
        await wait_until(pilot, lambda: "Commander of INC-1" in screen_text(app))
        await pilot.press(*"@dana", "enter")  # a Slack handle names the contact
        await wait_until(pilot, lambda: book.get("INC-1").roles.get("commander") == "Dana On-Call")

        await wait_until(pilot, lambda: isinstance(app.screen, IncidentScreen))
        await pilot.press("o", "3")
        await wait_until(pilot, lambda: "Scribe of INC-1" in screen_text(app))
        await pilot.press(*"Sam Temp", "enter")  # not a contact: recorded as typed
        await wait_until(pilot, lambda: book.get("INC-1").roles.get("scribe") == "Sam Temp")
        await wait_until(pilot, lambda: isinstance(app.screen, IncidentScreen))
        await pilot.press("o")  # the roles, who holds each and how to reach them
        await wait_until(pilot, lambda: "phone +1 555 0199" in screen_text(app))
        assert "comms      Lee Lead  · phone +1 555 0199" in screen_text(app)
        await pilot.press(*"Lee", "enter")  # a name typed on the first step saves it at once (for the highlighted)
        await wait_until(pilot, lambda: book.get("INC-1").roles.get("commander") == "Lee Lead")
        await wait_until(pilot, lambda: isinstance(app.screen, IncidentScreen))


async def test_the_console_takes_as_over_the_environment_and_refuses_a_bad_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TESSA_ACTOR", "dave")  # outranks journal.actor (alice) ...
    app = make_app(tmp_path, CONTACTS)
    assert app.desk.actor == "dave"
    path = tmp_path / "tessa.yaml"
    app = TessaApp(load_config(path, environ={}), live=False, actor="erin")  # ... and --as outranks it
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.desk.book is not None)
        await wait_until(pilot, lambda: "typing: erin" in screen_text(app))
        await command(app, pilot, "sev4 typo on the status page")
        await wait_until(pilot, lambda: app.desk.book is not None and bool(app.desk.book.incidents))
        assert app.desk.book is not None and app.desk.book.get("INC-1").declared_by == "erin"
    with pytest.raises(UserError, match=r"--as: .*U\+0007"):
        TessaApp(load_config(path, environ={}), live=False, actor="e\arin")
