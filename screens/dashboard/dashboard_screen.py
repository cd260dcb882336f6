"""The dashboard: header, the four panes in a grid, and the footer of bindings."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Static

from screens.alerts import raise_alert
from screens.context import capabilities_of, context_of
from screens.dashboard.database_pane import DatabasePane
from screens.dashboard.incident_pane import IncidentPane
from screens.dashboard.logs_pane import LogsPane
from screens.dashboard.pane import Pane
from screens.dashboard.services_pane import ServicesPane
from screens.keys import bind
from screens.messages import FirstFrameDrawn
from screens.widgets.footer import KeysFooter
from screens.widgets.status_header import HeaderClock, StatusHeader
from tessa_tui.base.time_source import Now
from tessa_tui.config.load import LoadedConfig
from tessa_tui.incidents.journal_location import journal_file

PANE_IDS = {
    "services": "services-pane",
    "incident": "incident-pane",
    "logs": "logs-pane",
    "database": "database-pane",
}


class TickedScreen(Screen[None]):
    """A screen with no timer of its own: while it is on top, the dashboard's one tick calls `tick` each second,
    which redraws what moves with the clock (`_draw`); `_show` repaints a text only when it changed."""

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self._shown: dict[str, str] = {}
        """What each text widget shows now, to skip unchanged repaints."""

    def tick(self) -> None:
        """Once a second, while on top."""
        if not self.is_mounted:  # the tick can land between the push and the first compose
            return
        try:
            self._draw()
        except NoMatches:  # a tick while the screen is being taken down (the console quitting with it open)
            return

    def _draw(self) -> None:
        """Everything on the screen that moves with time or data, each part through `_show`."""

    def _show(self, selector: str, text: Text) -> None:
        if self._shown.get(selector) != text.markup:
            self._shown[selector] = text.markup
            self.query_one(selector, Static).update(text)


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
        bind("deployments_view", "app.deployments_view", show=False),
        bind("metrics_view", "app.metrics_view", show=False),
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
        self._gone_live = False
        self._panes: list[Pane] = []

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
        yield KeysFooter()

    def on_mount(self) -> None:
        self._panes = list(self.query(Pane))
        self.action_focus_pane("services")
        # One timer for every once-a-second job (the clock, ages, the log's flush).
        self.set_interval(1.0, self._tick, name="dashboard-tick")

    def on_first_frame_drawn(self, message: FirstFrameDrawn) -> None:
        """The pollers start once the first frame is whole (the message goes on to the App)."""
        if not self._gone_live:
            self._gone_live = True
            for pane in self._panes:
                pane.go_live()

    def _tick(self) -> None:
        if not self._gone_live:  # the footer has not drawn its keys (an app without focus does not): go on
            self.post_message(FirstFrameDrawn())
        console = context_of(self)
        for alert in console.desk.alerts() if console else []:
            raise_alert(self.app, alert, title="SLA")
        on_top = self.app.screen
        if isinstance(on_top, TickedScreen):  # the war room
            on_top.tick()
        parts = [self.query_one(HeaderClock).tick, *(pane.tick for pane in self._panes)]
        if on_top is self:
            self._tick_in_turn(parts)
        else:  # under another screen, drawn with it (a dialog) or when it closes
            for part in parts:
                part()

    def _tick_in_turn(self, parts: list[Callable[[], None]]) -> None:
        """Each part's repaint in a frame of its own: Textual draws a frame by re-rendering every widget inside
        the rectangle around all its changes, and a clock at the top right with a log at the bottom left makes
        that the whole screen, every second. A part that changed nothing costs no frame."""
        if parts:
            parts[0]()
            self.call_after_refresh(self._tick_in_turn, parts[1:])

    def action_war_room(self) -> None:
        from screens.dashboard.war_room_screen import WarRoomScreen

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
        """Focus what the pane says (its first focusable widget, its table, else the pane itself)."""
        pane = self.query_one(f"#{PANE_IDS[name]}", Pane)
        if self.maximized is not None and self.maximized is not pane:
            self.maximized = pane
        target = pane.focus_target()
        # At once, not on the next message (as `focus()` does): `3z` typed in one burst zooms the logs pane.
        self.set_focus(target)

    def action_toggle_maximize(self) -> None:
        """Maximise the pane holding focus, or restore the grid."""
        if self.maximized is not None:
            self.minimize()
        elif self.focused is not None:
            # The pane, not the innermost maximisable widget (a TabbedContent inside would win).
            pane = next((w for w in self.focused.ancestors_with_self if isinstance(w, Pane)), None)
            if pane is not None:
                self.maximize(pane, container=False)
