"""War-room mode: `w` in and out, the clock the room should watch, the lights, and repaints only on change."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.segment import Segment
from rich.style import Style
from textual.pilot import Pilot
from textual.renderables.digits import Digits as DigitsRenderable
from textual.widgets import Digits, Static

from screens.app import TessaApp
from screens.dashboard.dashboard_screen import DashboardScreen
from screens.dashboard.services_pane import ServicesPane
from screens.dashboard.war_room_screen import Countdown, WarRoomScreen, countdown
from screens.incident.incident_screen import IncidentScreen
from screens.messages import CheckReported
from tessa_tui.base.durations import format_clock
from tessa_tui.checks.result import CheckResult
from tessa_tui.config.load import load_config
from tessa_tui.incidents.book import IncidentBook, open_book
from tessa_tui.incidents.incident import Incident
from tessa_tui.incidents.sla import SlaTimer, incident_clocks
from tests.conftest import EXAMPLE_CONFIG
from tests.incident_fixtures import START, ManualClock
from tests.ui.screen_text import screen_text, wait_until

SIZE = (120, 40)


def digit_rows(value: str) -> list[str]:
    """The three lines Textual's Digits draws for `value` in bold, as the war room styles it."""
    drawn = "".join(s.text for s in DigitsRenderable(value).render(Style(bold=True)) if isinstance(s, Segment))
    return [row.rstrip() for row in drawn.split("\n")[:3]]


def shows_digits(screen: str, value: str) -> bool:
    """Whether `value` is drawn in big digits: its three rows on consecutive lines, in the same column."""
    top, middle, bottom = digit_rows(value)
    lines = screen.splitlines()
    for n, line in enumerate(lines[:-2]):
        column = line.find(top)
        while column >= 0:
            below = lines[n + 1][column:], lines[n + 2][column:]
            if below[0].startswith(middle) and below[1].startswith(bottom):
                return True
            column = line.find(top, column + 1)
    return False


def _app(tmp_path: Path, clock: ManualClock, *, services: bool = False, readonly: bool = False) -> TessaApp:
    """A console on a journal of its own; with `services`, the example config's checks for the lights."""
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8") if services else "platform: Tessa\n"
    config = tmp_path / "tessa.yaml"
    config.write_text(text + f"\njournal:\n  path: {tmp_path / 'journal.sqlite3'}\n  actor: alice\n", encoding="utf-8")
    return TessaApp(load_config(config, environ={}), clock=clock, live=False, readonly=readonly)


async def _book(app: TessaApp, pilot: Pilot[Any]) -> IncidentBook:
    await pilot.pause()
    await app.desk.ready.wait()
    await pilot.pause()  # the journal's first IncidentsChanged is handled before any screen is pushed
    assert app.desk.book is not None
    return app.desk.book


async def _sev1(app: TessaApp, pilot: Pilot[Any]) -> str:
    book = await _book(app, pilot)
    if app.readonly:  # a spectator's book refuses writes: someone else declares, the spectator's poll sees it
        writer = open_book(app.loaded, app.clock)
        incident = writer.record(writer.declare("SEV1", "Checkout returns 503")).incident
        await wait_until(pilot, lambda: incident in book.incidents)
        return incident
    return (await app.desk.record(book.declare("SEV1", "Checkout returns 503"))).incident


def _room_ready(app: TessaApp) -> bool:
    """The war room is composed and laid out: the screen is current from the push, its widgets come with the
    compose and its width class with the first layout (on a busy machine a test read the room in between)."""
    screen = app.screen
    laid_out = screen.has_class("-wide") or screen.has_class("-compact")
    return isinstance(screen, WarRoomScreen) and laid_out and bool(screen.query("#war-clock"))


def _war_room(app: TessaApp) -> WarRoomScreen:
    assert isinstance(app.screen, WarRoomScreen)
    return app.screen


def _digits(app: TessaApp) -> str:
    return _war_room(app).query_one("#war-clock", Digits).value


def _shown(book: IncidentBook, incident_id: str, now: datetime) -> Countdown:
    incident = book.get(incident_id)
    return countdown(incident, incident_clocks(incident, book.pack, book.severities), now)


def _first_phase(book: IncidentBook, incident_id: str) -> tuple[str, int, int, timedelta]:
    """The SEV1 procedure's first phase: its name, its steps, the checklist's steps, its time box."""
    rows = book.checklist(book.get(incident_id))
    runbook, name, _ = rows[0]
    within = next(phase.within for phase in runbook.phases if phase.name == name)
    assert within is not None
    return name, sum(1 for _, phase, _ in rows if phase == name), len(rows), within


def test_countdown_watches_the_response_then_the_phase_time_box(make_book: Any, clock: ManualClock) -> None:
    book = make_book()
    incident_id = book.record(book.declare("SEV1", "Checkout returns 503")).incident
    shown = _shown(book, incident_id, clock())
    assert (shown.label, shown.digits, shown.level) == ("RESPONSE · acknowledge within", "15:00", "ok")
    assert shown.detail == "● ON TRACK · target 15:00"

    clock.advance(minutes=16)  # overdue: a plus sign, and the level in words as well as colour
    shown = _shown(book, incident_id, clock())
    assert (shown.digits, shown.level) == ("+01:00", "breach")
    assert shown.detail == "✖ BREACHED · OVERDUE · target 15:00"

    book.record(book.acknowledge(incident_id))  # the response clock stops: the earliest running phase box
    shown = _shown(book, incident_id, clock())
    phase, _, _, within = _first_phase(book, incident_id)
    overdue = "+" + format_clock(timedelta(minutes=16) - within)
    assert (shown.label, shown.digits) == (f"PHASE TIME BOX · {phase}", overdue)


def test_countdown_falls_back_to_the_resolution_then_to_the_time_open() -> None:
    incident = Incident("INC-1", "Slow search", "SEV3", START, "alice")
    now = START + timedelta(minutes=20)
    stopped = SlaTimer("INC-1:response", "Response (SEV3)", "response", START, START + timedelta(hours=4), START)
    resolution = SlaTimer(
        "INC-1:resolution:x", "X: expected resolution", "resolution", START, START + timedelta(hours=1)
    )
    shown = countdown(incident, [stopped, resolution], now)
    assert (shown.label, shown.digits, shown.level) == ("EXPECTED RESOLUTION · X: expected resolution", "40:00", "ok")
    shown = countdown(incident, [stopped], now + timedelta(hours=1, seconds=5))
    assert (shown.label, shown.digits, shown.level) == ("OPEN FOR", "1:20:05", "open")


async def test_w_opens_the_war_room_from_the_dashboard_and_w_or_escape_leaves(tmp_path: Path) -> None:
    app = _app(tmp_path, ManualClock())
    async with app.run_test(size=SIZE) as pilot:
        phase, in_phase, steps, _ = _first_phase(await _book(app, pilot), await _sev1(app, pilot))
        await pilot.press("w")
        await wait_until(pilot, lambda: _room_ready(app))
        await wait_until(pilot, lambda: "Checkout returns 503" in screen_text(app))  # drawn, not only pushed
        text = screen_text(app)
        assert "SEV1" in text and "INC-1" in text and "Checkout returns 503" in text and "OPEN" in text
        assert "RESPONSE · acknowledge within" in text and "● ON TRACK · target 15:00" in text
        assert shows_digits(text, "15:00")
        assert f"PHASE  {phase}  0 / {in_phase} steps" in text and f"0 / {steps} ticked" in text
        assert "declared SEV1: Checkout returns 503" in text
        await pilot.press("w")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("w")
        await wait_until(pilot, lambda: _room_ready(app))
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen))


async def test_w_from_the_incident_screen_returns_to_it(tmp_path: Path) -> None:
    app = _app(tmp_path, ManualClock())
    async with app.run_test(size=SIZE) as pilot:
        app.action_open_incident(await _sev1(app, pilot))
        await wait_until(pilot, lambda: isinstance(app.screen, IncidentScreen))
        await pilot.press("w")
        await wait_until(pilot, lambda: _room_ready(app))
        assert shows_digits(screen_text(app), "15:00")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, IncidentScreen))


async def test_the_dashboard_tick_moves_the_clock_and_brings_journal_changes(tmp_path: Path) -> None:
    clock = ManualClock()
    app = _app(tmp_path, clock)
    async with app.run_test(size=SIZE) as pilot:
        incident_id = await _sev1(app, pilot)
        book = await _book(app, pilot)
        phase, in_phase, steps, within = _first_phase(book, incident_id)
        await pilot.press("w")
        await wait_until(pilot, lambda: _room_ready(app))
        box = _war_room(app).query_one("#war-clock-box")
        assert box.has_class("-ok")

        clock.advance(minutes=16)
        await wait_until(pilot, lambda: _digits(app) == "+01:00")
        assert box.has_class("-breach") and "✖ BREACHED · OVERDUE · target 15:00" in screen_text(app)

        await app.desk.record(book.acknowledge(incident_id))
        await app.desk.record(book.tick(incident_id, "1"))
        for n in range(7):
            await app.desk.record(book.note(incident_id, f"note {n}"))
        await wait_until(pilot, lambda: f"PHASE TIME BOX · {phase}" in screen_text(app))
        text = screen_text(app)
        assert shows_digits(text, "+" + format_clock(timedelta(minutes=16) - within))
        assert f"1 / {in_phase} steps" in text and f"1 / {steps} ticked" in text
        timeline = str(_war_room(app).query_one("#war-timeline", Static).content).splitlines()
        assert len(timeline) == 6 and timeline[-1].endswith("note: note 6")  # the latest six, oldest first
        assert "declared" not in text

        await app.desk.record(book.resolve(incident_id, "rolled back"))  # nothing open: the room says so, lights stay
        await wait_until(pilot, lambda: "No active incident" in screen_text(app))
        assert not _war_room(app).query_one("#war-timeline").display


async def test_no_incident_is_said_large_with_the_service_lights(tmp_path: Path) -> None:
    clock = ManualClock()
    app = _app(tmp_path, clock, services=True)
    async with app.run_test(size=SIZE) as pilot:
        await _book(app, pilot)
        down = CheckResult(
            "Database health", "frontend", "http", "GET /health", "down", "[STATUS] (503) == 200", clock(), 35.0, 503
        )
        app.screen.query_one(ServicesPane).post_message(CheckReported(down))
        await pilot.press("w")
        await wait_until(pilot, lambda: _room_ready(app))
        text = screen_text(app)
        assert "No active incident" in text
        assert not _war_room(app).query_one("#war-clock", Digits).display
        lights = {str(light.content) for light in _war_room(app).query(".war-light").results(Static)}
        assert "✖ DOWN\nDatabase health" in lights and "? UNKNOWN\nFrontend" in lights
        assert _war_room(app).query_one("#war-light-1").has_class("-down")


async def test_a_read_only_console_shows_the_same_war_room(tmp_path: Path) -> None:
    views = []
    for readonly in (False, True):
        folder = tmp_path / str(readonly)
        folder.mkdir()
        app = _app(folder, ManualClock(), services=True, readonly=readonly)
        async with app.run_test(size=SIZE) as pilot:
            await _sev1(app, pilot)
            await pilot.press("w")
            await wait_until(pilot, lambda app=app: _room_ready(app))  # type: ignore[misc]
            views.append(await _settled_rows(pilot, app, SIZE[1] - 1))  # the footer's app keys differ, the view not
    assert views[0] == views[1]


async def _settled_rows(pilot: Pilot[int], app: TessaApp, rows: int) -> list[str]:
    """The screen's first `rows` rows once two reads 50 ms apart agree (on a busy machine a read could land
    between the room's layout and its last refresh)."""
    last: list[str] = []
    for _ in range(100):
        now = screen_text(app).split("\n")[:rows]
        if now == last:
            return now
        last = now
        await pilot.pause(0.05)
    return last


async def test_a_tick_repaints_only_what_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = ManualClock()
    app = _app(tmp_path, clock, services=True)
    async with app.run_test(size=SIZE) as pilot:
        await _sev1(app, pilot)
        await pilot.press("w")
        await wait_until(pilot, lambda: _room_ready(app))
        updates: list[str] = []
        monkeypatch.setattr(Static, "update", lambda self, *a, **k: updates.append(f"{self.id}"))
        monkeypatch.setattr(Digits, "update", lambda self, value: updates.append(f"{self.id}={value}"))
        screen = _war_room(app)
        screen.tick()
        assert updates == []  # nothing changed: nothing repainted
        clock.advance(seconds=1)
        screen.tick()
        assert updates == ["war-clock=14:59"]  # a second later: only the digits


@pytest.mark.parametrize(("size", "layout"), [((120, 40), "-compact"), ((240, 67), "-wide")])
async def test_the_layout_adapts_to_the_wall_screen(tmp_path: Path, size: tuple[int, int], layout: str) -> None:
    app = _app(tmp_path, ManualClock(), services=True)
    async with app.run_test(size=size) as pilot:
        await _sev1(app, pilot)
        await pilot.press("w")
        await wait_until(pilot, lambda: _room_ready(app))
        screen = _war_room(app)
        assert screen.has_class(layout)
        # The lights' grid takes the width class's row height on the layout after the class lands (a frame later
        # on a loaded machine: the names were read once under their lights' bottom border).
        await wait_until(pilot, lambda: "Supabase" in screen_text(app))
        text = screen_text(app)
        assert shows_digits(text, "15:00") and "Checkout returns 503" in text
        assert screen.query_one("#war-timeline").region.bottom <= size[1] - 1  # everything fits above the footer
        box = screen.query_one("#war-clock-box").region
        assert box.height >= (17 if layout == "-wide" else 11)


def test_clock_levels_are_words_not_colour_alone() -> None:
    clock = SlaTimer("INC-1:response", "Response", "response", START, START + timedelta(minutes=10))
    incident = Incident("INC-1", "t", "SEV1", START, "alice")
    words = [countdown(incident, [clock], START + timedelta(minutes=m)).detail.split(" · ")[0] for m in (1, 6, 9, 11)]
    assert words == ["● ON TRACK", "▲ 50% USED", "▲ 80% USED", "✖ BREACHED"]


def test_a_tick_before_the_screen_is_composed_draws_nothing() -> None:
    WarRoomScreen(ManualClock()).tick()  # the dashboard's tick may land between the push and the compose
