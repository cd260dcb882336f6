"""Baseline for benchmarks/startup.py: a bare Textual app with the console's widgets and no engine."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import DataTable, Footer, Static

CSS = """
#top { height: 1; }
#top Static { width: auto; }
Grid { grid-size: 2 2; }
.pane { border: round $secondary; height: 1fr; padding: 0 1; }
"""


class BareApp(App[None]):
    """Header row, four bordered panes with tables / text, footer: the same widget tree as the dashboard."""

    CSS = CSS
    BINDINGS = [("q", "quit", "Quit"), ("1", "focus_next", "Next")]

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            for label in ("Tessa AI Platform", "PRODUCTION", "on-call: Ada", "14:03:07 UTC"):
                yield Static(Text(label))
        with Grid():
            with Vertical(classes="pane"):
                table: DataTable[Text] = DataTable()
                table.add_columns("State", "Service", "Group", "Every", "Target")
                for i in range(5):
                    table.add_row(*(Text(f"cell {i}") for _ in range(5)))
                yield table
            with Vertical(classes="pane"):
                yield Static(Text("No active incident."))
                severities: DataTable[Text] = DataTable()
                severities.add_columns("Severity", "Meaning", "Respond within", "Example")
                for i in range(4):
                    severities.add_row(*(Text(f"SEV{i + 1}") for _ in range(4)))
                yield severities
            with Vertical(classes="pane"):
                sources: DataTable[Text] = DataTable()
                sources.add_columns("Source", "Format", "From")
                sources.add_row(Text("app"), Text("json"), Text("/var/log/app.log"))
                yield sources
            with Vertical(classes="pane"):
                yield Static(Text("target postgresql://db\nactivity every 5s"))
        yield Footer()


if __name__ == "__main__":
    BareApp().run()
