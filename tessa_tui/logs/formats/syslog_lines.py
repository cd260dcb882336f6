"""syslog: RFC 5424 (`<165>1 2003-10-11T22:14:15.003Z host app 12 ID47 [sd] msg`) and RFC 3164 / BSD
(`<34>Oct 11 22:14:15 host app[12]: msg`, with or without the `<PRI>`); the level is the priority's severity,
or a level word in the message when there is no priority."""

from __future__ import annotations

import re

from tessa_tui.logs.formats.clock import ISO_TEXT, iso_time, month_time, this_year
from tessa_tui.logs.formats.log_format import KEYWORD, LogFormat, Scan, go_panic
from tessa_tui.logs.levels import SYSLOG, word_level

_RFC5424 = re.compile(rf"<(\d{{1,3}})>\d{{1,2}} (?:{ISO_TEXT}|-) \S+ \S+ \S+ \S+ (?:-|(?:\[(?:[^\]\\]|\\.)*\])+) ?")
_RFC3164 = re.compile(
    r"(?:<(\d{1,3})>)?([A-Z][a-z]{2}) +(\d{1,2}) (\d\d:\d\d:\d\d)(?:\.(\d+))? (\S+) (?:([^:\[\s]+)(?:\[\d+\])?: ?)?",
    re.ASCII,
)
_YEAR = this_year()


def _severity(priority: str) -> str:
    return SYSLOG[int(priority) & 7]


class SyslogFormat(LogFormat):
    name = "syslog"
    description = "syslog, RFC 5424 and RFC 3164 (with or without `<PRI>`): the level from the priority"

    def match(self, line: str) -> re.Match[str] | None:
        if line[:1] == "<" and (match := _RFC5424.match(line)):
            return match
        return _RFC3164.match(line)

    def head(self, line: str) -> Scan | None:
        match = self.match(line)
        if match is None:
            return go_panic(line)
        return self.scan_match(line, match)

    def scan_match(self, line: str, match: re.Match[str]) -> Scan:
        if match.re is _RFC5424:
            clock, when = iso_time(match, 2)
        else:
            month, day, clock, fraction = match.group(2, 3, 4, 5)
            clock, when = month_time(_YEAR, month, day, clock, fraction)
        priority = match.group(1)
        if priority is not None and len(priority) <= 3:
            return _severity(priority), clock, when  # type: ignore[return-value]  # SYSLOG holds levels
        word = KEYWORD.search(line, match.end(), match.end() + 300)
        return (word_level(word.group(1)) if word else "unknown"), clock, when

    def message(self, text: str) -> str:
        first = text.partition("\n")[0]
        match = self.match(first)
        return first[match.end() :] if match else ""


SYSLOG_FORMAT = SyslogFormat()
