"""Web and cache servers' own formats: access logs (combined / common, gunicorn's, uvicorn's) whose level is the
response status's, nginx's and Apache's error logs, Redis."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tessa_tui.logs.formats.clock import ACCESS_TEXT, access_time, iso_time, month_time
from tessa_tui.logs.formats.log_format import PrefixFormat, Scan
from tessa_tui.logs.levels import status_level, word_level

if TYPE_CHECKING:
    from tessa_tui.logs.levels import Level

# NCSA common / combined (Apache, nginx, gunicorn's default access_log_format): host ident user [time] "request"
# status ... A request line may hold `"` escaped as `\"`. The ident and user are optional (lnav's bad sample).
_ACCESS = re.compile(
    rf'[\w.:\-\[\]%]+ (?:\S+ \S+ )?\[{ACCESS_TEXT}\] "(?:[^"\\]|\\.)*" (\d{{3}}) ',
    re.ASCII,
)


def _access(match: re.Match[str]) -> Scan:
    clock, when = access_time(match)
    return status_level(int(match.group(4))), clock, when


ACCESS = PrefixFormat(
    "access",
    "web access logs (combined / common: Apache, nginx, gunicorn): the level from the status",
    _ACCESS,
    _access,
    whole_line=True,
)

# uvicorn's default: `INFO:     127.0.0.1:5000 - "GET / HTTP/1.1" 200 OK` (the level from the status) and
# `INFO:     Started server process [12]`; Python's basicConfig default `ERROR:root:message` is the same shape.
# uvicorn pads `LEVEL:` to nine characters and a space (`INFO:     `, `CRITICAL: `); java.util.logging's second
# line (`INFO: message`) has one space and is not this.
_LEVEL_FIRST = re.compile(
    r"(?:(DEBUG|INFO|WARNING|ERROR|TRACE):(?: {2,}|[\w.]*:)|(CRITICAL):(?: +|[\w.]*:))"
    r'(?:[\w.:\[\]-]+ - "(?:[^"\\]|\\.)*" (\d{3})\b)?',
    re.ASCII,
)


def _level_first(match: re.Match[str]) -> Scan:
    level, critical, status = match.groups()
    return (status_level(int(status)) if status else word_level(level or critical)), "", None


class LevelFirstFormat(PrefixFormat):
    def message(self, text: str) -> str:
        first = text.partition("\n")[0]
        return first.partition(":")[2].lstrip() if self.pattern.match(first) else ""


LEVEL_FIRST = LevelFirstFormat(
    "uvicorn",
    "`LEVEL:` first, no time: uvicorn (access lines by status) and Python's basicConfig default",
    _LEVEL_FIRST,
    _level_first,
)

# nginx: `2026/12/06 23:32:59 [error] 123#0: *1 message` (ngx_log_error_core).
_NGINX = re.compile(
    r"(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d)()() \[(debug|info|notice|warn|error|crit|alert|emerg)\] \d+#\d+: ",
    re.ASCII,
)


def _nginx(match: re.Match[str]) -> Scan:
    clock, when = iso_time(match)
    return word_level(match.group(4)), clock, when


NGINX_ERROR = PrefixFormat("nginx-error", "nginx's error log", _NGINX, _nginx)

# Apache 2.4: `[Sun Dec 06 23:32:59.123456 2026] [core:error] [pid 123:tid 456] [client 1.2.3.4:5] AH00124: msg`;
# 2.2: `[Sun Dec 06 23:32:59 2026] [error] [client 1.2.3.4] msg`. Levels emerg .. debug, trace1-8.
_APACHE = re.compile(
    r"\[[A-Z][a-z]{2} ([A-Z][a-z]{2}) +(\d{1,2}) (\d\d:\d\d:\d\d)(?:\.(\d+))? (\d{4})\] \[(?:[\w-]*:)?(\w+)\] ",
    re.ASCII,
)


def _apache(match: re.Match[str]) -> Scan:
    month, day, clock, fraction, year, level = match.groups()
    shown, when = month_time(int(year), month, day, clock, fraction)
    return word_level(level), shown, when


APACHE_ERROR = PrefixFormat("apache-error", "Apache httpd's error log (2.2 and 2.4)", _APACHE, _apache)

# Redis (server.c serverLogRaw): `pid:role dd Mon yyyy hh:mm:ss.mmm mark message`; the marks are
# `.` debug, `-` verbose, `*` notice, `#` warning.
_REDIS = re.compile(r"\d+:[XCSM] (\d\d) ([A-Z][a-z]{2}) (\d{4}) (\d\d:\d\d:\d\d)(?:\.(\d+))? ([.*#-]) ", re.ASCII)
_REDIS_MARKS: dict[str, Level] = {".": "debug", "-": "debug", "*": "info", "#": "warn"}


def _redis(match: re.Match[str]) -> Scan:
    day, month, year, clock, fraction, mark = match.groups()
    shown, when = month_time(int(year), month, day, clock, fraction)
    return _REDIS_MARKS[mark], shown, when


REDIS = PrefixFormat("redis", "Redis server log (`1:M 06 Dec 2026 23:32:59.123 * Ready`)", _REDIS, _redis)
