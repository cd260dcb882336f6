"""Database pane: the watched PostgreSQL target and how it is polled."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from screens.panes.pane import Pane
from tessa_tui.config_model import DatabaseConfig
from tessa_tui.durations import format_duration
from tessa_tui.redact import mask_url

EXAMPLE = "database:\n  dsn: ${TESSA_DATABASE_URL}"


class DatabasePane(Pane):
    """Shows the masked target and the monitor's limits."""

    def __init__(self, database: DatabaseConfig | None) -> None:
        super().__init__("Database", 4, id="database-pane")
        self._database = database

    def compose(self) -> ComposeResult:
        db = self._database
        if db is None:
            yield self.not_configured("database", EXAMPLE)
            return
        lines = Text.assemble(
            ("target      ", "dim"), mask_url(db.dsn), "\n",
            ("mode        ", "dim"), "read-only monitor, 1 connection", "\n",
            ("timeouts    ", "dim"),
            f"statement {format_duration(db.statement_timeout)} · lock {format_duration(db.lock_timeout)}"
            f" · connect {format_duration(db.connect_timeout)}", "\n",
            ("polling     ", "dim"),
            f"activity every {format_duration(db.activity_interval)}"
            f" · sizes every {format_duration(db.size_interval)}",
        )  # fmt: skip
        yield Static(lines, id="database-target")

    def on_mount(self) -> None:
        if self._database is not None:
            self.border_subtitle = "not connected"
