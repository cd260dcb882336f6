"""Layout snapshots of the console (SVG, reviewed by eye in snapshot_report.html on change)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.css.query import NoMatches
from textual.pilot import Pilot

from screens.app import TessaApp
from screens.dashboard.database_pane import DatabasePane
from screens.dashboard.incident_pane import IncidentPane
from screens.dashboard.logs_pane import LogsPane
from screens.dashboard.services_pane import ServicesPane
from screens.incident.incident_screen import COMPACT_BELOW
from screens.messages import CheckReported, LogLines
from screens.widgets.incident_style import compact_clocks
from tessa_tui.base.time_source import Now
from tessa_tui.checks.result import CheckResult
from tessa_tui.conditions.condition import ConditionResult
from tessa_tui.config.load import LoadedConfig, load_config
from tessa_tui.database.snapshot import DbSnapshot, Section
from tessa_tui.incidents.sla import SlaTimer
from tessa_tui.logs.ingest import digest
from tessa_tui.logs.parse import LogParser
from tests.conftest import EXAMPLE_CONFIG, FROZEN_NOW
from tests.ui.screen_text import screen_text, wait_until

SnapCompare = Callable[..., Any]

ACTOR = "alice"  # the header shows who is typing: never the OS user running the tests


def _results() -> list[CheckResult]:
    """A fixed mix of states for the example config's checks, as the poller would report them."""
    up = CheckResult(
        "Frontend",
        "frontend",
        "http",
        "GET https://tessa.example.com/health",
        "up",
        "",
        FROZEN_NOW - timedelta(seconds=4),
        182.0,
        200,
    )
    failed = ConditionResult("[STATUS] == 200", False, "[STATUS] (503) == 200")
    return [
        *(
            replace(up, latency_ms=ms, checked_at=FROZEN_NOW - timedelta(seconds=34 - i * 10))
            for i, ms in enumerate((120.0, 160.0, 240.0, 182.0))
        ),
        replace(
            up,
            name="Database health",
            state="down",
            reason=failed.display,
            conditions=(failed,),
            http_status=503,
            latency_ms=35.0,
        ),
        replace(
            up,
            name="Edge function chat",
            group="edge functions",
            state="degraded",
            reason="slow: 2140 ms > 1000 ms",
            latency_ms=2140.0,
        ),
        replace(
            up,
            name="OpenAI",
            group="vendors",
            kind="statuspage",
            state="maintenance",
            reason="Scheduled maintenance",
            latency_ms=95.0,
        ),
    ]


def _database() -> DbSnapshot:
    """A fixed database snapshot: a long query blocked behind a migration's lock."""
    at = FROZEN_NOW - timedelta(seconds=3)
    long_columns = ("pid", "user", "application", "state", "seconds", "waiting_on", "query")
    return DbSnapshot(
        "postgresql://tessa@127.0.0.1:5432/tessa",
        True,
        server={"max_connections": 100, "version": "15.18"},
        sections={
            "connections": Section(
                "connections",
                "Connections by state",
                ("state", "connections"),
                (("active", 7), ("idle", 12)),
                fetched_at=at,
            ),
            "database_size": Section("database_size", "Database size", ("bytes",), ((23_068_672,),), fetched_at=at),
            "long_queries": Section(
                "long_queries",
                "Long-running queries",
                long_columns,
                (
                    (4242, "tessa", "tessa-migration", "active", 73.2, "Timeout:PgSleep", "LOCK TABLE chat_messages"),
                    (
                        4250,
                        "tessa",
                        "tessa-app",
                        "active",
                        12.9,
                        "Lock:relation",
                        "UPDATE chat_messages SET tokens = 1",
                    ),
                ),
                fetched_at=at,
            ),
            "blocking": Section("blocking", "Blocking locks", note="", fetched_at=at),
        },
    )


async def _report(pilot: Pilot[Any]) -> None:
    await pilot.pause()  # run_before runs before the first compose
    pane = pilot.app.screen.query_one(ServicesPane)
    for result in _results():
        pane.post_message(CheckReported(result))
    pilot.app.screen.query_one(DatabasePane).show_snapshot(_database())
    logs = pilot.app.screen.query_one(LogsPane)
    lines = [
        '{"level":"info","time":"2026-01-21T14:02:58Z","msg":"GET /api/chat 200 182ms"}',
        '{"level":"warn","time":"2026-01-21T14:03:01Z","msg":"slow response from edge function chat: 2140ms"}',
        '{"level":"error","time":"2026-01-21T14:03:04Z","msg":"GET /health/database 503: connection pool exhausted"}',
    ]
    logs.post_message(LogLines(digest(LogParser(source="app"), lines, "following", None, flush=True)))
    await _counts_drawn(pilot, logs)
    pane.tick()
    logs.tick()
    await pilot.pause()


async def _counts_drawn(pilot: Pilot[Any], logs: LogsPane) -> None:
    """Wait until the pane has counted the posted lines, then draw the counts. The pane redraws its subtitle on
    every 5th tick only, and on a busy machine the dashboard's 1 s tick can run before the lines arrive: that
    tick wrote "no lines yet", and the first lines' flush (tick 2) left it there."""
    await wait_until(pilot, lambda: bool(logs.counts))
    logs._update_subtitle()


def test_dashboard(snap_compare: SnapCompare, example_config: LoadedConfig, frozen_clock: Now) -> None:
    app = TessaApp(example_config, clock=frozen_clock, live=False, actor=ACTOR)
    assert snap_compare(app, terminal_size=(140, 40), run_before=_report)


def test_dashboard_high_contrast(snap_compare: SnapCompare, example_config: LoadedConfig, frozen_clock: Now) -> None:
    app = TessaApp(example_config, clock=frozen_clock, live=False, actor=ACTOR)
    assert snap_compare(app, terminal_size=(140, 40), press=["ctrl+t"], run_before=_report)


def test_service_detail(snap_compare: SnapCompare, example_config: LoadedConfig, frozen_clock: Now) -> None:
    app = TessaApp(example_config, clock=frozen_clock, live=False, actor=ACTOR)
    assert snap_compare(app, terminal_size=(140, 40), press=["down", "enter"], run_before=_report)


def test_help_screen(snap_compare: SnapCompare, example_config: LoadedConfig, frozen_clock: Now) -> None:
    app = TessaApp(example_config, clock=frozen_clock, live=False, actor=ACTOR)
    assert snap_compare(app, terminal_size=(140, 40), press=["question_mark"])


def test_unconfigured_panes(snap_compare: SnapCompare, write_config: Callable[[str], Path], frozen_clock: Now) -> None:
    loaded = load_config(write_config("platform: Bare\nenvironment: staging\n"), environ={})
    assert snap_compare(TessaApp(loaded, clock=frozen_clock, live=False, actor=ACTOR), terminal_size=(120, 34))


async def _work_an_incident(pilot: Pilot[Any]) -> None:
    """Declare a SEV1 with an issue runbook attached, tick three steps, note a root cause."""
    app: TessaApp = pilot.app  # type: ignore[assignment]
    await pilot.pause()
    await app.desk.ready.wait()
    book = app.desk.book
    assert book is not None
    declared = book.declare("SEV1", "Frontend returns 503", runbooks=["service-unavailable"])
    incident_id = (await app.desk.record(declared)).incident
    for step in ("1", "2", "5"):
        await app.desk.record(book.tick(incident_id, step))
    await app.desk.record(book.acknowledge(incident_id))
    await app.desk.record(book.note(incident_id, "connection pool exhausted after deploy 4f2a", section="root_cause"))
    app.action_open_incident(incident_id)
    await pilot.pause()
    await pilot.pause()


def test_incident_screen(
    snap_compare: SnapCompare,
    write_config: Callable[[str], Path],
    frozen_clock: Now,
    tmp_path: Path,
) -> None:
    config = write_config(f"platform: Tessa\njournal:\n  path: {tmp_path / 'j.sqlite3'}\n  actor: alice\n")
    app = TessaApp(load_config(config, environ={}), clock=frozen_clock, live=False)
    assert snap_compare(app, terminal_size=(140, 40), run_before=_work_an_incident)


def _war_room_app(write_config: Callable[[str], Path], clock: Now, tmp_path: Path) -> TessaApp:
    """The example config (its services for the lights) on a journal of the test's own."""
    journal = f"\njournal:\n  path: {tmp_path / 'j.sqlite3'}\n  actor: alice\n"
    config = write_config(EXAMPLE_CONFIG.read_text(encoding="utf-8") + journal)
    return TessaApp(load_config(config, environ={}), clock=clock, live=False)


async def _sev1_in_progress(pilot: Pilot[Any]) -> None:
    """The services' mixed states, and a SEV1 detected 9 minutes ago (over half its 15 minutes) with two ticks."""
    await _report(pilot)
    app: TessaApp = pilot.app  # type: ignore[assignment]
    await app.desk.ready.wait()
    book = app.desk.book
    assert book is not None
    declared = book.declare("SEV1", "Database health down", detected_at=FROZEN_NOW - timedelta(minutes=9))
    incident_id = (await app.desk.record(declared)).incident
    for step in ("1", "2"):
        await app.desk.record(book.tick(incident_id, step))
    await app.desk.record(book.note(incident_id, "pool exhausted after deploy 4f2a", section="root_cause"))
    app.desk.alerts()  # the 50 % toast is announced now, not by whichever tick lands before the snapshot
    await pilot.pause()
    app.clear_notifications()  # a dashboard tick during the writes above may have announced it first
    await pilot.pause()


async def _war_room_shown(pilot: Pilot[Any]) -> None:
    """The SEV1 above, then `w`; the snapshot waits until the screen's width class has been applied and laid
    out (a breakpoint class arrives after the first layout: a snapshot in between showed a clipped timeline)."""
    from screens.dashboard.war_room_screen import WarRoomScreen

    await _sev1_in_progress(pilot)
    await pilot.press("w")
    app = pilot.app
    wide = app.size.width >= 180
    await wait_until(
        pilot,
        lambda: isinstance(app.screen, WarRoomScreen) and app.screen.has_class("-wide" if wide else "-compact"),
    )
    await pilot.pause()
    await pilot.pause()


def test_war_room(
    snap_compare: SnapCompare,
    write_config: Callable[[str], Path],
    frozen_clock: Now,
    tmp_path: Path,
) -> None:
    app = _war_room_app(write_config, frozen_clock, tmp_path)
    assert snap_compare(app, terminal_size=(120, 40), run_before=_war_room_shown)


def test_war_room_wall_screen(
    snap_compare: SnapCompare,
    write_config: Callable[[str], Path],
    frozen_clock: Now,
    tmp_path: Path,
) -> None:
    app = _war_room_app(write_config, frozen_clock, tmp_path)
    assert snap_compare(app, terminal_size=(240, 67), run_before=_war_room_shown)


def test_war_room_high_contrast(
    snap_compare: SnapCompare,
    write_config: Callable[[str], Path],
    frozen_clock: Now,
    tmp_path: Path,
) -> None:
    app = _war_room_app(write_config, frozen_clock, tmp_path)
    assert snap_compare(app, terminal_size=(120, 40), press=["ctrl+t"], run_before=_war_room_shown)


# Every size a console meets: a laptop split (80x24), a normal terminal (120x40), a wall screen (240x67).
SIZES = {"80x24": (80, 24), "120x40": (120, 40), "240x67": (240, 67)}
LONG_NOTE = (
    "pool exhausted after deploy 4f2a: the new worker count (48) times the pool size (10) is over "
    "max_connections (100); rolled the workers back to 8 and the errors stopped within a minute END-OF-NOTE"
)


async def _two_runbooks(pilot: Pilot[Any]) -> str:
    """The services' mixed states (Database health down), and a SEV1 with two issue runbooks attached: two
    escalation clocks; a long root-cause note for the timeline."""
    await _report(pilot)
    app: TessaApp = pilot.app  # type: ignore[assignment]
    await app.desk.ready.wait()
    book = app.desk.book
    assert book is not None
    declared = book.declare(
        "SEV1",
        "Database health down",
        began_at=FROZEN_NOW - timedelta(minutes=10),
        detected_at=FROZEN_NOW - timedelta(minutes=9),
        runbooks=["service-unavailable", "database-slow-queries"],
    )
    incident_id = (await app.desk.record(declared)).incident
    await app.desk.record(book.tick(incident_id, "1"))
    await app.desk.record(book.note(incident_id, LONG_NOTE, section="root_cause"))
    await pilot.pause()
    app.query_one(ServicesPane).tick()
    app.query_one(IncidentPane).tick()
    await _counts_drawn(pilot, app.query_one(LogsPane))
    app.desk.alerts()  # the SLA toasts are announced now, and cleared: the snapshot shows the layout under them
    await pilot.pause()
    app.clear_notifications()
    await pilot.pause()
    return incident_id


async def _incident_shown(pilot: Pilot[Any]) -> None:
    app: TessaApp = pilot.app  # type: ignore[assignment]
    incident_id = await _two_runbooks(pilot)
    app.action_open_incident(incident_id)
    await wait_until(pilot, lambda: "END-OF-NOTE" in screen_text(app))
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_dashboard_with_a_down_service_and_an_incident(
    snap_compare: SnapCompare,
    write_config: Callable[[str], Path],
    frozen_clock: Now,
    tmp_path: Path,
    size: str,
) -> None:
    app = _war_room_app(write_config, frozen_clock, tmp_path)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=_two_runbooks)


@pytest.mark.parametrize("size", SIZES)
def test_incident_screen_at(
    snap_compare: SnapCompare,
    write_config: Callable[[str], Path],
    frozen_clock: Now,
    tmp_path: Path,
    size: str,
) -> None:
    app = _war_room_app(write_config, frozen_clock, tmp_path)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=_incident_shown)


def region_text(app: TessaApp, selector: str) -> str:
    """What the screen shows inside one widget's region, its lines joined by spaces (wrapped text reads on)."""
    try:
        region = app.screen.query_one(selector).content_region
    except NoMatches:  # not composed yet
        return ""
    lines = screen_text(app).splitlines()[region.y : region.bottom]
    return " ".join(" ".join(line[region.x : region.right].split()) for line in lines)


@pytest.mark.parametrize("size", SIZES)
async def test_what_a_person_must_read_fits_every_size(
    write_config: Callable[[str], Path], frozen_clock: Now, tmp_path: Path, size: str
) -> None:
    """Why a service is down, each escalation clock's runbook, and a long timeline line's end are on screen,
    and nothing is wider than the terminal."""
    app = _war_room_app(write_config, frozen_clock, tmp_path)
    async with app.run_test(size=SIZES[size]) as pilot:
        incident_id = await _two_runbooks(pilot)
        why = "Database health ✖ down: [STATUS] (503) == 200"
        await wait_until(pilot, lambda: why in region_text(app, "#services-pane"))
        incident = region_text(app, "#incident-pane")  # at 80x24 only the first escalation has room
        assert "Escalate if unresolved · Service Unavailable error" in incident
        assert incident.count("Escalate if unresolved") == incident.count("Escalate if unresolved · ")
        app.action_open_incident(incident_id)
        await wait_until(pilot, lambda: "END-OF-NOTE" in region_text(app, "#timeline"))
        assert LONG_NOTE in region_text(app, "#timeline")  # wrapped inside its pane, not cut at the edge
        clocks = region_text(app, "#incident-clocks")
        for runbook in ("Service Unavailable error", "Database slow queries"):  # each clock names what it times
            if SIZES[size][1] < COMPACT_BELOW:  # compact: the runbook's title, then its two clocks
                assert re.search(f"{runbook}: resolve [^·]+ · escalate ", clocks), clocks
            else:
                assert f"Expected resolution · {runbook}" in clocks and f"Escalate if unresolved · {runbook}" in clocks
        if SIZES[size][1] < COMPACT_BELOW:  # 9 clocks: they took 7 of the checklist's lines at 80x24
            assert app.screen.query_one("#incident-clocks").size.height <= 5
        assert all(len(line) <= SIZES[size][0] for line in screen_text(app).splitlines())


def test_compact_clocks_name_every_clock_and_say_met_missed_or_suspect() -> None:
    """The short terminal's clocks: stopped ones say met or missed (a phase stopped in time with steps left
    undone is missed), contradicting times say suspect, and no cell is split across lines."""
    began = FROZEN_NOW - timedelta(minutes=20)
    clocks = [
        SlaTimer("I:response", "Response (SEV1)", "response", began, began + timedelta(minutes=15), began),
        SlaTimer(
            "I:phase",
            "Triage",
            "phase",
            began,
            began + timedelta(minutes=10),
            began + timedelta(minutes=5),
            unmet="missed: 1 of 2 steps done when the box ended",
        ),
        SlaTimer(
            "I:update",
            "Next stakeholder update",
            "update",
            began,
            began + timedelta(minutes=30),
            suspect="acknowledged before detection",
        ),
        SlaTimer(
            "I:escalate:x", "Escalate if unresolved · Web down", "escalate", began, FROZEN_NOW + timedelta(hours=1)
        ),
    ]
    lines = compact_clocks(clocks, FROZEN_NOW, 40).plain.splitlines()
    assert lines == ["Response met   Triage missed", "Next update ? suspect", "Web down: escalate 1:00:00 left"]


def test_the_header_shows_local_time_only_when_it_is_not_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from screens.widgets.status_header import HeaderClock

    clock = HeaderClock(lambda: FROZEN_NOW, id="header-clock")
    try:
        assert clock.render().plain == " 14:03:07 UTC "  # TZ=UTC (tests/conftest.py): one time, not two
        monkeypatch.setenv("TZ", "Europe/Berlin")
        time.tzset()
        assert clock.render().plain == " 14:03:07 UTC │ 15:03:07 CET "
    finally:
        monkeypatch.setenv("TZ", "UTC")
        time.tzset()
