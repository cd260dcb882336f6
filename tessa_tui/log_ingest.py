"""A log source's new lines made ready for the view off the UI's loop: parsed, counted and filtered in one go.

The logs pane calls these in a worker thread, so a flood costs the event loop only a list append per batch.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from tessa_tui.log_filter import LineFilter
from tessa_tui.log_follow import FileFollower
from tessa_tui.log_parse import LEVEL, LogParser, Row, row_of


@dataclass
class Batch:
    """What one read of a source brought."""

    source: str
    rows: list[Row]
    """The records, as the view stores them."""
    status: str
    levels: Counter[str] = field(default_factory=Counter)
    under: LineFilter | None = None
    """The filter `matched` was computed with (the view's filter when the batch was read)."""
    matched: list[Row] = field(default_factory=list)

    def matched_under(self, line_filter: LineFilter | None) -> list[Row]:
        """The rows passing `line_filter`: precomputed when it is the filter the batch was read with."""
        if line_filter is None:
            return self.rows
        if line_filter is self.under:
            return self.matched
        return [row for row in self.rows if line_filter.matches(row)]


def error_share(levels: Counter[str]) -> tuple[int, int]:
    """(errors and fatals, records with a level): the logs pane's error rate and the daily review's."""
    return levels["error"] + levels["fatal"], sum(levels.values()) - levels["unknown"]


def digest(parser: LogParser, lines: list[str], status: str, line_filter: LineFilter | None) -> Batch:
    """Parse a source's lines and count their levels; the records passing `line_filter` picked out."""
    rows = [row_of(record) for record in parser.feed(lines)]
    batch = Batch(parser.source, rows, status, Counter(row[LEVEL] for row in rows))
    if line_filter is not None:
        batch.under = line_filter
        batch.matched = [row for row in rows if line_filter.matches(row)]
    return batch


def read_file(follower: FileFollower, parser: LogParser, line_filter: LineFilter | None) -> Batch:
    """One poll of a followed file, digested (blocking: call it in a thread)."""
    lines = follower.poll()
    return digest(parser, lines, follower.status, line_filter)
