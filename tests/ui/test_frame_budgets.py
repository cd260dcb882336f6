"""Frame budgets, guarded by their causes: what the console's first frame mounts and loads, and what runs at rest.

benchmarks/startup.py and benchmarks/idle_cpu.py time the console against a bare Textual app; timing is noisy on a
busy machine, the causes are not. Each test below fails naming the budget that moved. If the change is on purpose
(the first frame now needs a widget or a module, a screen needs a timer), update the budget here in the same
commit and say why; if not, build the thing when it is first used (a hidden tab when opened, a dialog when shown,
a poller's imports after the first frame) instead.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.message_pump import MessagePump
from textual.pilot import Pilot
from textual.timer import Timer
from textual.widgets import DataTable, TabPane

from screens.app import TessaApp
from screens.dashboard.services_pane import ServicesPane
from screens.messages import CheckReported
from tessa_tui.checks.result import CheckResult
from tessa_tui.config.load import load_config
from tests.conftest import EXAMPLE_CONFIG, REPO
from tests.ui.screen_text import wait_until

SIZE = (140, 40)

FIRST_FRAME_WIDGETS = 62
"""Widgets mounted on the dashboard (examples/tessa.yaml, 140x40) when its first frame is whole: header, four panes
(the database pane's open tab only), footer keys. It was 74 with every database tab built at start-up; 62 since the
database pane's Sessions tab (its label and its empty pane: the tab row shows it)."""

FIRST_FRAME_ENGINE_MODULES = {
    "tessa_tui",
    "tessa_tui.base",
    "tessa_tui.base.capabilities",
    "tessa_tui.base.crash_log",
    "tessa_tui.base.desktop_notify",
    "tessa_tui.base.durations",
    "tessa_tui.base.errors",
    "tessa_tui.base.isolate",
    "tessa_tui.base.moments",
    "tessa_tui.base.redact",
    "tessa_tui.base.regular_file",
    "tessa_tui.base.safe_yaml",
    "tessa_tui.base.sanitize",
    "tessa_tui.base.secret_registry",
    "tessa_tui.base.time_source",
    "tessa_tui.base.user_dirs",
    "tessa_tui.checks",
    "tessa_tui.checks.result",
    "tessa_tui.checks.service_state",
    "tessa_tui.checks.statuspage_status",
    "tessa_tui.conditions",
    "tessa_tui.conditions.condition",
    "tessa_tui.conditions.go_numbers",
    "tessa_tui.conditions.jsonpath",
    "tessa_tui.conditions.patterns",
    "tessa_tui.config",
    "tessa_tui.config.contacts",
    "tessa_tui.config.deployments",  # the `deployments:` section's types: the config is typed whole when loaded
    "tessa_tui.config.endpoints",  # what each check's url names and fills: conditions are validated at load
    "tessa_tui.config.fields",
    "tessa_tui.config.integrations",
    "tessa_tui.config.keymap",
    "tessa_tui.config.metric_selector",  # the `metrics:` series' selectors, parsed (and checked) when loaded
    "tessa_tui.config.metrics",  # the `metrics:` section's types: the config is typed whole when loaded
    "tessa_tui.config.load",
    "tessa_tui.config.remote_logs",  # remote log sources' types: the config is typed whole when loaded
    "tessa_tui.config.model",
    "tessa_tui.config.typed_yaml",
    "tessa_tui.database",
    "tessa_tui.database.snapshot",
    "tessa_tui.incidents",
    "tessa_tui.incidents.actors",
    "tessa_tui.incidents.journal_location",
    "tessa_tui.incidents.vocabulary",
    "tessa_tui.integrations",
    "tessa_tui.integrations.pagerduty_watch",
    "tessa_tui.logs",
    "tessa_tui.logs.filter",
    "tessa_tui.logs.follow",
    "tessa_tui.logs.ingest",
    "tessa_tui.logs.levels",
    "tessa_tui.logs.parse",
    # The records parser (`parse`, which the pane and its batches are typed with) is the front of its formats:
    # detection names every one (issue 21: about 30 ms more to import, measured with -X importtime).
    "tessa_tui.logs.formats",
    "tessa_tui.logs.formats.clock",
    "tessa_tui.logs.formats.detect",
    "tessa_tui.logs.formats.java_lines",
    "tessa_tui.logs.formats.json_lines",
    "tessa_tui.logs.formats.log_format",
    "tessa_tui.logs.formats.logfmt_lines",
    "tessa_tui.logs.formats.mixed",
    "tessa_tui.logs.formats.plain",
    "tessa_tui.logs.formats.postgres_logs",
    "tessa_tui.logs.formats.record",
    "tessa_tui.logs.formats.records",
    "tessa_tui.logs.formats.server_logs",
    "tessa_tui.logs.formats.stamped",
    "tessa_tui.logs.formats.summary",
    "tessa_tui.logs.formats.syslog_lines",
}
"""The engine the first frame loads: the config, and what the panes draw with. The incident engine (book, journal,
SLA clocks, post-mortem) loads with the journal on its thread after the first frame; the log readers and the
database monitor with their pollers."""

NOT_FOR_THE_FIRST_FRAME = {"httpx", "aiohttp", "httpx_aiohttp", "asyncpg", "sqlite3", "attr", "rich.pretty"}
"""Libraries the first frame has no use for: the pollers' HTTP and PostgreSQL clients, the journal's SQLite (also
the database pane's size history), and what Textual's RichLog brings (only the incident screen has one)."""

IDLE_TIMERS = {("DashboardScreen", "dashboard-tick", 1.0), ("TessaApp", "journal-poll", 1.0)}
"""The timers running at rest: the dashboard's one tick (clock, ages, the log's flush) and the journal poll."""

SHORTEST_IDLE_INTERVAL = 1.0
"""No timer runs more often than the clock at rest: a 10 Hz one costs about 10 % of a core."""


async def _first_frame(app: TessaApp, pilot: Pilot[Any]) -> None:
    """Until the dashboard's first frame is whole: its footer has drawn its keys, and then the journal opens."""
    await wait_until(pilot, lambda: app.desk.ready.is_set())
    await pilot.pause()


async def test_the_first_frame_mounts_its_budget_of_widgets() -> None:
    app = TessaApp(load_config(EXAMPLE_CONFIG, environ={}), live=False)
    async with app.run_test(size=SIZE) as pilot:
        await _first_frame(app, pilot)
        widgets = list(app.screen.walk_children())
        by_type = Counter(type(w).__name__ for w in widgets)
        assert len(widgets) == FIRST_FRAME_WIDGETS, (
            f"first-frame widget budget moved: the dashboard mounts {len(widgets)} widgets for its first frame, "
            f"the budget is {FIRST_FRAME_WIDGETS} ({dict(by_type.most_common())}). Each one costs start-up time "
            "(benchmarks/startup.py); build what the first frame does not show when it is first used, or, if the "
            "first frame needs it, update FIRST_FRAME_WIDGETS in tests/ui/test_frame_budgets.py and say why."
        )
        hidden_tabs = [pane for pane in app.screen.query(TabPane) if pane.children and not pane.display]
        assert not hidden_tabs, f"first-frame widget budget: hidden tabs built before they are opened: {hidden_tabs}"


_PROBE = """
import asyncio, json, sys
from pathlib import Path
from screens.app import TessaApp
from screens.messages import FirstFrameDrawn
from tessa_tui.config.load import load_config

seen = []

def hook(message):
    if isinstance(message, FirstFrameDrawn) and not seen:  # as the footer posts it: before anyone handles it
        seen.append(sorted(sys.modules))

async def main():
    app = TessaApp(load_config(Path(sys.argv[2]), environ={}), live=False)
    async with app.run_test(size=(140, 40), message_hook=hook) as pilot:
        while not seen:
            await pilot.pause(0.05)

asyncio.run(main())
Path(sys.argv[1]).write_text(json.dumps(seen[0]), encoding="utf-8")
"""


def test_the_first_frame_loads_its_budget_of_modules(tmp_path: Path) -> None:
    report = tmp_path / "modules.json"
    subprocess.run(
        [sys.executable, "-c", _PROBE, str(report), str(EXAMPLE_CONFIG)],
        cwd=REPO,
        capture_output=True,
        timeout=120,
        check=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")},
    )
    modules = set(json.loads(report.read_text(encoding="utf-8")))
    engine = {m for m in modules if m == "tessa_tui" or m.startswith("tessa_tui.")}
    assert engine == FIRST_FRAME_ENGINE_MODULES, (
        "first-frame module budget moved: the console's first frame loads "
        f"{sorted(engine - FIRST_FRAME_ENGINE_MODULES)} beyond the budget and no longer "
        f"{sorted(FIRST_FRAME_ENGINE_MODULES - engine)}. Import what only a later screen, a poller or the journal "
        "needs where it is used; if the first frame needs it, update FIRST_FRAME_ENGINE_MODULES in "
        "tests/ui/test_frame_budgets.py and say why."
    )
    heavy = sorted(m for m in modules if any(m == h or m.startswith(f"{h}.") for h in NOT_FOR_THE_FIRST_FRAME))
    assert not heavy, (
        f"first-frame module budget: {heavy} load before the first frame (NOT_FOR_THE_FIRST_FRAME in "
        "tests/ui/test_frame_budgets.py); they belong after it, where their poller or screen starts."
    )


Made = list[tuple[str, str, float, Timer]]
"""Interval timers made: (owner's type, name, period, the timer)."""


@pytest.fixture
def timers_made(monkeypatch: pytest.MonkeyPatch) -> Made:
    """Every interval timer made while the test runs."""
    made: Made = []
    set_interval = MessagePump.set_interval

    def recording(self: MessagePump, interval: float, *args: Any, **kwargs: Any) -> Timer:
        timer = set_interval(self, interval, *args, **kwargs)
        made.append((type(self).__name__, timer.name, interval, timer))
        return timer

    monkeypatch.setattr(MessagePump, "set_interval", recording)
    return made


def _running(timer: Timer) -> bool:
    """Started, not stopped, not paused (Textual pauses a hidden field's cursor blink and the idle screen's
    refresh timer; it says so only in these attributes)."""
    return timer._task is not None and not timer._task.done() and timer._active.is_set()


async def test_no_timer_runs_faster_than_once_a_second_at_rest(timers_made: Made) -> None:
    app = TessaApp(load_config(EXAMPLE_CONFIG, environ={}), live=False)
    async with app.run_test(size=SIZE) as pilot:
        await _first_frame(app, pilot)
        await wait_until(pilot, lambda: app.desk.book is not None)
        await pilot.pause(0.3)
        running = {(owner, name, interval) for owner, name, interval, timer in timers_made if _running(timer)}
    fast = sorted(t for t in running if t[2] < SHORTEST_IDLE_INTERVAL)
    assert not fast, (
        f"idle timer budget moved: {fast} run more often than once a second at rest. Fold the work into the "
        "dashboard's one tick, pause the timer while its widget is hidden, or poll no faster than the data changes."
    )
    assert running == IDLE_TIMERS, (
        f"idle timer budget moved: running at rest {sorted(running)}, the budget is {sorted(IDLE_TIMERS)}. Each "
        "timer wakes the console at rest (benchmarks/idle_cpu.py); if one is needed, update IDLE_TIMERS in "
        "tests/ui/test_frame_budgets.py and say why."
    )


async def test_a_tick_at_rest_redraws_no_service_cell(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every check has a fresh result and none arrives: the dashboard's tick changes no cell of the services table
    (ages read `<10s` until a result is overdue), so the table is not repainted each second."""
    now = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
    app = TessaApp(load_config(EXAMPLE_CONFIG, environ={}), live=False, clock=lambda: now)
    async with app.run_test(size=SIZE) as pilot:
        await _first_frame(app, pilot)
        pane = app.screen.query_one(ServicesPane)
        for state in pane.states.values():
            result = CheckResult(state.check.name, state.check.group, "http", "GET /health", "up", "", now, 120.0, 200)
            pane.post_message(CheckReported(result))
        await wait_until(pilot, lambda: all(state.last is not None for state in pane.states.values()))
        pane.tick()  # draws the results
        updates: list[tuple[object, object]] = []
        update_cell = DataTable.update_cell

        def counting(self: DataTable[Any], row: Any, column: Any, value: Any, **kwargs: Any) -> None:
            updates.append((row, column))
            update_cell(self, row, column, value, **kwargs)

        monkeypatch.setattr(DataTable, "update_cell", counting)
        for _ in range(3):
            now += timedelta(seconds=1)
            pane.tick()
        assert pane.states and not updates, (
            f"idle repaint budget moved: with no new result, {len(updates)} services cells were redrawn in "
            f"3 ticks ({updates[:6]}); each redraw repaints the table (benchmarks/idle_cpu.py). Key a cell "
            "by what it shows, and redraw only cells whose text changes with the clock."
        )
        now += timedelta(seconds=100)  # overdue: now the age and the stale state must move
        pane.tick()
        assert {column for _, column in updates} == {"state", "age"}


async def test_a_live_table_keeps_no_stale_renders() -> None:
    """A table updated every few seconds for an hour holds one screen of rendered cells, not Textual's 10,000-cell
    LRU of renders keyed by update counts that can never come back (benchmarks/soak.py: RSS crept between floods)."""
    from textual.app import App, ComposeResult

    from screens.widgets.table_sync import LiveTable

    class Board(App[None]):
        def compose(self) -> ComposeResult:
            yield LiveTable(id="board")

    app = Board()
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.query_one(LiveTable)
        table.add_columns(*(f"c{n}" for n in range(5)))
        for row in range(20):
            table.add_row(*(Text(f"{row}.{n}") for n in range(5)), key=str(row))
        for update in range(150):
            table.update_cell(str(update % 20), table.ordered_columns[1].key, Text(f"u{update}"))
            await pilot.pause()
        shown = 21 * 5  # the header and 20 rows
        held = len(table._cell_render_cache)
        assert held <= shown, (
            f"table render budget moved: a LiveTable holds {held} rendered cells for {shown} on screen after 150 "
            "updates; renders keyed by an old update count are dead weight (screens/widgets/table_sync.py)."
        )
