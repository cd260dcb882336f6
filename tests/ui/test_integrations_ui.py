"""PagerDuty, Slack and Statuspage from the console, against the loopback contract servers: the incident pane
lists PagerDuty's open incidents, one declares with its title and detection time, the SEV1 procedure's first
three steps run with `g` and tick, and an unreachable PagerDuty is one line while the console goes on."""

from __future__ import annotations

import dataclasses
import json
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, OptionList

from screens.app import TessaApp
from screens.dashboard import incident_pane
from screens.dashboard.incident_pane import IncidentPane
from screens.incident.incident_screen import IncidentScreen
from screens.widgets.form_dialog import FormDialog
from tessa_tui.config.load import load_config
from tessa_tui.incidents.sla import incident_clocks
from tests.contract_servers import PD_FROM, PD_TOKEN, SP_PAGE, ContractServers
from tests.incident_fixtures import START, ManualClock
from tests.ui.screen_text import screen_text, wait_until

SIZE = (160, 44)
PD_CREATED = datetime(2026, 1, 21, 13, 41, tzinfo=UTC)  # the contract server's PABC123, 19 minutes before START


def _app(tmp_path: Path, servers: ContractServers, **overrides: Any) -> tuple[TessaApp, ManualClock]:
    """A live console (the PagerDuty poll runs) on the contract servers; nothing else is configured."""
    config = tmp_path / "tessa.yaml"
    integrations = json.dumps(servers.config(**overrides))  # JSON is YAML
    config.write_text(
        f"journal:\n  path: {tmp_path / 'journal.sqlite3'}\n  actor: alice\nintegrations: {integrations}\n",
        encoding="utf-8",
    )
    clock = ManualClock()
    return TessaApp(load_config(config, environ=servers.environ()), clock=clock), clock


async def _run(app: TessaApp, pilot: Pilot[Any], step_id: str) -> None:
    """Highlight a SEV1 step on the incident screen, press `g`, wait until its result ticked it."""
    screen = app.screen
    assert isinstance(screen, IncidentScreen)
    listing = screen.query_one("#checklist", OptionList)
    listing.highlighted = listing.get_option_index(f"step:sev1-service-down:{step_id}")
    await pilot.press("g")
    book = app.desk.book
    assert book is not None
    await wait_until(pilot, lambda: book.get("INC-1").ticked("sev1-service-down", step_id) is not None)


async def test_declare_from_pagerduty_then_run_the_first_three_steps(
    tmp_path: Path, contract_servers: ContractServers
) -> None:
    app, clock = _app(tmp_path, contract_servers)
    async with app.run_test(size=SIZE) as pilot:
        pane = app.screen.query_one(IncidentPane)
        await wait_until(pilot, lambda: len(pane.pd_incidents) == 2 and app.desk.book is not None)
        await pilot.press("2", "z")  # focus the pane (the PagerDuty list, cursor on #41) and zoom: whole rows
        await pilot.pause()
        text = screen_text(app)
        # Triggered and acknowledged incidents of the configured services only, with symbol, word and age.
        assert "#41" in text and "✖ triggered" in text and "API 5xx above 5%" in text and "Tessa API" in text
        assert "#42" in text and "▲ acknowledged" in text and "Login failures spike" in text
        assert "19m" in text and "high" in text
        assert "Old one" not in text and "Someone else's" not in text
        assert "PagerDuty: 2 open" in text
        [listed] = contract_servers.received("pagerduty")
        assert listed.headers["authorization"] == f"Token token={PD_TOKEN}"
        assert ("statuses[]", "triggered") in listed.query and ("service_ids[]", "PSVC1") in listed.query

        assert app.focused is pane.query_one("#pd-table", DataTable)
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, FormDialog))
        await wait_until(pilot, lambda: "API 5xx above 5%" in screen_text(app))  # the suggested title
        await pilot.press("1")
        await wait_until(pilot, lambda: isinstance(app.screen, IncidentScreen))
        book = app.desk.book
        assert book is not None
        incident = book.get("INC-1")
        assert (incident.severity, incident.title) == ("SEV1", "API 5xx above 5%")
        assert incident.links == {"pagerduty_incident": "PABC123"}
        assert incident.milestones["detected"] == PD_CREATED == incident.milestones["began"]
        assert incident.declared_at == START

        clock.advance(minutes=1)
        await _run(app, pilot, "ack-pagerduty")
        clock.advance(minutes=1)
        await _run(app, pilot, "post-incidents-channel")
        clock.advance(minutes=1)
        await _run(app, pilot, "status-investigating")

        incident = book.get("INC-1")
        outputs = {e.data["step"]: e.data for e in incident.events if e.kind == "action_output"}
        assert [outputs[s]["action"] for s in ("ack-pagerduty", "post-incidents-channel", "status-investigating")] == [
            "pagerduty",
            "slack",
            "statuspage",
        ]
        assert all(o["ok"] is True and o["ticks"] is True for o in outputs.values())
        screen_shows = screen_text(app)
        assert "[x] Acknowledge alert in PagerDuty" in screen_shows and "[x] Post in #incidents" in screen_shows

        # What the services received: the PagerDuty incident acknowledged as the configured user, one Slack
        # message naming the incident, one status page incident investigating.
        acknowledged = [r for r in contract_servers.received("pagerduty") if r.method == "PUT"]
        assert [(r.path, r.headers["from"], r.body) for r in acknowledged] == [
            ("/incidents/PABC123", PD_FROM, {"incident": {"type": "incident_reference", "status": "acknowledged"}})
        ]
        assert contract_servers.state.pd_incidents["PABC123"]["status"] == "acknowledged"
        [posted] = contract_servers.received("slack")
        assert posted.answered == 200 and "INC-1" in posted.body["text"] and "API 5xx above 5%" in posted.body["text"]
        [created] = contract_servers.received("statuspage")
        assert (created.method, created.path, created.answered) == ("POST", f"/pages/{SP_PAGE}/incidents", 201)
        assert created.body["incident"]["status"] == "investigating"

        # The status page went out last: the next stakeholder update is due 30 minutes after it.
        update = next(c for c in incident_clocks(incident, book.pack, book.severities) if c.kind == "update")
        posted_at = [e.at for e in incident.events if e.kind == "action_output"]
        assert update.start == posted_at[-1] == clock.now and update.deadline == clock.now + timedelta(minutes=30)


async def test_enter_on_a_pagerduty_incident_opens_the_declare_dialog(
    tmp_path: Path, contract_servers: ContractServers
) -> None:
    app, _ = _app(tmp_path, contract_servers)
    async with app.run_test(size=SIZE) as pilot:
        pane = app.screen.query_one(IncidentPane)
        await wait_until(pilot, lambda: len(pane.pd_incidents) == 2)
        await pilot.press("2", "down", "enter")  # the second row: #42
        await wait_until(pilot, lambda: isinstance(app.screen, FormDialog))
        await wait_until(pilot, lambda: "Login failures spike" in screen_text(app))
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, FormDialog))
        assert app.desk.book is not None and app.desk.book.incidents == {}


async def test_with_an_incident_open_enter_opens_its_checklist_and_the_pagerduty_list_is_a_tab_away(
    tmp_path: Path, contract_servers: ContractServers
) -> None:
    """The pane said "enter opens the checklist" while `2` put the focus on the PagerDuty list, where enter
    declared from a row instead (seen in the demo with two drills paging). Each hint now does what it says."""
    app, _ = _app(tmp_path, contract_servers)
    async with app.run_test(size=SIZE) as pilot:
        pane = app.screen.query_one(IncidentPane)
        await wait_until(pilot, lambda: len(pane.pd_incidents) == 2 and app.desk.book is not None)
        book = app.desk.book
        assert book is not None
        await app.desk.record(book.declare("SEV2", "Checkout errors"))
        await wait_until(pilot, lambda: "INC-1 Checkout errors" in screen_text(app))
        await pilot.press("2")
        await wait_until(pilot, lambda: "tab, then d or enter declares from one" in screen_text(app))
        assert app.focused is pane and "enter opens the checklist · a acknowledges" in screen_text(app)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, IncidentScreen))
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, IncidentScreen))

        await pilot.press("2", "tab")  # into the PagerDuty list: the hints say where enter goes now
        await wait_until(pilot, lambda: "2, then enter opens the checklist" in screen_text(app))
        assert app.screen.focused is pane.query_one("#pd-table", DataTable)
        assert "PagerDuty: 2 open · d or enter declares from one" in screen_text(app)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, FormDialog))
        await wait_until(pilot, lambda: "API 5xx above 5%" in screen_text(app))  # declared from the row
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, FormDialog))
        await pilot.press("2", "enter")  # as the hint said
        await wait_until(pilot, lambda: isinstance(app.screen, IncidentScreen))


async def test_a_readonly_console_lists_pagerduty_incidents_without_offering_to_declare(
    tmp_path: Path, contract_servers: ContractServers
) -> None:
    """`--readonly` said "d or enter declares from one" and "No active incident.  d declares one", and neither key
    did anything there."""
    config = tmp_path / "tessa.yaml"
    integrations = json.dumps(contract_servers.config())
    config.write_text(f"journal: {{path: '{tmp_path / 'j.sqlite3'}'}}\nintegrations: {integrations}\n", "utf-8")
    app = TessaApp(load_config(config, environ=contract_servers.environ()), readonly=True, clock=ManualClock())
    async with app.run_test(size=SIZE) as pilot:
        pane = app.screen.query_one(IncidentPane)
        await wait_until(pilot, lambda: len(pane.pd_incidents) == 2)
        # Checked whether the journal has opened yet or not: before it does, the pane shows its first words.
        await wait_until(pilot, lambda: "PagerDuty: 2 open" in screen_text(app) and "#41" in screen_text(app))
        assert "declares" not in screen_text(app)  # nor "d declares one"
        await wait_until(pilot, lambda: app.desk.ready.is_set())
        assert "declares" not in screen_text(app)
        await pilot.press("2", "enter", "d")
        await pilot.pause()
        assert not isinstance(app.screen, FormDialog)


async def test_an_unreachable_pagerduty_is_one_line_and_the_console_goes_on(
    tmp_path: Path, contract_servers: ContractServers
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    settings = {**contract_servers.config()["pagerduty"], "api-url": closed}
    app, _ = _app(tmp_path, contract_servers, pagerduty=settings, timeout="2s", retries=0)
    async with app.run_test(size=SIZE) as pilot:
        pane = app.screen.query_one(IncidentPane)
        await wait_until(pilot, lambda: pane.pd_error is not None)
        line = next(row for row in screen_text(app).splitlines() if "PagerDuty:" in row)
        assert "PagerDuty: connection refused" in line and PD_TOKEN not in line
        assert pane.pd_incidents == {} and not pane.query_one("#pd-table", DataTable).display
        await wait_until(pilot, lambda: app.desk.book is not None)
        await pilot.press("d", "1")  # the dashboard's declare, as without PagerDuty
        await wait_until(pilot, lambda: isinstance(app.screen, IncidentScreen))
        assert app.desk.book.get("INC-1").severity == "SEV1"  # type: ignore[union-attr]


async def test_a_failed_poll_is_followed_by_the_next(
    tmp_path: Path, contract_servers: ContractServers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(incident_pane, "PD_POLL_S", 0.05)  # the 30 s cadence, shortened
    contract_servers.fail("pagerduty", 500)
    app, _ = _app(tmp_path, contract_servers, retries=0)
    async with app.run_test(size=SIZE) as pilot:
        pane = app.screen.query_one(IncidentPane)
        await wait_until(pilot, lambda: pane.pd_error is not None)
        assert (pane.pd_error or "").startswith("PagerDuty: HTTP 500")
        await wait_until(pilot, lambda: pane.pd_error is None and len(pane.pd_incidents) == 2)
        await pilot.pause()
        assert "PagerDuty: 2 open" in screen_text(app)


async def test_declaring_from_a_pagerduty_incident_already_declared_elsewhere_joins_it(
    tmp_path: Path, contract_servers: ContractServers
) -> None:
    """Bob declared from PagerDuty #41 on his machine (here: his event in the journal, as the shared journal's
    pull puts it): declaring from #41 on this console opens his incident instead of making a second."""
    app, _ = _app(tmp_path, contract_servers)
    async with app.run_test(size=SIZE) as pilot:
        pane = app.screen.query_one(IncidentPane)
        await wait_until(pilot, lambda: len(pane.pd_incidents) == 2 and app.desk.book is not None)
        book = app.desk.book
        assert book is not None
        pending = book.stamp(book.declare("SEV1", "API down (bob's)", pagerduty_incident="PABC123"))
        await app.desk.record(dataclasses.replace(pending, actor="bob"))
        await wait_until(pilot, lambda: "INC-1" in screen_text(app))
        await pilot.press("2", "tab")  # the PagerDuty list, cursor on #41
        await wait_until(pilot, lambda: app.focused is pane.query_one("#pd-table", DataTable))
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, IncidentScreen))
        assert "INC-1" in screen_text(app) and "API down (bob's)" in screen_text(app)
        assert list(book.incidents) == ["INC-1"]  # no second incident
