"""Baseline for benchmarks/startup.py: a bare Textual app with the console's widgets and no engine."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import DataTable, Footer, Input, Static, Tab, TabbedContent, TabPane, Tabs

CSS = """
#top { height: 1; }
#top Static { width: auto; }
Grid { grid-size: 2 2; }
.pane { border: round $secondary; height: 1fr; padding: 0 1; }
"""


DATABASE_TABS = {
    "Activity": ("long queries", "blocking"),
    "Slow": ("slow queries",),
    "Tables": ("top tables", "missing indexes", "vacuum"),
    "Health": ("connections", "wraparound", "replication"),
}


def _hidden_input() -> Input:
    field = Input()
    field.display = False
    return field


class BareApp(App[None]):
    """Header row, four bordered panes with tables / text, footer: the same widget tree as the dashboard
    (kept in step with it: the database pane's tabs of tables, the log source tabs, the hidden `/` fields,
    a footer of a dozen keys), so the start-up ratio compares like with like."""

    CSS = CSS
    # One action each: the footer shows one key per action (with one shared action it showed 2 keys, not 12).
    BINDINGS = [
        (key, f"nothing('{label}')", label)
        for key, label in (
            ("slash", "Filter"),
            ("1", "Services"),
            ("2", "Incident"),
            ("3", "Logs"),
            ("4", "Database"),
            ("z", "Zoom"),
            ("d", "Declare"),
            ("w", "War room"),
            ("q", "Quit"),
            ("question_mark", "Help"),
            ("ctrl+t", "Contrast"),
        )
    ]

    def action_nothing(self, label: str) -> None:
        """A key in the footer."""

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
                yield _hidden_input()
            with Vertical(classes="pane"):
                yield Static(Text("No active incident."))
                severities: DataTable[Text] = DataTable()
                severities.add_columns("Severity", "Meaning", "Respond within", "Example")
                for i in range(4):
                    severities.add_row(*(Text(f"SEV{i + 1}") for _ in range(4)))
                yield severities
            with Vertical(classes="pane"):
                yield Tabs(Tab("All"), Tab("app"), Tab("edge-functions"))
                yield Static(Text("no lines yet"))
                yield _hidden_input()
            with Vertical(classes="pane"):
                yield Static(Text("postgresql://db · connecting…"))
                with TabbedContent():
                    for title, names in DATABASE_TABS.items():
                        with TabPane(title):
                            for name in names:
                                yield Static(Text(name))
                                yield DataTable()
                yield _hidden_input()
        yield Footer()


if __name__ == "__main__":
    BareApp().run()
