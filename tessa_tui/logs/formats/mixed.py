"""`auto` for text no single format explains (docker compose output, a command's mixed stdout and stderr): each
line's format decided on its own, by its first character and a match or two; a line no format claims is plain
text (a head unless it continues a stack trace)."""

from __future__ import annotations

import re

from tessa_tui.logs.formats.java_lines import JUL
from tessa_tui.logs.formats.json_lines import JSON_FORMAT, json_scan
from tessa_tui.logs.formats.log_format import LogFormat, PrefixFormat, Scan
from tessa_tui.logs.formats.logfmt_lines import LOGFMT
from tessa_tui.logs.formats.plain import PLAIN, is_continuation, plain_scan
from tessa_tui.logs.formats.postgres_logs import POSTGRES, POSTGRES_CSV
from tessa_tui.logs.formats.server_logs import ACCESS, APACHE_ERROR, LEVEL_FIRST, NGINX_ERROR, REDIS
from tessa_tui.logs.formats.stamped import STAMP, STAMPED
from tessa_tui.logs.formats.syslog_lines import SYSLOG_FORMAT

_MONTH_NAMES = frozenset(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"))
# `docker compose logs` / `up`: `service-1  | line`, maybe after colour codes and an erase-line.
_COMPOSE = re.compile(r"(?:(?:\x1b|\\e)\[[\d;]*+[A-Za-z])*+([\w.-]{1,64}) *\| ?", re.ASCII)

Claim = tuple[LogFormat, Scan | None]
"""The format that recognises a line, and its scan (None: a line that continues a record, like PostgreSQL's
DETAIL)."""


def _prefixed(fmt: PrefixFormat, line: str) -> Claim | None:
    match = fmt.pattern.match(line)
    if match is None:
        return None
    if fmt.is_head is not None and not fmt.is_head(match):
        return fmt, None
    return fmt, fmt.read(match)


class ComposePrefixed(LogFormat):
    name = "compose"

    def message(self, text: str) -> str:
        match = _COMPOSE.match(text)
        rest = text[match.end() :] if match else text
        return MIXED.message(rest) or rest


_COMPOSED = ComposePrefixed()


class MixedFormat(LogFormat):
    name = "auto"
    description = "each line's format decided on its own (mixed output, docker compose)"

    def claim(self, line: str) -> Claim | None:
        """The format that recognises `line`; None when none does (plain text)."""
        first = line[:1]
        if first == "{":
            return JSON_FORMAT, json_scan(line)
        if "0" <= first <= "9":
            match = STAMP.match(line)
            if match is None:
                return _prefixed(ACCESS, line) or _prefixed(REDIS, line)
            after = line[match.end() : match.end() + 2]
            if after == " [" or after[:1] == ",":
                if line[4:5] == "/" and (found := _prefixed(NGINX_ERROR, line)):
                    return found
                if found := _prefixed(POSTGRES, line) or _prefixed(POSTGRES_CSV, line):
                    return found
            return STAMPED, STAMPED.scan_match(line, match)
        if "A" <= first <= "Z" or "a" <= first <= "z":
            if line[3:4] == " " and line[:3] in _MONTH_NAMES:
                return (line[6:7] == "," and _prefixed(JUL, line)) or _prefixed_syslog(line)
            if "=" in line[:40] and (scan := LOGFMT.head(line)) is not None:
                return LOGFMT, scan
            if ":" in line[:10] and (found := _prefixed(LEVEL_FIRST, line)):
                return found
            return _compose(self, line) or _prefixed(ACCESS, line)
        if first == "[":
            if "A" <= line[1:2] <= "Z" and (found := _prefixed(APACHE_ERROR, line)):
                return found
            if match := STAMP.match(line):
                return STAMPED, STAMPED.scan_match(line, match)
            return None
        if first == "<":
            return _prefixed_syslog(line)
        if first in "\x1b\\":
            if match := STAMP.match(line):
                return STAMPED, STAMPED.scan_match(line, match)
            return _compose(self, line)
        if first == ":":
            return _prefixed(ACCESS, line)
        return None

    def head(self, line: str) -> Scan | None:
        first = line[:1]
        if first == "{":  # the two commonest shapes first, without claim's tuple
            return json_scan(line)
        if "0" <= first <= "9" and (match := STAMP.match(line)) is not None:
            after = line[match.end() : match.end() + 2]
            if after != " [" and after[:1] != ",":
                return STAMPED.scan_match(line, match)
        found = self.claim(line)
        if found is None:
            return None if is_continuation(line) else plain_scan(line)
        return found[1]

    def message(self, text: str) -> str:
        found = self.claim(text.partition("\n")[0])
        return (found[0] if found else PLAIN).message(text)


def _prefixed_syslog(line: str) -> Claim | None:
    match = SYSLOG_FORMAT.match(line)
    return (SYSLOG_FORMAT, SYSLOG_FORMAT.scan_match(line, match)) if match else None


def _compose(mixed: MixedFormat, line: str) -> Claim | None:
    match = _COMPOSE.match(line)
    if match is None:
        return None
    rest = line[match.end() :]
    if rest[:1] == " " and rest[1:2] not in (" ", "\t", ""):  # ` * Serving Flask app`: a line, not a frame
        rest = rest[1:]
    return _COMPOSED, mixed.head(rest)


MIXED = MixedFormat()
