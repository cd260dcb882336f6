"""Logs pane: the configured log sources."""

from __future__ import annotations

import shlex

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable

from screens.panes.pane import Pane
from tessa_tui.config_model import LogSource

EXAMPLE = "logs:\n  - name: app\n    path: /var/log/tessa/app.log"


def source_origin(source: LogSource) -> str:
    """Where a source's lines come from, as a person would type it."""
    if source.command is not None:
        return "$ " + shlex.join(source.command)
    return source.path or ""


class LogsPane(Pane):
    """One row per source: name, origin, parser."""

    def __init__(self, sources: list[LogSource] | None) -> None:
        super().__init__("Logs", 3, id="logs-pane")
        self._sources = sources

    def compose(self) -> ComposeResult:
        if self._sources is None:
            yield self.not_configured("logs", EXAMPLE)
            return
        table: DataTable[Text] = DataTable(id="log-sources-table", cursor_type="row")
        table.add_column("Source", key="name")
        table.add_column("Format", key="format")
        table.add_column("From", key="origin")
        for source in self._sources:
            table.add_row(Text(source.name), Text(source.format), Text(source_origin(source)), key=source.name)
        yield table

    def on_mount(self) -> None:
        if self._sources is not None:
            self.border_subtitle = f"{len(self._sources)} sources · not following"
