"""logfmt (`time=... level=info msg="..." k=v`: Go's slog and logrus text, Heroku, Grafana): a line of `key=value`
pairs with a level or a message is a head; any other line continues the record."""

from __future__ import annotations

import re

from tessa_tui.logs.formats.clock import stamp_time
from tessa_tui.logs.formats.log_format import LogFormat, Scan, go_panic, keyword_level
from tessa_tui.logs.levels import level_of

_START = re.compile(r"[\w.\-]+=", re.ASCII)
# A key starts where a word starts: without the lookbehind, a 1 MiB word after `level=` is retried from each of
# its characters (quadratic: minutes for one line).
_LEVEL = re.compile(r'(?<![\w.\-])(?:level|lvl|severity|loglevel)=(?:"([^"]{0,40})"|([^\s"]{1,40}))')
_TIME = re.compile(r'(?<![\w.\-])(?:time|ts|t|timestamp|@timestamp)=(?:"([^"]{0,60})"|([^\s"]{1,60}))')
_MSG = re.compile(r'(?<![\w.\-])(?:msg|message)=(?:"((?:[^"\\]|\\.)*)"|(\S*))')
PAIR = re.compile(r'(?<![\w.\-])([\w.\-]+)=("(?:[^"\\]|\\.)*"|\S*)')


class LogfmtFormat(LogFormat):
    name = "logfmt"
    description = "logfmt pairs (Go slog and logrus text, Heroku): `level=` and `time=` read"

    def head(self, line: str) -> Scan | None:
        if _START.match(line) is None or not ("level=" in line or "msg=" in line or "lvl=" in line):
            return go_panic(line)
        level = _LEVEL.search(line)
        stamp = _TIME.search(line)
        clock, when = stamp_time(stamp.group(1) or stamp.group(2)) if stamp else ("", None)
        if level is None:
            return keyword_level(line), clock, when
        return level_of(level.group(1) or level.group(2)), clock, when

    def message(self, text: str) -> str:
        found = _MSG.search(text.partition("\n")[0])
        if found is None:
            return ""
        quoted = found.group(1)
        return quoted.replace('\\"', '"') if quoted is not None else found.group(2)


LOGFMT = LogfmtFormat()
