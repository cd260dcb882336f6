"""The dashboard: header, the four panes in a grid, and the footer of bindings."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Grid
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer

from screens.alerts import raise_alert
from screens.context import capabilities_of, context_of
from screens.dashboard.database_pane import DatabasePane
from screens.dashboard.incident_pane import IncidentPane
from screens.dashboard.logs_pane import LogsPane
from screens.dashboard.pane import Pane
from screens.dashboard.services_pane import ServicesPane
from screens.dashboard.war_room_screen import WarRoomScreen
from screens.keys import bind
from screens.widgets.status_header import HeaderClock, StatusHeader
from tessa_tui.base.time_source import Now
from tessa_tui.config.load import LoadedConfig
from tessa_tui.incidents.book import journal_file

PANE_IDS = {
    "services": "services-pane",
    "incident": "incident-pane",
    "logs": "logs-pane",
    "database": "database-pane",
}


class DashboardScreen(Screen[None]):
    """Four panes at a glance; a number key focuses one, `z` maximises it."""

    BINDINGS = [
        bind("focus_services", "focus_pane('services')"),
        bind("focus_incident", "focus_pane('incident')"),
        bind("focus_logs", "focus_pane('logs')"),
        bind("focus_database", "focus_pane('database')"),
        bind("maximize", "toggle_maximize"),
        bind("declare", "declare"),
        bind("war_room", "war_room"),
        bind("close", "restore_pane", show=False),
    ]
    # Escape restores a zoomed pane through the binding above, so a focused widget's own escape (the
    # logs filter field clears itself) comes first, which Textual's escape-to-minimize would override.
    ESCAPE_TO_MINIMIZE = False

    def __init__(self, loaded: LoadedConfig, clock: Now, *, readonly: bool, live: bool = True) -> None:
        super().__init__(id="dashboard")
        self._loaded = loaded
        self._config = loaded.config
        self._clock = clock
        self._readonly = readonly
        self._live = live

    def compose(self) -> ComposeResult:
        config = self._config
        console = context_of(self)
        yield StatusHeader(config, self._clock, readonly=self._readonly)
        with Grid(id="pane-grid"):
            yield ServicesPane(config, self._clock, self._loaded.secrets, live=self._live)
            yield IncidentPane(
                config.severities,
                console.desk if console else None,
                self._clock,
                config=config,
                secrets=self._loaded.secrets,
                live=self._live,
            )
            yield LogsPane(config.logs, live=self._live)
            history = journal_file(self._loaded).parent / "size_history.sqlite3"
            yield DatabasePane(
                config.database,
                self._clock,
                self._loaded.secrets,
                live=self._live,
                history_path=history,
                readonly=self._readonly,
            )
        yield Footer()

    def on_mount(self) -> None:
        self.action_focus_pane("services")
        # One timer for every once-a-second job: their repaints land in the same frame.
        self.set_interval(1.0, self._tick, name="dashboard-tick")

    def _tick(self) -> None:
        self.query_one(HeaderClock).tick()
        if isinstance(self.app.screen, WarRoomScreen):  # it has no timer of its own
            self.app.screen.tick()
        for pane in self.query(Pane):
            pane.tick()
        console = context_of(self)
        for alert in console.desk.alerts() if console else []:
            raise_alert(self.app, alert, title="SLA")

    def action_war_room(self) -> None:
        self.app.push_screen(WarRoomScreen(self._clock))

    def action_restore_pane(self) -> None:
        if self.maximized is not None:
            self.minimize()

    def action_declare(self) -> None:
        self.declare()

    def declare(self, runbooks: Sequence[str] = ()) -> None:
        """Declare an incident: the dialog offers the severities (1-4), the title is suggested; `runbooks` are
        attached besides the severity's procedure."""
        console = context_of(self)
        if console is None:
            return
        now = self._clock()
        states = self.query_one(ServicesPane).states.values()
        down = [s.check.name for s in states if s.display_state(now) == "down"]
        title = f"{', '.join(down)} down" if down else ""
        console.incidents.declare(title, down, runbooks=runbooks)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action == "declare" and capabilities_of(self).readonly)

    def action_focus_pane(self, name: str) -> None:
        """Focus a pane's first focusable widget (its table), else the pane itself."""
        pane = self.query_one(f"#{PANE_IDS[name]}", Pane)
        if self.maximized is not None and self.maximized is not pane:
            self.maximized = pane
        target = next((w for w in pane.query("*") if isinstance(w, Widget) and w.focusable), pane)
        target.focus()

    def action_toggle_maximize(self) -> None:
        """Maximise the pane holding focus, or restore the grid."""
        if self.maximized is not None:
            self.minimize()
        elif self.focused is not None:
            # The pane, not the innermost maximisable widget (a TabbedContent inside would win).
            pane = next((w for w in self.focused.ancestors_with_self if isinstance(w, Pane)), None)
            if pane is not None:
                self.maximize(pane, container=False)
