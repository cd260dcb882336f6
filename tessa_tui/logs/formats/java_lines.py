"""java.util.logging's default two-line format (SimpleFormatter, `%1$tb %1$td, %1$tY %1$tl:%1$tM:%1$tS %1$Tp
%2$s%n%4$s: %5$s%6$s%n`): `Dec 06, 2026 11:32:59 PM com.x.Y method` then `SEVERE: message`, one record whose
level is on its second line. logback's default and JUL's one-line formats are `stamped`."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tessa_tui.logs.formats.clock import month_time
from tessa_tui.logs.formats.log_format import PrefixFormat, Scan
from tessa_tui.logs.levels import word_level

if TYPE_CHECKING:
    from tessa_tui.logs.levels import Level

_HEAD = re.compile(r"([A-Z][a-z]{2}) (\d{1,2}), (\d{4}) (\d{1,2}):(\d\d):(\d\d) ([AP]M) \S+(?: \S+)?$", re.ASCII)
_SECOND = re.compile(r"(SEVERE|WARNING|INFO|CONFIG|FINE|FINER|FINEST): ", re.ASCII)


def _head(match: re.Match[str]) -> Scan:
    month, day, year, hour, minute, second, half = match.groups()
    hours = int(hour) % 12 + (12 if half == "PM" else 0)
    clock, when = month_time(int(year), month, day, f"{hours:02d}:{minute}:{second}")
    return "unknown", clock, when


class JulFormat(PrefixFormat):
    level_on_next_line = True

    def next_line_level(self, line: str) -> Level:
        match = _SECOND.match(line)
        return word_level(match.group(1)) if match else "unknown"

    def message(self, text: str) -> str:
        second = text.partition("\n")[2].partition("\n")[0]
        match = _SECOND.match(second)
        return second[match.end() :] if match else ""


JUL = JulFormat("jul", "java.util.logging's default two-line format (the level on the second line)", _HEAD, _head)
