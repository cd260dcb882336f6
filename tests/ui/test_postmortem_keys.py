"""The console's side of a truthful post-mortem: `u` records a stakeholder update, `V` verifies a resolved
incident, `:update` does what `u` does, and the services pane writes each state flip (never every poll, never
read-only) and verifies an incident once its service is green three times in a row."""

from __future__ import annotations

from pathlib import Path

import pytest

from screens.app import TessaApp
from screens.commands.command_mode import CommandMode
from screens.dashboard.services_pane import ServicesPane
from screens.incident.incident_screen import IncidentScreen
from screens.messages import CheckReported
from screens.widgets.form_dialog import FormDialog
from tessa_tui.checks.result import CheckResult
from tessa_tui.config.load import load_config
from tessa_tui.incidents.state_flips import MONITOR
from tests.incident_fixtures import ManualClock
from tests.ui.screen_text import screen_text, wait_until

SIZE = (140, 40)


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "tessa.yaml"
    path.write_text(
        f"journal:\n  path: {tmp_path / 'journal.sqlite3'}\n  actor: alice\n"
        "services:\n  - {name: Frontend, url: 'http://127.0.0.1:1/health', failure-threshold: 2}\n",
        encoding="utf-8",
    )
    return path


def _result(state: str, clock: ManualClock) -> CheckResult:
    return CheckResult(
        "Frontend",
        "default",
        "http",
        "GET /health",
        state,  # type: ignore[arg-type]
        "" if state == "up" else "503",
        clock(),
        12.0,
        200 if state == "up" else 503,
    )


def _kinds(app: TessaApp, incident: str) -> list[str]:
    assert app.desk.book is not None
    return [e.kind for e in app.desk.book.journal.events_of(incident)]


@pytest.mark.slow
async def test_u_records_an_update_and_shift_v_verifies(tmp_path: Path) -> None:
    app = TessaApp(load_config(_config(tmp_path)), live=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.desk.book is not None)
        await pilot.press("d", "1")
        await wait_until(pilot, lambda: isinstance(app.screen, IncidentScreen))
        await wait_until(pilot, lambda: "Immediate actions" in screen_text(app))
        await pilot.press("u")
        await wait_until(pilot, lambda: isinstance(app.screen, FormDialog))
        await pilot.press(*"rolling back", "enter")
        await wait_until(pilot, lambda: "stakeholder_update" in _kinds(app, "INC-1"))
        await wait_until(pilot, lambda: "stakeholder update: rolling back" in screen_text(app))
        await CommandMode(app, app.incident_actions).run(":update back up in 10 minutes")
        await wait_until(pilot, lambda: _kinds(app, "INC-1").count("stakeholder_update") == 2)
        await pilot.press("V")  # not resolved yet: nothing to verify
        await pilot.pause()
        assert "verified" not in _kinds(app, "INC-1")
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, FormDialog))
        await pilot.press(*"rolled back", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, IncidentScreen) and not app.desk.active())
        await pilot.press("V")
        await wait_until(pilot, lambda: "verified" in _kinds(app, "INC-1"))
        await wait_until(pilot, lambda: "verified resolved by hand" in screen_text(app))


async def test_the_services_pane_records_flips_and_verifies(tmp_path: Path) -> None:
    clock = ManualClock()
    app = TessaApp(load_config(_config(tmp_path)), live=False, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.desk.book is not None)
        book = app.desk.book
        assert book is not None
        pane = app.screen.query_one(ServicesPane)

        async def report(state: str, then: list[str], incident: str = MONITOR) -> None:
            pane.post_message(CheckReported(_result(state, clock)))
            await wait_until(pilot, lambda: _kinds(app, incident) == then)

        await report("up", ["service_state"])
        await report("up", ["service_state"])
        pane.post_message(CheckReported(_result("down", clock)))  # one failure: the threshold keeps it up
        await report("down", ["service_state", "service_state"])
        assert [e.data["state"] for e in book.journal.events_of(MONITOR)] == ["up", "down"]
        incident = (await app.desk.record(book.declare("SEV1", "front page down", services=["Frontend"]))).incident
        await app.desk.record(book.resolve(incident, "restarted"))
        for n in range(1, 4):
            await report(
                "up", ["declared", "resolved", *["verify_check"] * n] + (["verified"] if n == 3 else []), incident
            )
        assert "verified_resolved" in book.get(incident).milestones


async def test_a_read_only_console_records_no_flips(tmp_path: Path) -> None:
    writer = TessaApp(load_config(_config(tmp_path)), live=False)
    async with writer.run_test(size=SIZE) as pilot:  # the journal exists, as a spectator finds it
        await wait_until(pilot, lambda: writer.desk.book is not None)
    app = TessaApp(load_config(_config(tmp_path)), live=False, readonly=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.desk.book is not None)
        app.screen.query_one(ServicesPane).post_message(CheckReported(_result("down", ManualClock())))
        await pilot.pause(0.3)
        assert _kinds(app, MONITOR) == []
