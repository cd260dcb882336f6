"""The `:` command line's prompt: one line docked at the bottom; enter hands the text to `CommandMode`."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Static

from screens.keys import bind
from tessa_tui.incidents.command_mode import complete, usage


class NameSuggester(Suggester):
    """`:iam al` suggests `:iam alice` from the contacts (right arrow takes it); `:han` suggests `:handoff `."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.names = names

    async def get_suggestion(self, value: str) -> str | None:
        return complete(value, self.names)


class CommandLine(ModalScreen[str | None]):
    """A one-line prompt docked at the bottom; enter runs it, escape cancels."""

    DEFAULT_CSS = """
    CommandLine { align: left bottom; background: $background 0%; }
    CommandLine > Vertical { height: auto; width: 100%; background: $panel; }
    /* Three rows and a border in every state: Input's own `:focus` border would eat a one-row field. */
    CommandLine #command-input, CommandLine #command-input:focus { border: tall $accent; height: 3; padding: 0 1; }
    """
    BINDINGS = [bind("close", "dismiss(None)")]

    def __init__(self, severities: list[str], names: list[str] | None = None) -> None:
        super().__init__()
        self.severities = severities
        self.names = names or []
        """The contacts' names: `:iam` and `:handoff` complete from them."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(usage(self.severities), style="dim"), id="command-usage")
            yield Input(placeholder=":", id="command-input", suggester=NameSuggester(self.names))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)
