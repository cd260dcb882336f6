"""TessaApp: a thin composition of the dashboard and its screens around one loaded config."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from rich.segment import Segment, Segments
from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import CommandPalette
from textual.screen import Screen
from textual.worker import WorkerFailed

from screens.commands.command_palette import SteadyCommandPalette
from screens.commands.runbook_commands import RunbookCommands
from screens.context import ConsoleContext, own
from screens.dashboard.dashboard_screen import DashboardScreen
from screens.dashboard.incident_pane import IncidentPane
from screens.incident.incident_actions import IncidentActions
from screens.incident_desk import IncidentDesk
from screens.keys import bind
from screens.messages import ActorChanged, FirstFrameDrawn, IncidentsChanged, RunbookChosen, SharedChanged
from screens.soak_stats import start_soak_stats
from screens.themes import THEMES
from tessa_tui.base.capabilities import Capabilities
from tessa_tui.base.crash_log import write_crash
from tessa_tui.base.time_source import Now, utc_now
from tessa_tui.config.keymap import KEYS
from tessa_tui.config.load import LoadedConfig

if TYPE_CHECKING:  # loaded when first opened: not on the first frame's path
    from screens.incident.incident_screen import IncidentScreen

EXIT_INTERNAL = 70  # as the CLI's: a bug in tessa-tui, never the user's input


class TessaApp(App[int]):
    """The incident console."""

    CSS_PATH = "tessa.tcss"
    TITLE = "tessa-tui"
    BINDINGS = [
        bind("quit", "quit"),
        bind("help", "help"),
        bind("command_palette", "command_palette", show=False, priority=True),
        bind("high_contrast", "toggle_high_contrast"),
        # Off the footer (it is full on the incident screen); `?` and the README list them.
        bind("command_mode", "command_mode", show=False),
        bind("contacts", "contacts", show=False),
    ]
    COMMANDS = App.COMMANDS | {RunbookCommands}

    def __init__(
        self,
        loaded: LoadedConfig,
        *,
        readonly: bool = False,
        clock: Now = utc_now,
        live: bool = True,
        actor: str | None = None,
    ) -> None:
        """`live=False` starts no pollers: the panes show only what is posted to them (tests, snapshots);
        `actor` (`--as`): who is typing, else $TESSA_ACTOR, journal.actor, the OS user (`:iam` changes it)."""
        super().__init__()
        self._first_frame_drawn = False
        self._collector_paused = False
        self.loaded = loaded
        self.config = loaded.config
        self.readonly = readonly
        self.clock = clock
        self.live = live
        for theme in THEMES:
            self.register_theme(theme)
        self._set_first_theme(self.config.theme)
        self._chosen_theme = self.config.theme
        self.set_keymap(self.config.keymap)
        self.desk = IncidentDesk(self, loaded, clock, readonly=readonly, actor=actor)
        self.incident_actions = IncidentActions(
            self, self.desk, open_incident=self.action_open_incident, declared=self.incident_declared
        )
        capabilities = Capabilities.from_flag(readonly)
        self.context = own(self, ConsoleContext(loaded, self.desk, self.incident_actions, capabilities, clock, live))
        self._read_for: WeakKeyDictionary[events.Key, Screen[object]] = WeakKeyDictionary()
        """The screen on top when the app read each key still on its way through the widgets."""
        self._incident_screen: IncidentScreen | None = None
        """The one incident screen, once opened (it may have been closed since: `incident_screen()`)."""

    def _set_first_theme(self, name: str) -> None:
        """The configured theme, before anything is styled. Setting `theme` queues a restyle of every widget and
        a relayout for after the first screen is up (some 15 ms of the first frame), which a theme as dark or as
        light as Textual's default does not need: its colours go to the stylesheet before it is first parsed, and
        the class Textual's theme watcher adds is added here."""
        theme = self.get_theme(name)
        if theme is None or theme.dark != self.current_theme.dark:
            self.theme = name  # Textual's own path: a light theme remaps ANSI colours too, an unknown one is refused
            return
        self.set_reactive(App.theme, name)
        self.stylesheet.set_variables(self.get_css_variables())  # made from the default theme: not parsed yet
        self.set_class(True, f"-theme-{name}", update=False)

    def on_load(self) -> None:
        # No collections until the first frame is whole (some 150 ms of them on the way, one full pass alone
        # 80 ms): what is built until then lives as long as the app, and is frozen then (`_collect`).
        if gc.isenabled():
            self._collector_paused = True
            gc.disable()

    def on_mount(self) -> None:
        # Worker threads (log parsing in a flood, journal writes) hold the GIL for up to the switch interval
        # each time this thread asks for it back: 1 ms rather than 5 keeps keys and frames prompt.
        sys.setswitchinterval(0.001)
        start_soak_stats(self)  # off unless $TESSA_SOAK_STATS names a file (benchmarks/soak.py)

    def on_first_frame_drawn(self, message: FirstFrameDrawn) -> None:
        """The first frame is on screen (the dashboard's; a later screen's first says so again): the journal
        opens now, on its thread, so that neither its reading nor the incident engine's imports compete with
        that frame. Keys typed meanwhile wait for it (`IncidentDesk.ready`)."""
        if not self._first_frame_drawn:
            self._first_frame_drawn = True
            self._collect()
            # A failure is the desk's `error`, shown where the incident goes (the incident pane).
            self.run_worker(self.desk.open(), name="open the journal", exit_on_error=False)

    def _collect(self) -> None:
        """The collector runs again. Everything built at start-up lives as long as the app: frozen, it stays out
        of the collector's full passes, which otherwise stall the event loop for tens of milliseconds
        (benchmarks/poll_fanout.py)."""
        if self._collector_paused:
            self._collector_paused = False
            gc.freeze()
            gc.enable()

    async def on_unmount(self) -> None:
        self._collect()  # an app that ended before its first frame (a test's) leaves the collector running
        await self.desk.leave()
        self.desk.close()

    def _handle_exception(self, error: Exception) -> None:
        """An unhandled exception ends the app, as in Textual, but the terminal gets one line naming only its
        type (a message can quote a secret) and crash.log the traceback, without locals, secrets masked.

        Replaces Textual 8's `App._handle_exception`, whose `_fatal_error` prints a Rich traceback with every
        frame's local variables (the config's secrets among them) to the terminal.
        """
        cause = error.error if isinstance(error, WorkerFailed) and isinstance(error.error, Exception) else error
        try:
            where: object = write_crash(cause, "the console")
        except Exception:  # the crash log itself failed: still one line, still exit
            where = "(crash log could not be written)"
        self._return_code = EXIT_INTERNAL
        if self._exception is None:  # Pilot re-raises the first exception for the test that ran the app
            self._exception = error
            self._exception_event.set()
        line = f"tessa-tui: internal error: {type(cause).__name__}; details in {where}"
        # As segments: printed as they are, one line however narrow the terminal (it wraps, not Rich).
        self._exit_renderables.append(Segments([Segment(line), Segment.line()]))
        self._close_messages_no_wait()

    def on_incidents_changed(self, message: IncidentsChanged) -> None:
        """Redraw whatever shows incidents, on every screen in the stack."""
        for screen in self.screen_stack:
            for pane in screen.query(IncidentPane):
                pane.show()
        incident_screen = self.incident_screen()
        if incident_screen is not None:
            incident_screen.redraw()

    def on_shared_changed(self, message: SharedChanged) -> None:
        """The shared journal's state (every header) and who is here (what shows an incident)."""
        from screens.widgets.status_header import StatusHeader

        text = self.desk.shared_text()
        for screen in self.screen_stack:
            for header in screen.query(StatusHeader):
                header.show_shared(text)
        refusal = self.desk.shared_refusal()
        if refusal:  # too long for the header, and a person must act on it: said once, in full
            self.notify(refusal, title="Shared journal", severity="error", timeout=30, markup=False)
        self.on_incidents_changed(IncidentsChanged(set()))

    def on_actor_changed(self, message: ActorChanged) -> None:
        """`:iam`: every header on the screen stack shows who is typing now."""
        from screens.widgets.status_header import StatusHeader

        for screen in self.screen_stack:
            for header in screen.query(StatusHeader):
                header.show_actor(message.who)

    def on_runbook_chosen(self, message: RunbookChosen) -> None:
        """A runbook from the palette: attached to the open incident, or shown to read."""
        from screens.commands.command_mode import CommandMode

        CommandMode(self, self.incident_actions).open_runbook(message.runbook_id)

    def action_open_incident(self, incident_id: str) -> None:
        """The incident screen for one incident (on top of the dashboard)."""
        # One incident screen at most: one already open (perhaps under a dialog) is pointed at this incident.
        existing = self.incident_screen()
        if existing is not None:
            existing.show_incident(incident_id)
        else:
            from screens.incident.incident_screen import IncidentScreen

            self._incident_screen = IncidentScreen(incident_id, self.desk, self.incident_actions, self.clock)
            self.push_screen(self._incident_screen)

    def incident_screen(self) -> IncidentScreen | None:
        """The incident screen, when it is on the stack (perhaps under a dialog)."""
        screen = self._incident_screen
        return screen if screen is not None and screen in self.screen_stack else None

    def incident_declared(self, incident_id: str) -> None:
        """Open a just-declared incident; at the most severe level the contacts come up over it (who to call)."""
        self.action_open_incident(incident_id)
        book = self.desk.book
        incident = book.incidents.get(incident_id) if book else None
        most_severe = next(iter(self.config.severities), None)
        if incident is not None and incident.severity == most_severe and self.config.contacts.people:
            self.action_contacts(f"{incident.id} is a {incident.severity}: who to call")

    def action_contacts(self, title: str = "Contacts and quick reference") -> None:
        from screens.dashboard.contacts_screen import ContactsScreen

        if not isinstance(self.screen, ContactsScreen):
            self.push_screen(ContactsScreen(self.config, title))

    def action_deployments_view(self) -> None:
        """The Deployments view (built when first opened); `D` on it closes it."""
        from screens.deployments.deployments_screen import DeploymentsScreen

        if isinstance(self.screen, DeploymentsScreen):
            self.screen.dismiss()
        else:
            self.push_screen(DeploymentsScreen(self.clock))

    def action_metrics_view(self) -> None:
        """The Metrics view (built when first opened); `M` on it closes it."""
        from screens.metrics.metrics_screen import MetricsScreen

        if isinstance(self.screen, MetricsScreen):
            self.screen.dismiss()
        else:
            self.push_screen(MetricsScreen(self.clock))

    def action_command_mode(self) -> None:
        """The `:` command line."""
        from screens.commands.command_line_dialog import CommandLine
        from screens.commands.command_mode import CommandMode

        def done(line: str | None) -> None:
            if line:  # once the prompt is gone: what the command says must land on the screen that stays
                self.call_after_refresh(CommandMode(self, self.incident_actions).run, line)

        names = [person.name for person in self.config.contacts.people]
        self.push_screen(CommandLine(list(self.config.severities), names), done)

    def action_review(self, which: str) -> None:
        """Run the daily or weekly health review on a screen of its own."""
        from screens.review_screen import ReviewScreen

        self.push_screen(ReviewScreen(self.loaded, which))

    def get_default_screen(self) -> Screen[None]:
        return DashboardScreen(self.loaded, self.clock, readonly=self.readonly, live=self.live)

    def action_help(self) -> None:
        """Show every key; a second `?` or escape closes it."""
        from screens.help_screen import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
            return
        display = {
            spec.id: self.get_key_display(Binding(self.config.keymap.get(spec.id, spec.key), "")) for spec in KEYS
        }
        self.push_screen(HelpScreen(self.config.keymap, display))

    def action_toggle_high_contrast(self) -> None:
        """Switch between the high-contrast theme and the configured one."""
        if self.theme == "tessa-high-contrast":
            fallback = self._chosen_theme if self._chosen_theme != "tessa-high-contrast" else "tessa-dark"
            self.theme = fallback
        else:
            self.theme = "tessa-high-contrast"

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded and self.screen_stack:
            self._read_for[event] = self.screen
        await super().on_event(event)

    def on_key(self, event: events.Key) -> None:
        """A key read for another screen never acts on the palette.

        ctrl+p is a priority binding: the palette opens as the app reads it, while a key read just before it
        (an escape closing a dialog or the incident screen) is still on its way through that screen's widgets;
        Textual then looks that key up in the bindings of the screen on top, the palette's, and an escape
        closed the palette at once. Such a key is dropped: the screen it was meant for is under the palette."""
        read_for = self._read_for.get(event)
        palette_open = isinstance(self.screen, CommandPalette)
        if read_for is not None and read_for is not self.screen and palette_open:
            event.prevent_default()

    def action_command_palette(self) -> None:
        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            self.push_screen(SteadyCommandPalette(id="--command-palette"))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if self.readonly and command.title == "Screenshot":  # it writes an SVG file: a spectator writes nothing
                continue
            yield command
        yield SystemCommand("Help: every key", "List every binding and its id", self.action_help)
        yield SystemCommand(
            "High-contrast theme", "Toggle the projector-friendly theme", self.action_toggle_high_contrast
        )
        if self.config.demo is not None and not self.readonly:  # a drill changes the platform
            from screens.commands.demo_drills import drill_commands

            yield from drill_commands(self, self.config.demo.control_url)
        if isinstance(screen, DashboardScreen) and not self.readonly:
            yield SystemCommand(
                "Declare an incident", "Choose a severity; its procedure is attached", screen.action_declare
            )
        yield from self._incident_commands()
        for which in ("daily", "weekly") if not self.readonly else ():  # a review is saved in the journal
            yield SystemCommand(
                f"Run {which} review",
                f"The {which} health review: each measurable item judged, then saved",
                lambda which=which: self.action_review(which),
            )
        if isinstance(screen, DashboardScreen):
            for name in ("services", "incident", "logs", "database"):
                yield SystemCommand(
                    f"Focus {name} pane",
                    f"Move the keyboard to the {name} pane",
                    lambda name=name: screen.action_focus_pane(name),
                )
            yield SystemCommand(
                "Maximise / restore pane", "Fill the screen with the focused pane", screen.action_toggle_maximize
            )
            yield SystemCommand(
                "Deployments", "The latest deployments, those of the last 2 hours marked", self.action_deployments_view
            )
            yield SystemCommand(
                "Metrics", "CPU, memory, connections, error rate, p95 ... as tiles", self.action_metrics_view
            )

    def _incident_commands(self) -> Iterable[SystemCommand]:
        """Open any of the ten latest incidents (resolved ones too: to export or reopen them)."""
        book = self.desk.book
        if book is None:
            return
        latest = sorted(book.incidents.values(), key=lambda i: i.declared_at, reverse=True)[:10]
        for incident in latest:
            title = incident.title.replace("[", "(")  # palette titles are markup; an incident title is not
            yield SystemCommand(
                f"Incident {incident.id}: {title}",
                f"{incident.severity} · {incident.status} · declared {incident.declared_at:%Y-%m-%d %H:%M} UTC",
                lambda incident_id=incident.id: self.action_open_incident(incident_id),
            )
