"""Enter on a log line: the whole record, JSON pretty-printed; `i` pins it to the open incident."""

from __future__ import annotations

import json

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from screens.keys import bind
from tessa_tui.logs.parse import LogRecord


def pretty(line: LogRecord) -> str:
    """The record as read; a JSON record indented (its values were sanitised when read)."""
    try:
        return json.dumps(json.loads(line.full), indent=2, ensure_ascii=False)
    except ValueError:
        return line.full


class LogDetailScreen(ModalScreen[bool]):
    """One record in full; dismissed with True when `i` asked to pin it."""

    BINDINGS = [bind("close", "dismiss(False)"), bind("pin_log", "dismiss(True)")]

    def __init__(self, line: LogRecord) -> None:
        super().__init__()
        self.line = line

    def compose(self) -> ComposeResult:
        with Vertical(id="detail-box"):
            title = f"{self.line.time_of_day} {self.line.level.upper()} {self.line.source}"
            yield Static(Text(title, style="bold"))
            with VerticalScroll():
                yield Static(Text(pretty(self.line)))  # Text: a record is never markup
            yield Static(Text("i pins it to the open incident's timeline · escape closes", style="dim"))
