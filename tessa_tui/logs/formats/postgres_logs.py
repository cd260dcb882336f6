"""PostgreSQL's stderr log with the common `log_line_prefix`es (the default `%m [%p] `, Debian's
`%m [%p] %q%u@%d `, pgBadger's `%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h `) and its csvlog.

A message's DETAIL, HINT, CONTEXT, STATEMENT and QUERY lines carry the prefix too, but belong to the message
they follow: one record, of its first line's level (csvlog and jsonlog write them as fields of one row).
"""

from __future__ import annotations

import csv
import io
import re

from tessa_tui.logs.formats.clock import ISO_TEXT, iso_time
from tessa_tui.logs.formats.log_format import PrefixFormat, Scan
from tessa_tui.logs.levels import word_level

_SEVERITY = r"DEBUG[1-5]|INFO|NOTICE|WARNING|ERROR|LOG|FATAL|PANIC|DETAIL|HINT|QUERY|CONTEXT|LOCATION|STATEMENT"
_PART_OF_MESSAGE = frozenset({"DETAIL", "HINT", "QUERY", "CONTEXT", "LOCATION", "STATEMENT"})
# Time first (%m or %t, maybe a zone we do not know), the pid, then up to 300 characters of user, database,
# application before `SEVERITY:  ` (PostgreSQL writes two spaces after it).
_STDERR = re.compile(
    rf"{ISO_TEXT}(?: [\w+-]{{1,6}})? \[(\d+)\]:? (?:\[\d+-\d+\] )?.{{0,300}}?\b({_SEVERITY}):  ",
    re.ASCII,
)


def _stderr(match: re.Match[str]) -> Scan:
    clock, when = iso_time(match)
    return word_level(match.group(5)), clock, when


POSTGRES = PrefixFormat(
    "postgres",
    "PostgreSQL's stderr log (log_line_prefix `%m [%p] `, Debian's, pgBadger's)",
    _STDERR,
    _stderr,
    is_head=lambda match: match.group(5) not in _PART_OF_MESSAGE,
)

# csvlog: log_time, user_name, database_name, process_id, connection_from, session_id, session_line_num,
# command_tag, session_start_time, virtual_transaction_id, transaction_id, error_severity (12th), sql_state_code,
# message, detail, hint, ... (PostgreSQL 13-17, "Using CSV-Format Log Output"). A quoted field may span lines:
# a record is a whole row.
_FIELD = r'(?:"(?:[^"]|"")*"|[^,"\n]*),'
_CSV = re.compile(rf"{ISO_TEXT}[^,\n]*,(?:{_FIELD}){{10}}([A-Z]+[1-5]?),", re.ASCII)
_MESSAGE, _DETAIL, _HINT = 13, 14, 15


def _csv(match: re.Match[str]) -> Scan:
    clock, when = iso_time(match)
    return word_level(match.group(4)), clock, when


class CsvLogFormat(PrefixFormat):
    def message(self, text: str) -> str:
        try:
            row = next(csv.reader(io.StringIO(text)), [])
        except csv.Error:  # a NUL byte, a field past csv's limit
            return ""
        if len(row) <= _MESSAGE:
            return ""
        extra = [f"{name}: {row[i]}" for name, i in (("DETAIL", _DETAIL), ("HINT", _HINT)) if len(row) > i and row[i]]
        return "  ".join([row[_MESSAGE], *extra])


POSTGRES_CSV = CsvLogFormat("postgres-csv", "PostgreSQL's csvlog (a row may span lines)", _CSV, _csv)
