"""Incident pane: the active incident (severity, title, clocks, current phase, next steps), or how to declare one;
with PagerDuty configured, its triggered and acknowledged incidents, each one a key away from a declaration."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import DataTable, Static

from screens.context import capabilities_of, context_of
from screens.dashboard.pane import Pane
from screens.incident_desk import IncidentDesk
from screens.keys import bind
from screens.messages import PagerDutyReported
from screens.widgets.incident_style import clock_text, severity_badge
from screens.widgets.state_style import age_text
from screens.widgets.table_sync import RowTable, sync_table
from tessa_tui.base.durations import format_duration
from tessa_tui.base.sanitize import sanitize
from tessa_tui.base.time_source import Now
from tessa_tui.config.model import Severity, TessaConfig
from tessa_tui.integrations.pagerduty_watch import POLL_S as PD_POLL_S
from tessa_tui.integrations.pagerduty_watch import watch_pagerduty

if TYPE_CHECKING:  # the incident engine loads with the journal, after the first frame
    from tessa_tui.incidents.incident import Incident
    from tessa_tui.integrations.pagerduty import PdIncident

NEXT_STEPS = 3
PD_COLUMNS = ("#", "Status", "Urgency", "Service", "Age", "Title")  # the title last: a narrow pane cuts it
PD_STATUS = {"triggered": "✖ triggered", "acknowledged": "▲ acknowledged"}  # symbol + word: readable without colour


NO_INCIDENT = "No active incident.  d declares one (d then 1 for SEV1)."


class IncidentPane(Pane):
    """With no incident open, shows what each severity promises so the declarer can choose."""

    BINDINGS = [
        bind("details", "open_incident"),
        bind("acknowledge", "acknowledge"),
        # On a PagerDuty row `d` declares from it; elsewhere check_action passes `d` on to the dashboard's declare.
        bind("declare", "declare_from_pagerduty"),
    ]

    def __init__(
        self,
        severities: dict[str, Severity],
        desk: IncidentDesk | None,
        clock: Now,
        *,
        config: TessaConfig | None = None,
        secrets: frozenset[str] = frozenset(),
        live: bool = True,
    ) -> None:
        super().__init__("Incident", 2, id="incident-pane")
        self._severities = severities
        self._desk = desk
        self._clock = clock
        self._shown = ""
        self._config = config
        self._secrets = secrets
        self._live = live
        pagerduty = config.integrations.pagerduty if config else None
        self._pagerduty = pagerduty is not None and pagerduty.token is not None  # listing needs the REST API
        self.pd_incidents: dict[str, PdIncident] = {}
        """The last good poll's incidents by PagerDuty id (kept while a later poll fails)."""
        self.pd_error: str | None = None
        self._pd_shown = ""

    def compose(self) -> ComposeResult:
        # Until the journal is open (after the first frame) this is what shows: a spectator's says no `d`.
        yield Static(Text(_no_incident(capabilities_of(self).readonly), style="bold"), id="incident-status")
        if self._pagerduty:
            yield Static(Text("PagerDuty: asking…", style="dim"), id="pd-status")
            pd_table: DataTable[Text] = RowTable(id="pd-table")  # d / enter declare from the row under the cursor
            _show_table(pd_table, False)  # shown once there is a row: an empty table would take the pane's focus
            yield pd_table
        table: DataTable[Text] = DataTable(id="severity-table", cursor_type="row")
        table.add_column("Severity", key="severity")
        table.add_column("Meaning", key="meaning")
        table.add_column("Respond within", key="target")
        table.add_column("Example", key="example")
        for name, severity in self._severities.items():
            table.add_row(
                Text(name, style="bold"),
                Text(severity.description),
                Text(format_duration(severity.response_target)),
                Text(severity.example),
                key=name,
            )
        yield table

    def go_live(self) -> None:
        if self._pagerduty and self._live:
            self._poll_pagerduty()

    def incident(self) -> Incident | None:
        return self._desk.active() if self._desk else None

    def focus_target(self) -> Widget:
        """With an incident open, the pane itself: enter opens its checklist, as the pane says (the PagerDuty
        list, first otherwise, would take enter to declare from a row); tab moves on into that list."""
        return self if self.incident() is not None else super().focus_target()

    def on_descendant_focus(self) -> None:
        self._redraw_hints()

    def on_descendant_blur(self) -> None:
        self._redraw_hints()

    def _redraw_hints(self) -> None:
        """Where enter and `d` go depends on whether the PagerDuty list has focus: the hints follow it."""
        if self.is_mounted:
            self.show()
            self._draw_pagerduty()

    def _pd_focused(self) -> bool:
        return self._pagerduty and self.query_one("#pd-table", DataTable).has_focus

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "declare_from_pagerduty":
            return not capabilities_of(self).readonly and self.selected_pd_incident() is not None
        if action == "acknowledge" and capabilities_of(self).readonly:
            return False
        if action in {"open_incident", "acknowledge"}:
            incident = self.incident()
            if incident is None or (action == "acknowledge" and "acknowledged" in incident.milestones):
                return None  # shown disabled: nothing to open or acknowledge
        return True

    def action_open_incident(self) -> None:
        incident, console = self.incident(), context_of(self)
        if incident is not None and console is not None:
            console.incidents.open(incident.id)

    def action_acknowledge(self) -> None:
        incident, console = self.incident(), context_of(self)
        if incident is not None and console is not None:
            console.incidents.acknowledge(incident)

    def tick(self) -> None:
        """Called once a second by the dashboard: the clocks move (and PagerDuty incidents' ages)."""
        self.show()
        self._draw_pagerduty()

    # PagerDuty

    @work(exclusive=True, group="pagerduty-poller", exit_on_error=False, description="poll PagerDuty incidents")
    async def _poll_pagerduty(self) -> None:
        """Every 30 s, the next poll only after the last ended; a failure is one line, and the next poll comes."""
        assert self._config is not None
        updates = watch_pagerduty(self._config, self._secrets, every=PD_POLL_S, clock=self._clock)
        async with contextlib.aclosing(updates):
            async for update in updates:
                self.post_message(PagerDutyReported(list(update.incidents), update.error))

    def on_pager_duty_reported(self, message: PagerDutyReported) -> None:
        message.stop()
        self.pd_error = message.error
        if message.error is None:
            self.pd_incidents = {i.id: i for i in message.incidents if i.status in PD_STATUS}
        self._draw_pagerduty()
        self.refresh_bindings()

    def _draw_pagerduty(self) -> None:
        if not self._pagerduty or not self.is_mounted:
            return
        count = len(self.pd_incidents)
        if self.pd_error is not None:
            error = self.pd_error if self.pd_error.startswith("PagerDuty") else f"PagerDuty: {self.pd_error}"
            status = Text(sanitize(error).replace("\n", " "), style="bold red")
        elif count and capabilities_of(self).readonly:  # a spectator declares nothing: no hint that does nothing
            status = Text(f"PagerDuty: {count} open", style="bold")
        elif count:
            # With an incident open, `2` focuses the pane (enter opens its checklist): the list is a tab away.
            to_list = "" if self._pd_focused() or self.incident() is None else "tab, then "
            status = Text(f"PagerDuty: {count} open · {to_list}d or enter declares from one", style="bold")
        else:
            status = Text("PagerDuty: nothing triggered or acknowledged", style="dim")
        if status.markup != self._pd_shown:
            self._pd_shown = status.markup
            self.query_one("#pd-status", Static).update(status)
        now = self._clock()
        rows = [
            (
                f"#{i.number}",
                PD_STATUS[i.status],
                i.urgency,
                i.service,
                age_text((now - i.created_at).total_seconds()),
                i.title,  # outside text: a plain Text cell (table_sync), never markup
            )
            for i in self.pd_incidents.values()
        ]
        ids = {id(row): pd_id for row, pd_id in zip(rows, self.pd_incidents, strict=True)}
        table = self.query_one("#pd-table", DataTable)
        sync_table(table, PD_COLUMNS, rows, key=lambda row: ids[id(row)])
        _show_table(table, bool(rows))

    def selected_pd_incident(self) -> PdIncident | None:
        """The PagerDuty incident under the cursor, when its table has focus."""
        if not self._pagerduty:
            return None
        table = self.query_one("#pd-table", DataTable)
        if not table.has_focus or not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.pd_incidents.get(str(key))

    @on(DataTable.RowSelected, "#pd-table")
    def _pd_row_chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if not capabilities_of(self).readonly:
            self.action_declare_from_pagerduty()

    def action_declare_from_pagerduty(self) -> None:
        """The declare dialog with the PagerDuty incident's title; the incident records its id, and was
        detected (and began, as far as anyone knows) when PagerDuty opened it."""
        chosen = self.selected_pd_incident()
        console = context_of(self)
        if chosen is None or console is None:
            return
        # A PagerDuty clock ahead of ours must not make the moment "in the future", which declare refuses.
        detected = min(chosen.created_at, self._clock())
        console.incidents.declare(chosen.title, [], detected_at=detected, pagerduty_incident=chosen.id)

    def show(self) -> None:
        """Draw the active incident (or the empty state); repaints only when the text changed."""
        desk = self._desk
        incident = self.incident()
        if desk is not None and desk.error and desk.book is None:
            status = Text(f"Journal unavailable: {desk.error}", style="bold red")
        elif incident is None:
            status = Text(_no_incident(capabilities_of(self).readonly), style="bold")
        else:
            status = self._summary(desk, incident) if desk else Text()
        _show_table(self.query_one("#severity-table", DataTable), incident is None)
        if status.markup != self._shown:
            self._shown = status.markup
            self.query_one("#incident-status", Static).update(status)
            self.refresh_bindings()

    def _summary(self, desk: IncidentDesk, incident: Incident) -> Text:
        from tessa_tui.incidents.sla import current_phase  # loaded with the journal

        now = self._clock()
        text = Text().append_text(severity_badge(incident.severity))
        text.append(f" {incident.id} ", style="bold")
        text.append(incident.title, style="bold")
        text.append(f" · {incident.status}", style="dim")
        clocks = desk.clocks(incident)
        response = next((c for c in clocks if c.kind == "response"), None)
        if response is not None:
            text.append("\n").append_text(clock_text(response, now, label="Response"))
        rows = desk.book.checklist(incident) if desk.book else []
        done = sum(1 for r, _, s in rows if incident.ticked(r.id, s.id))
        phase = current_phase(clocks, now)
        if phase is not None:
            text.append("\n").append_text(clock_text(phase, now, label=f"Phase: {phase.label}"))
        text.append(f"\n{done}/{len(rows)} steps done", style="dim")
        here = desk.here(incident.id)
        if here:
            text.append(f"\n{sanitize(here)}", style="dim")
        for escalation in (c for c in clocks if c.kind == "escalate" and c.running(now)):
            text.append("\n").append_text(clock_text(escalation, now))  # names its runbook
        todo = [(r, p, s) for r, p, s in rows if not incident.ticked(r.id, s.id)]
        if phase is not None:
            todo.sort(key=lambda row: row[1] != phase.label)  # the current phase's steps first
        if todo:
            text.append("\nNext:", style="bold")
            for _, _, step in todo[:NEXT_STEPS]:
                text.append(f"\n  [ ] {step.text}")
        can_acknowledge = "acknowledged" not in incident.milestones and not capabilities_of(self).readonly
        # On the PagerDuty list enter declares from its row: `2` first focuses the pane, where enter opens.
        opens = "2, then enter opens the checklist" if self._pd_focused() else "enter opens the checklist"
        text.append(f"\n{opens}" + (" · a acknowledges" if can_acknowledge else ""), style="dim")
        return text


def _no_incident(readonly: bool) -> str:
    """The empty state; a spectator cannot declare, so `d` is not offered there."""
    return NO_INCIDENT.split("  ")[0] if readonly else NO_INCIDENT


def _show_table(table: DataTable[Text], shown: bool) -> None:
    """Show or hide a table; a hidden one can hold no focus, or it would swallow enter (`enter opens the
    checklist`) and every other key meant for the pane."""
    if table.display == shown and table.can_focus == shown:
        return
    table.display = shown
    table.can_focus = shown
    if not shown and table.has_focus and table.parent is not None:
        parent = table.parent
        if isinstance(parent, Widget):
            parent.focus()
