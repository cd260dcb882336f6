"""`?`: every key the console answers to, with the binding id a keymap can remap."""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

from screens.keys import bind
from tessa_tui.config.keymap import KEY_BY_ID, KEYS

# Keys Textual itself provides; listed so the help is complete.
BUILT_IN_KEYS = (
    ("tab / shift+tab", "Next / previous pane or widget", "(built in)"),
    ("up / down, pgup / pgdn", "Move within a list", "(built in)"),
    ("ctrl+q", "Quit immediately", "(built in)"),
)


def screen_binding_ids(screen: Screen[object], app: App[object]) -> set[str]:
    """The binding ids `screen` answers to: its own, every widget's on it, and the app's."""
    nodes: list[DOMNode] = [app, screen, *screen.walk_children()]
    ids: set[str] = set()
    for node in nodes:
        for cls in type(node).__mro__:
            for binding in getattr(cls, "BINDINGS", ()):
                binding_id = getattr(binding, "id", None)
                if binding_id in KEY_BY_ID:
                    ids.add(binding_id)
    return ids


class HelpScreen(ModalScreen[None]):
    """A table of key, what it does and the id to remap it by."""

    BINDINGS = [bind("close", "dismiss", show=True), Binding("question_mark", "dismiss", show=False)]

    def __init__(self, keymap: Mapping[str, str], key_display: Mapping[str, str]) -> None:
        super().__init__(id="help")
        self._keymap = keymap
        self._key_display = key_display
        self._ids = screen_binding_ids(self.app.screen, self.app)
        """The keys of the screen `?` was pressed on (built before this screen is pushed over it)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static(Text("Keys", style="bold"), id="help-title")
            table: DataTable[Text] = DataTable(id="help-table", cursor_type="row")
            table.add_column("Key", key="key")
            table.add_column("Binding id", key="id")
            table.add_column("Does", key="does")
            for spec in (spec for spec in KEYS if spec.id in self._ids):
                keys = self._keymap.get(spec.id, spec.key)
                table.add_row(
                    Text(self._key_display.get(spec.id, keys), style="bold"),
                    Text(spec.id, style="dim"),
                    Text(spec.description),
                    key=spec.id,
                )
            for key, does, origin in BUILT_IN_KEYS:
                table.add_row(Text(key, style="bold"), Text(origin, style="dim"), Text(does))
            yield table
            yield Static(
                Text("Remap any key by id in tessa.yaml:  keymap: {quit: ctrl+x}   ·   escape or ? closes"),
                id="help-hint",
            )
