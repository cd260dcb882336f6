"""Plain text: a line starts a record unless it continues one (an indented frame, `Caused by:`, a traceback's
header or final exception line, a Go goroutine dump, a blank line); the level is a word in the line."""

from __future__ import annotations

import re

from tessa_tui.logs.formats.clock import ISO_TEXT, iso_time
from tessa_tui.logs.formats.log_format import KEYWORD, LogFormat, Scan, go_panic
from tessa_tui.logs.levels import word_level

CONTINUATION_STARTS = (
    "Caused by:",  # Java, logback
    "Suppressed:",
    "Traceback ",  # Python
    "During handling",
    "The above exception",
    "> File",  # loguru's `backtrace` marker
    "goroutine ",  # Go panics
    "created by ",
    "[signal ",
)
# A traceback's last line (`KeyError: 'k'`, `java.lang.IllegalStateException: x`, Node's `Error: x`) and a Go
# frame (`main.main()`, `main.(*T).run(...)`).
_EXCEPTION = re.compile(
    r"(?:[a-z_][\w$]*\.)*(?:[A-Z][\w$]*)?(?:Error|Exception|Exit|Interrupt|Warning|Throwable|Failure)(?::|$)"
    r"|[\w/.-]*\.[\w.*()\[\]/-]*\(.*\)$",
    re.ASCII,
)
# The plain format's clock: a leading ISO stamp, bracketed or not.
_LEADING = re.compile(rf"\[?{ISO_TEXT}\]?", re.ASCII)


def is_continuation(line: str) -> bool:
    """A line that belongs to the record before it in text whose records have no common head."""
    if not line or line[0] in " \t" or not line.strip():
        return True
    if line.startswith(CONTINUATION_STARTS):
        return True
    return line[0] != "{" and _EXCEPTION.match(line) is not None


def plain_scan(line: str) -> Scan:
    match = KEYWORD.search(line, 0, 300)
    level = word_level(match.group(1)) if match else "unknown"
    stamp = _LEADING.match(line)
    if stamp is None:
        return level, "", None
    clock, when = iso_time(stamp)
    return level, clock, when


class PlainFormat(LogFormat):
    name = "plain"
    description = "plain text: every line a record but for stack traces; the level a word in the line"

    def head(self, line: str) -> Scan | None:
        if is_continuation(line):
            return go_panic(line)
        return plain_scan(line)

    def message(self, text: str) -> str:
        first, newline, _ = text.partition("\n")
        stamp = _LEADING.match(first)
        if stamp is None:
            return first if newline and go_panic(first) else ""  # a panic's first line, not its goroutines
        return first[stamp.end() :].lstrip(" :")


PLAIN = PlainFormat()
