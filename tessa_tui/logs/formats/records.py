"""`LogParser`: one source's lines into records, batch after batch, in its format (named, or detected from the
first lines). A record is complete when the next one's head arrives; until then it is held.

The hot path scans each head for level and time and keeps the sanitised text; the message (`summary`) is
derived when a record is drawn (`summary_of`), so a flood costs a regex or two per line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tessa_tui.base.sanitize import sanitize
from tessa_tui.logs.formats.detect import SAMPLE, detect_format, format_named
from tessa_tui.logs.formats.log_format import NO_SCAN
from tessa_tui.logs.formats.record import MAX_RECORD, LogRecord, Row

if TYPE_CHECKING:
    from tessa_tui.logs.formats.log_format import LogFormat, Scan
    from tessa_tui.logs.levels import Level


# What sanitize leaves alone in ASCII text: the printable characters, tab and (between lines) newline.
_SAFE_ASCII = bytes(range(0x20, 0x7F)) + b"\t\n"


def clean_lines(lines: list[str]) -> list[str]:
    """The lines sanitised: the same list back when no line needs it (the common case, checked over the whole
    batch at once: bytes.translate is five times faster than sanitize's regex), line by line otherwise."""
    joined = "\n".join(lines)
    if joined.count("\n") == len(lines) - 1:
        if joined.isascii():
            if not joined.encode("ascii").translate(None, _SAFE_ASCII):
                return lines
        elif sanitize(joined, keep_newlines=True) is joined:  # re.sub returns its argument when it replaced nothing
            return lines
    return [sanitize(line) for line in lines]


class LogParser:
    """One source's lines into records. A record's level and time are its head line's; a record without a time
    takes the one before it, so the merged view keeps it in place."""

    def __init__(self, fmt: str = "auto", source: str = "") -> None:
        self.fmt = fmt
        self.source = source
        self._format: LogFormat | None = format_named(fmt)
        self._sample: list[str] | None = [] if self._format is None else None
        self._next_detection = 1
        self._open = False
        self._level: Level = "unknown"
        self._clock = ""
        self._when: float | None = None
        self._text = ""
        self._more: list[str] | None = None
        self._size = 0
        self._last: tuple[Level, str, float | None] = NO_SCAN

    @property
    def format(self) -> LogFormat | None:
        """The format lines are read in; None until an `auto` parser has seen a line."""
        return self._format

    def feed(self, lines: list[str]) -> list[LogRecord]:
        """The records `lines` complete (the last one read stays open: see held)."""
        return [LogRecord._make(row) for row in self.feed_rows(lines)]

    def feed_rows(self, lines: list[str], heads: list[Scan | None] | None = None) -> list[Row]:
        """`feed`, as rows (what the view stores), summaries left to `summary_of`; each line's `head` scan (None:
        it continues a record) appended to `heads` when given (the file's index takes them: one look per line)."""
        if not lines:
            return []
        if self._sample is not None:
            self._observe(lines)
        fmt = self._format
        assert fmt is not None
        scans = list(map(fmt.head, lines))  # one look at each line (map: no Python loop around the calls)
        if heads is not None:
            heads += scans
        second_line_level = fmt.level_on_next_line
        source = self.source
        rows: list[Row] = []
        append = rows.append
        is_open, level, clock, when, text, more, size = (
            self._open,
            self._level,
            self._clock,
            self._when,
            self._text,
            self._more,
            self._size,
        )
        last_level, last_clock, last_when = self._last
        for raw, clean, scan in zip(lines, clean_lines(lines), scans, strict=True):
            if scan is None:
                if is_open:
                    if more is None:
                        more = []
                        if second_line_level and level == "unknown":
                            level = fmt.next_line_level(raw)
                    if size + len(clean) < MAX_RECORD:  # a runaway trace stops growing here
                        more.append(clean)
                        size += len(clean) + 1
                    continue
                scan = (last_level, last_clock, last_when)  # a trace whose record was flushed goes on in its level
            if is_open:
                append((level, clock, text if more is None else "\n".join([text, *more]), "", when, source))
            level, clock, when = scan
            if when is None:
                when, clock = last_when, clock or last_clock
            last_level, last_clock, last_when = level, clock, when
            is_open, text, more, size = True, clean, None, len(clean)
        self._open, self._level, self._clock, self._when = is_open, level, clock, when
        self._text, self._more, self._size = text, more, size
        self._last = (last_level, last_clock, last_when)
        return rows

    def held(self) -> LogRecord | None:
        """The record still open (more of its lines may come): shown provisionally, replaced when complete."""
        if not self._open:
            return None
        text = self._text if self._more is None else "\n".join([self._text, *self._more])
        return LogRecord(self._level, self._clock, text, "", self._when, self.source)

    def flush(self) -> list[LogRecord]:
        """Close the open record (the end of a command's output or of a file read whole, or quiet)."""
        record = self.held()
        self._open, self._text, self._more, self._size = False, "", None, 0
        return [record] if record is not None else []

    def _observe(self, lines: list[str]) -> None:
        """Detect the format from the first batch, then again as the sample doubles, until it holds SAMPLE lines:
        the first record never waits for the sample to fill."""
        sample = self._sample
        assert sample is not None
        sample += [line for line in lines[: SAMPLE * 4] if line.strip()][: SAMPLE - len(sample)]
        if self._format is None or len(sample) >= self._next_detection:
            self._format = detect_format(sample)
            self._next_detection = max(1, len(sample) * 2)
        if len(sample) >= SAMPLE:
            self._sample = None


def parse_lines(lines: list[str], fmt: str = "auto", source: str = "") -> list[LogRecord]:
    """The records of a whole text, the last one included."""
    parser = LogParser(fmt, source)
    return parser.feed(lines) + parser.flush()
