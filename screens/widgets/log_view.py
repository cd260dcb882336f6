"""A log view that draws only the lines on screen from a bounded buffer, and never relayouts on append.

Textual's Log grows a virtual size on every write, and a virtual-size change relayouts the whole
screen (about 16 ms a batch here); this view keeps its size, so an append repaints its own lines only.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from tessa_tui.logs.filter import LineFilter
from tessa_tui.logs.parse import WHEN, LogRecord, Row

if TYPE_CHECKING:
    from tessa_tui.logs.file_search import WholeFileSearch
    from tessa_tui.logs.history import History

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
UNFINISHED = Style.parse("italic")
"""A line still being written: it may yet grow."""
MESSAGE_STYLES = {"fatal": Style.parse("red"), "error": Style.parse("red")}


MERGE_BACK = 5_000
"""A record is merged at most this many rows back from the newest (a source whose clock is hours off, or that
was unreadable for a while, lands at the bottom rather than out of sight)."""


def _append_to(ring: deque[Row], rows: list[Row]) -> None:
    ring.extend(rows)


def _merge_into(ring: deque[Row], rows: list[Row]) -> None:
    """`rows` (in time order) into `ring` by their time: sources read at different moments still interleave. A
    record without a time stays where it arrived, and nothing goes above it (its place is unknown)."""
    for row in rows:
        when = row[WHEN]
        newest = ring[-1][WHEN] if ring else None
        if when is None or newest is None or newest <= when:
            ring.append(row)
            continue
        back = 1
        limit = min(len(ring), MERGE_BACK)
        while back < limit and (earlier := ring[-back - 1][WHEN]) is not None and earlier > when:
            back += 1
        if len(ring) == ring.maxlen:
            if back >= len(ring):
                continue  # older than all a full ring holds: it would have dropped out already
            ring.popleft()  # a full ring cannot take an insert: the oldest goes, as an append would drop it
        ring.insert(len(ring) - back, row)


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
        Binding("n", "search(1)", "Next match", show=False),
        Binding("N", "search(-1)", "Previous match", show=False),
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
        self.history: History | None = None
        """The whole file (or a whole-file filter's matches) read back from disk; None: the live ring above."""
        self.history_for: Callable[[], History | None] = lambda: None
        """The file history this view can open (`g`, page up past the ring, `:goto`, `n`): set by the pane."""
        self.search_for: Callable[[], WholeFileSearch | None] = lambda: None
        """The last whole-file search, for `n` / `N`: set by the pane."""
        self.why_no_history: Callable[[], str | None] = lambda: None
        """Why there is no file history here (the All tab of several sources): said when a key wants one."""
        self.top = 0
        """History: the position of the first row shown."""
        self.cursor: int | None = None
        """History: the selected position."""
        self.following_history = False
        """History at its end follows it as it grows (a filter's matches arriving)."""
        self._window: tuple[tuple[object, ...], list[Row]] = ((), [])
        self.unfinished: list[Row] = []
        """Each source's last line while it has no newline yet (set by the pane): under the records."""

    class Moved(Message):
        """The view moved in (or into, or out of) the history: the pane's subtitle says where."""

    class Said(Message):
        """A one-line answer to a key (`no later match`): the pane notifies it."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Opened(Message):
        """Enter on a selected line."""

        def __init__(self, line: LogRecord) -> None:
            super().__init__()
            self.line = line

    def append(
        self, batch: list[Row], matched: list[Row] | None = None, *, repaint: bool = True, merge: bool = False
    ) -> None:
        """Add records (`matched`: those of them passing the view's filter, when known); a paused or
        scrolled-back view stays on the lines it shows. `merge` (several sources, each batch in time order): a
        record older than the newest shown goes in its place by time."""
        extend = _merge_into if merge else _append_to
        extend(self.all_lines, batch)
        if self.filter is not None:
            batch = matched if matched is not None else [line for line in batch if self.filter.matches(line)]
            extend(self.lines, batch)
        if self.paused:  # hold still even when everything would fit: new lines wait below
            self.from_end = min(self.from_end + len(batch), len(self.lines))
        elif self.from_end:
            self.from_end = min(self.from_end + len(batch), max(0, len(self.lines) - self.size.height))
        if repaint:
            self.refresh()

    # -- history: the whole file, read back from disk ----------------------------------------------------------

    def show_history(self, history: History, *, at: int | None = None, select: bool = False) -> None:
        """Page through `history`: at position `at` (its first row shown; selected when `select`), or at its
        end, following it."""
        self.history = history
        height = max(1, self.size.height)
        count = history.count()
        if at is None:
            self.top = max(0, count - height)
            self.cursor = None
            self.following_history = True
        else:
            self.top = max(0, min(at, count - 1))
            self.cursor = self.top if select else None
            self.following_history = False
        self.selected = None
        self._window = ((), [])
        self.refresh()
        self.post_message(self.Moved())

    def leave_history(self) -> None:
        """Back to the live ring, following its tail."""
        if self.history is None:
            return
        self.history = None
        self.cursor = None
        self.selected = None
        self.from_end = 0
        self.refresh()
        self.post_message(self.Moved())

    def _history_window(self) -> list[Row]:
        history = self.history
        assert history is not None
        height = max(1, self.size.height)
        count = history.count()
        if self.following_history:
            self.top = max(0, count - height)
        key = (id(history), history.index.generation, self.top, height, min(count, self.top + height))
        if self._window[0] != key:
            self._window = (key, history.rows(self.top, height))
        return self._window[1]

    def window_short(self) -> bool:
        """History: fewer rows on screen than fit (the index or the search has not reached further yet)."""
        return self.history is not None and len(self._window[1]) < self.size.height

    def _history_select(self, step: int) -> None:
        history = self.history
        assert history is not None
        count = history.count()
        if not count:
            return
        height = max(1, self.size.height)
        if self.cursor is None:
            self.cursor = min(count, self.top + height) - 1 if step < 0 else self.top
        else:
            self.cursor = max(0, min(count - 1, self.cursor + step))
        self._reveal(self.cursor, count, height)

    def _reveal(self, position: int, count: int, height: int, *, margin: int = 0) -> None:
        """Scroll so `position` is on screen (`margin` rows below the top when it had to move)."""
        if position < self.top or position >= self.top + height:
            self.top = max(0, min(position - margin, count - height))
        self.following_history = False
        self.refresh()
        self.post_message(self.Moved())

    def _history_page(self, pages: int) -> None:
        history = self.history
        assert history is not None
        height = max(1, self.size.height)
        count = history.count()
        self.top = max(0, min(self.top - pages * max(1, height - 1), count - height))
        self.cursor = None
        self.selected = None
        if pages < 0 and self.top >= count - height:
            if self.history_for() is history or self.filter is None:
                self.leave_history()  # paged past the file's end: the live tail
                return
            self.following_history = True
        else:
            self.following_history = False
        self.refresh()
        self.post_message(self.Moved())

    def history_position(self) -> int | None:
        """History: the selected position, or the first shown."""
        if self.history is None:
            return None
        return self.cursor if self.cursor is not None else self.top

    def goto_ordinal(self, ordinal: int) -> bool:
        """Show the file's record `ordinal` at the top, selected (`:goto`); False when there is no file history."""
        history = self.history_for()
        if history is None:
            return False
        self.show_history(history, at=ordinal, select=True)
        return True

    def action_search(self, step: int) -> None:
        """`n` / `N`: the next or previous match of the last whole-file search, shown in its context."""
        search = self.search_for()
        history = self.history_for()
        if search is None or history is None:
            why = self.why_no_history() if history is None else None
            self.post_message(self.Said(why or "no search: / types one, over the whole file"))
            return
        if self.history is not None and self.history is not history and self.history.index is history.index:
            self._history_select(step)  # the matches themselves are on screen: the next one is the next row
            return
        position = self.history_position()
        here = history.ordinal(position) if position is not None and self.history is history else history.count()
        found = search.after(here) if step > 0 else search.before(here)
        wrapped = False
        if found is None:
            found = search.after(-1) if step > 0 else search.before(history.count())
            wrapped = found is not None
        if found is None:
            state = search.state()
            self.post_message(self.Said("no match yet (still searching)" if not state.done else "no match in the file"))
            return
        if self.history is not history:
            self.show_history(history, at=found, select=True)
        height = max(1, self.size.height)
        self.cursor = history.position(found)
        self._reveal(self.cursor, history.count(), height, margin=height // 3)
        if wrapped:
            self.post_message(self.Said("search wrapped" + (" to the top" if step > 0 else " to the bottom")))

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
        if self.history is not None:
            self._history_select(step)
            return
        if not self.lines:
            return
        end = len(self.lines) - self.from_end
        index = self._index_of_selected()
        if step < 0 and index == 0 and self._into_history(above=0):
            return
        index = end - 1 if index is None else max(0, min(len(self.lines) - 1, index + step))
        self.selected = self.lines[index]
        top = max(0, end - self.size.height)
        if index < top:
            self.from_end = len(self.lines) - (index + self.size.height)
        elif index >= end:
            self.from_end = len(self.lines) - index - 1
        self.from_end = max(0, min(self.from_end, max(0, len(self.lines) - self.size.height)))
        self.refresh()

    def _reaches_further(self, history: History) -> bool:
        """The file holds more than the ring: it is longer, or still being indexed (its first records may be
        all the index has yet, but they are the file's first)."""
        return history.count() > len(self.lines) or not history.index.state().done

    def _into_history(self, *, above: int) -> bool:
        """Up past the ring's oldest line: the file's history, where the ring starts (the rows the ring holds
        are the file's newest, `above` rows above the first shown). False when the ring already holds it all."""
        history = self.history_for() if self.filter is None else None
        if history is None or not self._reaches_further(history):
            return False
        start = max(0, history.count() - len(self.lines))
        height = max(1, self.size.height)
        self.show_history(history, at=max(0, start - height + above), select=False)
        self.cursor = max(0, start - 1)
        self._reveal(self.cursor, history.count(), height)
        return True

    def action_open(self) -> None:
        if self.history is not None:
            row = self._history_row(self.cursor)
            if row is not None:
                self.post_message(self.Opened(LogRecord._make(row)))
            return
        if self.selected is not None and self._index_of_selected() is not None:
            self.post_message(self.Opened(LogRecord._make(self.selected)))

    def _history_row(self, position: int | None) -> Row | None:
        if position is None or self.history is None:
            return None
        window = self._history_window()
        at = position - self.top
        return window[at] if 0 <= at < len(window) else None

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if self.history is not None:
            window = self._history_window()
            if y >= len(window):
                return Strip.blank(width, self.rich_style)
            row = window[y]
            if self.cursor == self.top + y:
                self.selected = row
            return self._drawn_strip(row, width, self.rich_style + SELECTED if self.cursor == self.top + y else None)
        extra = self._unfinished_shown()
        end = len(self.lines) + len(extra) - self.from_end
        index = max(0, end - self.size.height) + y
        if index >= end or index < 0:
            return Strip.blank(width, self.rich_style)
        if index >= len(self.lines):  # a line still being written, under the records (never selected)
            return self._drawn_strip(extra[index - len(self.lines)], width, self.rich_style + UNFINISHED)
        row = self.lines[index]
        return self._drawn_strip(row, width, self.rich_style + SELECTED if row is self.selected else None)

    def set_unfinished(self, rows: list[Row]) -> None:
        """The sources' last lines that have no newline yet: drawn under the records while following."""
        if rows != self.unfinished:
            self.unfinished = rows
            self.refresh()

    def _unfinished_shown(self) -> list[Row]:
        if self.from_end or self.paused or not self.unfinished:
            return []
        if self.filter is None:
            return self.unfinished
        return [row for row in self.unfinished if self.filter.matches(row)]

    def _drawn_strip(self, row: Row, width: int, selected: Style | None) -> Strip:
        base = selected or self.rich_style  # the widget's own colours under every segment, padding included
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
        if lines > 0 and self.from_end >= limit and self._into_history(above=self.size.height):
            return
        self.from_end = min(max(0, self.from_end + lines), limit)
        self.refresh()

    def action_scroll_page(self, pages: int) -> None:
        if self.history is not None:
            self._history_page(pages)
            return
        self._move(pages * max(1, self.size.height - 1))

    def action_scroll_home(self) -> None:
        """The oldest record: the file's first (from its history) when the ring does not reach back to it."""
        if self.history is not None:
            self.top, self.cursor, self.following_history = 0, None, False
            self.refresh()
            self.post_message(self.Moved())
            return
        history = self.history_for() if self.filter is None else None
        if history is not None and self._reaches_further(history):
            self.show_history(history, at=0)
            return
        self._move(len(self.lines))
        if history is None and (why := self.why_no_history()) is not None:
            self.post_message(self.Said(why))

    def action_scroll_end(self) -> None:
        if self.history is not None:
            if self.history is self.history_for() or self.filter is None:
                self.leave_history()
                return
            self.cursor, self.selected, self.following_history = None, None, True
            self.refresh()
            self.post_message(self.Moved())
            return
        self.from_end = 0
        self.paused = False
        self.selected = None
        self.refresh()
