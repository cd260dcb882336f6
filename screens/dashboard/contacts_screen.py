"""Contacts and the quick reference: who to call (on-call, escalation, vendors, channels) and the service URLs
and commands with their placeholders filled. Enter copies the selected value (OSC 52) and shows it, since
some terminals do not pass clipboard writes through."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from screens.keys import bind
from screens.widgets.filter_input import FilterHost, FilterInput, words_match
from tessa_tui.config.model import TessaConfig
from tessa_tui.runbook.placeholders import fill_text


def contact_rows(config: TessaConfig) -> list[tuple[str, str, str]]:
    """(what, who or name, how to reach: the value enter copies)."""
    rows: list[tuple[str, str, str]] = []
    for person in config.contacts.people:
        ways = [w for w in (person.phone, person.slack, person.email) if w]
        rows.append((person.role, person.name, " · ".join(ways)))
    rows += [("vendor", v.name, " · ".join(w for w in (v.contact, v.url) if w)) for v in config.contacts.vendors]
    rows += [("channel", c.name, c.url or "") for c in config.contacts.channels]
    values = dict(config.placeholders)
    rows += [("url", link.name, fill_text(link.url, values)) for link in config.quick_reference.urls]
    rows += [("command", c.name, fill_text(c.command, values)) for c in config.quick_reference.commands]
    return rows


class ContactsScreen(FilterHost, ModalScreen[None]):
    """Everything to reach people and systems, in one table; enter copies the row's value; `/` filters."""

    FILTER_FIELD = "contacts-filter"

    BINDINGS = [bind("close", "dismiss"), bind("list_filter", "filter")]

    def __init__(self, config: TessaConfig, title: str = "Contacts and quick reference") -> None:
        super().__init__()
        self.config = config
        self.heading = title
        self.rows = contact_rows(config)
        """What the table shows, in order (the `/` filter narrows it)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="detail-box"):
            yield Static(Text(self.heading, style="bold"))
            table: DataTable[Text] = DataTable(id="contacts-table", cursor_type="row")
            table.add_columns("what", "name", "reach / value")
            yield table
            field = FilterInput(placeholder="words in a role, name or value", id="contacts-filter")
            field.display = False
            yield field
            yield Static(
                Text("enter copies the value (and shows it) · / filters · escape closes", style="dim"), id="copied"
            )

    def on_mount(self) -> None:
        self._fill("")

    def _fill(self, query: str) -> None:
        table: DataTable[Text] = self.query_one("#contacts-table", DataTable)
        table.clear()
        self.rows = [row for row in contact_rows(self.config) if words_match(query, *row)]
        for what, name, value in self.rows:
            table.add_row(Text(what), Text(name), Text(value))  # config text: never markup
        if not contact_rows(self.config):
            hint = "add contacts: and quick-reference: to tessa.yaml"
            table.add_row(Text("-"), Text("nothing configured"), Text(hint))

    def filtered_list(self) -> DataTable[Text]:
        return self.query_one("#contacts-table", DataTable)

    def apply_filter(self) -> None:
        self._fill(self.filter_query)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a row (the table's own select key): copy its value."""
        event.stop()
        if event.cursor_row >= len(self.rows):
            return
        value = self.rows[event.cursor_row][2]
        self.app.copy_to_clipboard(value)
        # Shown as well: some terminals drop OSC 52, and then the value is there to select by hand.
        self.query_one("#copied", Static).update(Text(f"copied (OSC 52): {value}", style="bold"))
