"""A dashboard pane: a titled, focusable, maximisable box that says plainly when it is not configured."""

from __future__ import annotations

from rich.text import Text
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Static


class Pane(Vertical):
    """Base of the four panes; `number` is the key that focuses it."""

    ALLOW_MAXIMIZE = True
    can_focus = True

    def __init__(self, title: str, number: int, *, id: str) -> None:
        super().__init__(id=id, classes="pane")
        self.border_title = f"{number} {title}"

    def focus_target(self) -> Widget:
        """What its number key focuses: its first focusable widget (its table), else the pane itself."""
        return next((w for w in self.query("*") if isinstance(w, Widget) and w.focusable), self)

    def tick(self) -> None:
        """Called once a second by the dashboard's one timer: ages and clocks move (each pane says which)."""

    def go_live(self) -> None:
        """Called once by the dashboard when its first frame is on screen: start the pane's pollers (their
        imports and first work must not compete with that frame)."""

    @staticmethod
    def not_configured(key: str, example: str) -> Static:
        """The honest empty state: which key to add to tessa.yaml, with a one-line example."""
        message = Text.assemble(
            ("Not configured.", "bold"),
            "\nAdd a ",
            (f"{key}:", "bold"),
            " section to tessa.yaml, e.g.\n\n",
            (example, "italic"),
            "\n\n`tessa-tui config schema` lists every key.",
        )
        return Static(message, classes="not-configured")
