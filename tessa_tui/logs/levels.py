"""Log levels, worst last: what the parser assigns, the filter compares and the command line offers; and the words
and numbers that name them in the formats real programs write."""

from __future__ import annotations

import re

TYPE_CHECKING = False  # not typing's: importing typing is what `tessa-tui --help` must not pay for

if TYPE_CHECKING:  # `tessa-tui --help` lists the levels: typing stays off its path
    from typing import Any, Literal

    Level = Literal["trace", "debug", "info", "warn", "error", "fatal", "unknown"]

LEVELS: tuple[Level, ...] = ("trace", "debug", "info", "warn", "error", "fatal", "unknown")
RANK: dict[str, int] = {level: rank for rank, level in enumerate(LEVELS[:-1])}
RANK["unknown"] = -1

# Level names of PostgreSQL, syslog, Java (JUL, log4j, logback), Python, Go, Rust, nginx and Apache.
WORDS: dict[str, Level] = {
    "trace": "trace",
    "finest": "trace",
    "finer": "trace",
    "debug": "debug",
    "debug1": "debug",
    "debug2": "debug",
    "debug3": "debug",
    "debug4": "debug",
    "debug5": "debug",
    "dbug": "debug",
    "dbg": "debug",
    "fine": "debug",
    "verbose": "debug",
    "info": "info",
    "information": "info",
    "notice": "info",
    "config": "info",
    "log": "info",
    "statement": "info",
    "detail": "info",
    "hint": "info",
    "context": "info",
    "inf": "info",
    "warn": "warn",
    "warning": "warn",
    "wrn": "warn",
    "error": "error",
    "err": "error",
    "eror": "error",
    "erro": "error",
    "severe": "error",
    "critical": "fatal",
    "crit": "fatal",
    "fatal": "fatal",
    "panic": "fatal",
    "dpanic": "fatal",
    "alert": "fatal",
    "emerg": "fatal",
    "emergency": "fatal",
    "ftl": "fatal",
}
for _n in range(1, 9):  # Apache's trace1 .. trace8
    WORDS[f"trace{_n}"] = "trace"
# The same words as they are written (INFO, Info, info): one dict lookup per line, no lower().
_SPELLED: dict[str, Level] = {}
for _word, _level in WORDS.items():
    _SPELLED[_word] = _SPELLED[_word.upper()] = _SPELLED[_word.capitalize()] = _level

# pino / bunyan numeric levels, and every spelling above: one dict lookup for a JSON line's level value.
VALUES: dict[str | int, Level] = {10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal"}
for _word, _level in _SPELLED.items():
    VALUES[_word] = _level
_NUMERIC: tuple[tuple[int, Level], ...] = (
    (60, "fatal"),
    (50, "error"),
    (40, "warn"),
    (30, "info"),
    (20, "debug"),
    (10, "trace"),
)
# syslog severities 0-7 (emerg, alert, crit, err, warning, notice, info, debug).
SYSLOG: tuple[Level, ...] = ("fatal", "fatal", "fatal", "error", "warn", "info", "info", "debug")
# OpenTelemetry's SeverityNumber: 1-4 trace, 5-8 debug, 9-12 info, 13-16 warn, 17-20 error, 21-24 fatal.
_OTEL: tuple[Level, ...] = ("trace", "debug", "info", "warn", "error", "fatal")
_NUMBER = re.compile(r"\d+(?:\.\d+)?", re.ASCII)  # str.isdigit() also takes `²`, which int() refuses


def word_level(word: str) -> Level:
    """The level a word names as written (`ERROR`, `warning`, `Info`); "unknown" for any other word."""
    return _SPELLED.get(word) or WORDS.get(word.lower(), "unknown")


def level_of(value: Any) -> Level:
    """A level from a name (`WARNING`, `err`, `debug2`) or a pino/bunyan number."""
    if isinstance(value, bool):
        return "unknown"
    if isinstance(value, int | float):
        return next((name for floor, name in _NUMERIC if value >= floor), "trace")
    if isinstance(value, str):
        level = _SPELLED.get(value)
        if level is not None:
            return level
        text = value.strip().lower()
        if _NUMBER.fullmatch(text):
            return level_of(float(text))  # float: a 5,000-digit level is inf, not int()'s ValueError
        return WORDS.get(text, "unknown")
    return "unknown"


def small_number(value: Any) -> int | None:
    """A non-negative count of at most 99 from a number or a digit string (never int() on 5,000 digits)."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        digits = value.lstrip("0")
        return 99 if len(digits) > 2 else int(digits or "0")
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return min(value, 99)
    return None


def syslog_level(priority: Any) -> Level:
    """The level of a syslog priority or severity (journald's PRIORITY 0-7, a `<PRI>`'s low three bits)."""
    number = small_number(priority)
    return "unknown" if number is None else SYSLOG[min(number, 7)]


def otel_level(number: Any) -> Level:
    """The level of an OpenTelemetry SeverityNumber (1-24)."""
    value = small_number(number)
    return "unknown" if not value else _OTEL[min((value - 1) // 4, 5)]


def status_level(status: int) -> Level:
    """An HTTP response's level: 5xx error, 4xx warn, anything else info."""
    return "error" if status >= 500 else "warn" if status >= 400 else "info"


def worst(first: Level, second: Level) -> Level:
    return first if RANK[first] >= RANK[second] else second
