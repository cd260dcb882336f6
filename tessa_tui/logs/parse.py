"""Log lines into records: JSON (pino, bunyan, structlog, zap, ECS, OpenTelemetry, Supabase), logfmt,
syslog, web access logs, PostgreSQL, or plain text with a level found by keyword."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, NamedTuple

import msgspec

from tessa_tui.base.sanitize import sanitize
from tessa_tui.logs.levels import LEVELS as LEVELS

if TYPE_CHECKING:
    from tessa_tui.logs.levels import Level as Level

DISPLAY_LIMIT = 2000
MAX_RECORD = 1024 * 1024  # a record with its stack trace is kept whole up to this many characters

_ALIASES: dict[str, Level] = {
    "trace": "trace",
    "debug": "debug",
    "debug1": "debug",
    "debug2": "debug",
    "debug3": "debug",
    "dbug": "debug",
    "info": "info",
    "information": "info",
    "notice": "info",
    "log": "info",
    "statement": "info",
    "detail": "info",
    "hint": "info",
    "context": "info",
    "warn": "warn",
    "warning": "warn",
    "wrn": "warn",
    "error": "error",
    "err": "error",
    "eror": "error",
    "critical": "fatal",
    "crit": "fatal",
    "fatal": "fatal",
    "panic": "fatal",
    "alert": "fatal",
    "emerg": "fatal",
    "emergency": "fatal",
    "severe": "error",
}
# pino / bunyan numeric levels.
_NUMERIC: tuple[tuple[int, Level], ...] = (
    (60, "fatal"),
    (50, "error"),
    (40, "warn"),
    (30, "info"),
    (20, "debug"),
    (10, "trace"),
)
_SYSLOG_PRIORITY: tuple[Level, ...] = ("fatal", "fatal", "fatal", "error", "warn", "info", "info", "debug")
_LEVEL_KEYS = ("level", "log.level", "severity", "severity_text", "severityText", "lvl", "levelname", "loglevel")
_MESSAGE_KEYS = ("msg", "message", "event", "event_message", "body", "log")
_TIME_KEYS = ("time", "timestamp", "@timestamp", "ts", "t", "datetime")
_CLOCKS: dict[str, str] = {}
_JSON = json.JSONDecoder(strict=False)  # raw control bytes in strings: read, then sanitised
_FAST_JSON = msgspec.json.Decoder()  # three times faster than json; strict, so the above takes what it refuses
# A key starts where a word starts: without the lookbehind, a 1 MiB word after `level=` is retried from each of
# its characters (quadratic: minutes for one line).
_LOGFMT_PAIR = re.compile(r'(?<![\w.\-])([\w.\-]+)=("(?:[^"\\]|\\.)*"|\S*)')
_ACCESS = re.compile(r'^\S+ \S+ \S+ \[([^\]]+)\] "[^"]*" (\d{3}) ')
_POSTGRES = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \w+) \[\d+\](?: \S+)? (\w+):\s+(.*)$")
_SYSLOG = re.compile(r"^([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) (\S+) ([^:\[]+)(?:\[\d+\])?: (.*)$")
_KEYWORD = re.compile(
    r"\b(TRACE|DEBUG\d?|INFO|NOTICE|WARN(?:ING)?|ERROR|ERR|FATAL|CRIT(?:ICAL)?|PANIC|SEVERE)\b", re.IGNORECASE
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?", re.ASCII)  # str.isdigit() also takes `²`, which int() refuses
_ISO = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?")
_ACCESS_TIME = re.compile(r"(\d\d)/([A-Za-z]{3})/(\d{4}):(\d\d:\d\d:\d\d) ([+-]\d{4})")
_SYSLOG_TIME = re.compile(r"([A-Z][a-z]{2}) +(\d{1,2}) (\d\d:\d\d:\d\d)")
_MONTHS = {
    m: n for n, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)
}
_LEADING_TIME = re.compile(r"^\[?(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)\]?")


class LogRecord(NamedTuple):
    """One log record; every text is sanitised.

    The view keeps records as plain tuples (`Row`, see `row_of`): the collector untracks a tuple of strings and
    floats, so 100k of them in the ring cost a full collection nothing (as objects: about 40 ms each time).
    The display line is derived when drawn, and equal clocks share one string.
    """

    level: Level
    time_of_day: str
    """The time of day as the record wrote it (`10:00:01`); empty when it has none."""
    full: str
    """The record as read (newlines joining a stack trace), for the detail view, pinning and filters."""
    summary: str = ""
    """The record's message where it is not the whole text (a JSON record's `msg`); empty otherwise."""
    when: float | None = None
    """Seconds since the epoch, for the merged view's order (a time without zone counts as UTC)."""
    source: str = ""

    @property
    def message(self) -> str:
        return self.summary or self.full

    @property
    def line(self) -> str:
        """One display line: the message, cut to DISPLAY_LIMIT, newlines as spaces."""
        return self.message[:DISPLAY_LIMIT].replace("\n", " ")


Row = tuple[str, str, str, str, float | None, str]
"""A LogRecord as stored: (level, time_of_day, full, summary, when, source); `LogRecord._make(row)` reads it."""
LEVEL: Final = 0
CLOCK: Final = 1
FULL: Final = 2
SUMMARY: Final = 3
WHEN: Final = 4
SOURCE: Final = 5


def row_of(record: LogRecord) -> Row:
    return tuple.__new__(tuple, record)  # an exact tuple: see LogRecord


def level_of(value: Any) -> Level:
    """A level from a name (`WARNING`, `err`, `debug2`) or a pino/bunyan number."""
    if isinstance(value, bool):
        return "unknown"
    if isinstance(value, int | float):
        return next((name for floor, name in _NUMERIC if value >= floor), "trace")
    if isinstance(value, str):
        text = value.strip().lower()
        if _NUMBER.fullmatch(text):
            return level_of(float(text))  # float: a 5,000-digit level is inf, not int()'s ValueError
        return _ALIASES.get(text, "unknown")
    return "unknown"


def _keyword_level(text: str) -> Level:
    match = _KEYWORD.search(text[:300])
    return level_of(match.group(1)) if match else "unknown"


def _get(data: dict[str, Any], key: str) -> Any:
    if key in data:
        return data[key]
    head, _, tail = key.partition(".")
    inner = data.get(head)
    return _get(inner, tail) if tail and isinstance(inner, dict) else None


def _json_record(line: str, data: dict[str, Any], source: str) -> LogRecord:
    level_value = next((v for k in _LEVEL_KEYS if (v := _get(data, k)) is not None), None)
    message = next((v for k in _MESSAGE_KEYS if isinstance(v := _get(data, k), str)), None)
    if message is None and isinstance(data.get("fields"), dict):  # Rust tracing
        message = data["fields"].get("message")
    stamp = next((v for k in _TIME_KEYS if (v := _get(data, k)) is not None), None)
    level = level_of(level_value) if level_value is not None else "unknown"
    if level == "unknown" and (priority := _priority(data.get("PRIORITY"))) is not None:
        level = _SYSLOG_PRIORITY[priority]  # journald: syslog priorities 0-7
    if level == "unknown" and isinstance(data.get("status"), int):
        level = _status_level(data["status"])
    clock, when = stamp_time(stamp)
    summary = sanitize(message) if isinstance(message, str) else ""
    return LogRecord(level, clock, sanitize(line), summary, when, source)


def _priority(value: Any) -> int | None:
    """journald's PRIORITY (a number or a digit string) as 0-7; None for anything else."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        digits = value.lstrip("0")
        return 7 if len(digits) > 1 else min(int(digits or "0"), 7)  # never int() on 5,000 digits
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return min(value, 7)
    return None


def _status_level(status: int) -> Level:
    return "error" if status >= 500 else "warn" if status >= 400 else "info"


def _shared(clock: str) -> str:
    """One string per distinct clock (a flood writes thousands of records a second with the same one)."""
    if len(_CLOCKS) > 4096:
        _CLOCKS.clear()
    return _CLOCKS.setdefault(clock, clock)


def stamp_time(stamp: Any) -> tuple[str, float | None]:
    """A record's time as (time of day as written, epoch seconds): ISO 8601, PostgreSQL, access-log and syslog
    stamps, or epoch numbers in s / ms / µs / ns. ("", None) when it is none of these."""
    if isinstance(stamp, int | float) and not isinstance(stamp, bool):
        return _epoch(stamp)
    if not isinstance(stamp, str) or not stamp:
        return "", None
    if _NUMBER.fullmatch(stamp):
        return _epoch(float(stamp))
    if stamp[:1].isdigit() and (moment := _iso(stamp)) is not None:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return _shared(stamp[11:19]), moment.timestamp()
    if match := _ACCESS_TIME.match(stamp):
        day, month, year, clock, zone = match.groups()
        offset = (int(zone[1:3]) * 60 + int(zone[3:5])) * (-60 if zone[0] == "-" else 60)
        return _shared(clock), _seconds(int(year), month, int(day), clock, offset)
    if match := _SYSLOG_TIME.match(stamp):
        month, day, clock = match.groups()  # syslog has no year: this one
        return _shared(clock), _seconds(datetime.now(UTC).year, month, int(day), clock, 0)
    return "", None


def _seconds(year: int, month: str, day: int, clock: str, offset_s: int) -> float | None:
    """Epoch seconds from parts (strptime is ten times slower, and this runs for every line of a flood)."""
    try:
        hour, minute, second = int(clock[:2]), int(clock[3:5]), int(clock[6:8])
        moment = datetime(year, _MONTHS[month.lower()], day, hour, minute, second, tzinfo=UTC)
    except (KeyError, ValueError):
        return None
    return moment.timestamp() - offset_s


def _iso(stamp: str) -> datetime | None:
    try:  # the common case, in C: `2026-11-28T10:00:01.123Z`, `2026-11-28 10:00:01,123`
        return datetime.fromisoformat(stamp)
    except ValueError:
        pass
    match = _ISO.match(stamp)  # a stamp with more after it: `2025-08-13 01:45:01.123 PDT`
    try:
        return datetime.fromisoformat(match.group(0)) if match else None
    except ValueError:
        return None


def _epoch(number: float) -> tuple[str, float | None]:
    """Epoch seconds from a number in s / ms / µs / ns; ("", None) for a count, an id, inf, NaN or 1e400."""
    if not 1e8 <= number < 1e20:  # before 1973 (a count, an id) or after 5138 in ns; NaN and inf fail too
        return "", None
    value = float(number)
    for _ in range(3):  # seconds stay below 1e11 until the year 5138: bigger numbers are ms, µs or ns
        if value < 1e11:
            break
        value /= 1000
    if value < 1e8:  # 1e11..1e14 ms and the like: before 1973
        return "", None
    return _shared(time.strftime("%H:%M:%S", time.gmtime(value))), value


def parse_line(line: str, fmt: str = "auto", source: str = "") -> LogRecord:
    """Parse one line (already decoded); never raises."""
    stripped = line.strip()
    if fmt in {"auto", "json"} and stripped.startswith("{"):
        try:
            data = _FAST_JSON.decode(stripped)
        except RecursionError:
            data = None
        except (msgspec.DecodeError, UnicodeEncodeError):  # a lone surrogate cannot be UTF-8: json takes it
            try:
                data = _JSON.decode(stripped)
            except (ValueError, RecursionError):
                data = None
        if isinstance(data, dict):
            return _json_record(line, data, source)
    text = sanitize(line)
    if fmt in {"auto", "logfmt"} and "=" in line and ("level=" in line or "msg=" in line):
        pairs = {k: v.strip('"') for k, v in _LOGFMT_PAIR.findall(line)}
        if "level" in pairs or "msg" in pairs:
            level = level_of(pairs.get("level", "")) if "level" in pairs else _keyword_level(line)
            clock, when = stamp_time(pairs.get("time", pairs.get("ts", "")))
            return LogRecord(level, clock, text, sanitize(pairs.get("msg", "")), when, source)
    if fmt in {"auto", "access"} and (match := _ACCESS.match(line)):
        clock, when = stamp_time(match.group(1))
        return LogRecord(_status_level(int(match.group(2))), clock, text, "", when, source)
    if fmt in {"auto", "postgres"} and (match := _POSTGRES.match(line)):
        clock, when = stamp_time(match.group(1))
        return LogRecord(level_of(match.group(2)), clock, text, sanitize(match.group(3)), when, source)
    if fmt in {"auto", "syslog"} and (match := _SYSLOG.match(line)):
        clock, when = stamp_time(match.group(1))
        return LogRecord(_keyword_level(match.group(4)), clock, text, sanitize(match.group(4)), when, source)
    stamp = _LEADING_TIME.match(line)
    if stamp is None:
        return LogRecord(_keyword_level(line), "", text, "", None, source)
    clock, when = stamp_time(stamp.group(1))
    summary = sanitize(line[stamp.end() :].lstrip(" :"))
    return LogRecord(_keyword_level(line), clock, text, summary, when, source)


def is_continuation(line: str) -> bool:
    """A line that belongs to the record before it: an indented stack-trace frame, `Caused by:`, or a blank
    line (Python separates chained tracebacks with one)."""
    return not line or line[0] in " \t" or line.startswith(("Caused by:", "Traceback ", "During handling"))


class LogParser:
    """One source's lines into records, batch after batch. A stack trace joins its record; one split across
    two reads goes on as records of the same level and time. A record without a time takes the one before it,
    so the merged view keeps it in place."""

    def __init__(self, fmt: str = "auto", source: str = "") -> None:
        self.fmt = fmt
        self.source = source
        self._last: LogRecord | None = None

    def feed(self, lines: list[str]) -> list[LogRecord]:
        records: list[LogRecord] = []
        last = self._last
        trace: list[str] = []  # continuation lines of records[-1], joined once it is complete (not per line:
        size = 0  # appending to a 1 MiB string line by line copies it each time, quadratic in a flood)
        for raw in lines:
            if last is not None and is_continuation(raw):
                if not records:  # the record before is already shown: go on in its level and time
                    last = LogRecord(last.level, last.time_of_day, sanitize(raw), "", last.when, self.source)
                    records.append(last)
                    size = len(last.full)
                elif size + len(raw) < MAX_RECORD:  # a runaway trace stops growing here
                    trace.append(sanitize(raw))
                    size += len(trace[-1]) + 1
                continue
            if trace:
                records[-1] = _joined(records[-1], trace)
                trace = []
            record = parse_line(raw, self.fmt, self.source)
            if record.when is None and last is not None:
                record = record._replace(when=last.when, time_of_day=record.time_of_day or last.time_of_day)
            records.append(record)
            last, size = record, len(record.full)
        if trace:
            records[-1] = _joined(records[-1], trace)
        self._last = records[-1] if records else last
        return records


def _joined(record: LogRecord, trace: list[str]) -> LogRecord:
    return record._replace(full="\n".join([record.full, *trace]))


def parse_lines(lines: list[str], fmt: str = "auto", source: str = "") -> list[LogRecord]:
    """Parse one batch of lines, folding continuation lines (stack traces) into the record before them."""
    return LogParser(fmt, source).feed(lines)
