"""Incident pane: the active incident, or the severity levels and their response targets."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from screens.panes.pane import Pane
from tessa_tui.config_model import Severity
from tessa_tui.durations import format_duration


class IncidentPane(Pane):
    """With no incident open, shows what each severity promises so the declarer can choose."""

    def __init__(self, severities: dict[str, Severity]) -> None:
        super().__init__("Incident", 2, id="incident-pane")
        self._severities = severities

    def compose(self) -> ComposeResult:
        yield Static(Text("No active incident.", style="bold"), id="incident-status")
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
