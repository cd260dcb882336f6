"""A log view that draws only the lines on screen from a bounded buffer, and never relayouts on append.

Textual's Log grows a virtual size on every write, and a virtual-size change relayouts the whole
screen (about 16 ms a batch here); this view keeps its size, so an append repaints its own lines only.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.strip import Strip
from textual.widget import Widget

LEVEL_STYLES = {
    "fatal": Style.parse("bold white on red"),
    "error": Style.parse("bold red"),
    "warn": Style.parse("yellow"),
    "info": Style.parse("green"),
    "debug": Style.parse("dim"),
    "trace": Style.parse("dim"),
}
DIM = Style.parse("dim")
MESSAGE_STYLES = {"fatal": Style.parse("red"), "error": Style.parse("red")}


@dataclass(frozen=True, slots=True)
class LogLine:
    """One displayed line; every field already sanitised plain text."""

    clock: str
    level: str
    source: str
    message: str


class LogView(Widget, can_focus=True):
    """The newest lines at the bottom while following; j/k, page keys and g/G move back and forth."""

    BINDINGS = [
        Binding("up,k", "scroll_lines(1)", "Older", show=False),
        Binding("down,j", "scroll_lines(-1)", "Newer", show=False),
        Binding("pageup", "scroll_page(1)", "Page up", show=False),
        Binding("pagedown", "scroll_page(-1)", "Page down", show=False),
        Binding("home,g", "scroll_home", "Oldest", show=False),
        Binding("end,G", "scroll_end", "Follow", show=False),
    ]

    def __init__(self, max_lines: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: deque[LogLine] = deque(maxlen=max_lines)
        self.from_end = 0
        """How many newer lines are below the view (0: following the tail)."""

    def append(self, lines: Iterable[LogLine]) -> None:
        """Add lines; a view scrolled back stays on the lines it shows."""
        before = len(self.lines)
        self.lines.extend(lines)
        if self.from_end:
            added = len(self.lines) - before if len(self.lines) < (self.lines.maxlen or 0) else 0
            self.from_end = min(self.from_end + added, max(0, len(self.lines) - self.size.height))
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        end = len(self.lines) - self.from_end
        index = max(0, end - self.size.height) + y
        if index >= end or index < 0:
            return Strip.blank(width, self.rich_style)
        line = self.lines[index]
        level = line.level.upper() if line.level != "unknown" else ""
        base = self.rich_style  # the widget's own colours under every segment, padding included
        segments = [
            Segment(f"{line.clock:8} ", base + DIM),
            Segment(f"{level:5}", base + LEVEL_STYLES.get(line.level, DIM)),
            Segment(f" {line.source:10.10} ", base + DIM),
            Segment(line.message, base + MESSAGE_STYLES.get(line.level, Style())),
        ]
        return Strip(segments).crop_extend(0, width, base)

    def _move(self, lines: int) -> None:
        limit = max(0, len(self.lines) - self.size.height)
        self.from_end = min(max(0, self.from_end + lines), limit)
        self.refresh()

    def action_scroll_lines(self, lines: int) -> None:
        self._move(lines)

    def action_scroll_page(self, pages: int) -> None:
        self._move(pages * max(1, self.size.height - 1))

    def action_scroll_home(self) -> None:
        self._move(len(self.lines))

    def action_scroll_end(self) -> None:
        self.from_end = 0
        self.refresh()
