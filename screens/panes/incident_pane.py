"""Incident pane: the active incident (severity, title, clocks, current phase, next steps), or how to declare one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from screens.incident_desk import IncidentDesk
from screens.incident_style import clock_text, severity_badge
from screens.keys import bind
from screens.panes.pane import Pane
from tessa_tui.config_model import Severity
from tessa_tui.durations import format_duration
from tessa_tui.incident import Incident
from tessa_tui.sla import current_phase

NEXT_STEPS = 3


NO_INCIDENT = "No active incident.  d declares one (d then 1 for SEV1)."


class IncidentPane(Pane):
    """With no incident open, shows what each severity promises so the declarer can choose."""

    BINDINGS = [
        bind("details", "open_incident"),
        bind("acknowledge", "acknowledge"),
    ]

    def __init__(
        self, severities: dict[str, Severity], desk: IncidentDesk | None, clock: Callable[[], datetime]
    ) -> None:
        super().__init__("Incident", 2, id="incident-pane")
        self._severities = severities
        self._desk = desk
        self._clock = clock
        self._shown = ""

    def compose(self) -> ComposeResult:
        yield Static(Text(NO_INCIDENT, style="bold"), id="incident-status")
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

    def incident(self) -> Incident | None:
        return self._desk.active() if self._desk else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "acknowledge" and getattr(self.app, "readonly", False):
            return False
        if action in {"open_incident", "acknowledge"}:
            incident = self.incident()
            if incident is None or (action == "acknowledge" and "acknowledged" in incident.milestones):
                return None  # shown disabled: nothing to open or acknowledge
        return True

    def action_open_incident(self) -> None:
        incident = self.incident()
        if incident is not None:
            self.app.action_open_incident(incident.id)  # type: ignore[attr-defined]

    def action_acknowledge(self) -> None:
        incident = self.incident()
        if incident is not None:
            self.app.incident_actions.acknowledge(incident)  # type: ignore[attr-defined]

    def tick(self) -> None:
        """Called once a second by the dashboard: the clocks move."""
        self.show()

    def show(self) -> None:
        """Draw the active incident (or the empty state); repaints only when the text changed."""
        desk = self._desk
        incident = self.incident()
        if desk is not None and desk.error and desk.book is None:
            status = Text(f"Journal unavailable: {desk.error}", style="bold red")
        elif incident is None:
            status = Text(NO_INCIDENT, style="bold")
        else:
            status = self._summary(desk, incident) if desk else Text()
        table = self.query_one("#severity-table", DataTable)
        table.display = incident is None
        if status.markup != self._shown:
            self._shown = status.markup
            self.query_one("#incident-status", Static).update(status)
            self.refresh_bindings()

    def _summary(self, desk: IncidentDesk, incident: Incident) -> Text:
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
        for escalation in (c for c in clocks if c.kind == "escalate" and c.running(now)):
            text.append("\n").append_text(clock_text(escalation, now, label="Escalate if unresolved"))
        todo = [(r, p, s) for r, p, s in rows if not incident.ticked(r.id, s.id)]
        if phase is not None:
            todo.sort(key=lambda row: row[1] != phase.label)  # the current phase's steps first
        if todo:
            text.append("\nNext:", style="bold")
            for _, _, step in todo[:NEXT_STEPS]:
                text.append(f"\n  [ ] {step.text}")
        text.append("\nenter opens the checklist · a acknowledges", style="dim")
        return text
