"""`LogFormat`: how one format's records start, the cheap scan of a head line, and the full parse of a record;
`PrefixFormat`, a format whose head line is matched by one regex."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from tessa_tui.base.sanitize import sanitize
from tessa_tui.logs.formats.record import MAX_RECORD, LogRecord
from tessa_tui.logs.levels import word_level

if TYPE_CHECKING:
    from tessa_tui.logs.levels import Level

Scan = tuple["Level", str, float | None]
"""A head line's (level, time of day as written or "", epoch seconds or None)."""
NO_SCAN: Scan = ("unknown", "", None)
FATAL: Scan = ("fatal", "", None)
# Go's runtime writes these at a line's start whatever the program's log format; the goroutine dumps after
# them continue the record.
GO_PANIC = ("panic: ", "fatal error: ")
# Level words in free text (the plain fallback, syslog messages): whole words, any case.
KEYWORD = re.compile(
    r"\b(TRACE|DEBUG\d?|INFO|NOTICE|WARN(?:ING)?|ERROR|ERR|FATAL|CRIT(?:ICAL)?|PANIC|SEVERE)\b", re.IGNORECASE
)
# Colour codes around a field (Rust tracing, zap's colour encoder), raw or as sanitize shows them. Possessive:
# two of these around an optional `[` must not share a run of codes out between them (quadratic on a long run).
ANSI = r"(?:(?:\x1b|\\e)\[[\d;]*+m)*+"


def keyword_level(text: str) -> Level:
    match = KEYWORD.search(text, 0, 300)
    return word_level(match.group(1)) if match else "unknown"


def go_panic(line: str) -> Scan | None:
    return FATAL if line[:1] in "pf" and line.startswith(GO_PANIC) else None


class LogFormat:
    """One log format. `head` is the hot path (every line of a flood, every line of a file being indexed):
    a regex match or two, no JSON decoding, no sanitising."""

    name = "plain"
    description = ""
    family = ""
    """Formats of one family may hold each other's lines (Docker's json-file holds a traceback as JSON lines)."""
    level_on_next_line = False
    """The head names no level and the record's second line does (java.util.logging's two-line format)."""

    def head(self, line: str) -> Scan | None:
        """The scan of a line that starts a record; None for a line continuing the record before it."""
        raise NotImplementedError

    def starts_record(self, line: str) -> bool:
        return self.head(line) is not None

    def scan(self, line: str) -> Scan:
        """A head line's level, time of day as written and epoch seconds (NO_SCAN's values where it has none)."""
        return self.head(line) or NO_SCAN

    def next_line_level(self, line: str) -> Level:
        """The level a record's second line names (see level_on_next_line)."""
        return "unknown"

    def message(self, text: str) -> str:
        """The message of a whole record (unsanitised) for display; "" when it is the whole text."""
        return ""

    def parse(self, text: str, source: str = "") -> LogRecord:
        """A whole record (its lines joined with "\\n") parsed in full; every text sanitised; never raises."""
        text = text[:MAX_RECORD]
        first, _, rest = text.partition("\n")
        level, clock, when = self.head(first) or NO_SCAN
        if level == "unknown" and self.level_on_next_line and rest:
            level = self.next_line_level(rest.partition("\n")[0])
        summary = self.message(text) or (first if go_panic(first) and rest else "")
        return LogRecord(level, clock, sanitize(text, keep_newlines=True), sanitize(summary), when, source)


class PrefixFormat(LogFormat):
    """A format whose head line matches `pattern` at its start; `read` turns the match into the scan, and the
    message is what follows the match (or `message_group`)."""

    def __init__(
        self,
        name: str,
        description: str,
        pattern: re.Pattern[str],
        read: Callable[[re.Match[str]], Scan],
        *,
        is_head: Callable[[re.Match[str]], bool] | None = None,
        message_group: int | None = None,
        whole_line: bool = False,
    ) -> None:
        self.name = name
        self.description = description
        self.pattern = pattern
        self.read = read
        self.is_head = is_head
        self.message_group = message_group
        self.whole_line = whole_line

    def head(self, line: str) -> Scan | None:
        match = self.pattern.match(line)
        if match is None or (self.is_head is not None and not self.is_head(match)):
            return go_panic(line)
        return self.read(match)

    def message(self, text: str) -> str:
        first = text.partition("\n")[0]
        match = self.pattern.match(first)
        if match is None or self.whole_line:
            return ""
        if self.message_group is not None:
            return match.group(self.message_group) or ""
        return first[match.end() :]
