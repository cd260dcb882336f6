"""A log view that draws only the lines on screen from a bounded buffer, and never relayouts on append.

Textual's Log grows a virtual size on every write, and a virtual-size change relayouts the whole
screen (about 16 ms a batch here); this view keeps its size, so an append repaints its own lines only.
"""

from __future__ import annotations

from collections import deque

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from tessa_tui.logs.filter import LineFilter
from tessa_tui.logs.parse import LogRecord, Row

LEVEL_STYLES = {
    "fatal": Style.parse("bold white on red"),
    "error": Style.parse("bold red"),
    "warn": Style.parse("yellow"),
    "info": Style.parse("green"),
    "debug": Style.parse("dim"),
    "trace": Style.parse("dim"),
}
DIM = Style.parse("dim")
SELECTED = Style.parse("reverse")
MESSAGE_STYLES = {"fatal": Style.parse("red"), "error": Style.parse("red")}


class LogView(Widget, can_focus=True):
    """The newest lines at the bottom while following; j/k, page keys and g/G move back and forth."""

    BINDINGS = [
        Binding("up,k", "select(-1)", "Older", show=False),
        Binding("down,j", "select(1)", "Newer", show=False),
        Binding("enter", "open", "Detail", show=False),
        Binding("pageup", "scroll_page(1)", "Page up", show=False),
        Binding("pagedown", "scroll_page(-1)", "Page down", show=False),
        Binding("home,g", "scroll_home", "Oldest", show=False),
        Binding("end,G", "scroll_end", "Follow", show=False),
    ]

    def __init__(self, max_lines: int, *, source_width: int = 10, id: str | None = None) -> None:
        super().__init__(id=id)
        self.source_width = source_width
        """The source column's width: the longest source name, within reason (the pane works it out)."""
        self.all_lines: deque[Row] = deque(maxlen=max_lines)
        self.lines: deque[Row] = self.all_lines
        """What the view shows: every line, or the lines that pass the filter (bounded the same way)."""
        self.from_end = 0
        """How many newer lines are below the view (0: following the tail)."""
        self.paused = False
        """Paused: lines keep arriving (and count as `from_end`) but the view stays where it is."""
        self.filter: LineFilter | None = None
        self.selected: Row | None = None
        """The highlighted line (k/j move it; enter opens it); None while simply following."""
        self._drawn: dict[int, tuple[Row, int, Style, Strip]] = {}
        """Each line on screen as last drawn, by its record: new lines move the others up a row, and only the new
        ones need building (the record is kept with it, so its id is not reused meanwhile)."""

    class Opened(Message):
        """Enter on a selected line."""

        def __init__(self, line: LogRecord) -> None:
            super().__init__()
            self.line = line

    def append(self, batch: list[Row], matched: list[Row] | None = None, *, repaint: bool = True) -> None:
        """Add records (`matched`: those of them passing the view's filter, when known); a paused or
        scrolled-back view stays on the lines it shows."""
        self.all_lines.extend(batch)
        if self.filter is not None:
            batch = matched if matched is not None else [line for line in batch if self.filter.matches(line)]
            self.lines.extend(batch)
        if self.paused:  # hold still even when everything would fit: new lines wait below
            self.from_end = min(self.from_end + len(batch), len(self.lines))
        elif self.from_end:
            self.from_end = min(self.from_end + len(batch), max(0, len(self.lines) - self.size.height))
        if repaint:
            self.refresh()

    def set_filter(self, line_filter: LineFilter | None) -> None:
        """Show only matching lines (None: all); the filtered view follows the tail again."""
        self.filter = line_filter
        if line_filter is None:
            self.lines = self.all_lines
        else:
            self.lines = deque(
                (line for line in self.all_lines if line_filter.matches(line)), maxlen=self.all_lines.maxlen
            )
        self.from_end = 0
        self.refresh()

    def toggle_pause(self) -> None:
        """Pause (the view holds still; the backlog grows) or resume (back to the tail)."""
        self.paused = not self.paused
        if not self.paused:
            self.from_end = 0
        self.refresh()

    def _index_of_selected(self) -> int | None:
        """Where the selected line is now (it moves as the ring buffer drops old lines); None if gone."""
        if self.selected is None:
            return None
        for index in range(len(self.lines) - 1, -1, -1):  # usually near the end: scan from there
            if self.lines[index] is self.selected:
                return index
        return None

    def action_select(self, step: int) -> None:
        """Move the highlight one line older (-1) or newer (+1), scrolling to keep it in view."""
        if not self.lines:
            return
        end = len(self.lines) - self.from_end
        index = self._index_of_selected()
        index = end - 1 if index is None else max(0, min(len(self.lines) - 1, index + step))
        self.selected = self.lines[index]
        top = max(0, end - self.size.height)
        if index < top:
            self.from_end = len(self.lines) - (index + self.size.height)
        elif index >= end:
            self.from_end = len(self.lines) - index - 1
        self.from_end = max(0, min(self.from_end, max(0, len(self.lines) - self.size.height)))
        self.refresh()

    def action_open(self) -> None:
        if self.selected is not None and self._index_of_selected() is not None:
            self.post_message(self.Opened(LogRecord._make(self.selected)))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        end = len(self.lines) - self.from_end
        index = max(0, end - self.size.height) + y
        if index >= end or index < 0:
            return Strip.blank(width, self.rich_style)
        row = self.lines[index]
        base = self.rich_style  # the widget's own colours under every segment, padding included
        if row is self.selected:
            base = base + SELECTED
        drawn = self._drawn.get(id(row))
        if drawn is not None and drawn[0] is row and drawn[1] == width and drawn[2] == base:
            return drawn[3]
        if len(self._drawn) > 4 * max(self.size.height, 1):
            self._drawn.clear()
        strip = self._strip(row, width, base)
        self._drawn[id(row)] = (row, width, base, strip)
        return strip

    def _strip(self, row: Row, width: int, base: Style) -> Strip:
        line = LogRecord._make(row)
        level = line.level.upper() if line.level != "unknown" else ""
        segments = [
            Segment(f"{line.time_of_day:8} ", base + DIM),
            Segment(f"{level:5}", base + LEVEL_STYLES.get(line.level, DIM)),
            Segment(f" {line.source:{self.source_width}.{self.source_width}} ", base + DIM),
            Segment(line.line, base + MESSAGE_STYLES.get(line.level, Style())),
        ]
        return Strip(segments).crop_extend(0, width, base)

    def _move(self, lines: int) -> None:
        limit = max(0, len(self.lines) - self.size.height)
        self.from_end = min(max(0, self.from_end + lines), limit)
        self.refresh()

    def action_scroll_page(self, pages: int) -> None:
        self._move(pages * max(1, self.size.height - 1))

    def action_scroll_home(self) -> None:
        self._move(len(self.lines))

    def action_scroll_end(self) -> None:
        self.from_end = 0
        self.paused = False
        self.selected = None
        self.refresh()
