"""Log lines into records: the front of `logs/formats/` (the formats, their detection, the records parser).

A record is a head line and the lines that continue it (a stack trace, a PostgreSQL DETAIL, a CSV row's quoted
newlines); its level and time are its head's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tessa_tui.base.sanitize import sanitize
from tessa_tui.logs.formats.clock import stamp_time as stamp_time
from tessa_tui.logs.formats.detect import format_named
from tessa_tui.logs.formats.mixed import MIXED
from tessa_tui.logs.formats.plain import is_continuation as is_continuation
from tessa_tui.logs.formats.record import CLOCK as CLOCK
from tessa_tui.logs.formats.record import DISPLAY_LIMIT as DISPLAY_LIMIT
from tessa_tui.logs.formats.record import FULL as FULL
from tessa_tui.logs.formats.record import LEVEL as LEVEL
from tessa_tui.logs.formats.record import MAX_RECORD as MAX_RECORD
from tessa_tui.logs.formats.record import SOURCE as SOURCE
from tessa_tui.logs.formats.record import SUMMARY as SUMMARY
from tessa_tui.logs.formats.record import WHEN as WHEN
from tessa_tui.logs.formats.record import LogRecord as LogRecord
from tessa_tui.logs.formats.record import Row as Row
from tessa_tui.logs.formats.record import row_of as row_of
from tessa_tui.logs.formats.records import LogParser as LogParser
from tessa_tui.logs.formats.records import parse_lines as parse_lines
from tessa_tui.logs.formats.summary import summary_of as summary_of
from tessa_tui.logs.levels import LEVELS as LEVELS
from tessa_tui.logs.levels import level_of as level_of

if TYPE_CHECKING:
    from tessa_tui.logs.levels import Level as Level


def parse_line(line: str, fmt: str = "auto", source: str = "") -> LogRecord:
    """One line as a whole record, parsed in full in `fmt` (`auto`: the line's own format); never raises."""
    fmt_object = format_named(fmt) or MIXED
    record = fmt_object.parse(line, source)
    if "\n" in line:  # one line: its text shown on one line, as every line is
        record = record._replace(full=sanitize(line))
    return record
