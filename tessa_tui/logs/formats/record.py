"""A log record and the plain tuple the view stores it as."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, NamedTuple

if TYPE_CHECKING:
    from tessa_tui.logs.levels import Level

DISPLAY_LIMIT = 2000
MAX_RECORD = 1024 * 1024  # a record with its stack trace is kept whole up to this many characters


class LogRecord(NamedTuple):
    """One log record; every text is sanitised.

    The view keeps records as plain tuples (`Row`, see `row_of`): the collector untracks a tuple of strings and
    floats, so 100k of them in the ring cost a full collection nothing (as objects: about 40 ms each time).
    The display line is derived when drawn, and equal clocks share one string.
    """

    level: Level
    time_of_day: str
    """The time of day as the record wrote it (`10:00:01`); empty when it has none."""
    full: str
    """The record as read (newlines joining a stack trace), for the detail view, pinning and filters."""
    summary: str = ""
    """The record's message where it is not the whole text (a JSON record's `msg`); empty when it is the whole
    text, or not derived yet (a record read in a flood: `message` derives it when it is drawn)."""
    when: float | None = None
    """Seconds since the epoch, for the merged view's order (a time without zone counts as UTC)."""
    source: str = ""

    @property
    def message(self) -> str:
        """The message to show: the summary, derived from the whole text when the record was only scanned."""
        if self.summary:
            return self.summary
        from tessa_tui.logs.formats.summary import summary_of  # the formats need this module first

        return summary_of(self)

    @property
    def line(self) -> str:
        """One display line: the message, cut to DISPLAY_LIMIT, newlines as spaces."""
        return self.message[:DISPLAY_LIMIT].replace("\n", " ")


Row = tuple[str, str, str, str, float | None, str]
"""A LogRecord as stored: (level, time_of_day, full, summary, when, source); `LogRecord._make(row)` reads it."""
LEVEL: Final = 0
CLOCK: Final = 1
FULL: Final = 2
SUMMARY: Final = 3
WHEN: Final = 4
SOURCE: Final = 5


def row_of(record: LogRecord) -> Row:
    return tuple.__new__(tuple, record)  # an exact tuple: see LogRecord
