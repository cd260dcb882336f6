"""A log view that draws only the lines on screen from a bounded buffer, and never relayouts on append.

Textual's Log grows a virtual size on every write, and a virtual-size change relayouts the whole
screen (about 16 ms a batch here); this view keeps its size, so an append repaints its own lines only.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from tessa_tui.log_parse import LEVELS

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


@dataclass(frozen=True, slots=True)
class LogLine:
    """One displayed line; every field already sanitised plain text."""

    clock: str
    level: str
    source: str
    message: str
    full: str = ""
    """The whole record (newlines kept), for the detail view and for pinning."""
    sort_key: str = ""
    """The record's own time in one comparable form (empty: no time), for the merged view."""


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

    def __init__(self, max_lines: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.all_lines: deque[LogLine] = deque(maxlen=max_lines)
        self.lines: deque[LogLine] = self.all_lines
        """What the view shows: every line, or the lines that pass the filter (bounded the same way)."""
        self.from_end = 0
        """How many newer lines are below the view (0: following the tail)."""
        self.paused = False
        """Paused: lines keep arriving (and count as `from_end`) but the view stays where it is."""
        self.filter: LineFilter | None = None
        self.selected: LogLine | None = None
        """The highlighted line (k/j move it; enter opens it); None while simply following."""

    class Opened(Message):
        """Enter on a selected line."""

        def __init__(self, line: LogLine) -> None:
            super().__init__()
            self.line = line

    def append(self, lines: Iterable[LogLine]) -> None:
        """Add lines; a paused or scrolled-back view stays on the lines it shows."""
        batch = list(lines)
        self.all_lines.extend(batch)
        if self.filter is not None:
            batch = [line for line in batch if self.filter.matches(line)]
            self.lines.extend(batch)
        if self.paused:  # hold still even when everything would fit: new lines wait below
            self.from_end = min(self.from_end + len(batch), len(self.lines))
        elif self.from_end:
            self.from_end = min(self.from_end + len(batch), max(0, len(self.lines) - self.size.height))
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
            self.post_message(self.Opened(self.selected))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        end = len(self.lines) - self.from_end
        index = max(0, end - self.size.height) + y
        if index >= end or index < 0:
            return Strip.blank(width, self.rich_style)
        line = self.lines[index]
        level = line.level.upper() if line.level != "unknown" else ""
        base = self.rich_style  # the widget's own colours under every segment, padding included
        if line is self.selected:
            base = base + SELECTED
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

    def action_scroll_page(self, pages: int) -> None:
        self._move(pages * max(1, self.size.height - 1))

    def action_scroll_home(self) -> None:
        self._move(len(self.lines))

    def action_scroll_end(self) -> None:
        self.from_end = 0
        self.paused = False
        self.selected = None
        self.refresh()


@dataclass(frozen=True)
class LineFilter:
    """`/` in the logs pane: words (all must appear, any case), `re:PATTERN`, `level:warn` (and worse),
    `source:NAME`; a leading `!` inverts the words, pattern and level (within the source). Parts combine with AND."""

    text: str
    words: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None
    min_level: int | None = None
    source: str | None = None
    invert: bool = False

    def active(self) -> bool:
        """False for a filter that lets every line through (an empty text on the All tab)."""
        return bool(self.words or self.pattern or self.min_level is not None or self.source or self.invert)

    @classmethod
    def parse(cls, text: str) -> LineFilter:
        """Raises ValueError with a readable reason for a bad regex or level."""
        body = text.strip()
        invert = body.startswith("!")
        body = body.removeprefix("!").strip()
        words: list[str] = []
        pattern = None
        min_level = None
        source = None
        if body.startswith("re:"):
            try:
                pattern = re.compile(body[3:], re.IGNORECASE)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from None
            body = ""
        for part in body.split():
            key, _, value = part.partition(":")
            if key == "level" and value:
                if value not in LEVEL_ORDER:
                    raise ValueError(f"level {value!r}: choose one of {', '.join(LEVEL_ORDER)}")
                min_level = LEVEL_ORDER.index(value)
            elif key == "source" and value:
                source = value
            else:
                words.append(part.lower())
        return cls(text, tuple(words), pattern, min_level, source, invert)

    def matches(self, line: LogLine) -> bool:
        # The source (a tab, or source:NAME) narrows first; `!` inverts the rest within it.
        if self.source is not None and line.source != self.source:
            return False
        hit = True
        if self.min_level is not None:
            hit = line.level in LEVEL_ORDER and LEVEL_ORDER.index(line.level) >= self.min_level
        if hit and (self.words or self.pattern):
            haystack = f"{line.level} {line.source} {line.message}"
            if self.pattern is not None:
                hit = self.pattern.search(haystack) is not None
            else:
                lowered = haystack.lower()
                hit = all(word in lowered for word in self.words)
        return hit != self.invert


LEVEL_ORDER = tuple(level for level in LEVELS if level != "unknown")
