"""Log lines into records: JSON (pino, bunyan, structlog, zap, ECS, OpenTelemetry, Supabase), logfmt,
syslog, web access logs, PostgreSQL, or plain text with a level found by keyword."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from tessa_tui.sanitize import sanitize

Level = Literal["trace", "debug", "info", "warn", "error", "fatal", "unknown"]
LEVELS: tuple[Level, ...] = ("trace", "debug", "info", "warn", "error", "fatal", "unknown")
DISPLAY_LIMIT = 2000

_ALIASES: dict[str, Level] = {
    "trace": "trace", "debug": "debug", "debug1": "debug", "debug2": "debug", "debug3": "debug", "dbug": "debug",
    "info": "info", "information": "info", "notice": "info", "log": "info", "statement": "info", "detail": "info",
    "hint": "info", "context": "info", "warn": "warn", "warning": "warn", "wrn": "warn", "error": "error",
    "err": "error", "eror": "error", "critical": "fatal", "crit": "fatal", "fatal": "fatal", "panic": "fatal",
    "alert": "fatal",
    "emerg": "fatal", "emergency": "fatal", "severe": "error",
}  # fmt: skip
# pino / bunyan numeric levels.
_NUMERIC: tuple[tuple[int, Level], ...] = (
    (60, "fatal"), (50, "error"), (40, "warn"), (30, "info"), (20, "debug"), (10, "trace")
)  # fmt: skip
_SYSLOG_PRIORITY: tuple[Level, ...] = ("fatal", "fatal", "fatal", "error", "warn", "info", "info", "debug")
_LEVEL_KEYS = ("level", "log.level", "severity", "severity_text", "severityText", "lvl", "levelname", "loglevel")
_MESSAGE_KEYS = ("msg", "message", "event", "event_message", "body", "log")
_TIME_KEYS = ("time", "timestamp", "@timestamp", "ts", "t", "datetime")
_LOGFMT_PAIR = re.compile(r'([\w.\-]+)=("(?:[^"\\]|\\.)*"|\S*)')
_ACCESS = re.compile(r'^\S+ \S+ \S+ \[([^\]]+)\] "[^"]*" (\d{3}) ')
_POSTGRES = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \w+) \[\d+\](?: \S+)? (\w+):\s+(.*)$")
_SYSLOG = re.compile(r"^([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) (\S+) ([^:\[]+)(?:\[\d+\])?: (.*)$")
_KEYWORD = re.compile(
    r"\b(TRACE|DEBUG\d?|INFO|NOTICE|WARN(?:ING)?|ERROR|ERR|FATAL|CRIT(?:ICAL)?|PANIC|SEVERE)\b", re.IGNORECASE
)
_LEADING_TIME = re.compile(r"^\[?(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)\]?")


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One log record as the pane and `tessa-tui logs` show it; every text is sanitised."""

    text: str
    """The whole record, one display line, cut to DISPLAY_LIMIT characters."""
    level: Level
    time: str
    message: str
    full: str
    """The record as read (sanitised, newlines kept), for the detail view."""
    fields: dict[str, Any] | None = None


def level_of(value: Any) -> Level:
    """A level from a name (`WARNING`, `err`, `debug2`) or a pino/bunyan number."""
    if isinstance(value, bool):
        return "unknown"
    if isinstance(value, int | float):
        return next((name for floor, name in _NUMERIC if value >= floor), "trace")
    if isinstance(value, str):
        text = value.strip().lower()
        if text.isdigit():
            return level_of(int(text))
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


def _json_record(line: str, data: dict[str, Any]) -> LogRecord:
    level_value = next((v for k in _LEVEL_KEYS if (v := _get(data, k)) is not None), None)
    message = next((v for k in _MESSAGE_KEYS if isinstance(v := _get(data, k), str)), None)
    if message is None and isinstance(data.get("fields"), dict):  # Rust tracing
        message = data["fields"].get("message")
    stamp = next((v for k in _TIME_KEYS if (v := _get(data, k)) is not None), "")
    level = level_of(level_value) if level_value is not None else "unknown"
    if level == "unknown" and str(data.get("PRIORITY", "")).isdigit():  # journald: syslog priorities 0-7
        level = _SYSLOG_PRIORITY[min(int(data["PRIORITY"]), 7)]
    if level == "unknown" and isinstance(data.get("status"), int):
        level = _status_level(data["status"])
    text = sanitize(line)
    return LogRecord(text[:DISPLAY_LIMIT], level, sanitize(str(stamp)), sanitize(str(message or "")), text, data)


def _status_level(status: int) -> Level:
    return "error" if status >= 500 else "warn" if status >= 400 else "info"


def parse_line(line: str, fmt: str = "auto") -> LogRecord:
    """Parse one line (already decoded); never raises."""
    stripped = line.strip()
    if fmt in {"auto", "json"} and stripped.startswith("{"):
        try:
            data = json.loads(stripped, strict=False)  # raw control bytes in strings: read, then sanitised
        except (ValueError, RecursionError):
            data = None
        if isinstance(data, dict):
            return _json_record(line, data)
    text = sanitize(line)
    if fmt in {"auto", "logfmt"} and "=" in line and ("level=" in line or "msg=" in line):
        pairs = {k: v.strip('"') for k, v in _LOGFMT_PAIR.findall(line)}
        if "level" in pairs or "msg" in pairs:
            level = level_of(pairs.get("level", "")) if "level" in pairs else _keyword_level(line)
            return LogRecord(text[:DISPLAY_LIMIT], level, sanitize(pairs.get("time", pairs.get("ts", ""))),
                             sanitize(pairs.get("msg", "")), text)  # fmt: skip
    if fmt in {"auto", "access"} and (match := _ACCESS.match(line)):
        return LogRecord(text[:DISPLAY_LIMIT], _status_level(int(match.group(2))), match.group(1), text, text)
    if fmt in {"auto", "postgres"} and (match := _POSTGRES.match(line)):
        return LogRecord(text[:DISPLAY_LIMIT], level_of(match.group(2)), match.group(1), sanitize(match.group(3)), text)
    if fmt in {"auto", "syslog"} and (match := _SYSLOG.match(line)):
        return LogRecord(text[:DISPLAY_LIMIT], _keyword_level(match.group(4)), match.group(1),
                         sanitize(match.group(4)), text)  # fmt: skip
    stamp = _LEADING_TIME.match(line)
    message = sanitize(line[stamp.end() :].lstrip(" :")) if stamp else text
    return LogRecord(text[:DISPLAY_LIMIT], _keyword_level(line), stamp.group(1) if stamp else "", message, text)


def is_continuation(line: str) -> bool:
    """A line that belongs to the record before it: an indented stack-trace frame or `Caused by:`."""
    return bool(line) and (line[0] in " \t" or line.startswith(("Caused by:", "Traceback ", "During handling")))


def parse_lines(lines: list[str], fmt: str = "auto") -> list[LogRecord]:
    """Parse a batch of lines, folding continuation lines (stack traces) into the record before them."""
    records: list[LogRecord] = []
    for line in lines:
        if records and is_continuation(line):
            last = records[-1]
            records[-1] = LogRecord(last.text, last.level, last.time, last.message, f"{last.full}\n{line}", last.fields)
            continue
        records.append(parse_line(line, fmt))
    return records
