"""Services pane: every health check and vendor status page, live, one keyed row each."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.notifications import SeverityLevel
from textual.widgets import DataTable, Static

from screens.alerts import raise_alert
from screens.context import context_of
from screens.dashboard.pane import Pane
from screens.keys import bind
from screens.messages import CheckReported
from screens.widgets.filter_input import FilterHost, FilterInput, words_match
from screens.widgets.state_style import freshness_text, latency_text, sparkline, state_text
from screens.widgets.table_sync import LiveTable
from tessa_tui.base.time_source import Now
from tessa_tui.checks.result import CheckResult
from tessa_tui.checks.service_state import Flip, ServiceState
from tessa_tui.config.model import ServiceCheck, TessaConfig

if TYPE_CHECKING:  # httpx and aiohttp come with it: loaded after the first frame, in a thread
    from textual.theme import Theme

    from screens.incident_desk import IncidentDesk
    from tessa_tui.checks.poller import ServicePoller
    from tessa_tui.incidents.journal import PendingEvent

EXAMPLE = "services:\n  - name: Frontend\n    url: https://example.com/health"
Cell = tuple[str, str, Callable[[], Text]]
"""A column, the key of what it shows (unchanged key: skipped), and how to draw it."""

# Fixed widths for the short columns keep rows from shifting; the reason takes what is left and
# is shown whole in the detail view (enter) or with the pane maximised (z).
COLUMNS = (
    ("state", "State", 13),
    ("name", "Service", None),
    ("latency", "Latency", 7),
    ("trend", "Trend", 8),
    ("age", "Age", 5),
    ("reason", "Reason", None),
    ("group", "Group", None),
)
FLIP_SEVERITY: dict[str, SeverityLevel] = {"down": "error", "degraded": "warning", "stale": "warning"}


INSECURE_MARK = "⚠ insecure"
"""After the name of a check that accepts any certificate: never silent, told by symbol and word, not colour."""


def _name_text(name: str, insecure: bool, theme: Theme) -> Text:
    text = Text(name)
    if insecure:
        text.append(f" {INSECURE_MARK}", style=f"bold {theme.warning or 'yellow'}")
    return text


def grouped(checks: list[ServiceCheck]) -> list[ServiceCheck]:
    """Checks grouped together, groups in the order they first appear in the config."""
    first_seen = {c.group: i for i, c in reversed(list(enumerate(checks)))}
    return sorted(checks, key=lambda c: first_seen[c.group])


class ServicesPane(FilterHost, Pane):
    """Rows in a stable order; a result updates only the cells that changed; `/` leaves out rows of checks
    that do not match."""

    FILTER_FIELD = "services-filter"

    BINDINGS = [bind("details", "details"), bind("list_filter", "filter")]

    def __init__(self, config: TessaConfig, clock: Now, secrets: frozenset[str], *, live: bool = True) -> None:
        super().__init__("Services", 1, id="services-pane")
        self._live = live
        self._config = config
        self._clock = clock
        self._secrets = secrets
        checks = config.services
        self.states: dict[str, ServiceState] = {c.name: ServiceState(c) for c in grouped(checks or [])}
        self._shown: dict[tuple[str, str], str] = {}  # what each cell shows now, to skip unchanged updates
        self._changed: set[str] = set()
        """Rows with a result the table has not drawn yet; the others only age between ticks."""
        self._faulted: set[str] = set()  # checks whose last run met an internal error (toasted once)
        self._recording: set[str] = set()  # checks whose evidence is on its way to the journal
        self._subtitle = ""

    def compose(self) -> ComposeResult:
        if self._config.services is None:
            yield self.not_configured("services", EXAMPLE)
            return
        table: DataTable[Text] = LiveTable(id="services-table", cursor_type="row", zebra_stripes=True)
        for key, label, width in COLUMNS:
            table.add_column(label, key=key, width=width)
        for name, state in self.states.items():
            table.add_row(*(Text("") for _ in COLUMNS), key=name)
            self._render_row(table, state)
        yield table
        # Why a service is not up, wrapped under the table: at 80 columns the Reason column is cut off.
        why = Static(Text(""), id="services-why")
        why.styles.dock = "bottom"
        why.styles.height = "auto"
        why.styles.max_height = 3
        why.display = False
        yield why
        field = FilterInput(placeholder="words in a service's name, group, state or reason", id="services-filter")
        field.display = False
        yield field

    def on_mount(self) -> None:
        if self._config.services is None:
            return
        self._update_subtitle()
        # State colours come from the theme: a switch (ctrl+t on a projector) redraws them now, not a tick later.
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.tick())

    def go_live(self) -> None:
        if self._live and self._config.services is not None:
            self._poll()

    @work(exclusive=True, group="services-poller", exit_on_error=False, description="poll service checks")
    async def _poll(self) -> None:
        def report(result: CheckResult) -> None:
            self.post_message(CheckReported(result))

        # Each check is isolated inside the poller; this catches only what would stop polling altogether
        # (the import, the shared client): said once, loudly, instead of every row silently going stale.
        try:
            poller_class = await asyncio.to_thread(_load_poller)
            poller = poller_class(list(self.states[name].check for name in self.states), report, secrets=self._secrets)
            await poller.run()
        except Exception as exc:
            from tessa_tui.base.isolate import internal_reason

            reason = internal_reason(exc, "services poller", self._secrets)
            raise_alert(self.app, f"Service checks stopped: {reason}", title="Services", severity="error", timeout=30)

    def on_check_reported(self, message: CheckReported) -> None:
        message.stop()
        state = self.states.get(message.result.name)
        if state is None:
            return
        first = state.last is None
        flip = state.observe(message.result)
        self._changed.add(state.check.name)
        self._note_fault(message.result)
        self._record_evidence(state, message.result)
        # Drawn by the next tick, with everything else that changed this second: one frame a second, not one
        # per result. A first result is drawn at once: the seconds to a live screen matter at start-up.
        if first:
            self._render_row(self.query_one("#services-table", DataTable), state)
            self._update_subtitle()
        if flip is not None and flip.old != "unknown":
            self._announce(flip)

    def _record_evidence(self, state: ServiceState, result: CheckResult) -> None:
        """The post-mortem's evidence in the journal: the shown state when it differs from the last one
        recorded (a flip, never every poll), and green results counted toward verifying a resolved incident.
        Nothing in a read-only console (its book records nothing); best effort: the next result tries again."""
        context = context_of(self)
        book = context.desk.book if context is not None else None
        if context is None or book is None or book.read_only is not None or result.name in self._recording:
            return
        try:
            pending = book.observe_check(result.name, state.shown, result.reason, "console", result_state=result.state)
        except Exception:  # evidence must never stop the pane
            return
        if pending:
            self._recording.add(result.name)
            save = self._save_evidence(context.desk, result.name, pending)
            self.run_worker(save, group="evidence", exit_on_error=False)

    async def _save_evidence(self, desk: IncidentDesk, name: str, pending: list[PendingEvent]) -> None:
        from tessa_tui.base.errors import UserError
        from tessa_tui.base.isolate import internal_reason

        try:
            for event in pending:
                await desk.record(event)
        except UserError:
            pass  # not saved (a full disk, a locked journal): the state is compared again on the next result
        except Exception as exc:  # a bug: in the crash log; evidence never stops the pane
            internal_reason(exc, "console: service evidence")
        finally:
            self._recording.discard(name)

    def _note_fault(self, result: CheckResult) -> None:
        """A check that met an internal error: one toast until it runs cleanly again (its row says why)."""
        if not result.internal_error:
            self._faulted.discard(result.name)
        elif result.name not in self._faulted:
            self._faulted.add(result.name)
            raise_alert(self.app, f"{result.name}: {result.reason}", title="Check failed", severity="error", timeout=10)

    def _announce(self, flip: Flip) -> None:
        text = f"{flip.name}: {flip.old} → {flip.new}" + (f"\n{flip.reason}" if flip.reason else "")
        severity: SeverityLevel = FLIP_SEVERITY.get(flip.new, "information")
        raise_alert(self.app, text, title="Service state", severity=severity, timeout=5)

    def _cells(self, state: ServiceState, now: datetime, *, timed_only: bool = False) -> Iterator[Cell]:
        """Each column's key (what it depends on) and how to draw it; `timed_only`: just the cells that change
        with the clock alone (state turning stale, age), the rest waits for the row's next result. The Text is
        built only for a cell whose key moved: the tick asks every row every second."""
        shown = state.display_state(now)
        theme = self.app.current_theme
        age = state.age(now)
        ago = freshness_text(age.total_seconds() if age is not None else None, state.check.interval.total_seconds())
        yield "state", f"{shown}/{theme.name}", lambda: state_text(shown, theme)
        yield "age", ago, lambda: Text(ago)
        if timed_only:
            return
        last = state.last
        latency = latency_text(last.latency_ms if last else None)
        trend = sparkline(state.latencies(), width=8)
        reason = last.reason if last else "not yet checked"
        insecure = state.check.tls is not None and state.check.tls.insecure
        yield (
            "name",
            f"{state.check.name}/{insecure}/{theme.name}",
            lambda: _name_text(state.check.name, insecure, theme),
        )
        yield "group", state.check.group, lambda: Text(state.check.group)
        yield "latency", latency, lambda: Text(latency)
        yield "trend", trend, lambda: Text(trend)
        yield "reason", reason, lambda: Text(reason, style="" if last else "dim")

    def _matches(self, state: ServiceState) -> bool:
        last = state.last
        return words_match(
            self.filter_query,
            state.check.name,
            state.check.group,
            state.display_state(self._clock()),
            last.reason if last else "",
        )

    def _render_row(self, table: DataTable[Text], state: ServiceState, *, timed_only: bool = False) -> None:
        row = state.check.name
        if row not in table.rows:  # filtered out
            return
        for column, key, draw in self._cells(state, self._clock(), timed_only=timed_only):
            if self._shown.get((row, column)) != key:
                self._shown[(row, column)] = key
                # The reason column grows to its longest text (it is sized once, when "not yet checked").
                table.update_cell(row, column, draw(), update_width=column == "reason")

    def tick(self) -> None:
        """Called once a second by the dashboard's tick: ages and stale states."""
        if self._config.services is not None:
            self._refresh_ages()

    def _refresh_ages(self) -> None:
        table = self.query_one("#services-table", DataTable)
        changed, self._changed = self._changed, set()
        for name, state in self.states.items():
            self._render_row(table, state, timed_only=name not in changed)
        self._update_subtitle()
        self._update_why(table)

    def on_data_table_row_highlighted(self, _message: DataTable.RowHighlighted) -> None:
        if self._config.services is not None:
            self._update_why(self.query_one("#services-table", DataTable))

    def _update_why(self, table: DataTable[Text]) -> None:
        """The line under the table: the highlighted service's reason when it is not up, else the first
        service's that is not up; hidden while every service is up."""
        now = self._clock()
        down = [s for s in self.states.values() if s.last is not None and s.display_state(now) != "up"]
        try:
            highlighted = self.states.get(str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value))
        except Exception:  # no rows (all filtered out)
            highlighted = None
        chosen = highlighted if highlighted in down else (down[0] if down else None)
        why = self.query_one("#services-why", Static)
        key = "" if chosen is None or chosen.last is None else f"{chosen.check.name}\0{chosen.display_state(now)}"
        key += f"\0{chosen.last.reason}" if chosen is not None and chosen.last is not None else ""
        if self._shown.get(("", "why")) == key:
            return
        self._shown[("", "why")] = key
        why.display = chosen is not None
        if chosen is None or chosen.last is None:
            return
        shown = chosen.display_state(now)
        text = Text(f"{chosen.check.name} ", style="bold").append_text(state_text(shown, self.app.current_theme))
        more = f"  (+{len(down) - 1} more not up)" if len(down) > 1 else ""
        why.update(text.append(f": {chosen.last.reason}").append(more, style="dim"))

    def filtered_list(self) -> DataTable[Text]:
        return self.query_one("#services-table", DataTable)

    def apply_filter(self) -> None:
        """Rebuild the rows in config order with only the matching checks (a handful: cheap)."""
        table: DataTable[Text] = self.query_one("#services-table", DataTable)
        table.clear()
        self._shown.clear()
        for name, state in self.states.items():
            if self._matches(state):
                table.add_row(*(Text("") for _ in COLUMNS), key=name)
                self._render_row(table, state)
        self._update_subtitle()

    def _update_subtitle(self) -> None:
        now = self._clock()
        counts: dict[str, int] = {}
        for state in self.states.values():
            shown = state.display_state(now)
            counts[shown] = counts.get(shown, 0) + 1
        order = ("down", "degraded", "stale", "maintenance", "up", "unknown")
        subtitle = " · ".join(f"{counts[s]} {s}" for s in order if counts.get(s))
        if self.filter_query.strip():
            rows = self.query_one("#services-table", DataTable).row_count
            subtitle = f"{self.filter_query.strip()!r}: {rows} of {len(self.states)} · {subtitle}"
        if subtitle != self._subtitle:  # setting a border title always repaints the whole pane
            self._subtitle = subtitle
            self.border_subtitle = Text(subtitle)  # holds typed text: never markup

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """No details to offer (nor a footer key for them) without configured checks."""
        return self._config.services is not None if action in {"details", "filter"} else True

    def action_details(self) -> None:
        """Open the detail view of the selected check."""
        from screens.dashboard.service_detail_screen import ServiceDetailScreen

        table = self.query_one("#services-table", DataTable)
        if table.row_count == 0:
            return
        row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        state = self.states[str(row_key.value)]
        self.app.push_screen(ServiceDetailScreen(state, self._clock()))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_details()


def _load_poller() -> type[ServicePoller]:
    """The service poller class (its HTTP clients are slow to import: call this in a thread)."""
    import aiohttp  # noqa: F401  the shared client imports it as it is made, on the event loop: loaded here

    from tessa_tui.checks.poller import ServicePoller

    return ServicePoller
